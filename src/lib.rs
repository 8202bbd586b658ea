//! Entra ID Connect for JSM: the Rust core.
//!
//! The Forge JS shim (`src/index.js`) forwards every entry point here with a
//! `host` object. Everything that decides anything lives in this crate, behind
//! two ports so native tests can run every flow without JS or sockets:
//! [`host::Host`] (Forge capabilities: KVS, secrets, Jira, clock, log) and
//! [`http::Transport`] (outbound HTTPS to Entra and Graph).
//!
//! Modules are declared in reading order, lowest layer first. A module
//! imports only modules declared before it; `ARCHITECTURE.md` draws the map
//! and `tests/it/layers.rs` keeps the rule.

#![warn(missing_docs)]

// Foundations.
pub mod secret; // a credential value that cannot be displayed or serialised
pub mod random; // random ids and passwords from the platform's CSPRNG
pub mod http; // the Transport port: outbound HTTPS requests and responses
pub mod layout; // the storage layout: every key, entity and index, Forge's key rule
pub mod host; // the Host port: Forge KVS, secrets, Jira REST, queue, clock, log
pub mod tables; // where a deflated data table's bytes come from (built in, or the JS side)
pub mod dates; // the one reader of date inputs: ISO 8601 forms to RFC 3339 UTC

// Microsoft Graph and the procedures that change Entra.
pub mod graph; // Graph client: token, requests, errors, retries, $batch, paging
pub mod lifecycle; // Graph-level procedures: a validated request as planned steps, run

// What is asked, what is allowed, what is kept.
pub mod route; // the closed set of routes and the inputs each declares
pub mod config; // what the admin sets: connection, provisioning, policy, request types
pub mod policy; // decides: serviceable groups, protected targets, requesters, approvals
pub mod audit; // the audit trail and the internal comments that summarise it
pub mod delivery; // one-time delivery of generated credentials
pub mod enrichment; // Entra attributes written to Jira fields
pub mod schedule; // scheduled steps and each person's lifecycle state, in Forge storage

// The one operation pipeline every entry point goes through.
pub mod pipeline; // parse, resolve, authorize, execute, record, answer

// Entry points, each adapting one Forge calling convention to the pipeline.
pub mod jobs; // bulk jobs worked through by a Forge queue consumer
pub mod service_api; // the web trigger: auth gate, envelope, OpenAPI
pub mod automation; // Forge automation actions
pub mod portal; // JSM portal requests: created and updated events, the sweep
pub mod scheduler; // runs due scheduled steps through the pipeline, exactly once
pub mod maintenance; // storage upkeep: migration from older layouts, retention, the hourly run
pub mod assets; // JSM Assets import: the schema the app owns, the run engine, the lifecycle functions
pub mod resolver; // Custom UI resolvers: issue panel, portal panel, admin page

// The wasm-bindgen exports that src/index.js calls.
#[cfg(target_arch = "wasm32")]
pub mod wasm;
