//! The admin page's Activity tab: what the app did per day, by outcome,
//! and its slowest operations, read from the audit trail.
//!
//! `activity.summary {days?: 14 | 30}` (default 14) -> `{days: [{date,
//! done, refused, failed, throttled}], slowest: [{atMs, operation,
//! target, issueKey, durationMs, outcome}], capped, fromMs, toMs}`. Days are
//! UTC calendar days, oldest first, today last. Only real runs of an
//! operation count (not dry runs, reveals, or requests still waiting for
//! approval): `done` succeeded; `refused` by policy or a declined approval;
//! `throttled` failed because Graph kept throttling past the deadline;
//! `failed` any other failure, a partial one included. `slowest` is the
//! five longest records that carry a duration. Each day reads at most
//! [`MAX_QUERY_LIMIT`] records (`capped` says a day reached it).

use super::ResolverError;
use crate::audit::store::MAX_QUERY_LIMIT;
use crate::audit::time::{date_of_day, day_number};
use crate::audit::{self, AuditAction, AuditFilter, AuditRecord, AuditResult};
use crate::host::Host;
use serde_json::{json, Value};

const MS_PER_DAY: u64 = 86_400_000;
/// The periods the page offers.
pub const PERIODS: [u64; 2] = [14, 30];
const SLOWEST: usize = 5;

/// One bar of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayCounts {
    /// Succeeded.
    pub done: u32,
    /// Refused by policy, or an approver declined.
    pub refused: u32,
    /// Failed (or partly failed) for another reason than throttling.
    pub failed: u32,
    /// Failed with code `throttled`.
    pub throttled: u32,
}

impl DayCounts {
    /// Counts `record` in its outcome's column; false when it is not one
    /// the chart shows.
    pub fn count(&mut self, record: &AuditRecord) -> bool {
        if record.dry_run || !matches!(record.action, AuditAction::Operation(_)) {
            return false;
        }
        match &record.result {
            AuditResult::Succeeded | AuditResult::DoneWithRemainders => self.done += 1,
            AuditResult::Refused { .. } | AuditResult::ApprovalDeclined => self.refused += 1,
            AuditResult::Failed { code, .. } if code == "throttled" => self.throttled += 1,
            AuditResult::Failed { .. } | AuditResult::PartiallyFailed => self.failed += 1,
            _ => return false,
        }
        true
    }
}

/// `activity.summary`: see the module documentation. A `days` other than
/// 14 or 30 is refused naming the field.
pub async fn summary(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let period = match &payload["days"] {
        Value::Null => PERIODS[0],
        Value::Number(n) if n.as_u64().is_some_and(|d| PERIODS.contains(&d)) => {
            n.as_u64().unwrap_or(PERIODS[0])
        }
        _ => {
            return Err(ResolverError::Invalid {
                field: "days".into(),
                message: "'days' must be 14 or 30.".into(),
            })
        }
    };
    let today = day_number(host.now_ms());
    let first = today.saturating_sub(period - 1);
    let mut days = Vec::with_capacity(period as usize);
    let mut slow: Vec<AuditRecord> = Vec::new();
    let mut capped = false;
    for day in first..=today {
        let filter = AuditFilter {
            from_ms: Some(day * MS_PER_DAY),
            to_ms: Some((day + 1) * MS_PER_DAY - 1),
            limit: Some(MAX_QUERY_LIMIT),
            ..AuditFilter::default()
        };
        let records = audit::query(host, &filter)
            .await
            .map_err(|e| super::internal(host, &e.to_string()))?;
        capped |= records.len() >= MAX_QUERY_LIMIT;
        let mut counts = DayCounts::default();
        for record in records {
            if counts.count(&record) && record.duration_ms.is_some() {
                slow.push(record);
            }
        }
        slow.sort_by_key(|r| std::cmp::Reverse(r.duration_ms));
        slow.truncate(SLOWEST);
        days.push(json!({
            "date": date_of_day(day),
            "done": counts.done,
            "refused": counts.refused,
            "failed": counts.failed,
            "throttled": counts.throttled,
        }));
    }
    let slowest: Vec<Value> = slow
        .iter()
        .map(|r| {
            json!({
                "atMs": r.at_ms,
                "operation": super::audit_log::operation_name(r),
                "target": r.target.as_ref().map(|t| t.label.clone()),
                "issueKey": r.issue_key,
                "durationMs": r.duration_ms,
                "outcome": r.result.kind(),
            })
        })
        .collect();
    Ok(json!({
        "days": days,
        "slowest": slowest,
        "capped": capped,
        "fromMs": first * MS_PER_DAY,
        "toMs": (today + 1) * MS_PER_DAY - 1,
    }))
}
