//! HMAC-signed Service API calls for HR systems: valid, stale, tampered,
//! replayed; and the one case a credential may travel in a response.

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport,
};
use entra_connect::config;
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::service_api::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use entra_connect::service_api::{handle, webtrigger::WebTriggerRequest};
use entra_emulator::Emulator;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const ADELE: &str = "adele.vance@contoso.example";
const ADELE_ID: &str = "7bbae7fa-8c4a-4c31-a223-6cdb301c14bb";

fn signed(secret: &str, timestamp: u64, body: &Value) -> WebTriggerRequest {
    let text = body.to_string();
    let ts = timestamp.to_string();
    let mut headers = BTreeMap::new();
    headers.insert(TIMESTAMP_HEADER.to_string(), vec![ts.clone()]);
    headers.insert(
        SIGNATURE_HEADER.to_string(),
        vec![format!("v1={}", signature::sign(secret, &ts, &text))],
    );
    WebTriggerRequest {
        method: "POST".into(),
        path: "/".into(),
        headers,
        query_parameters: BTreeMap::new(),
        body: Some(text),
    }
}

async fn setup() -> (Emulator, MemoryHost, String) {
    let emulator = Emulator::demo();
    let (host, _key) = configure(jira_with_assigned_request(), &emulator).await;
    let secret = signature::rotate(&host).await.unwrap();
    (emulator, host, secret.expose().to_string())
}

#[test]
fn a_valid_signature_authenticates_and_cannot_be_replayed() {
    run(async {
        let (emulator, host, secret) = setup().await;
        let transport = InProcessTransport(emulator);
        let now = host.now_ms() / 1000;
        let request = signed(
            &secret,
            now,
            &json!({"route": "user.get", "data": {"user": ADELE}}),
        );
        let first = handle(&request, &host, &transport).await;
        assert_eq!(first.status_code, 200, "{}", first.body);
        assert_eq!(json_body(&first)["result"]["id"], ADELE_ID);
        let replay = handle(&request, &host, &transport).await;
        assert_eq!(replay.status_code, 401);
        assert!(json_body(&replay)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already received"));
    });
}

#[test]
fn stale_tampered_malformed_and_unconfigured_signatures_are_refused() {
    run(async {
        let (emulator, host, secret) = setup().await;
        let transport = InProcessTransport(emulator);
        let now = host.now_ms() / 1000;
        let body = json!({"route": "user.get", "data": {"user": ADELE}});
        let stale = handle(&signed(&secret, now - 301, &body), &host, &transport).await;
        assert_eq!(stale.status_code, 401);
        assert!(json_body(&stale)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("5 minutes"));
        let future = handle(&signed(&secret, now + 301, &body), &host, &transport).await;
        assert_eq!(future.status_code, 401);

        let mut tampered = signed(&secret, now, &body);
        tampered.body = Some(
            json!({"route": "user.get", "data": {"user": "megan.bowen@contoso.example"}})
                .to_string(),
        );
        let res = handle(&tampered, &host, &transport).await;
        assert_eq!(res.status_code, 401);
        assert!(json_body(&res)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid"));

        let wrong_secret = handle(
            &signed("eidchr_not-the-secret", now, &body),
            &host,
            &transport,
        )
        .await;
        assert_eq!(wrong_secret.status_code, 401);

        let mut malformed = signed(&secret, now, &body);
        malformed
            .headers
            .insert(SIGNATURE_HEADER.into(), vec!["sha256=abc".into()]);
        assert_eq!(handle(&malformed, &host, &transport).await.status_code, 401);
        let mut no_time = signed(&secret, now, &body);
        no_time
            .headers
            .insert(TIMESTAMP_HEADER.into(), vec!["yesterday".into()]);
        assert_eq!(handle(&no_time, &host, &transport).await.status_code, 401);

        let fresh = MemoryHost::new();
        let unconfigured = handle(
            &signed(&secret, fresh.now_ms() / 1000, &body),
            &fresh,
            &transport,
        )
        .await;
        assert_eq!(unconfigured.status_code, 401);
        assert!(json_body(&unconfigured)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("admin page"));
    });
}

#[test]
fn only_a_signed_call_with_the_admins_consent_receives_the_credential() {
    run(async {
        let (emulator, host, secret) = setup().await;
        let transport = InProcessTransport(emulator.clone());
        let mut app = config::load(&host).await.unwrap();
        app.policy.return_secret_in_response_for_signed_hr = true;
        config::save(&host, &app).await.unwrap();
        let now = host.now_ms() / 1000;
        let body =
            json!({"route": "user.resetPassword", "data": {"user": ADELE}, "issueKey": "ITSM-1"});
        let res = handle(&signed(&secret, now, &body), &host, &transport).await;
        let answer = json_body(&res);
        assert_eq!(res.status_code, 200, "{answer}");
        let password = answer["result"]["credential"]["value"]
            .as_str()
            .expect("the signed HR caller gets it");
        assert!(emulator.user_has_password(ADELE_ID, password));
        // Not remembered for replay, not logged, not stored outside secrets.
        assert!(host.logs().iter().all(|(_, l)| !l.contains(password)));
        assert!(host
            .kvs_snapshot()
            .values()
            .all(|v| !v.to_string().contains(password)));

        // The same consent does nothing for a bearer-key caller.
        let (_, key) = entra_connect::service_api::service_key::rotate(&host)
            .await
            .map(|(k, i)| (i, k.expose().to_string()))
            .unwrap();
        let keyed = handle(&post(&key, &json!({"route": "user.resetPassword", "data": {"user": ADELE}, "issueKey": "ITSM-1", "idempotencyKey": "k-2"})), &host, &transport).await;
        let keyed_answer = json_body(&keyed);
        assert_eq!(keyed.status_code, 200, "{keyed_answer}");
        assert!(keyed_answer["result"]["credential"]["value"].is_null());
        assert!(keyed_answer["result"]["credential"]["id"].is_string());
    });
}
