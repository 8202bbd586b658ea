//! The wasm boundary: the functions `src/index.js` calls, and adapters that
//! implement the core's ports over JS values.

mod exports;
mod fetch;
mod js_host;
mod json;
mod tables;

pub use fetch::FetchTransport;
pub use js_host::JsHost;
