//! The integration tests: one crate, so the library and the emulator are
//! linked once, not once per file. Run them all with `cargo test --test it`,
//! one module with `cargo test --test it core_faults::`.
//!
//! Core (lifecycle operations against the in-process emulator, on the
//! [`support::Harness`]):
//! - `core_ops`: every lifecycle operation end to end, round trips counted.
//! - `core_errors`: each Graph refusal mapped to the right error or outcome.
//! - `core_faults`: throttling, 503s, replication delay, token expiry,
//!   dropped connections, resuming, hostile filter input; virtual time.
//! - `core_secrets`: generated passwords and TAPs reach only the caller.
//! - `graph_delta`: users and groups read by delta query: full and
//!   incremental sweeps, large groups over pages, expiry, throttling.
//!
//! Policy, audit and delivery (on [`support::policy::Env`]):
//! - `policy_rules`: protected targets, manager and self-service rules,
//!   agent and serviceable groups, approvals.
//! - `audit_trail`: refusals recorded, queries, retention purge, no secret.
//! - `delivery_reveal`: one-time reveal, allowed people only, expiry.
//! - `delivery_leak`: no credential value anywhere but secret storage.
//! - `enrichment`: the reporter's Entra attributes in mapped Jira fields.
//!
//! Service API (the web trigger):
//! - `service_api_gate`: method, size, authentication, envelope.
//! - `service_api_routes`: routes end to end, what Entra ends up holding.
//! - `service_api_jobs`: bulk jobs submitted, consumed, reported, redelivered.
//! - `service_api_signature`: HMAC-signed calls for HR systems.
//! - `service_api_openapi`: the committed OpenAPI document is the generated
//!   one and documents exactly the inputs each route accepts.
//! - `fidelity_inputs`: values as Jira prints them (empty, `+0100`,
//!   zone-less), `null` clearing, usageLocation, capped lists; every
//!   invalid input refused before any Graph write.
//!
//! Resolvers (the app's pages):
//! - `resolver_pages`: issue panel and admin tabs, changes via the pipeline.
//! - `resolver_settings`: configuration and the Entra connection.
//! - `resolver_admin`: only Jira administrators see or rotate the service key.
//! - `resolver_audit`: the audit log page, its filters and safe CSV.
//! - `resolver_reveal`: `secret.reveal`, once, to an allowed person only.
//! - `resolver_activity`: request type and field pickers, the Jobs tab's
//!   progress, the Activity tab's days by outcome and slowest operations.
//!
//! Hardening:
//! - `fault_matrix`: every use case under every fault (429 storm, 503
//!   burst, dropped connection, token expiry, replication delay, the
//!   deadline, a stopped invocation), one test per cell.
//! - `fuzz_props`: the fuzz targets' invariants (`fuzz/src/checks.rs`) as
//!   bounded property tests: no panic, every error names its field,
//!   OData literals and paths escaped.
//!
//! `support`: the one in-process transport over the emulator and the
//! fixtures built on it.
//!
//! Time:
//! - `schedules`: future-dated joiners and leavers, grace steps, cancelled
//!   contradictions and exactly-once sweeps, on a moving clock.
//!
//! Assets import (against the emulator's delta endpoints and
//! `support::assets`, a fake Assets import API):
//! - `assets_mapping`: the schema-and-mapping document against Atlassian's
//!   JSON Schema, record keys against its locators, the manifest's scopes.
//! - `assets_import`: first, full, incremental, stopped, throttled,
//!   expired-token and Assets-outage runs; the time budget; deletion.
//!
//! Architecture:
//! - `layers`: the invariants of ARCHITECTURE.md (layer order, no I/O
//!   outside the ports, one pipeline, Graph paths only in graph::resources,
//!   `Secret` neither displayed nor serialised).

mod support;

mod core_errors;
mod core_faults;
mod fault_matrix;
mod core_ops;
mod core_secrets;
mod graph_delta;
mod permissions;

mod audit_trail;
mod delivery_leak;
mod delivery_reveal;
mod enrichment;
mod policy_rules;

mod service_api_gate;
mod service_api_jobs;
mod service_api_openapi;
mod service_api_routes;
mod service_api_signature;
mod fidelity_inputs;

mod fidelity_graph;

mod resolver_admin;
mod resolver_audit;
mod resolver_pages;
mod resolver_reveal;
mod resolver_settings;

mod fidelity_hybrid;

mod schedules;

mod layers;

mod fidelity_identity;
mod storage;

mod resolver_activity;
mod human_plans;
mod jsm_approvals;
mod licences;

// Lifecycle depth: MFA reset, delete and restore, guests.
mod accounts_support;
mod delete_restore;
mod guests;
mod mfa_reset;
mod licence_rules;
mod handover;
mod honest_completion;

// JSM Assets import: the mapping document, the run engine, the lifecycle functions.

mod assets_import;
mod assets_mapping;
mod fuzz_props;
mod tenant_facts;
mod offboard_floor;
mod jobs_batched;
mod batch_sequencing;
mod jobs_bind;
