//! Bulk jobs: many Service API calls submitted at once (for example an HR
//! system posting 500 hires), stored, and worked through by a Forge queue
//! consumer so no call has to fit in a web trigger's 55 s.
//!
//! - `jobs.submit` validates every item up front, stores the job in chunks
//!   and pushes one queue event per chunk; it answers 202 with the job id.
//! - The consumer ([`consume::handle_event`]) runs one chunk's items
//!   through [`crate::pipeline::run`], hires side by side with their Graph
//!   requests sharing `$batch` envelopes ([`batch`]), each with an
//!   idempotency key derived from the job id and the item's index, and
//!   records each item's outcome. A redelivered event skips finished items
//!   and the key makes a half-finished item resume rather than repeat.
//! - `job.status` reports counts and per-item outcomes (never a secret).
//!
//! Concurrency: the hires of one event run side by side (two with the same
//! employeeId never at once; after a delivery that did not finish, one at
//! a time), at most [`batch::MAX_FLIGHTS`] envelopes in flight; every event
//! is pushed with Forge's concurrency key [`QUEUE_KEY`] limited to
//! [`EVENT_CONCURRENCY`], so all jobs together never have more than that
//! many chunks against the tenant at once (Graph throttles per tenant).

pub mod batch;
mod bind;
pub mod budget;
pub mod consume;
pub mod error;
pub mod item;
pub mod recent;
pub mod status;
pub mod store;
pub mod submit;

/// The Forge queue (manifest `consumer` module) that carries job events.
pub const QUEUE_KEY: &str = "operation-jobs";

/// Most items in one job.
pub const MAX_ITEMS: usize = 500;

/// Most items in one chunk (one KVS value, one queue event). 25 items at
/// [`consume::ITEM_BUDGET_MS`] each stay inside a consumer's 900 s.
pub const CHUNK_ITEMS: usize = 25;

/// Most serialised bytes of items in one chunk: far below Forge KVS's
/// 240 KiB value limit, whatever the items carry.
pub const CHUNK_BYTES: usize = 96 * 1024;

/// Forge accepts at most 50 events per push.
pub const EVENTS_PER_PUSH: usize = 50;

/// Job events Forge runs at the same time, across all jobs: one. Graph
/// throttles per tenant, and one delivery's envelopes already fill the
/// budget it learnt; a second delivery at once only splits that budget,
/// and each paces as if it were alone, so together they send twice the
/// budget, collect 429s and misread the budget from them (BENCHMARKS.md,
/// "Concurrent deliveries").
pub const EVENT_CONCURRENCY: u32 = 1;
