//! Stage 6, record: after a real run (never a dry run) the credential goes
//! to one-time delivery, the attempt to the audit trail, and a summary to
//! the request as a comment. Refusals are recorded by the authorize stage;
//! failures here are logged, never lose the change that was made.

use super::answer::Executed;
use super::context::RouteContext;
use super::error::ApiError;
use super::execute::ChangeResult;
use crate::audit::{self, AuditRecord};
use crate::delivery::{self, DeliveryRequest};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::policy::{Authorized, Operation, RequestContext};

/// Records a change's result. A failed change is recorded and answered as
/// the failure; a completed one as [`Executed`] with the audit id and the
/// credential's delivery receipt.
pub async fn record<H: Host, T: Transport>(
    request: &RequestContext,
    op: &Operation,
    authorized: &Authorized,
    result: ChangeResult,
    viewers: Vec<String>,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Executed, ApiError> {
    let host = ctx.host;
    let mut rec = AuditRecord::for_operation(host.now_ms(), request, op);
    rec.duration_ms = Some(rec.at_ms.saturating_sub(ctx.started_at_ms));
    if let Some(target) = &authorized.target {
        rec = rec.with_resolved_target(target);
    }
    let (outcome, credential) = match result {
        Ok(done) => done,
        Err(error) => {
            let rec = rec.failed(&error);
            futures_util::future::join(store_record(host, &rec), comment(ctx, request, &rec)).await;
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
        futures_util::future::join(store_record(host, &rec), comment(ctx, request, &rec)).await;
    Ok(Executed {
        outcome,
        audit_id,
        credential: receipt,
        response_secret,
        approvals_pending: None,
        scheduled: Vec::new(),
    })
}

async fn store_record(host: &impl Host, rec: &AuditRecord) -> Option<String> {
    match audit::record(host, rec).await {
        Ok(id) => Some(id),
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
