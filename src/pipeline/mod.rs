//! The one operation pipeline. Every entry point (the Service API, bulk
//! jobs, automation actions, portal requests, the issue panel) turns what
//! it received into an [`call::OperationCall`] and a
//! [`crate::policy::RequestContext`], and calls [`run`]; so no door skips a
//! rule, and the same input rules, idempotency, audit and answers hold
//! everywhere.
//!
//! The stages, in order, one file each:
//! 1. [`parse`]: the call's `data` becomes a typed [`request::RouteRequest`];
//! 2. [`resolve`]: group names become ids, configuration is attached;
//! 3. [`authorize`]: the policy decides; refusals are audited;
//! 4. [`recipients`] (credential routes only): who may reveal the credential;
//! 5. [`execute`]: the lifecycle procedure plans and runs the Graph steps;
//! 6. [`record`]: delivery, audit record, internal comment;
//! 7. [`answer`]: the Service API-shaped answer, remembered for replay
//!    ([`idempotency`]).

pub mod call;
pub mod input;
pub mod request;
pub mod parse;
pub mod resolve;
pub mod authorize;
pub mod approval;
pub mod recipients;
pub mod execute;
pub mod schedule;
pub mod record;
pub mod answer;
pub mod idempotency;
pub mod context;
pub mod error;

use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::lifecycle::{self, RunMode};
use crate::policy::authorize::ApprovalGate;
use crate::policy::RequestContext;
use answer::{outcome_answer, read_answer, Answer, CallAnswer, Executed};
use call::OperationCall;
use context::{internal, RouteContext};
use error::ApiError;
use serde_json::json;

/// Runs a validated call: replays a completed answer for a repeated
/// idempotency key, else runs the stages and remembers a complete answer.
/// `budget_ms` is what is left of the entry point's time limit, in
/// milliseconds; Graph retries stop at that deadline.
pub async fn run(
    call: &OperationCall,
    request: &RequestContext,
    host: &impl Host,
    transport: &impl Transport,
    budget_ms: u64,
) -> CallAnswer {
    let replay_key = idempotency::key_for(call);
    // The replay lookup and the configuration are read together: one wait.
    let (found, ctx) = futures_util::future::join(
        async {
            match &replay_key {
                Some(key) => idempotency::lookup(host, key).await,
                None => Ok(idempotency::Lookup::default()),
            }
        },
        RouteContext::load(host, transport, budget_ms),
    )
    .await;
    let mut started_audit_id = None;
    if replay_key.is_some() {
        match found {
            Ok(idempotency::Lookup {
                answer: Some(stored),
                ..
            }) => {
                let mut body = stored.body;
                body["replay"] = json!(true);
                return CallAnswer {
                    status: stored.status,
                    body,
                    retry_after_seconds: None,
                    replay: true,
                };
            }
            Ok(lookup) => started_audit_id = lookup.started_audit_id,
            Err(e) => return internal(host, &e.to_string()).to_answer(),
        }
    }
    let ctx = match ctx {
        Ok(ctx) => ctx,
        Err(e) => return e.to_answer(),
    };
    // A run of this call that was stopped mid-plan left a `started`
    // record: this run records its end under the same id.
    let run = record::RunRecord {
        audit_id: started_audit_id.unwrap_or_else(crate::audit::record::new_record_id),
        replay_key: replay_key.clone(),
    };
    let (answer, complete) = match run_stages(call, request, &ctx, &run).await {
        Ok(Answer::Read(result)) => (read_answer(call, result), false),
        Ok(Answer::Changed(executed)) => {
            let complete = !executed.outcome.dry_run && executed.outcome.is_complete();
            (outcome_answer(call, &executed), complete)
        }
        Err(error) => return error.to_answer(),
    };
    // An answer that carries a credential is never stored for replay.
    if complete && answer.body["result"]["credential"]["value"].is_null() {
        if let Some(key) = &replay_key {
            if let Err(e) = idempotency::remember(host, key, answer.status, &answer.body).await {
                // The change is made; failing to remember it only loses replay.
                host.log(
                    LogLevel::Warn,
                    &format!("could not store the idempotent answer: {e}"),
                );
            }
        }
    }
    answer
}

/// Stages 1 to 6 for one call.
async fn run_stages<H: Host, T: Transport>(
    call: &OperationCall,
    request: &RequestContext,
    ctx: &RouteContext<'_, H, T>,
    run: &record::RunRecord,
) -> Result<Answer, ApiError> {
    let mode = if call.dry_run {
        RunMode::DryRun
    } else {
        RunMode::Execute
    };
    let (parsed, notes) = parse::parse_in(call, &ctx.config.site_zone())?;
    let client = ctx.graph().await?;
    let mut resolved = resolve::resolve(&client, parsed, ctx).await?;
    let operation = resolved.policy_operation(call.route);
    let authorized = match authorize::authorize_call(request, &operation, &client, ctx).await {
        Ok(authorized) => authorized,
        Err(denied) => {
            if denied.is_awaiting_approval() {
                // What the approvers are asked to approve; an edit after
                // their decision is refused below.
                if let Err(e) = approval::remember(ctx.host, call).await {
                    ctx.host.log(
                        LogLevel::Warn,
                        &format!("the waiting input was not recorded: {e}"),
                    );
                }
            }
            return Err(denied);
        }
    };
    if mode == RunMode::Execute && authorized.approval == ApprovalGate::Approved {
        approval::refuse_if_changed(call, request, &operation, ctx).await?;
    }
    if let Some(result) = execute::read(&client, &resolved, ctx).await? {
        return Ok(Answer::Read(result));
    }
    // A future joiner is made unusable now and activated on the date.
    let deferral = schedule::decide(&mut resolved, ctx);
    // An MFA reset issues a credential only when a pass is asked for.
    let issues_credential = (call.route.issues_credential()
        || matches!(&resolved, request::RouteRequest::ResetMfa(r) if r.tap.is_some()))
        && !matches!(deferral, schedule::Deferral::Activation { .. });
    let viewers = if issues_credential && mode == RunMode::Execute {
        // A scheduled credential is a joiner's first one: it goes to whom
        // user.create's would have gone.
        let recipient_route = if request.entry_point == crate::policy::EntryPoint::Schedule {
            crate::route::Route::UserCreate
        } else {
            call.route
        };
        let manager = recipients::manager_email(&client, &resolved, recipient_route, ctx).await?;
        match recipients::viewers(recipient_route, request, manager.as_deref(), ctx).await? {
            Some(viewers) => Some(viewers),
            None => {
                // Nobody to receive it: create the account, credential pending.
                if let request::RouteRequest::Create(create) = &mut resolved {
                    create.request.credential = lifecycle::FirstCredential::Pending;
                }
                Some(Vec::new())
            }
        }
    } else {
        None
    };
    let changes = async {
        let result = match (&deferral, resolved) {
            (schedule::Deferral::Offboarding { .. }, request::RouteRequest::Offboard(offboard)) => {
                execute::record_leave_date(&client, &offboard, mode, ctx).await
            }
            (_, resolved) => execute::change(&client, resolved, mode, ctx).await,
        };
        match result {
            Ok((outcome, credential)) if call.route == crate::route::Route::UserEnable => Ok((
                schedule::rejoin(&client, outcome, mode, ctx).await,
                credential,
            )),
            other => other,
        }
    };
    // The `started` record is stored while the procedure reads, and before
    // its first change is sent: the client holds changes until the record
    // is durable, so a run stopped at any write leaves it. A dry run stores
    // nothing; it goes through the same join so that `changes` is polled
    // from one place only (one copy of its state machine in the wasm).
    let started = (mode == RunMode::Execute).then(|| {
        let gate = std::rc::Rc::new(crate::graph::write_gate::WriteGate::closed());
        client.hold_changes_until(gate.clone());
        let record = record::started(run, request, &operation, &authorized, ctx.host.now_ms());
        (gate, record)
    });
    let store = async {
        if let Some((gate, record)) = &started {
            record::store_started(ctx.host, run, record).await;
            gate.open();
        }
    };
    let result = futures_util::future::join(store, changes).await.1;
    let result = result.map(|(mut outcome, credential)| {
        outcome.name_groups(&authorized.group_names());
        (execute::annotate(outcome, &notes), credential)
    });
    let mut executed = if mode == RunMode::DryRun {
        let (outcome, _) = result.map_err(ApiError::Operation)?;
        Executed {
            outcome,
            audit_id: None,
            credential: None,
            response_secret: None,
            approvals_pending: match authorized.approval {
                ApprovalGate::DryRunPending { pending } => Some(pending),
                _ => None,
            },
            scheduled: Vec::new(),
        }
    } else {
        let viewers = viewers.unwrap_or_default();
        record::record(run, request, &operation, &authorized, result, viewers, ctx).await?
    };
    executed.scheduled =
        schedule::after(call.route, &deferral, &executed.outcome, request, mode, ctx).await;
    Ok(Answer::Changed(Box::new(executed)))
}
