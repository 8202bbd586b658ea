//! The Service API gate, natively: method, size, authentication, envelope.

use crate::support::{run, InProcessTransport};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::service_api::webtrigger::{WebTriggerRequest, WebTriggerResponse};
use entra_connect::service_api::{service_key, MAX_BODY_BYTES};
use serde_json::Value;
use std::collections::BTreeMap;

fn request(method: &str, auth: Option<&str>, body: &str) -> WebTriggerRequest {
    let mut headers = BTreeMap::new();
    if let Some(auth) = auth {
        headers.insert("authorization".to_string(), vec![auth.to_string()]);
    }
    WebTriggerRequest {
        method: method.to_string(),
        path: "/".to_string(),
        headers,
        query_parameters: BTreeMap::new(),
        body: Some(body.to_string()),
    }
}

async fn handle(request: &WebTriggerRequest, host: &MemoryHost) -> WebTriggerResponse {
    let transport = InProcessTransport(entra_emulator::Emulator::demo());
    entra_connect::service_api::handle(request, host, &transport).await
}

fn body(response: &WebTriggerResponse) -> Value {
    serde_json::from_str(&response.body).expect("response body is JSON")
}

async fn host_with_key() -> (MemoryHost, String) {
    let host = MemoryHost::new();
    let (key, _) = service_key::rotate(&host).await.unwrap();
    (host, key.expose().to_string())
}

#[test]
fn valid_key_and_envelope_reach_the_route() {
    run(async {
        let (host, key) = host_with_key().await;
        let auth = format!("Bearer {key}");
        let res = handle(
            &request(
                "POST",
                Some(&auth),
                r#"{"route":"user.get","data":{"user":"a@b.c"}}"#,
            ),
            &host,
        )
        .await;
        // Authenticated and well-formed, it reaches the route, which says
        // the app is not connected to Entra yet.
        assert_eq!(res.status_code, 503);
        assert_eq!(body(&res)["error"]["code"], "not_configured");
        assert!(body(&res)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("admin page"));
    });
}

#[test]
fn missing_wrong_and_malformed_credentials_are_401() {
    run(async {
        let (host, key) = host_with_key().await;
        let ok_body = r#"{"route":"user.get","data":{"user":"a@b.example"}}"#;
        for auth in [
            None,
            Some("Basic abc"),
            Some("Bearer"),
            Some("Bearer wrong"),
            Some(&*format!("Bearer {key}x")),
        ] {
            let res = handle(&request("POST", auth, ok_body), &host).await;
            assert_eq!(res.status_code, 401, "{auth:?}");
            assert_eq!(body(&res)["ok"], false);
            assert_eq!(body(&res)["error"]["code"], "unauthorized");
            assert_eq!(res.headers["WWW-Authenticate"], vec!["Bearer".to_string()]);
        }
        // Scheme is case-insensitive, as RFC 7235 says.
        let res = handle(
            &request("POST", Some(&format!("bearer {key}")), ok_body),
            &host,
        )
        .await;
        assert_eq!(res.status_code, 503);
    });
}

#[test]
fn no_key_configured_is_401_with_guidance() {
    run(async {
        let host = MemoryHost::new();
        let res = handle(
            &request(
                "POST",
                Some("Bearer anything"),
                r#"{"route":"user.get","data":{"user":"a@b.example"}}"#,
            ),
            &host,
        )
        .await;
        assert_eq!(res.status_code, 401);
        assert!(body(&res)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("admin page"));
    });
}

#[test]
fn rotation_revokes_the_previous_key() {
    run(async {
        let (host, old) = host_with_key().await;
        let (new, info) = service_key::rotate(&host).await.unwrap();
        let envelope = r#"{"route":"user.get","data":{"user":"a@b.example"}}"#;
        let old_res = handle(
            &request("POST", Some(&format!("Bearer {old}")), envelope),
            &host,
        )
        .await;
        let new_res = handle(
            &request("POST", Some(&format!("Bearer {}", new.expose())), envelope),
            &host,
        )
        .await;
        assert_eq!(old_res.status_code, 401);
        assert_eq!(new_res.status_code, 503);
        assert_eq!(info.fingerprint.len(), 8);
        // Only a verifier is stored, never the key.
        let stored = host.secrets_snapshot();
        assert!(stored.values().all(|v| !v.contains(new.expose())));
        assert_eq!(service_key::info(&host).await.unwrap(), Some(info));
    });
}

#[test]
fn non_post_is_405_with_allow_header() {
    run(async {
        let (host, key) = host_with_key().await;
        for method in ["GET", "PUT", "DELETE", "PATCH"] {
            let res = handle(&request(method, Some(&format!("Bearer {key}")), ""), &host).await;
            assert_eq!(res.status_code, 405);
            assert_eq!(res.headers["Allow"], vec!["POST".to_string()]);
        }
    });
}

#[test]
fn oversized_body_is_413_before_authentication() {
    run(async {
        let host = MemoryHost::new();
        let big = format!(
            r#"{{"route":"user.get","data":{{"x":"{}"}}}}"#,
            "a".repeat(MAX_BODY_BYTES)
        );
        let res = handle(&request("POST", None, &big), &host).await;
        assert_eq!(res.status_code, 413);
        assert_eq!(body(&res)["error"]["code"], "payload_too_large");
    });
}

#[test]
fn malformed_envelopes_are_400_naming_the_field() {
    run(async {
        let (host, key) = host_with_key().await;
        let auth = format!("Bearer {key}");
        let cases = [
            ("{not json", None),
            ("[]", None),
            (r#"{"data":{}}"#, Some("route")),
            (r#"{"route":"user.explode"}"#, Some("route")),
            (r#"{"route":"user.get","data":"x"}"#, Some("data")),
            (r#"{"route":"user.get","dryRun":1}"#, Some("dryRun")),
            (
                r#"{"route":"user.get","issueKey":"nope"}"#,
                Some("issueKey"),
            ),
            (
                r#"{"route":"user.get","idempotencyKey":""}"#,
                Some("idempotencyKey"),
            ),
            (r#"{"route":"user.get","extra":true}"#, Some("extra")),
        ];
        for (payload, field) in cases {
            let res = handle(&request("POST", Some(&auth), payload), &host).await;
            assert_eq!(res.status_code, 400, "{payload}");
            let b = body(&res);
            assert_eq!(b["error"]["code"], "invalid_input");
            assert_eq!(b["error"]["field"].as_str(), field, "{payload}");
        }
    });
}

#[test]
fn logs_never_carry_the_key() {
    run(async {
        let (host, key) = host_with_key().await;
        handle(
            &request(
                "POST",
                Some(&format!("Bearer {key}")),
                r#"{"route":"user.get","data":{"user":"a@b.example"}}"#,
            ),
            &host,
        )
        .await;
        handle(
            &request(
                "POST",
                Some(&format!("Bearer {key}zz")),
                r#"{"route":"user.get","data":{"user":"a@b.example"}}"#,
            ),
            &host,
        )
        .await;
        assert!(!host.logs().is_empty());
        for (_, line) in host.logs() {
            assert!(!line.contains(&key));
        }
        assert!(host.now_ms() > 0);
    });
}
