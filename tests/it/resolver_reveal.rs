//! `secret.reveal`: a credential is shown once, to an allowed person only,
//! and never after it expired.

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport, AGENT,
};
use entra_connect::resolver::{handle, ResolverContext};
use entra_connect::service_api;
use entra_emulator::Emulator;
use serde_json::{json, Value};

const LEE: &str = "lee.gu@contoso.example";

fn as_person(account: &str) -> ResolverContext {
    ResolverContext {
        account_id: Some(account.into()),
        ..ResolverContext::default()
    }
}

async fn reset(emulator: &Emulator) -> (entra_connect::host::memory::MemoryHost, String) {
    let (host, key) = configure(jira_with_assigned_request(), emulator).await;
    let transport = InProcessTransport(emulator.clone());
    let res = service_api::handle(
        &post(
            &key,
            &json!({"route": "user.resetPassword", "data": {"user": LEE}, "issueKey": "ITSM-1"}),
        ),
        &host,
        &transport,
    )
    .await;
    let body = json_body(&res);
    assert_eq!(res.status_code, 200, "{body}");
    (
        host,
        body["result"]["credential"]["id"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

async fn reveal(
    host: &entra_connect::host::memory::MemoryHost,
    emulator: &Emulator,
    who: &str,
    id: &str,
) -> Value {
    handle(
        "secret.reveal",
        &json!({"credentialId": id}),
        &as_person(who),
        host,
        &InProcessTransport(emulator.clone()),
    )
    .await
}

#[test]
fn the_assignee_reveals_it_once_and_nobody_else_can() {
    run(async {
        let emulator = Emulator::demo();
        let (host, id) = reset(&emulator).await;
        let stranger = reveal(&host, &emulator, "someone-else", &id).await;
        assert_eq!(stranger["error"]["code"], "forbidden");
        let shown = reveal(&host, &emulator, AGENT, &id).await;
        let value = shown["value"]["value"]
            .as_str()
            .expect("revealed to the assignee")
            .to_string();
        let lee = emulator.user(LEE).unwrap();
        assert!(emulator.user_has_password(lee["id"].as_str().unwrap(), &value));
        let again = reveal(&host, &emulator, AGENT, &id).await;
        assert_eq!(again["error"]["code"], "gone");
        assert!(
            host.secrets_snapshot()
                .values()
                .all(|v| !v.contains(&value)),
            "deleted as it was revealed"
        );
        assert!(host.logs().iter().all(|(_, l)| !l.contains(&value)));
        let audit = serde_json::to_string(&host.kvs_snapshot()).unwrap();
        assert!(
            audit.contains("revealed") || audit.contains("Revealed"),
            "the reveal is audited"
        );
        assert!(!audit.contains(&value));
    });
}

#[test]
fn an_expired_credential_cannot_be_revealed() {
    run(async {
        let emulator = Emulator::demo();
        let (host, id) = reset(&emulator).await;
        host.advance(25 * 60 * 60 * 1000);
        let late = reveal(&host, &emulator, AGENT, &id).await;
        assert_eq!(late["error"]["code"], "gone", "{late}");
        assert!(late["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"));
    });
}

#[test]
fn malformed_ids_and_anonymous_callers_are_refused() {
    run(async {
        let emulator = Emulator::demo();
        let (host, _) = reset(&emulator).await;
        let bad = reveal(&host, &emulator, AGENT, "../../etc").await;
        assert_eq!(bad["error"]["field"], "credentialId");
        let anonymous = handle(
            "secret.reveal",
            &json!({"credentialId": "abc"}),
            &ResolverContext::default(),
            &host,
            &InProcessTransport(emulator.clone()),
        )
        .await;
        assert_eq!(anonymous["error"]["code"], "forbidden");
    });
}
