//! Stage 6, record: after a real run (never a dry run) the credential goes
//! to one-time delivery, the attempt to the audit trail, and a summary to
//! the request as a comment. Refusals are recorded by the authorize stage;
//! failures here are logged, never lose the change that was made.
//!
//! Before the execute stage sends its first change, [`started`] writes the
//! run's record as `started` (who, what, whom, which groups), in one
//! transaction with a mark on the call's idempotency entry naming the
//! record; the record stage then replaces that record under the same id.
//! A run Forge stops in between leaves the `started` record, and a resend
//! of the same call finds the mark and records its end under that id.

use super::answer::Executed;
use super::context::RouteContext;
use super::error::ApiError;
use super::execute::ChangeResult;
use crate::audit::{self, AuditRecord};
use crate::delivery::{self, DeliveryRequest};
use crate::host::{Host, LogLevel, TxOp};
use crate::http::Transport;
use crate::layout::{AUDIT_ENTITY, IDEMPOTENCY_ENTITY};
use crate::policy::{Authorized, Operation, RequestContext};

/// Which audit record a run writes, and the call's idempotency entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The audit record id: a fresh one, or that of an earlier run of the
    /// same call that began and did not record its end.
    pub audit_id: String,
    /// The call's `idempotency` entity key ([`super::idempotency::key_for`]),
    /// if it has one.
    pub replay_key: Option<String>,
}

/// The run's `started` record: what the call asks, about whom, by whom,
/// before any change is sent. Stored by [`store_started`].
pub fn started(
    run: &RunRecord,
    request: &RequestContext,
    op: &Operation,
    authorized: &Authorized,
    now_ms: u64,
) -> AuditRecord {
    let mut rec = AuditRecord::for_operation(now_ms, request, op).started();
    rec.id = run.audit_id.clone();
    if let Some(target) = &authorized.target {
        rec = rec.with_resolved_target(target);
    }
    rec
}

/// Stores a `started` record and marks the call's idempotency entry with
/// its id, in one transaction (one storage wait). A failure is logged: the
/// run goes on, and its record stage writes the record again.
pub async fn store_started(host: &impl Host, run: &RunRecord, rec: &AuditRecord) {
    if let Err(e) = write(host, &record_ops(run, rec, true)).await {
        host.log(
            LogLevel::Error,
            &format!("the started audit record was not stored: {e}"),
        );
    }
}

/// One entity write alone, else one transaction.
async fn write(host: &impl Host, ops: &[TxOp]) -> Result<(), crate::host::HostError> {
    match ops {
        [TxOp::Set {
            key,
            value,
            entity: Some(entity),
            ..
        }] => host.entity_set(entity, key, value).await,
        ops => host.kvs_transact(ops).await,
    }
}

/// The record's entity write, with the call's idempotency entry marked
/// (`mark`) or its mark removed.
fn record_ops(run: &RunRecord, rec: &AuditRecord, mark: bool) -> Vec<TxOp> {
    let mut ops = vec![TxOp::set_entity(
        AUDIT_ENTITY,
        audit::store::record_key(rec),
        audit::store::entity_value(rec),
    )];
    if let Some(key) = &run.replay_key {
        ops.push(if mark {
            TxOp::set_entity(
                IDEMPOTENCY_ENTITY,
                key.clone(),
                super::idempotency::started(rec.at_ms, &rec.id),
            )
        } else {
            TxOp::delete_entity(IDEMPOTENCY_ENTITY, key.clone())
        });
    }
    ops
}

/// Records a change's result under `run`'s audit id (replacing its
/// `started` record). A failed change is recorded and answered as the
/// failure; a completed one as [`Executed`] with the audit id and the
/// credential's delivery receipt.
pub async fn record<H: Host, T: Transport>(
    run: &RunRecord,
    request: &RequestContext,
    op: &Operation,
    authorized: &Authorized,
    result: ChangeResult,
    viewers: Vec<String>,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Executed, ApiError> {
    let host = ctx.host;
    let mut rec = AuditRecord::for_operation(host.now_ms(), request, op);
    rec.id = run.audit_id.clone();
    rec.duration_ms = Some(rec.at_ms.saturating_sub(ctx.started_at_ms));
    if let Some(target) = &authorized.target {
        rec = rec.with_resolved_target(target);
    }
    let (outcome, credential) = match result {
        Ok(done) => done,
        Err(error) => {
            let rec = rec.failed(&error);
            futures_util::future::join(store_record(host, run, &rec), comment(ctx, request, &rec))
                .await;
            return Err(ApiError::Operation(error));
        }
    };
    rec = rec.completed(&outcome);
    let mut receipt = None;
    let mut response_secret = None;
    if let Some(credential) = credential {
        response_secret =
            delivery::secret_for_response(&ctx.config.policy, request, &credential).cloned();
        let target = outcome.user.as_ref();
        let delivery_request = DeliveryRequest {
            operation: op.kind,
            target_id: target.map(|u| u.id.clone()).unwrap_or_default(),
            target_label: target
                .and_then(|u| u.user_principal_name.clone())
                .unwrap_or_default(),
            issue_key: request.issue_key.clone(),
            audit_id: rec.id.clone(),
            viewers,
            lifetime_ms: ctx.config.policy.secret_lifetime_ms(),
        };
        match delivery::store(host, credential, delivery_request).await {
            Ok(r) => {
                rec = rec.with_credential(r.note());
                receipt = Some(r);
            }
            // The change is made; only the signed-HR response can still
            // carry the credential. Say so loudly, never the value.
            Err(e) => host.log(
                LogLevel::Error,
                &format!("credential not stored for one-time reveal: {e}"),
            ),
        }
    }
    // The audit record and the comment do not wait for each other.
    let (audit_id, ()) =
        futures_util::future::join(store_record(host, run, &rec), comment(ctx, request, &rec))
            .await;
    Ok(Executed {
        outcome,
        audit_id,
        credential: receipt,
        response_secret,
        approvals_pending: None,
        scheduled: Vec::new(),
    })
}

/// The run's end, replacing its `started` record, and the idempotency
/// entry's mark removed (a complete answer is remembered after): one
/// transaction.
async fn store_record(host: &impl Host, run: &RunRecord, rec: &AuditRecord) -> Option<String> {
    match write(host, &record_ops(run, rec, false)).await {
        Ok(()) => Some(audit::store::record_key(rec)),
        Err(e) => {
            host.log(LogLevel::Error, &format!("audit record not stored: {e}"));
            None
        }
    }
}

async fn comment<H: Host, T: Transport>(
    ctx: &RouteContext<'_, H, T>,
    request: &RequestContext,
    rec: &AuditRecord,
) {
    let Some(issue) = &request.issue_key else {
        return;
    };
    let visibility = audit::visibility_for(&ctx.config.policy, rec);
    if let Err(e) =
        audit::post_comment(ctx.host, issue, audit::summary_comment(rec), visibility).await
    {
        ctx.host.log(
            LogLevel::Warn,
            &format!("summary comment not posted on {issue}: {e}"),
        );
    }
}
