//! Enrichment: the reporter's Entra attributes land in the mapped Jira
//! fields when a request is created.

use crate::support::{configure, run, InProcessTransport};
use entra_connect::config::{self};
use entra_connect::enrichment::{enrich, Enriched};
use entra_connect::graph::Deadline;
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::http::{HttpResponse, Method};
use entra_emulator::Emulator;
use serde_json::json;

fn jira() -> MemoryHost {
    MemoryHost::new().with_jira(|_| HttpResponse {
        status: 204,
        headers: vec![],
        body: String::new(),
    })
}

#[test]
fn mapped_attributes_and_the_account_field_are_written_to_the_request() {
    run(async {
        let emulator = Emulator::demo();
        let (host, _) = configure(jira(), &emulator).await;
        let mut app = config::load(&host).await.unwrap();
        app.enrichment = serde_json::from_value(json!({
            "fields": {"department": "customfield_10200", "manager": "customfield_10201", "accountEnabled": "customfield_10202"},
            "accountField": "customfield_10300"
        }))
        .unwrap();
        config::save(&host, &app).await.unwrap();
        let transport = InProcessTransport(emulator.clone());
        emulator.clear_log();
        let deadline = Deadline::after(host.now_ms(), 10_000);
        let result = enrich(
            "ITSM-7",
            Some("adele.vance@contoso.example"),
            &app,
            &host,
            &transport,
            deadline,
        )
        .await;
        assert_eq!(result, Enriched::Written { fields: 4 });
        let put = host
            .jira_calls()
            .into_iter()
            .find(|c| c.method == Method::Put)
            .expect("a field update");
        assert_eq!(put.path, "/rest/api/3/issue/ITSM-7");
        assert_eq!(
            put.body.unwrap(),
            json!({"fields": {
                "customfield_10200": "Sales", "customfield_10201": "Alex Wilber",
                "customfield_10202": "Enabled", "customfield_10300": "adele.vance@contoso.example"
            }})
        );
        let graph = emulator
            .request_log()
            .iter()
            .filter(|r| r.path.starts_with("/v1.0"))
            .count();
        assert_eq!(graph, 1, "one Graph round trip");
    });
}

#[test]
fn unknown_reporters_and_unconfigured_apps_write_nothing() {
    run(async {
        let emulator = Emulator::demo();
        let (host, _) = configure(jira(), &emulator).await;
        let transport = InProcessTransport(emulator);
        let app = config::load(&host).await.unwrap();
        let deadline = Deadline::after(host.now_ms(), 10_000);
        assert_eq!(
            enrich(
                "ITSM-7",
                Some("x@contoso.example"),
                &app,
                &host,
                &transport,
                deadline
            )
            .await,
            Enriched::NotConfigured
        );
        let mut app = app;
        app.enrichment =
            serde_json::from_value(json!({"accountField": "customfield_10300"})).unwrap();
        assert_eq!(
            enrich(
                "ITSM-7",
                Some("nobody@contoso.example"),
                &app,
                &host,
                &transport,
                deadline
            )
            .await,
            Enriched::NoAccount
        );
        assert_eq!(
            enrich("ITSM-7", None, &app, &host, &transport, deadline).await,
            Enriched::NoReporterEmail
        );
        assert!(host.jira_calls().iter().all(|c| c.method != Method::Put));
    });
}

#[test]
fn field_ids_are_validated_with_their_path() {
    let bad =
        config::AppConfig::from_json(&json!({"enrichment": {"fields": {"department": "summary"}}}))
            .unwrap_err();
    assert_eq!(bad.field, "enrichment.fields.department");
    let bad =
        config::AppConfig::from_json(&json!({"enrichment": {"accountField": "customfield_x"}}))
            .unwrap_err();
    assert_eq!(bad.field, "enrichment.accountField");
}
