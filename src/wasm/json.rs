//! Values across the JS boundary travel as JSON text: `serde_json` writes
//! and reads them, and V8's own `JSON.parse`/`JSON.stringify` turn the
//! text into JS values and back. Every serialisable type of the core then
//! has one serialiser and one deserialiser in the wasm (`serde_json`'s,
//! which storage, Graph and the audit use anyway) instead of a second pair
//! from `serde-wasm-bindgen` monomorphised for each type.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// A JSON-compatible JS value (object, array, string, number, boolean or
/// null) holding `value`. Errors: a value `serde_json` cannot write (a map
/// whose keys are not strings), as a JS string.
pub fn to_js(value: &impl Serialize) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| JsValue::from_str(&e.to_string()))?;
    js_sys::JSON::parse(&text)
}

/// `value` read as a `T`, through its JSON text and a `serde_json::Value`
/// (the one way every type of the core is read, so each has a single
/// deserialiser in the wasm). Errors (as text): a value JSON cannot hold
/// (`undefined`, a function, a BigInt, a cycle), or one that is not a `T`
/// (serde's message).
pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let text = js_sys::JSON::stringify(value)
        .map_err(|e| e.as_string().unwrap_or_else(|| "not JSON".to_string()))?;
    let text = JsValue::from(text)
        .as_string()
        .ok_or_else(|| "undefined is not JSON".to_string())?;
    serde_json::from_str(&text)
        .and_then(serde_json::from_value)
        .map_err(|e| e.to_string())
}
