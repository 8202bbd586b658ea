//! The module's lifecycle functions as Assets calls them (`startImport`,
//! `stopImport`, `importStatus`, `onDeleteImport`), the hourly schedule,
//! and the start and stop the app's own pages use. Each is thin: a few
//! storage calls, at most three Assets calls and one queue push, so it
//! fits a UI-invoked function's 25 s.
//! <https://developer.atlassian.com/platform/forge/manifest-reference/modules/jira-service-management-assets-import-type/>

use super::client::{AssetsError, ImportApi};
use super::config::{ImportSource, Mode};
use super::run::{self, QUEUE_KEY};
use super::schedule::{self, History};
use super::state::{self, Counts, LastRun, Outcome, Phase, RunState, Trigger, STALE_AFTER_MS};
use crate::graph::Deadline;
use crate::host::{Host, HostError, LogLevel};
use serde_json::{json, Value};
use std::fmt;

/// A lifecycle function's time budget: 20 s of the 25 s assumed for
/// functions Assets' UI waits on.
pub const FUNCTION_BUDGET_MS: u64 = 20_000;

/// Why a run could not start; the message is for an Assets admin
/// (`startImport` throws it as an `Error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// No configuration saved for the import.
    NotConfigured,
    /// Assets says the import is disabled.
    Disabled,
    /// Assets has another execution of this import in progress that is
    /// not the app's.
    OtherExecution,
    /// Assets refused or failed.
    Assets(AssetsError),
    /// Storage or the queue failed.
    Host(HostError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NotConfigured => f.write_str(
                "This import is not configured yet: open Configure App on the import, choose the settings and save them.",
            ),
            StartError::Disabled => f.write_str("This import is disabled in Assets: enable it, then import again."),
            StartError::OtherExecution => f.write_str(
                "Assets has another run of this import in progress: wait for it to finish or cancel it, then import again.",
            ),
            StartError::Assets(e) => write!(f, "Assets did not start the import: {e}"),
            StartError::Host(e) => write!(f, "The app could not start the import: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<HostError> for StartError {
    fn from(e: HostError) -> Self {
        StartError::Host(e)
    }
}

/// The import id of a lifecycle payload (top level, else
/// `context.extension`).
pub fn import_id_of(payload: &Value) -> Option<String> {
    [
        &payload["importId"],
        &payload["context"]["extension"]["importId"],
    ]
    .into_iter()
    .find_map(|v| {
        v.as_str()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    })
}

fn fresh(run: &RunState, now_ms: u64) -> bool {
    now_ms.saturating_sub(run.updated_at_ms) < STALE_AFTER_MS
}

/// Starts a run of `import_id`: creates the Assets execution, stores the
/// run, queues its first step. `mode` overrides the configured mode (the
/// schedule's daily full run). Answers `"started"` or `"already
/// running"`.
pub async fn start(
    host: &impl Host,
    import_id: &str,
    trigger: Trigger,
    mode: Option<Mode>,
) -> Result<&'static str, StartError> {
    let import = state::load_import(host, import_id)
        .await?
        .ok_or(StartError::NotConfigured)?;
    let now = host.now_ms();
    let deadline = Deadline::after(now, FUNCTION_BUDGET_MS);
    let api = ImportApi::new(host, &import.import_source.workspace_id, import_id);
    if let Some(existing) = state::load_run(host, import_id).await? {
        if fresh(&existing, now) {
            return Ok("already running");
        }
        // No step saved it for 20 minutes: its consumer is gone.
        run::fail(
            host,
            &api,
            &existing,
            "The run stopped making progress and was replaced by a new one.",
            deadline,
        )
        .await?;
    }
    let execution_id = match api.start_execution(deadline).await {
        Ok(id) => id,
        Err(AssetsError::Conflict { error_code, .. }) => {
            return Err(match error_code.as_deref() {
                Some("MISSING_MAPPING") => StartError::NotConfigured,
                Some("DISABLED") => StartError::Disabled,
                Some("IN_PROGRESS") => StartError::OtherExecution,
                _ => StartError::Assets(AssetsError::Conflict {
                    error_code,
                    path: api.path(&["executions"], ""),
                }),
            })
        }
        Err(e) => return Err(StartError::Assets(e)),
    };
    let mode = mode.unwrap_or(import.config.mode);
    let committed_groups = match mode {
        Mode::Full => None,
        Mode::Incremental => state::delta_link(host, import_id, "groups").await?,
    };
    let run = RunState {
        run_id: crate::random::uuid_v4(),
        execution_id,
        phase: Phase::Groups,
        mode,
        trigger,
        started_at_ms: now,
        updated_at_ms: now,
        counts: Counts::default(),
        graph_requests: 0,
        chunks: 0,
        queue_events: 1,
        sweep_full: committed_groups.is_none(),
        cursor: committed_groups,
        cursor_is_page: false,
        seq: 0,
        pending_users_delta: None,
        pending_groups_delta: None,
        changed_groups: Vec::new(),
        touched_users: Vec::new(),
        awaiting_since_ms: None,
    };
    state::save_run(host, import_id, &run).await?;
    host.queue_push(QUEUE_KEY, &[run::event(import_id, &run.run_id, 0)])
        .await?;
    if let Err(e) = api
        .progress(
            &run.execution_id,
            1,
            "Reading groups from Entra ID",
            0,
            deadline,
        )
        .await
    {
        host.log(
            LogLevel::Warn,
            &format!("assets: progress not reported: {e}"),
        );
    }
    host.log(
        LogLevel::Info,
        &format!(
            "assets import {import_id}: run {} started ({:?}, {})",
            run.run_id,
            trigger,
            mode.as_str()
        ),
    );
    Ok("started")
}

/// `startImport`: `{"result": "started" | "already running"}`, or
/// `{"error": <message for the Assets admin>}` (the shim throws it).
pub async fn start_import(payload: &Value, host: &impl Host) -> Value {
    let Some(import_id) = import_id_of(payload) else {
        return json!({"error": "The import payload has no importId."});
    };
    match start(host, &import_id, Trigger::Assets, None).await {
        Ok(result) => json!({ "result": result }),
        Err(e) => {
            host.log(
                LogLevel::Warn,
                &format!("assets import {import_id}: not started: {e}"),
            );
            json!({ "error": e.to_string() })
        }
    }
}

/// Stops the run in progress, if any: the execution is cancelled in
/// Assets, the last run records `cancelled`, the committed delta links
/// stay (the next incremental run starts from them). Queued steps find no
/// run and end.
pub async fn stop(host: &impl Host, import_id: &str) -> Result<(), HostError> {
    let Some(run) = state::load_run(host, import_id).await? else {
        return Ok(());
    };
    let workspace = state::load_import(host, import_id)
        .await?
        .map(|i| i.import_source.workspace_id);
    if let Some(workspace) = workspace {
        let api = ImportApi::new(host, &workspace, import_id);
        let deadline = Deadline::after(host.now_ms(), FUNCTION_BUDGET_MS);
        if let Err(e) = api.cancel(&run.execution_id, deadline).await {
            host.log(
                LogLevel::Warn,
                &format!("assets: execution not cancelled: {e}"),
            );
        }
    }
    state::finish_run(
        host,
        import_id,
        &LastRun::of(&run, Outcome::Cancelled, host.now_ms(), None),
    )
    .await
}

/// `stopImport`: `{"result": "stopped"}` (or `{"error"}`).
pub async fn stop_import(payload: &Value, host: &impl Host) -> Value {
    let Some(import_id) = import_id_of(payload) else {
        return json!({"error": "The import payload has no importId."});
    };
    match stop(host, &import_id).await {
        Ok(()) => json!({"result": "stopped"}),
        Err(e) => json!({"error": format!("The app could not stop the import: {e}")}),
    }
}

/// `importStatus`: `READY` when the app has a configuration and Assets
/// reports the import `IDLE`, `RUNNING` or `DISABLED`; else
/// `NOT_CONFIGURED`. Never fails.
pub async fn import_status(payload: &Value, host: &impl Host) -> Value {
    let not_configured = json!({"status": "NOT_CONFIGURED"});
    let Some(import_id) = import_id_of(payload) else {
        return not_configured;
    };
    let Ok(Some(import)) = state::load_import(host, &import_id).await else {
        return not_configured;
    };
    let api = ImportApi::new(host, &import.import_source.workspace_id, &import_id);
    let deadline = Deadline::after(host.now_ms(), FUNCTION_BUDGET_MS);
    match api.config_status(deadline).await.as_deref() {
        Ok("IDLE" | "RUNNING" | "DISABLED") => json!({"status": "READY"}),
        _ => not_configured,
    }
}

/// `onDeleteImport`: every `import:{importId}:` key deleted, the id
/// removed from the index. `{"result": "deleted"}`.
pub async fn delete_import(payload: &Value, host: &impl Host) -> Value {
    let Some(import_id) = import_id_of(payload) else {
        return json!({"error": "The import payload has no importId."});
    };
    match state::delete_all(host, &import_id).await {
        Ok(keys) => {
            host.log(
                LogLevel::Info,
                &format!("assets import {import_id}: deleted, {keys} keys"),
            );
            json!({"result": "deleted"})
        }
        Err(e) => json!({"error": format!("The app could not delete the import's data: {e}")}),
    }
}

/// The hourly trigger: starts each configured import whose schedule is
/// due and that has no live run. Answers `{importId: result}`.
pub async fn run_schedule(host: &impl Host) -> Value {
    let mut results = serde_json::Map::new();
    let ids = match state::index(host).await {
        Ok(ids) => ids,
        Err(e) => {
            host.log(LogLevel::Error, &format!("assets schedule: {e}"));
            return Value::Object(results);
        }
    };
    let now = host.now_ms();
    for id in ids {
        let (Ok(Some(import)), Ok(run), Ok(last)) = (
            state::load_import(host, &id).await,
            state::load_run(host, &id).await,
            state::load_last(host, &id).await,
        ) else {
            continue;
        };
        if run.as_ref().is_some_and(|r| fresh(r, now)) {
            continue;
        }
        let history = History {
            last_started_ms: run
                .as_ref()
                .map(|r| r.started_at_ms)
                .or(last.as_ref().map(|l| l.started_at_ms)),
            last_full_ms: last.as_ref().and_then(|l| l.last_full_started_ms),
        };
        let Some(mode) = schedule::due(&import.config, history, now) else {
            continue;
        };
        let result = match start(host, &id, Trigger::Schedule, Some(mode)).await {
            Ok(r) => r.to_string(),
            Err(e) => {
                host.log(LogLevel::Warn, &format!("assets schedule {id}: {e}"));
                format!("not started: {e}")
            }
        };
        results.insert(id, json!(result));
    }
    Value::Object(results)
}

/// What the pages show of one import: `{importSource, config, lastRun,
/// run}`.
pub async fn describe(host: &impl Host, source: &ImportSource) -> Result<Value, HostError> {
    let import = state::load_import(host, &source.import_id).await?;
    let last = state::load_last(host, &source.import_id).await?;
    let run = state::load_run(host, &source.import_id).await?;
    Ok(json!({
        "importSource": source,
        "config": import.map(|i| i.config),
        "lastRun": last,
        "run": run.map(|r| json!({
            "runId": r.run_id,
            "executionId": r.execution_id,
            "phase": r.phase,
            "mode": r.mode,
            "trigger": r.trigger,
            "startedAtMs": r.started_at_ms,
            "counts": r.counts,
            "graphRequests": r.graph_requests,
            "chunks": r.chunks,
        })),
    }))
}
