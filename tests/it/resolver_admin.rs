//! Admin resolvers: only Jira administrators may see or rotate the service key.

use crate::support::{run, InProcessTransport};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::JiraAs;
use entra_connect::http::HttpResponse;
use entra_connect::resolver::ResolverContext;
use serde_json::{json, Value};

fn jira_admin(is_admin: bool) -> MemoryHost {
    MemoryHost::new().with_jira(move |request| {
        assert_eq!(
            request.as_who,
            JiraAs::User,
            "permission must be checked as the caller"
        );
        assert!(request.path.starts_with("/rest/api/3/mypermissions"));
        HttpResponse {
            status: 200,
            headers: vec![],
            body: json!({"permissions": {"ADMINISTER": {"havePermission": is_admin}}}).to_string(),
        }
    })
}

async fn handle(
    function_key: &str,
    payload: &Value,
    context: &ResolverContext,
    host: &MemoryHost,
) -> Value {
    let transport = InProcessTransport(entra_emulator::Emulator::demo());
    entra_connect::resolver::handle(function_key, payload, context, host, &transport).await
}

fn caller() -> ResolverContext {
    ResolverContext {
        account_id: Some("5b10ac8d82e05b22cc7d4ef5".into()),
        module_key: None,

        ..ResolverContext::default()
    }
}

#[test]
fn admin_rotates_and_sees_only_the_fingerprint_afterwards() {
    run(async {
        let host = jira_admin(true);
        let rotated = handle("serviceKey.rotate", &Value::Null, &caller(), &host).await;
        assert_eq!(rotated["ok"], true, "{rotated}");
        let key = rotated["value"]["key"].as_str().unwrap().to_string();
        assert!(key.starts_with("eidc_") && key.len() > 40);
        let info = handle("serviceKey.info", &Value::Null, &caller(), &host).await;
        assert_eq!(
            info["value"]["fingerprint"],
            rotated["value"]["fingerprint"]
        );
        assert!(!info.to_string().contains(&key));
        assert!(host.logs().iter().all(|(_, line)| !line.contains(&key)));
    });
}

#[test]
fn non_admin_and_anonymous_are_refused() {
    run(async {
        let host = jira_admin(false);
        let refused = handle("serviceKey.rotate", &Value::Null, &caller(), &host).await;
        assert_eq!(refused["ok"], false);
        assert_eq!(refused["error"]["code"], "forbidden");
        assert!(host.secrets_snapshot().is_empty(), "nothing may be written");
        let anonymous = handle(
            "serviceKey.rotate",
            &Value::Null,
            &ResolverContext::default(),
            &host,
        )
        .await;
        assert_eq!(anonymous["error"]["code"], "forbidden");
    });
}

#[test]
fn unknown_function_is_named() {
    run(async {
        let host = jira_admin(true);
        let res = handle("nope.nothing", &Value::Null, &caller(), &host).await;
        assert_eq!(res["error"]["code"], "unknown_function");
        assert!(res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nope.nothing"));
    });
}
