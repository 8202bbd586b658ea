//! wasm-bindgen exports (filled in with the Service API gate).
