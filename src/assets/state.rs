//! What an import keeps between steps and runs (all under
//! `import:{importId}:`, keys from [`crate::layout`]): the configured
//! import ids, each import's configuration, the run in progress (its
//! checkpoint), the committed delta links and the last run.

use super::config::{Mode, StoredImport};
use crate::host::{Host, HostError};
use crate::layout;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// "Run now" on the app's pages.
    Manual,
    /// The hourly trigger.
    Schedule,
    /// Assets' "Import data" (`startImport`).
    Assets,
}

/// The step a run is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Reading `/groups/delta` into the membership index, then sending the
    /// group records.
    Groups,
    /// Reading `/users/delta` and sending the user records.
    Users,
    /// Sending the final `completed` chunk.
    Finish,
    /// Waiting for Assets to process the execution.
    Await,
}

/// Objects sent so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// User records sent.
    pub users: u64,
    /// Group records sent.
    pub groups: u64,
    /// Users and groups Entra reported removed.
    pub removed: u64,
}

/// The run in progress (`import:{importId}:run`): the checkpoint a
/// redelivered or re-queued event resumes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunState {
    /// The app's id of the run (the queue events carry it).
    pub run_id: String,
    /// Assets' execution.
    pub execution_id: String,
    /// Where the run is.
    pub phase: Phase,
    /// Full or incremental, as the run started.
    pub mode: Mode,
    /// Who started it.
    pub trigger: Trigger,
    /// When it started (ms since the epoch).
    pub started_at_ms: u64,
    /// When a step last saved it; a run not saved for
    /// [`STALE_AFTER_MS`] is taken as dead.
    pub updated_at_ms: u64,
    /// Records sent.
    pub counts: Counts,
    /// Graph requests sent (retries included).
    pub graph_requests: u64,
    /// Data chunks sent.
    pub chunks: u64,
    /// Queue events pushed for this run.
    pub queue_events: u64,
    /// The next Graph page of the current sweep: a nextLink, or a delta
    /// link to start from; `None` for a fresh full sweep.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Whether [`RunState::cursor`] is a nextLink (`true`) or a delta
    /// link to start an incremental sweep from.
    #[serde(default)]
    pub cursor_is_page: bool,
    /// Whether this phase's sweep is full (it may become full after an
    /// expired delta link).
    pub sweep_full: bool,
    /// The number of the next chunk of this phase.
    pub seq: u64,
    /// Delta links read this run, committed only when Assets says DONE.
    #[serde(default)]
    pub pending_users_delta: Option<String>,
    /// See [`RunState::pending_users_delta`].
    #[serde(default)]
    pub pending_groups_delta: Option<String>,
    /// Incremental runs: groups changed or removed this run.
    #[serde(default)]
    pub changed_groups: Vec<String>,
    /// Incremental runs: users whose memberships changed this run.
    #[serde(default)]
    pub touched_users: Vec<String>,
    /// When the run started waiting for Assets.
    #[serde(default)]
    pub awaiting_since_ms: Option<u64>,
}

/// A run not saved for this long is taken as dead: a new start may replace it.
pub const STALE_AFTER_MS: u64 = 20 * 60 * 1000;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Assets processed everything (DONE).
    Done,
    /// Stopped by someone, or cancelled in Assets.
    Cancelled,
    /// Given up; `error` says why.
    Failed,
}

/// The last finished run (`import:{importId}:last`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastRun {
    /// The run.
    pub run_id: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Who started it.
    pub trigger: Trigger,
    /// Full or incremental.
    pub mode: Mode,
    /// When it started, ms since the epoch.
    pub started_at_ms: u64,
    /// When it ended.
    pub finished_at_ms: u64,
    /// `finishedAtMs - startedAtMs`.
    pub duration_ms: u64,
    /// Records sent.
    pub counts: Counts,
    /// Graph requests sent.
    pub graph_requests: u64,
    /// Data chunks sent.
    pub chunks: u64,
    /// Queue events pushed.
    pub queue_events: u64,
    /// Why it failed (never a record value or a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Assets' per object type counts: `{<name>: {created, updated,
    /// identical, missingDeleted}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type_results: Option<Value>,
    /// When the last DONE full run started (carried from run to run, for
    /// the schedule's daily full run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_full_started_ms: Option<u64>,
}

impl LastRun {
    /// The record of `run` ending now with `outcome`.
    pub fn of(run: &RunState, outcome: Outcome, now_ms: u64, error: Option<String>) -> Self {
        LastRun {
            run_id: run.run_id.clone(),
            outcome,
            trigger: run.trigger,
            mode: run.mode,
            started_at_ms: run.started_at_ms,
            finished_at_ms: now_ms,
            duration_ms: now_ms.saturating_sub(run.started_at_ms),
            counts: run.counts,
            graph_requests: run.graph_requests,
            chunks: run.chunks,
            queue_events: run.queue_events,
            error,
            object_type_results: None,
            last_full_started_ms: None,
        }
    }
}

async fn get<T: for<'de> Deserialize<'de>>(
    host: &impl Host,
    key: &str,
) -> Result<Option<T>, HostError> {
    match host.kvs_get(key).await? {
        None => Ok(None),
        Some(value) => serde_json::from_value(value)
            .map(Some)
            .map_err(|e| HostError::Storage {
                operation: "get",
                key: key.to_string(),
                reason: format!("unreadable value: {e}"),
            }),
    }
}

async fn set<T: Serialize>(host: &impl Host, key: &str, value: &T) -> Result<(), HostError> {
    let value = serde_json::to_value(value).map_err(|e| HostError::Storage {
        operation: "set",
        key: key.to_string(),
        reason: e.to_string(),
    })?;
    host.kvs_set(key, &value).await
}

/// The configured import ids.
pub async fn index(host: &impl Host) -> Result<Vec<String>, HostError> {
    Ok(get(host, layout::IMPORT_INDEX_KEY)
        .await?
        .unwrap_or_default())
}

/// Adds (`true`) or removes an import id from the index.
pub async fn set_indexed(
    host: &impl Host,
    import_id: &str,
    present: bool,
) -> Result<(), HostError> {
    let mut ids = index(host).await?;
    let had = ids.iter().any(|i| i == import_id);
    if had == present {
        return Ok(());
    }
    if present {
        ids.push(import_id.to_string());
    } else {
        ids.retain(|i| i != import_id);
    }
    set(host, layout::IMPORT_INDEX_KEY, &ids).await
}

/// An import's configuration.
pub async fn load_import(
    host: &impl Host,
    import_id: &str,
) -> Result<Option<StoredImport>, HostError> {
    get(host, &layout::import_config_key(import_id)).await
}

/// Stores an import's configuration and lists it in the index.
pub async fn save_import(host: &impl Host, stored: &StoredImport) -> Result<(), HostError> {
    set(
        host,
        &layout::import_config_key(&stored.import_source.import_id),
        stored,
    )
    .await?;
    set_indexed(host, &stored.import_source.import_id, true).await
}

/// The run in progress.
pub async fn load_run(host: &impl Host, import_id: &str) -> Result<Option<RunState>, HostError> {
    get(host, &layout::import_run_key(import_id)).await
}

/// Saves the run's checkpoint.
pub async fn save_run(host: &impl Host, import_id: &str, run: &RunState) -> Result<(), HostError> {
    set(host, &layout::import_run_key(import_id), run).await
}

/// Ends the run in progress: the last run is recorded first, then the
/// checkpoint removed.
pub async fn finish_run(
    host: &impl Host,
    import_id: &str,
    last: &LastRun,
) -> Result<(), HostError> {
    let mut last = last.clone();
    let previous = load_last(host, import_id).await.ok().flatten();
    last.last_full_started_ms = if last.outcome == Outcome::Done && last.mode == Mode::Full {
        Some(last.started_at_ms)
    } else {
        previous.and_then(|p| p.last_full_started_ms)
    };
    set(host, &layout::import_last_key(import_id), &last).await?;
    host.kvs_delete(&layout::import_run_key(import_id)).await
}

/// The last finished run.
pub async fn load_last(host: &impl Host, import_id: &str) -> Result<Option<LastRun>, HostError> {
    get(host, &layout::import_last_key(import_id)).await
}

/// The committed delta link of a sweep (`"users"` or `"groups"`).
pub async fn delta_link(
    host: &impl Host,
    import_id: &str,
    sweep: &str,
) -> Result<Option<String>, HostError> {
    get(host, &layout::import_delta_key(import_id, sweep)).await
}

/// Commits a delta link (only after Assets reported the run DONE).
pub async fn commit_delta_link(
    host: &impl Host,
    import_id: &str,
    sweep: &str,
    link: &str,
) -> Result<(), HostError> {
    set(host, &layout::import_delta_key(import_id, sweep), &link).await
}

/// Deletes every key of an import (`import:{importId}:...`) and its index
/// entry; answers how many keys were deleted.
pub async fn delete_all(host: &impl Host, import_id: &str) -> Result<usize, HostError> {
    let prefix = layout::import_prefix(import_id);
    let mut deleted = 0;
    loop {
        // Deleting as we go: every page starts from the first key left.
        let page = host
            .kvs_query(&crate::host::KeyQuery::prefix(
                prefix.clone(),
                crate::host::storage::MAX_QUERY_LIMIT,
            ))
            .await?;
        if page.results.is_empty() {
            break;
        }
        for entry in &page.results {
            host.kvs_delete(&entry.key).await?;
            deleted += 1;
        }
    }
    set_indexed(host, import_id, false).await?;
    Ok(deleted)
}
