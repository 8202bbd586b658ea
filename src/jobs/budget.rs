//! The tenant's Graph throttle budget as bulk jobs learnt it, kept in Forge
//! storage ([`crate::layout::GRAPH_BUDGET_KEY`]) so that the next queue
//! delivery sends at it from its first envelope instead of learning it
//! again from a burst of 429s: Graph counts refused requests against the
//! budget too (<https://learn.microsoft.com/graph/throttling>), so every
//! such burst costs budget the job could have used.
//!
//! Graph does not publish a tenant's budget and other apps share it, so
//! the stored figure has a lifetime ([`LIFETIME_MS`]); an unreadable or
//! expired one only costs the next delivery that burst.

use crate::host::{Host, LogLevel};
use crate::layout::GRAPH_BUDGET_KEY;
use serde::{Deserialize, Serialize};

/// How long a learnt budget is trusted after it was stored, in
/// milliseconds (10 minutes: long enough to span a job's deliveries,
/// short enough that a tenant whose load changed is asked again).
pub const LIFETIME_MS: u64 = 10 * 60 * 1000;

/// A budget learnt from the tenant's 429s, as stored:
/// `{"requestsPerSecond", "refusedAtMs", "storedAtMs", "recent"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LearntBudget {
    /// Graph requests per second (each `$batch` item counts) the tenant
    /// served; at least 1.
    pub requests_per_second: u32,
    /// When the tenant last refused a request (ms since the epoch): the
    /// pacer probes above the budget only some time after a refusal.
    pub refused_at_ms: u64,
    /// When it was stored (ms since the epoch); it expires
    /// [`LIFETIME_MS`] later.
    pub stored_at_ms: u64,
    /// `[sent at (ms since the epoch), requests]` of the envelopes sent in
    /// the last second before it was stored: the tenant still counts them
    /// when the next delivery starts right after.
    #[serde(default)]
    pub recent: Vec<[u64; 2]>,
}

/// The stored budget, if there is one younger than [`LIFETIME_MS`].
/// Storage failures and unreadable values read as none.
pub async fn load(host: &impl Host) -> Option<LearntBudget> {
    let value = host.kvs_get(GRAPH_BUDGET_KEY).await.ok()??;
    let budget: LearntBudget = serde_json::from_value(value).ok()?;
    let fresh = host.now_ms().saturating_sub(budget.stored_at_ms) < LIFETIME_MS;
    (fresh && budget.requests_per_second > 0).then_some(budget)
}

/// Stores `budget` with its `stored_at_ms` set to now, and answers it as
/// stored. A failed write is logged and only costs the next delivery a
/// burst of 429s.
pub async fn remember(host: &impl Host, mut budget: LearntBudget) -> LearntBudget {
    budget.stored_at_ms = host.now_ms();
    let value = serde_json::to_value(&budget).unwrap_or_default();
    if let Err(e) = host.kvs_set(GRAPH_BUDGET_KEY, &value).await {
        host.log(
            LogLevel::Warn,
            &format!("Graph throttle budget not stored: {e}"),
        );
    }
    budget
}
