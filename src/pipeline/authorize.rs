//! Stage 3, authorize: the policy ([`crate::policy::authorize()`]) decides,
//! and this stage writes the audit record every refusal needs, so no entry
//! point can refuse without leaving a trace (the policy itself writes
//! nothing).

use super::context::RouteContext;
use super::error::ApiError;
use crate::audit::{self, AuditError, AuditRecord};
use crate::config::policy::PolicyConfig;
use crate::graph::{Deadline, GraphClient};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::policy::authorize::{authorize, Authorized};
use crate::policy::operation::Operation;
use crate::policy::refusal::Denial;
use crate::policy::requester::RequestContext;

/// A denial that has been written to the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditedDenial {
    /// What the policy refused, and the rule that refused it.
    pub denial: Denial,
    /// The record written for it.
    pub record: AuditRecord,
    /// Set when the record could not be stored (the denial stands anyway).
    pub audit_error: Option<AuditError>,
}

/// Authorizes `op`; on any denial stores an audit record before returning.
pub async fn authorize_audited<T: Transport, H: Host>(
    ctx: &RequestContext,
    op: &Operation,
    config: &PolicyConfig,
    client: &GraphClient<'_, T, H>,
    deadline: Deadline,
) -> Result<Authorized, AuditedDenial> {
    match authorize(ctx, op, config, client, deadline).await {
        Ok(ok) => Ok(ok),
        Err(denial) => {
            let host = client.host();
            let record = AuditRecord::for_operation(host.now_ms(), ctx, op).denied(&denial);
            let audit_error = audit::record(host, &record).await.err();
            if let Some(e) = &audit_error {
                host.log(
                    LogLevel::Error,
                    &format!("policy: refusal not audited: {e}"),
                );
            }
            Err(AuditedDenial {
                denial,
                record,
                audit_error,
            })
        }
    }
}

/// The stage as the pipeline runs it: a refusal becomes [`ApiError::Denied`]
/// carrying the id of its audit record (absent if the record could not be
/// stored).
pub async fn authorize_call<H: Host, T: Transport>(
    request: &RequestContext,
    op: &Operation,
    client: &GraphClient<'_, T, H>,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Authorized, ApiError> {
    authorize_audited(request, op, &ctx.config.policy, client, ctx.deadline)
        .await
        .map_err(|d| ApiError::Denied {
            audit_id: d.audit_error.is_none().then(|| d.record.id.clone()),
            denial: Box::new(d.denial),
        })
}
