//! Runs planned changes in as few round trips as possible and reports each.

use crate::graph::{BatchItem, ClientError, Deadline, GraphClient, GraphResponse};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::outcome::{Outcome, StepOutcome, StepReport, UserSummary};
use crate::lifecycle::plan::{AlreadyDoneWhen, Plan, Step};

/// Dry run or for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Read what is needed and return the plan; send no change.
    DryRun,
    /// Send the planned changes.
    Execute,
}

/// Sends all changes (one `$batch` when more than one) and maps each
/// result to a step outcome.
pub async fn run_changes<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    changes: &[Step],
    deadline: Deadline,
) -> Vec<StepReport> {
    run_changes_keeping_responses(client, changes, deadline)
        .await
        .into_iter()
        .map(|(step, _)| step)
        .collect()
}

fn step_outcome<R>(change: &Step, result: Result<R, ClientError>) -> StepOutcome {
    match result {
        Ok(_) => StepOutcome::Done,
        Err(ClientError::Graph(g)) => {
            let benign = match &change.already_done_when {
                AlreadyDoneWhen::Never => false,
                AlreadyDoneWhen::AlreadyMember => g.is_already_member(),
                AlreadyDoneWhen::NotAMemberOf { group_id } => {
                    g.is_not_found() && !g.names_resource(group_id)
                }
            };
            if benign {
                StepOutcome::NoChange
            } else {
                StepOutcome::from_error(&ClientError::Graph(g))
            }
        }
        Err(e) => StepOutcome::from_error(&e),
    }
}

/// The common tail of every mutating operation: in a dry run, return the
/// plan; otherwise run the changes. `settled` are steps already known to be
/// in the wanted state (reported as NoChange, never sent).
pub async fn finish<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    mode: RunMode,
    deadline: Deadline,
    settled: Vec<StepReport>,
    changes: Vec<Step>,
    user: Option<UserSummary>,
) -> Outcome {
    let plan = Plan::from_changes(&changes);
    let mut steps = settled;
    if mode == RunMode::Execute {
        steps.extend(run_changes(client, &changes, deadline).await);
    }
    Outcome {
        dry_run: mode == RunMode::DryRun,
        plan,
        steps,
        user,
        remainder: Vec::new(),
    }
}

/// A step that needed no request.
pub fn no_change(key: &str, summary: &str) -> StepReport {
    StepReport::new(key, summary, StepOutcome::NoChange)
}

/// A planned step whose goal already holds: reported as no change, with
/// its targets, and never sent.
pub fn no_change_step(step: &Step) -> StepReport {
    StepReport::of(step, StepOutcome::NoChange)
}

/// Like [`run_changes`], also handing back each successful response (for
/// changes whose response carries data, such as a new TAP).
pub async fn run_changes_keeping_responses<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    changes: &[Step],
    deadline: Deadline,
) -> Vec<(StepReport, Option<GraphResponse>)> {
    if changes.is_empty() {
        return Vec::new();
    }
    let items = change_items(changes);
    let results = client.execute(&items, deadline).await;
    reports(changes, results)
}

/// The changes as batch items, ids `1`, `2`, ... in order.
fn change_items(changes: &[Step]) -> Vec<BatchItem> {
    changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            // A step's `after` keys become `dependsOn` on the items of the
            // earlier steps with those keys.
            c.after
                .iter()
                .filter_map(|key| changes[..i].iter().position(|d| &d.key == key))
                .fold(
                    BatchItem::new((i + 1).to_string(), c.request.clone()),
                    |item, d| item.after((d + 1).to_string()),
                )
        })
        .collect()
}

fn reports(
    changes: &[Step],
    results: crate::graph::BatchResults,
) -> Vec<(StepReport, Option<GraphResponse>)> {
    changes
        .iter()
        .zip(results)
        .map(|(change, result)| {
            let response = result.as_ref().ok().cloned();
            let step = StepReport::of(change, step_outcome(change, result));
            (step, response)
        })
        .collect()
}

/// [`finish`], with `reads` riding at the end of the changes' `$batch`,
/// each depending on every change: Graph runs them only after the changes
/// succeeded, and answers 424 when one did not ("Sequencing requests with
/// the dependsOn property",
/// <https://learn.microsoft.com/en-us/graph/json-batching#sequencing-requests-with-the-dependson-property>).
/// Their answers are kept for the operation's own identical reads
/// ([`crate::graph::read_ahead`]), so a read-back after the writes costs no
/// round trip of its own; a 424 is not kept, and that read goes to Graph.
/// The reads ride only when the changes and they fit one `$batch`.
pub async fn finish_then_read<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    mode: RunMode,
    deadline: Deadline,
    settled: Vec<StepReport>,
    changes: Vec<Step>,
    user: Option<UserSummary>,
    reads: &[crate::graph::GraphRequest],
) -> Outcome {
    let fits = changes.len() + reads.len() <= crate::graph::batch::MAX_BATCH;
    if mode == RunMode::DryRun || reads.is_empty() || changes.is_empty() || !fits {
        return finish(client, mode, deadline, settled, changes, user).await;
    }
    let mut items = change_items(&changes);
    let written: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    for (i, read) in reads.iter().enumerate() {
        let item = written.iter().fold(
            BatchItem::new(format!("read{}", i + 1), read.clone()),
            |item, id| item.after(id.clone()),
        );
        items.push(item);
    }
    let mut results = client.execute(&items, deadline).await;
    let read_results = results.split_off(changes.len());
    for (read, result) in reads.iter().zip(read_results) {
        if let Ok(response) = result {
            client.read_ahead.keep(read, response);
        }
    }
    let mut steps = settled;
    steps.extend(reports(&changes, results).into_iter().map(|(s, _)| s));
    Outcome {
        dry_run: false,
        plan: Plan::from_changes(&changes),
        steps,
        user,
        remainder: Vec::new(),
    }
}
