//! Functions exported to JS. Each takes plain JS values and a host object,
//! and returns plain JSON-compatible values.

use super::js_host::{HostObject, JsHost};
use crate::service_api::{self, service_key, webtrigger::WebTriggerRequest};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn to_js(value: &impl Serialize) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from_str(&e.to_string()))
}

/// The Service API web trigger.
#[wasm_bindgen(js_name = handleWebTrigger)]
pub async fn handle_web_trigger(request: JsValue, host: HostObject) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    // Forge always sends an object; if a future runtime did not, treat it as
    // an empty request so the gate answers with its normal error contract.
    let request: WebTriggerRequest = serde_wasm_bindgen::from_value(request).unwrap_or_default();
    to_js(&service_api::handle(&request, &host).await)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssuedKey {
    key: String,
    fingerprint: String,
    created_at_ms: u64,
}

/// Issues a new Service API key and revokes the old one. The key is returned
/// once, for the admin page to show; it is stored only as a verifier.
#[wasm_bindgen(js_name = rotateServiceKey)]
pub async fn rotate_service_key(host: HostObject) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    let (key, info) = service_key::rotate(&host)
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    to_js(&IssuedKey {
        key: key.expose().to_string(),
        fingerprint: info.fingerprint,
        created_at_ms: info.created_at_ms,
    })
}

/// Fingerprint and creation time of the current key, or null.
#[wasm_bindgen(js_name = serviceKeyInfo)]
pub async fn service_key_info(host: HostObject) -> Result<JsValue, JsValue> {
    let host = JsHost::new(host);
    let info = service_key::info(&host)
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    to_js(&info)
}

/// Panics on purpose. It exists only so the test suite can prove that the
/// shim survives a trap (clean 500, module re-initialised); no manifest
/// module or route reaches it.
#[wasm_bindgen(js_name = diagnosticTrap)]
pub fn diagnostic_trap() {
    panic!("diagnostic trap requested");
}
