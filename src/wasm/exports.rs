//! Functions exported to JS. Each takes plain JS values and a host object,
//! and returns plain JSON-compatible values.

use super::fetch::FetchTransport;
use super::js_host::{HostObject, JsHost};
use crate::service_api::{self, webtrigger::WebTriggerRequest};
use wasm_bindgen::prelude::*;

thread_local! {
    /// Set once this instance has seen the stored data in the current
    /// layout: later invocations skip even the one read.
    static STORAGE_CURRENT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Old-layout keys the first invocations of a new version move before
/// doing their own work (the rest follow on later invocations, the
/// upgrade event and the hourly sweep).
const MIGRATE_PER_INVOCATION: usize = 100;

/// Moves a chunk of data written by an older version, if any is left
/// (see `maintenance::migrate`). A failure is logged; the invocation goes
/// on and a later one resumes.
async fn storage_ready(host: &JsHost) {
    if STORAGE_CURRENT.with(std::cell::Cell::get) {
        return;
    }
    match crate::maintenance::migrate::run(host, MIGRATE_PER_INVOCATION).await {
        Ok(report) if report.complete => STORAGE_CURRENT.with(|c| c.set(true)),
        Ok(_) => {}
        Err(e) => crate::host::Host::log(
            host,
            crate::host::LogLevel::Warn,
            &format!("storage migration paused: {e}"),
        ),
    }
}

use super::json::{from_js, to_js};

/// The Service API web trigger.
#[wasm_bindgen(js_name = handleWebTrigger)]
pub async fn handle_web_trigger(request: JsValue, host: HostObject) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    storage_ready(&host).await;
    // Forge always sends an object; if a future runtime did not, treat it as
    // an empty request so the gate answers with its normal error contract.
    let request: WebTriggerRequest = from_js(&request).unwrap_or_default();
    to_js(&service_api::handle(&request, &host, &FetchTransport).await)
}

/// Panics on purpose. It exists only so the test suite can prove that the
/// shim survives a trap (clean 500, module re-initialised); no manifest
/// module or route reaches it.
#[wasm_bindgen(js_name = diagnosticTrap)]
pub fn diagnostic_trap() {
    panic!("diagnostic trap requested");
}

/// Custom UI resolvers: `invoke(functionKey, payload)` from a page.
#[wasm_bindgen(js_name = handleResolver)]
pub async fn handle_resolver(
    function_key: String,
    payload: JsValue,
    context: JsValue,
    host: HostObject,
) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    storage_ready(&host).await;
    let payload: serde_json::Value = from_js(&payload).unwrap_or_default();
    let context: crate::resolver::ResolverContext = from_js(&context).unwrap_or_default();
    to_js(&crate::resolver::handle(&function_key, &payload, &context, &host, &FetchTransport).await)
}

/// A Forge automation action: the configured inputs in, smart values or
/// `{errors: [{message}]}` out.
#[wasm_bindgen(js_name = handleAutomationAction)]
pub async fn handle_automation_action(
    action_key: String,
    payload: JsValue,
    actor_account_id: Option<String>,
    host: HostObject,
) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    storage_ready(&host).await;
    let payload: serde_json::Value = from_js(&payload).unwrap_or_default();
    to_js(
        &crate::automation::handle(
            &action_key,
            &payload,
            actor_account_id.as_deref(),
            &host,
            &FetchTransport,
        )
        .await,
    )
}

/// The automation action catalogue, so tests can hold `manifest.yml` to it.
#[wasm_bindgen(js_name = automationCatalog)]
pub fn automation_catalog() -> Result<JsValue, JsValue> {
    to_js(&serde_json::json!({
        "actions": crate::automation::catalog::ACTIONS,
        "outputs": crate::automation::catalog::OUTPUTS,
    }))
}

/// The Custom Entity Store entities the core uses, so tests can hold
/// `manifest.yml`'s `app.storage.entities` to them.
#[wasm_bindgen(js_name = storageEntities)]
pub fn storage_entities() -> Result<JsValue, JsValue> {
    to_js(&crate::layout::entities_json())
}

/// Product events: `created` for `avi:jira:created:issue`, `updated` for
/// `avi:jira:updated:issue`.
#[wasm_bindgen(js_name = handleIssueEvent)]
pub async fn handle_issue_event(
    kind: String,
    event: JsValue,
    host: HostObject,
) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    storage_ready(&host).await;
    let event: serde_json::Value = from_js(&event).unwrap_or_default();
    let result = match kind.as_str() {
        "created" => crate::portal::on_created(&event, &host, &FetchTransport).await,
        "updated" => crate::portal::on_updated(&event, &host, &FetchTransport).await,
        _ => crate::portal::PortalResult::Ignored,
    };
    to_js(&result)
}

/// The hourly scheduled trigger: storage upkeep (migration, retention),
/// then the sweep of waiting portal operations, whose results it answers.
#[wasm_bindgen(js_name = runScheduledSweep)]
pub async fn run_scheduled_sweep(host: HostObject) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    let results = crate::maintenance::hourly(&host, &FetchTransport).await;
    to_js(&results)
}

/// Forge's `avi:forge:upgraded:app` lifecycle event: moves data written by
/// the previous version into the current layout (as much as fits; the
/// sweep and later invocations finish it).
#[wasm_bindgen(js_name = handleAppUpgraded)]
pub async fn handle_app_upgraded(host: HostObject) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    let report = crate::maintenance::migrate::run(&host, crate::maintenance::MIGRATE_PER_RUN)
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    to_js(&report)
}

/// The Forge queue consumer of bulk jobs: runs one event's chunk of items.
/// Answers `{"status": "retry", "retryAfterSeconds"}` when Entra throttles;
/// the shim turns that into Forge's `InvocationError({retryAfter})`.
#[wasm_bindgen(js_name = handleJobEvent)]
pub async fn handle_job_event(event: JsValue, host: HostObject) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    storage_ready(&host).await;
    let event: serde_json::Value = from_js(&event).unwrap_or_default();
    if event["body"]["schedule"] == "continue" {
        // Due scheduled steps the hourly run had no time left for.
        let stop_at = crate::host::Host::now_ms(&host) + crate::maintenance::HOURLY_BUDGET_MS;
        return to_js(&crate::scheduler::run_due(&host, &FetchTransport, stop_at).await);
    }
    to_js(&crate::jobs::consume::handle_event(&event, &host, &FetchTransport).await)
}

/// The Assets import's lifecycle functions (`jiraServiceManagement:assetsImportType`):
/// `kind` is `start`, `stop`, `status` or `delete`, `payload` what Assets
/// passes. Answers `{"result"}` / `{"status"}`, or `{"error"}` with a
/// message for the Assets admin (the shim throws it).
#[wasm_bindgen(js_name = handleAssetsFunction)]
pub async fn handle_assets_function(
    kind: String,
    payload: JsValue,
    host: HostObject,
) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    storage_ready(&host).await;
    let payload: serde_json::Value = from_js(&payload).unwrap_or_default();
    use crate::assets::functions;
    let answer = match kind.as_str() {
        "start" => functions::start_import(&payload, &host).await,
        "stop" => functions::stop_import(&payload, &host).await,
        "status" => functions::import_status(&payload, &host).await,
        "delete" => functions::delete_import(&payload, &host).await,
        _ => serde_json::json!({"error": "unknown Assets import function"}),
    };
    to_js(&answer)
}

/// The Assets import's queue consumer: one step of a run. Answers
/// `{"status": "retry", "retryAfterSeconds"}` when storage failed; the
/// shim turns that into Forge's `InvocationError({retryAfter})`.
#[wasm_bindgen(js_name = handleAssetsImportEvent)]
pub async fn handle_assets_import_event(
    event: JsValue,
    host: HostObject,
) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    storage_ready(&host).await;
    let event: serde_json::Value = from_js(&event).unwrap_or_default();
    to_js(&crate::assets::run::handle_event(&event, &host, &FetchTransport).await)
}

/// The Assets import's hourly trigger: starts the runs that are due.
#[wasm_bindgen(js_name = runAssetsImportSchedule)]
pub async fn run_assets_import_schedule(host: HostObject) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    storage_ready(&host).await;
    to_js(&crate::assets::functions::run_schedule(&host).await)
}
