//! Entra ID Connect for JSM: the Rust core.
//!
//! The Forge JS shim (`src/index.js`) forwards every entry point here with a
//! `host` object. Everything that decides anything lives in this crate, behind
//! two ports so native tests can run every flow without JS or sockets:
//! [`host::Host`] (Forge capabilities: KVS, secrets, Jira, clock, log) and
//! [`http::Transport`] (outbound HTTPS to Entra and Graph).

pub mod audit;
pub mod automation;
pub mod config;
pub mod delivery;
pub mod enrichment;
pub mod graph;
pub mod host;
pub mod http;
pub mod jobs;
pub mod operation;
pub mod ops;
pub mod policy;
pub mod portal;
pub mod random;
pub mod resolver;
pub mod secret;
pub mod service_api;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
