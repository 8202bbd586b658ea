//! Storage upkeep: the one-time move of data written by an older version
//! into the current layout ([`migrate`]), and the hourly sweep that keeps
//! storage bounded (audit retention, expired credentials, finished jobs,
//! old idempotency records, scheduled steps that ended before the audit
//! retention days) before it runs the waiting portal operations
//! and the due scheduled steps.

pub mod migrate;

use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::portal::PortalResult;
use serde::Serialize;

/// Finished jobs are deleted this long after they were submitted.
pub const JOB_RETENTION_MS: u64 = 30 * 24 * 60 * 60 * 1000;
/// Most items (records, credentials, jobs) one kind of purge removes per
/// sweep, so the sweep stays inside its time limit; the rest go next hour.
pub const PURGE_PER_SWEEP: usize = 500;
/// Most jobs one sweep deletes (each is up to about 1,500 keys).
pub const JOBS_PER_SWEEP: usize = 20;
/// Most old-layout keys one invocation moves.
pub const MIGRATE_PER_RUN: usize = 500;

/// What one sweep's upkeep did (logged; the sweep answers the portal
/// results).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Upkeep {
    /// The migration's progress.
    pub migration: migrate::MigrationReport,
    /// Audit records past the configured retention, deleted.
    pub audit_records_purged: usize,
    /// Unrevealed credentials past their expiry, deleted.
    pub credentials_purged: usize,
    /// Jobs past [`JOB_RETENTION_MS`], deleted with their items.
    pub jobs_purged: usize,
    /// Idempotency records past the replay window, deleted.
    pub idempotency_purged: usize,
    /// Scheduled steps that ended more than the audit retention days ago,
    /// deleted.
    pub scheduled_steps_purged: usize,
}

/// Runs the storage upkeep: a chunk of migration, then the purges (each
/// bounded by [`PURGE_PER_SWEEP`]). A failing step is logged and the
/// others still run.
pub async fn upkeep(host: &impl Host) -> Upkeep {
    let mut report = Upkeep::default();
    match migrate::run(host, MIGRATE_PER_RUN).await {
        Ok(migration) => report.migration = migration,
        Err(e) => host.log(LogLevel::Error, &format!("storage migration: {e}")),
    }
    let retention_days = crate::config::load(host)
        .await
        .map(|c| c.policy.audit_retention_days)
        .unwrap_or(crate::config::policy::MAX_AUDIT_RETENTION_DAYS);
    match crate::audit::purge(host, retention_days, PURGE_PER_SWEEP).await {
        Ok(purge) => report.audit_records_purged = purge.records_deleted,
        Err(e) => host.log(LogLevel::Error, &format!("audit purge: {e}")),
    }
    match crate::delivery::purge_expired_at_most(host, PURGE_PER_SWEEP).await {
        Ok(n) => report.credentials_purged = n,
        Err(e) => host.log(LogLevel::Error, &format!("credential purge: {e}")),
    }
    match crate::jobs::store::purge(host, JOB_RETENTION_MS, JOBS_PER_SWEEP).await {
        Ok(n) => report.jobs_purged = n,
        Err(e) => host.log(LogLevel::Error, &format!("job purge: {e}")),
    }
    match crate::pipeline::idempotency::purge(host, PURGE_PER_SWEEP).await {
        Ok(n) => report.idempotency_purged = n,
        Err(e) => host.log(LogLevel::Error, &format!("idempotency purge: {e}")),
    }
    // A finished step's result names its audit record: both go together.
    match crate::schedule::purge_finished(host, retention_days, PURGE_PER_SWEEP).await {
        Ok(n) => report.scheduled_steps_purged = n,
        Err(e) => host.log(LogLevel::Error, &format!("scheduled step purge: {e}")),
    }
    host.log(
        LogLevel::Info,
        &format!(
            "upkeep: {}",
            serde_json::to_string(&report).unwrap_or_default()
        ),
    );
    report
}

/// Time the hourly run may use in all, inside the scheduled trigger's
/// 900 s (`manifest.yml` `timeoutSeconds`), with a margin.
pub const HOURLY_BUDGET_MS: u64 = 850_000;

/// The hourly scheduled trigger: [`upkeep`], the portal sweep
/// ([`crate::portal::sweep`]), whose results it answers, the Entra
/// leave-date scan if on ([`crate::scheduler::leave_scan`]), then the due
/// scheduled steps ([`crate::scheduler::run_due`]) in the time left (what
/// does not fit continues on the queue).
pub async fn hourly(host: &impl Host, transport: &impl Transport) -> Vec<(String, PortalResult)> {
    let started = host.now_ms();
    upkeep(host).await;
    let results = crate::portal::sweep(host, transport).await;
    // Leavers dated in Entra become due steps, run just below.
    crate::scheduler::leave_scan::run(host, transport, started + HOURLY_BUDGET_MS).await;
    let report = crate::scheduler::run_due(host, transport, started + HOURLY_BUDGET_MS).await;
    host.log(
        LogLevel::Info,
        &format!(
            "scheduler: {}",
            serde_json::to_string(&report).unwrap_or_default()
        ),
    );
    results
}
