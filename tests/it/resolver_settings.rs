//! Admin resolvers for configuration and the Entra connection.

use crate::support::{run, InProcessTransport, BASE};
use entra_connect::host::memory::MemoryHost;
use entra_connect::http::HttpResponse;
use entra_connect::resolver::{handle, ResolverContext};
use entra_emulator::Emulator;
use serde_json::{json, Value};

fn admin_host() -> MemoryHost {
    MemoryHost::new().with_jira(|_| HttpResponse {
        status: 200,
        headers: vec![],
        body: json!({"permissions": {"ADMINISTER": {"havePermission": true}}}).to_string(),
    })
}

fn admin() -> ResolverContext {
    ResolverContext {
        account_id: Some("admin-1".into()),
        module_key: None,

        ..ResolverContext::default()
    }
}

async fn call(host: &MemoryHost, emulator: &Emulator, function: &str, payload: Value) -> Value {
    handle(
        function,
        &payload,
        &admin(),
        host,
        &InProcessTransport(emulator.clone()),
    )
    .await
}

fn connection(emulator: &Emulator) -> Value {
    let creds = emulator.credentials();
    json!({"tenantId": creds.tenant_id, "clientId": creds.client_id, "loginBase": BASE, "graphBase": BASE})
}

#[test]
fn save_validates_and_names_the_field() {
    run(async {
        let emulator = Emulator::demo();
        let host = admin_host();
        let bad = call(&host, &emulator, "config.save", json!({"config": {"connection": {"tenantId": "common", "clientId": "00000000-0000-0000-0000-000000000001"}}})).await;
        assert_eq!(bad["ok"], false);
        assert_eq!(bad["error"]["field"], "config.connection.tenantId");
        assert!(
            host.kvs_snapshot().is_empty(),
            "an invalid config is not written"
        );

        let typo = call(
            &host,
            &emulator,
            "config.save",
            json!({"config": {"provisioning": {"namingTemplat": "x"}}}),
        )
        .await;
        assert_eq!(typo["error"]["field"], "config.provisioning.namingTemplat");

        let ok = call(
            &host,
            &emulator,
            "config.save",
            json!({"config": {"connection": connection(&emulator)}}),
        )
        .await;
        assert_eq!(ok["ok"], true, "{ok}");
        let got = call(&host, &emulator, "config.get", json!({})).await;
        assert_eq!(
            got["value"]["config"]["connection"]["tenantId"],
            emulator.credentials().tenant_id
        );
        assert_eq!(got["value"]["clientSecretSet"], false);
    });
}

#[test]
fn client_secret_is_write_only_and_checked() {
    run(async {
        let emulator = Emulator::demo();
        let host = admin_host();
        let id_not_value = call(
            &host,
            &emulator,
            "connection.setClientSecret",
            json!({"clientSecret": "6e7b768e-07e2-4810-8459-485f84f8f204"}),
        )
        .await;
        assert_eq!(id_not_value["error"]["field"], "clientSecret");
        assert!(id_not_value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Value"));
        let secret = emulator.credentials().client_secret;
        let set = call(
            &host,
            &emulator,
            "connection.setClientSecret",
            json!({"clientSecret": secret}),
        )
        .await;
        assert_eq!(set["ok"], true);
        let got = call(&host, &emulator, "config.get", json!({})).await;
        assert_eq!(got["value"]["clientSecretSet"], true);
        assert!(
            !got.to_string().contains(&secret),
            "the secret is never sent back"
        );
        assert!(host
            .kvs_snapshot()
            .values()
            .all(|v| !v.to_string().contains(&secret)));
        assert!(host.logs().iter().all(|(_, l)| !l.contains(&secret)));
    });
}

#[test]
fn connection_test_reports_granted_permissions_or_the_reason() {
    run(async {
        let emulator = Emulator::demo();
        let host = admin_host();
        call(
            &host,
            &emulator,
            "config.save",
            json!({"config": {"connection": connection(&emulator)}}),
        )
        .await;
        let missing = call(&host, &emulator, "connection.test", json!({})).await;
        assert_eq!(missing["value"]["connected"], false);
        assert!(missing["value"]["problem"]
            .as_str()
            .unwrap()
            .contains("client secret"));

        call(
            &host,
            &emulator,
            "connection.setClientSecret",
            json!({"clientSecret": "wrong-secret-value"}),
        )
        .await;
        let wrong = call(&host, &emulator, "connection.test", json!({})).await;
        assert_eq!(wrong["value"]["connected"], false, "{wrong}");
        assert!(
            wrong["value"]["problem"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("secret"),
            "{wrong}"
        );

        call(
            &host,
            &emulator,
            "connection.setClientSecret",
            json!({"clientSecret": emulator.credentials().client_secret}),
        )
        .await;
        let ok = call(&host, &emulator, "connection.test", json!({})).await;
        assert_eq!(ok["value"]["connected"], true, "{ok}");
        let roles: Vec<&str> = ok["value"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(roles.contains(&"User.ReadWrite.All"), "{roles:?}");
    });
}

#[test]
fn settings_are_admin_only() {
    run(async {
        let emulator = Emulator::demo();
        let host = MemoryHost::new().with_jira(|_| HttpResponse {
            status: 200,
            headers: vec![],
            body: json!({"permissions": {"ADMINISTER": {"havePermission": false}}}).to_string(),
        });
        for function in [
            "config.get",
            "config.save",
            "connection.setClientSecret",
            "connection.test",
        ] {
            let res = call(
                &host,
                &emulator,
                function,
                json!({"config": {}, "clientSecret": "x-y-z"}),
            )
            .await;
            assert_eq!(res["error"]["code"], "forbidden", "{function}");
        }
        assert!(host.kvs_snapshot().is_empty() && host.secrets_snapshot().is_empty());
    });
}
