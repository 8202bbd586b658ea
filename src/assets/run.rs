//! The run engine: the queue consumer's resumable steps.
//!
//! A run is one Assets execution. `startImport` (or the schedule, or "Run
//! now") creates the execution, stores the [`RunState`] and pushes one
//! `{importId, runId}` event; each event runs one step:
//!
//! 1. `groups`: `/groups/delta` pages into the [`MembershipIndex`] (a large
//!    group repeats across pages, so group records go only after the whole
//!    sweep), then the group records.
//! 2. `users`: `/users/delta` pages as user records with their managers and
//!    memberships from the index, in chunks of at most
//!    [`Limits::chunk_records`] records and [`Limits::chunk_bytes`] bytes.
//! 3. `finish`: the final chunk with `completed: true`.
//! 4. `await`: Assets' status until DONE or CANCELLED; only then are the
//!    new delta links committed, so a failed or cancelled run leaves the
//!    previous state for the next incremental run.
//!
//! A step stops taking work when [`Limits::step_budget_ms`] has passed
//! (at least one page per step, so every step makes progress), saves its
//! checkpoint and pushes the same event again. The checkpoint is saved
//! only where everything read before it has been sent, so a redelivered
//! event re-reads at most the pages since (duplicates are harmless to
//! Assets; chunk ids are deterministic). Graph throttling past the
//! deadline and Assets' 429/5xx after its retries re-queue the step with a
//! delay; an expired delta link (410) restarts that sweep as full.

use super::client::{AssetsError, ImportApi};
use super::config::{Mode, StoredImport};
use super::index::MembershipIndex;
use super::state::{self, LastRun, Outcome, Phase, RunState};
use super::{mapping, records};
use crate::graph::delta::{self, DeltaError, DeltaItem, DeltaNext, DeltaStart, MemberKind};
use crate::graph::{ClientError, Deadline, GraphClient};
use crate::host::{Host, HostError, LogLevel};
use crate::http::Transport;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The Forge queue of import steps (manifest `consumer` module).
pub const QUEUE_KEY: &str = "assets-import";

/// Forge's run-time limit of a consumer with `timeoutSeconds: 900`.
/// <https://developer.atlassian.com/platform/forge/limits-invocation/>
pub const FORGE_CONSUMER_MS: u64 = 900_000;

/// The numbers a step works within. [`Limits::FORGE`] in production;
/// tests shrink them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// After this long a step takes no new page: 780 s, leaving 120 s of
    /// Forge's 900 s for the page under way, the flush and the checkpoint.
    pub step_budget_ms: u64,
    /// Graph and Assets retries stop here (from the step's start).
    pub hard_budget_ms: u64,
    /// Most records in one data chunk.
    pub chunk_records: usize,
    /// Most serialised bytes of one data chunk.
    pub chunk_bytes: usize,
    /// Wait between two looks at an execution Assets is still processing.
    pub await_delay_seconds: u64,
    /// Give up waiting for Assets after this long.
    pub await_give_up_ms: u64,
}

impl Limits {
    /// The limits on Forge.
    pub const FORGE: Limits = Limits {
        step_budget_ms: FORGE_CONSUMER_MS - 120_000,
        hard_budget_ms: FORGE_CONSUMER_MS - 60_000,
        chunk_records: 250,
        chunk_bytes: 512 * 1024,
        await_delay_seconds: 60,
        await_give_up_ms: 2 * 60 * 60 * 1000,
    };
}

/// The queue event of a step: `{importId, runId}`, one at a time per
/// import (Forge's concurrency key `aimp-<importId>`), after
/// `delay_seconds` (at most Forge's 900).
pub fn event(import_id: &str, run_id: &str, delay_seconds: u64) -> Value {
    let mut event = json!({
        "body": {"importId": import_id, "runId": run_id},
        "concurrency": {"key": format!("aimp-{import_id}"), "limit": 1},
    });
    if delay_seconds > 0 {
        event["delayInSeconds"] = json!(delay_seconds.min(900));
    }
    event
}

/// What a step tells the shim. Only `retry` is acted on: the shim returns
/// Forge's `InvocationError({retryAfter})` so the event is redelivered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum StepResult {
    /// The step saved its checkpoint and queued the next one.
    #[serde(rename_all = "camelCase")]
    Requeued {
        /// The phase the next step starts in.
        phase: Phase,
        /// Seconds before the next step.
        delay_seconds: u64,
        /// Why the step stopped.
        reason: String,
    },
    /// The run ended.
    #[serde(rename_all = "camelCase")]
    Finished {
        /// How.
        outcome: Outcome,
    },
    /// Not for a run in progress (stopped, replaced, or not an import
    /// event).
    Ignored {
        /// Why, for the log.
        reason: String,
    },
    /// Storage failed: redeliver the event after `retryAfterSeconds`.
    #[serde(rename_all = "camelCase")]
    Retry {
        /// Seconds to wait.
        retry_after_seconds: u64,
        /// Why, for the log.
        reason: String,
    },
}

/// Why a step stopped before its phase ended.
enum Stop {
    /// Time is up or Graph asked to wait: checkpoint, re-queue.
    Pause { delay_seconds: u64, reason: String },
    /// Assets is unavailable: re-queue from the last checkpoint, keeping
    /// nothing of this step.
    Unavailable { delay_seconds: u64, reason: String },
    /// Give up the run.
    Fail(String),
    /// The run's own state could not be stored.
    Storage(HostError),
    /// The run was stopped or replaced under this step.
    Gone,
}

impl From<HostError> for Stop {
    fn from(e: HostError) -> Self {
        Stop::Storage(e)
    }
}

fn assets_stop(error: AssetsError) -> Stop {
    match error {
        AssetsError::Unavailable { retry_after_ms, .. } => Stop::Unavailable {
            delay_seconds: retry_after_ms.div_ceil(1000).clamp(60, 300),
            reason: error.to_string(),
        },
        other => Stop::Fail(other.to_string()),
    }
}

fn graph_stop(error: ClientError) -> Stop {
    match &error {
        ClientError::Deferred { retry_after_ms } => Stop::Pause {
            delay_seconds: retry_after_ms.div_ceil(1000).max(1),
            reason: "Entra is throttling".into(),
        },
        ClientError::Transport(_) => Stop::Pause {
            delay_seconds: 60,
            reason: error.to_string(),
        },
        ClientError::Graph(g) if g.status >= 500 => Stop::Pause {
            delay_seconds: 60,
            reason: error.to_string(),
        },
        ClientError::Graph(g) if g.status == 403 => Stop::Fail(format!(
            "Entra refused the read ({}): grant the app User.Read.All and GroupMember.Read.All",
            g.code
        )),
        _ => Stop::Fail(error.to_string()),
    }
}

/// One step's working set.
struct Step<'a, H: Host, T: Transport> {
    host: &'a H,
    import: &'a StoredImport,
    api: ImportApi<'a, H>,
    graph: GraphClient<'a, T, H>,
    run: RunState,
    graph_base: u64,
    index: Option<MembershipIndex>,
    buffer: Vec<Value>,
    buffer_bytes: usize,
    limits: Limits,
    deadline: Deadline,
    work_until: u64,
}

/// Handles one queue event (`{"body": {"importId", "runId"}}`) with
/// [`Limits::FORGE`].
pub async fn handle_event(
    event: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> StepResult {
    handle_event_with(event, host, transport, Limits::FORGE).await
}

/// [`handle_event`] with the given limits.
pub async fn handle_event_with(
    event: &Value,
    host: &impl Host,
    transport: &impl Transport,
    limits: Limits,
) -> StepResult {
    let body = &event["body"];
    let (Some(import_id), Some(run_id)) = (body["importId"].as_str(), body["runId"].as_str())
    else {
        return StepResult::Ignored {
            reason: "not an import event".into(),
        };
    };
    match step(import_id, run_id, host, transport, limits).await {
        Ok(result) => result,
        Err(e) => {
            host.log(LogLevel::Error, &format!("assets import {import_id}: {e}"));
            StepResult::Retry {
                retry_after_seconds: 60,
                reason: "storage failed".into(),
            }
        }
    }
}

async fn graph_client<'a, H: Host, T: Transport>(
    host: &'a H,
    transport: &'a T,
) -> Result<GraphClient<'a, T, H>, String> {
    let config = crate::config::load(host).await.map_err(|e| e.to_string())?;
    let settings = config.connection.ok_or(
        "The app is not connected to Entra ID: an administrator must enter the tenant and app registration on the app's admin page.",
    )?;
    let secret = crate::config::load_client_secret(host)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("The Entra client secret is not set: an administrator must enter it on the app's admin page.")?;
    Ok(GraphClient::new(transport, host, settings, secret))
}

async fn step<H: Host, T: Transport>(
    import_id: &str,
    run_id: &str,
    host: &H,
    transport: &T,
    limits: Limits,
) -> Result<StepResult, HostError> {
    let Some(run) = state::load_run(host, import_id).await? else {
        return Ok(StepResult::Ignored {
            reason: "no run in progress".into(),
        });
    };
    if run.run_id != run_id {
        return Ok(StepResult::Ignored {
            reason: "a newer run replaced this one".into(),
        });
    }
    let Some(import) = state::load_import(host, import_id).await? else {
        return Ok(StepResult::Ignored {
            reason: "the import is no longer configured".into(),
        });
    };
    let api = ImportApi::new(host, &import.import_source.workspace_id, import_id);
    let now = host.now_ms();
    let graph = match graph_client(host, transport).await {
        Ok(graph) => graph,
        Err(message) => {
            let deadline = Deadline::after(now, limits.hard_budget_ms);
            fail(host, &api, &run, &message, deadline).await?;
            return Ok(StepResult::Finished {
                outcome: Outcome::Failed,
            });
        }
    };
    let mut step = Step {
        host,
        import: &import,
        api,
        graph,
        graph_base: run.graph_requests,
        run,
        index: None,
        buffer: Vec::new(),
        buffer_bytes: 0,
        limits,
        deadline: Deadline::after(now, limits.hard_budget_ms),
        work_until: now.saturating_add(limits.step_budget_ms),
    };
    let outcome = step.work().await;
    step.conclude(outcome).await
}

impl<H: Host, T: Transport> Step<'_, H, T> {
    fn import_id(&self) -> &str {
        &self.import.import_source.import_id
    }

    fn time_is_up(&self) -> bool {
        self.host.now_ms() >= self.work_until
    }

    async fn index(&mut self) -> Result<&mut MembershipIndex, HostError> {
        if self.index.is_none() {
            self.index =
                Some(MembershipIndex::load(self.host, &self.import.import_source.import_id).await?);
        }
        Ok(self.index.as_mut().expect("loaded above"))
    }

    fn start(&self) -> DeltaStart {
        match (&self.run.cursor, self.run.cursor_is_page) {
            (Some(link), true) => DeltaStart::Page(link.clone()),
            (Some(link), false) => DeltaStart::From(link.clone()),
            (None, _) => DeltaStart::Full,
        }
    }

    /// Runs phases until the run ends or the step must stop. `Ok(None)`:
    /// the run ended (already recorded).
    async fn work(&mut self) -> Result<Outcome, Stop> {
        let mut first = true;
        loop {
            if !first && self.time_is_up() && self.run.phase != Phase::Await {
                return Err(Stop::Pause {
                    delay_seconds: 0,
                    reason: "step time budget used".into(),
                });
            }
            first = false;
            match self.run.phase {
                Phase::Groups => self.groups_page().await?,
                Phase::Users => self.users_page().await?,
                Phase::Finish => self.finish().await?,
                Phase::Await => return self.await_assets().await,
            }
        }
    }

    async fn groups_page(&mut self) -> Result<(), Stop> {
        let start = self.start();
        if start == DeltaStart::Full && self.run.seq == 0 && self.run.cursor.is_none() {
            // A fresh full sweep rebuilds the index.
            self.index().await?.clear();
        }
        let page = match delta::groups_page(&self.graph, &start, self.deadline).await {
            Ok(page) => page,
            Err(DeltaError::Expired) if !self.run.sweep_full => {
                self.host.log(
                    LogLevel::Warn,
                    &format!(
                        "assets import {}: groups delta link expired; full sweep",
                        self.import_id()
                    ),
                );
                self.run.sweep_full = true;
                self.run.cursor = None;
                self.run.changed_groups.clear();
                self.run.touched_users.clear();
                self.index().await?.clear();
                return Ok(());
            }
            Err(DeltaError::Expired) => {
                return Err(Stop::Fail(
                    "Graph refused a fresh groups sweep as expired".into(),
                ))
            }
            Err(DeltaError::Graph(e)) => return Err(graph_stop(e)),
        };
        let incremental = !self.run.sweep_full;
        let mut changed: BTreeSet<String> = self.run.changed_groups.iter().cloned().collect();
        let mut touched: BTreeSet<String> = self.run.touched_users.iter().cloned().collect();
        let mut removed_records = Vec::new();
        let index = self.index().await?;
        for item in page.items {
            match item {
                DeltaItem::Changed(group) => {
                    records::merge_group(index.group_mut(&group.id), &group);
                    changed.insert(group.id.clone());
                    for (member, added) in group
                        .members_added
                        .iter()
                        .map(|m| (m, true))
                        .chain(group.members_removed.iter().map(|m| (m, false)))
                    {
                        match member.kind {
                            MemberKind::User => {
                                touched.insert(member.id.clone());
                            }
                            MemberKind::Group => {
                                changed.insert(member.id.clone());
                            }
                            // Devices and others are not imported.
                            MemberKind::Other => continue,
                        }
                        if added {
                            index.add_member(&group.id, &member.id);
                        } else {
                            index.remove_member(&group.id, &member.id);
                        }
                    }
                }
                // A full sweep sends only what exists; Entra's @removed
                // items in it are skipped.
                DeltaItem::Removed { id, .. } if incremental => {
                    let name = index
                        .group(&id)
                        .and_then(|g| g.get("displayName"))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    for member in index.remove_group(&id) {
                        if index.group(&member).is_some() {
                            changed.insert(member);
                        } else {
                            touched.insert(member);
                        }
                    }
                    changed.remove(&id);
                    removed_records.push(records::removed_record(&id, name.as_deref(), false));
                }
                DeltaItem::Removed { .. } => {}
            }
        }
        self.run.counts.removed += removed_records.len() as u64;
        if incremental {
            self.run.changed_groups = changed.into_iter().collect();
            self.run.touched_users = touched.into_iter().collect();
        }
        match page.next {
            DeltaNext::More(link) => {
                self.run.cursor = Some(link);
                self.run.cursor_is_page = true;
                // Removed groups' records must not wait for a checkpoint
                // that could lose them: send them now.
                for record in removed_records {
                    self.push_record(mapping::GROUPS_SELECTOR, record).await?;
                }
                self.flush(mapping::GROUPS_SELECTOR).await?;
                Ok(())
            }
            DeltaNext::Done(link) => {
                for record in removed_records {
                    self.push_record(mapping::GROUPS_SELECTOR, record).await?;
                }
                self.send_groups().await?;
                let groups_full = self.run.sweep_full;
                self.run.pending_groups_delta = Some(link);
                self.run.phase = Phase::Users;
                self.run.seq = 0;
                self.run.cursor_is_page = false;
                let users_full = self.run.mode == Mode::Full || groups_full;
                self.run.cursor = if users_full {
                    None
                } else {
                    state::delta_link(self.host, self.import_id(), "users").await?
                };
                self.run.sweep_full = self.run.cursor.is_none();
                let processed = self.run.counts.groups;
                let _ = self
                    .api
                    .progress(
                        &self.run.execution_id,
                        2,
                        "Reading users from Entra ID",
                        processed,
                        self.deadline,
                    )
                    .await;
                self.checkpoint().await
            }
        }
    }

    /// The group records at the end of the groups sweep: every group on a
    /// full sweep, the changed ones on an incremental one.
    async fn send_groups(&mut self) -> Result<(), Stop> {
        let full = self.run.sweep_full;
        let changed = self.run.changed_groups.clone();
        let index = self.index().await?;
        let counts = index.member_counts();
        let ids = if full { index.group_ids() } else { changed };
        let mut out = Vec::new();
        for id in ids {
            let Some(kept) = index.group(&id) else {
                continue;
            };
            let (parents, _) = index.groups_of(&id);
            out.push(records::group_record(&id, kept, counts.of(&id), &parents));
        }
        for record in out {
            self.push_record(mapping::GROUPS_SELECTOR, record).await?;
        }
        self.flush(mapping::GROUPS_SELECTOR).await
    }

    async fn users_page(&mut self) -> Result<(), Stop> {
        let start = self.start();
        let page = match delta::users_page(&self.graph, &start, self.deadline).await {
            Ok(page) => page,
            Err(DeltaError::Expired) if !self.run.sweep_full => {
                self.host.log(
                    LogLevel::Warn,
                    &format!(
                        "assets import {}: users delta link expired; full sweep",
                        self.import_id()
                    ),
                );
                self.run.sweep_full = true;
                self.run.cursor = None;
                return Ok(());
            }
            Err(DeltaError::Expired) => {
                return Err(Stop::Fail(
                    "Graph refused a fresh users sweep as expired".into(),
                ))
            }
            Err(DeltaError::Graph(e)) => return Err(graph_stop(e)),
        };
        let config = self.import.config.clone();
        let incremental = !self.run.sweep_full;
        let mut touched: BTreeSet<String> = self.run.touched_users.iter().cloned().collect();
        let mut out = Vec::new();
        {
            let index = self.index().await?;
            for item in page.items {
                match item {
                    DeltaItem::Changed(user) => {
                        touched.remove(&user.id);
                        let guest = user.user_type.as_deref() == Some("Guest");
                        let disabled = user.account_enabled == Some(false);
                        if (guest && !config.include_guests)
                            || (disabled && !config.include_disabled)
                        {
                            continue;
                        }
                        let (groups, names) = index.groups_of(&user.id);
                        out.push(records::user_record(&user, &groups, &names));
                    }
                    DeltaItem::Removed { id, .. } if incremental => {
                        touched.remove(&id);
                        out.push(records::removed_record(&id, None, true));
                    }
                    DeltaItem::Removed { .. } => {}
                }
            }
        }
        let removed = out.iter().filter(|r| r["status"] == "Deleted").count() as u64;
        self.run.counts.removed += removed;
        self.run.touched_users = touched.into_iter().collect();
        for record in out {
            self.push_record(mapping::USERS_SELECTOR, record).await?;
        }
        match page.next {
            DeltaNext::More(link) => {
                self.run.cursor = Some(link);
                self.run.cursor_is_page = true;
                if self.time_is_up() {
                    self.flush(mapping::USERS_SELECTOR).await?;
                }
                if self.buffer.is_empty() {
                    self.checkpoint().await?;
                }
                Ok(())
            }
            DeltaNext::Done(link) => {
                // Users whose memberships changed but who did not change
                // themselves.
                let touched = std::mem::take(&mut self.run.touched_users);
                let mut out = Vec::new();
                {
                    let index = self.index().await?;
                    for id in touched {
                        let (groups, names) = index.groups_of(&id);
                        out.push(records::membership_record(&id, &groups, &names));
                    }
                }
                for record in out {
                    self.push_record(mapping::USERS_SELECTOR, record).await?;
                }
                self.flush(mapping::USERS_SELECTOR).await?;
                self.run.pending_users_delta = Some(link);
                self.run.phase = Phase::Finish;
                self.run.cursor = None;
                self.run.cursor_is_page = false;
                let processed = self.run.counts.users + self.run.counts.groups;
                let _ = self
                    .api
                    .progress(
                        &self.run.execution_id,
                        3,
                        "Sending the last data to Assets",
                        processed,
                        self.deadline,
                    )
                    .await;
                self.checkpoint().await
            }
        }
    }

    /// Adds a record to the buffer, sending full chunks as it goes.
    async fn push_record(&mut self, selector: &str, record: Value) -> Result<(), Stop> {
        let size = record.to_string().len() + 1;
        if !self.buffer.is_empty()
            && (self.buffer.len() >= self.limits.chunk_records
                || self.buffer_bytes + size > self.limits.chunk_bytes.saturating_sub(256))
        {
            self.send_chunk(selector).await?;
        }
        self.buffer_bytes += size;
        self.buffer.push(record);
        if self.buffer.len() >= self.limits.chunk_records {
            self.send_chunk(selector).await?;
        }
        Ok(())
    }

    /// Sends what is buffered.
    async fn flush(&mut self, selector: &str) -> Result<(), Stop> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.send_chunk(selector).await
    }

    async fn send_chunk(&mut self, selector: &str) -> Result<(), Stop> {
        let records = std::mem::take(&mut self.buffer);
        self.buffer_bytes = 0;
        let phase = match selector {
            mapping::GROUPS_SELECTOR => "groups",
            _ => "users",
        };
        let chunk = json!({
            "data": {selector: records},
            "clientGeneratedId": format!("{}:{phase}:{}", self.run.run_id, self.run.seq),
            "completed": false,
        });
        if let Err(e) = self
            .api
            .submit(&self.run.execution_id, &chunk, self.deadline)
            .await
        {
            if let AssetsError::Invalid { .. } = e {
                // Ids only: record values are personal data.
                let ids: Vec<&str> = chunk["data"][selector]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .take(5)
                    .filter_map(|r| r["id"].as_str())
                    .collect();
                self.host.log(
                    LogLevel::Error,
                    &format!(
                        "assets import {}: chunk refused, first ids {ids:?}",
                        self.import_id()
                    ),
                );
            }
            return Err(assets_stop(e));
        }
        let count = records.len() as u64;
        if selector == mapping::GROUPS_SELECTOR {
            self.run.counts.groups += count;
        } else {
            self.run.counts.users += count;
        }
        self.run.seq += 1;
        self.run.chunks += 1;
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), Stop> {
        let chunk = json!({
            "data": {},
            "clientGeneratedId": format!("{}:final", self.run.run_id),
            "completed": true,
        });
        self.api
            .submit(&self.run.execution_id, &chunk, self.deadline)
            .await
            .map_err(assets_stop)?;
        self.run.chunks += 1;
        self.run.phase = Phase::Await;
        self.run.awaiting_since_ms = Some(self.host.now_ms());
        self.checkpoint().await
    }

    async fn await_assets(&mut self) -> Result<Outcome, Stop> {
        let status = self
            .api
            .status(&self.run.execution_id, self.deadline)
            .await
            .map_err(assets_stop)?;
        let outcome = match status.status.as_str() {
            "DONE" => Outcome::Done,
            "CANCELLED" => Outcome::Cancelled,
            _ => {
                let since = self.run.awaiting_since_ms.unwrap_or(self.run.started_at_ms);
                if self.host.now_ms().saturating_sub(since) > self.limits.await_give_up_ms {
                    return Err(Stop::Fail(format!(
                        "Assets was still {} after two hours; the outcome is unknown",
                        status.status
                    )));
                }
                return Err(Stop::Pause {
                    delay_seconds: self.limits.await_delay_seconds,
                    reason: format!("Assets is {}", status.status),
                });
            }
        };
        if !self.still_ours().await? {
            return Err(Stop::Gone);
        }
        self.settle_counts();
        if outcome == Outcome::Done {
            let id = self.import_id().to_string();
            if let Some(link) = &self.run.pending_users_delta {
                state::commit_delta_link(self.host, &id, "users", link).await?;
            }
            if let Some(link) = &self.run.pending_groups_delta {
                state::commit_delta_link(self.host, &id, "groups", link).await?;
            }
        }
        let mut last = LastRun::of(&self.run, outcome, self.host.now_ms(), None);
        last.object_type_results = object_type_results(&status.progress_result);
        state::finish_run(self.host, self.import_id(), &last).await?;
        self.host.log(
            LogLevel::Info,
            &format!(
                "assets import {} run {}: {:?}, {} users, {} groups, {} removed, {} chunks, {} Graph requests, {} queue events",
                self.import_id(),
                self.run.run_id,
                outcome,
                last.counts.users,
                last.counts.groups,
                last.counts.removed,
                last.chunks,
                last.graph_requests,
                last.queue_events
            ),
        );
        Ok(outcome)
    }

    fn settle_counts(&mut self) {
        self.run.graph_requests = self.graph_base + u64::from(self.graph.requests_sent());
    }

    /// Whether the stored run is still this one (a stop or a newer run
    /// may have replaced it while this step worked).
    async fn still_ours(&self) -> Result<bool, HostError> {
        Ok(state::load_run(self.host, self.import_id())
            .await?
            .is_some_and(|r| r.run_id == self.run.run_id))
    }

    /// Saves the index and the run: everything read so far has been sent.
    async fn checkpoint(&mut self) -> Result<(), Stop> {
        if !self.still_ours().await? {
            return Err(Stop::Gone);
        }
        if let Some(index) = self.index.as_mut() {
            index
                .save(self.host, &self.import.import_source.import_id)
                .await?;
        }
        self.settle_counts();
        self.run.updated_at_ms = self.host.now_ms();
        state::save_run(self.host, self.import_id(), &self.run).await?;
        Ok(())
    }

    async fn requeue(&mut self, delay_seconds: u64) -> Result<(), HostError> {
        self.run.queue_events += 1;
        self.run.updated_at_ms = self.host.now_ms();
        state::save_run(self.host, self.import_id(), &self.run).await?;
        self.host
            .queue_push(
                QUEUE_KEY,
                &[event(self.import_id(), &self.run.run_id, delay_seconds)],
            )
            .await
    }

    async fn conclude(&mut self, outcome: Result<Outcome, Stop>) -> Result<StepResult, HostError> {
        match outcome {
            Ok(outcome) => Ok(StepResult::Finished { outcome }),
            Err(Stop::Pause {
                delay_seconds,
                reason,
            }) => {
                // Everything read is sent before the checkpoint.
                let selector = if self.run.phase == Phase::Groups {
                    mapping::GROUPS_SELECTOR
                } else {
                    mapping::USERS_SELECTOR
                };
                let saved = match self.flush(selector).await {
                    Ok(()) => self.checkpoint().await,
                    Err(e) => Err(e),
                };
                match saved {
                    Ok(()) => {
                        self.requeue(delay_seconds).await?;
                        Ok(StepResult::Requeued {
                            phase: self.run.phase,
                            delay_seconds,
                            reason,
                        })
                    }
                    Err(stop) => Box::pin(self.conclude(Err(stop))).await,
                }
            }
            Err(Stop::Unavailable {
                delay_seconds,
                reason,
            }) => {
                // Start again from the last checkpoint: what this step
                // read since is read again.
                let Some(mut stored) = state::load_run(self.host, self.import_id()).await? else {
                    return Ok(StepResult::Ignored {
                        reason: "the run was stopped".into(),
                    });
                };
                if stored.run_id != self.run.run_id {
                    return Ok(StepResult::Ignored {
                        reason: "a newer run replaced this one".into(),
                    });
                }
                stored.graph_requests = self.graph_base + u64::from(self.graph.requests_sent());
                self.host.log(
                    LogLevel::Warn,
                    &format!(
                        "assets import {}: {reason}; step again in {delay_seconds} s",
                        self.import_id()
                    ),
                );
                self.run = stored;
                self.requeue(delay_seconds).await?;
                Ok(StepResult::Requeued {
                    phase: self.run.phase,
                    delay_seconds,
                    reason,
                })
            }
            Err(Stop::Fail(message)) => {
                self.settle_counts();
                if !self.still_ours().await? {
                    return Ok(StepResult::Ignored {
                        reason: "the run was stopped".into(),
                    });
                }
                fail(self.host, &self.api, &self.run, &message, self.deadline).await?;
                Ok(StepResult::Finished {
                    outcome: Outcome::Failed,
                })
            }
            Err(Stop::Storage(e)) => Err(e),
            Err(Stop::Gone) => Ok(StepResult::Ignored {
                reason: "the run was stopped or replaced".into(),
            }),
        }
    }
}

/// Gives up a run: Assets' history says why, the execution is cancelled,
/// the last run records the failure; committed delta links stay as they
/// were.
pub async fn fail<H: Host>(
    host: &H,
    api: &ImportApi<'_, H>,
    run: &RunState,
    message: &str,
    deadline: Deadline,
) -> Result<(), HostError> {
    host.log(
        LogLevel::Error,
        &format!("assets import run {} failed: {message}", run.run_id),
    );
    if let Err(e) = api
        .record_failure(&run.execution_id, message, deadline)
        .await
    {
        host.log(
            LogLevel::Warn,
            &format!("assets: failure not recorded in Assets: {e}"),
        );
    }
    if let Err(e) = api.cancel(&run.execution_id, deadline).await {
        host.log(
            LogLevel::Warn,
            &format!("assets: execution not cancelled: {e}"),
        );
    }
    state::finish_run(
        host,
        api.import_id(),
        &LastRun::of(
            run,
            Outcome::Failed,
            host.now_ms(),
            Some(message.to_string()),
        ),
    )
    .await
}

/// Assets' `objectTypeResultMap` as `{<object type name>: {created,
/// updated, identical, missingDeleted}}`.
fn object_type_results(progress: &Value) -> Option<Value> {
    let map = progress["objectTypeResultMap"].as_object()?;
    let mut out = serde_json::Map::new();
    for result in map.values() {
        let Some(name) = result["objectTypeName"].as_str() else {
            continue;
        };
        let n = |k: &str| result[k].as_u64().unwrap_or(0);
        out.insert(
            name.to_string(),
            json!({
                "created": n("objectsCreated"),
                "updated": n("objectsUpdated"),
                "identical": n("objectsIdentical"),
                "missingDeleted": n("objectsMissingDeleted"),
            }),
        );
    }
    Some(Value::Object(out))
}
