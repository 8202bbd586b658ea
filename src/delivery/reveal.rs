//! The one reveal of a stored credential.

use crate::audit::record::{AuditAction, AuditActor, AuditRecord, AuditResult, AuditTarget};
use crate::delivery::store::{secret_key, Entry};
use crate::host::{Host, HostError, LogLevel};
use crate::secret::Secret;
use std::fmt;

/// Why a reveal handed nothing out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevealError {
    /// No such credential: never stored, already revealed, or swept.
    NotFoundOrRevealed,
    /// It expired before anyone revealed it (and is now deleted).
    Expired {
        /// When it expired, in milliseconds since the Unix epoch.
        expired_at_ms: u64,
    },
    /// The viewer is not one of the people allowed to see it.
    NotAllowed,
    /// Forge secret storage failed; nothing was handed out.
    Storage(HostError),
}

impl RevealError {
    /// The HTTP status for this refusal: 404 not found or already revealed,
    /// 410 expired, 403 not allowed, 502 storage failure.
    pub fn http_status(&self) -> u16 {
        match self {
            RevealError::NotFoundOrRevealed => 404,
            RevealError::Expired { .. } => 410,
            RevealError::NotAllowed => 403,
            RevealError::Storage(_) => 502,
        }
    }
}

impl fmt::Display for RevealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevealError::NotFoundOrRevealed => {
                f.write_str("this credential does not exist or was already revealed")
            }
            RevealError::Expired { .. } => {
                f.write_str("this credential expired before it was revealed")
            }
            RevealError::NotAllowed => f.write_str("you are not allowed to reveal this credential"),
            RevealError::Storage(e) => write!(f, "the credential could not be read: {e}"),
        }
    }
}

impl std::error::Error for RevealError {}

impl From<HostError> for RevealError {
    fn from(e: HostError) -> Self {
        RevealError::Storage(e)
    }
}

/// Returns the credential to `viewer_account_id` once and deletes it. Every
/// attempt is audited (who, which credential, the result; never the value).
/// A refused viewer does not consume it, so the right person still can.
///
/// Errors: [`RevealError::NotFoundOrRevealed`] (also for an entry that no
/// longer parses, which is deleted), [`RevealError::Expired`] (the entry
/// is deleted), [`RevealError::NotAllowed`], and [`RevealError::Storage`]
/// when secret storage fails, in which case nothing is handed out.
pub async fn reveal<H: Host>(
    host: &H,
    id: &str,
    viewer_account_id: &str,
) -> Result<Secret, RevealError> {
    let key = secret_key(id);
    let Some(text) = host.secret_get(&key).await? else {
        audit(
            host,
            id,
            viewer_account_id,
            None,
            AuditResult::RevealRefused {
                reason: "not found or already revealed".into(),
            },
        )
        .await;
        return Err(RevealError::NotFoundOrRevealed);
    };
    let Ok(entry) = serde_json::from_str(&text).and_then(serde_json::from_value::<Entry>) else {
        // Unreadable: delete rather than keep a value nobody can check.
        host.secret_delete(&key).await?;
        return Err(RevealError::NotFoundOrRevealed);
    };
    if host.now_ms() >= entry.expires_at_ms {
        host.secret_delete(&key).await?;
        forget_pending(host, id, entry.expires_at_ms).await;
        audit(
            host,
            id,
            viewer_account_id,
            Some(&entry),
            AuditResult::RevealRefused {
                reason: "expired".into(),
            },
        )
        .await;
        return Err(RevealError::Expired {
            expired_at_ms: entry.expires_at_ms,
        });
    }
    if !entry.viewers.iter().any(|v| v == viewer_account_id) {
        audit(
            host,
            id,
            viewer_account_id,
            Some(&entry),
            AuditResult::RevealRefused {
                reason: "viewer not allowed".into(),
            },
        )
        .await;
        return Err(RevealError::NotAllowed);
    }
    // Delete before handing the value out: if the delete fails, nobody gets
    // it, rather than someone getting it twice.
    host.secret_delete(&key).await?;
    forget_pending(host, id, entry.expires_at_ms).await;
    audit(
        host,
        id,
        viewer_account_id,
        Some(&entry),
        AuditResult::Revealed,
    )
    .await;
    Ok(Secret::new(entry.value))
}

/// Whether credential `id` still waits for its reveal and `account_id` is
/// one of the people allowed to reveal it: for pages that offer the
/// reveal, so they show the one-time id only to its recipient. Reads the
/// entry and hands nothing of its value out; changes nothing and audits
/// nothing (the reveal itself checks again and is audited). An expired or
/// unreadable entry counts as not pending. Errors: secret storage failed.
pub async fn is_pending_for<H: Host>(
    host: &H,
    id: &str,
    account_id: &str,
) -> Result<bool, HostError> {
    let Some(text) = host.secret_get(&secret_key(id)).await? else {
        return Ok(false);
    };
    let Ok(entry) = serde_json::from_str(&text).and_then(serde_json::from_value::<Entry>) else {
        return Ok(false);
    };
    Ok(host.now_ms() < entry.expires_at_ms && entry.viewers.iter().any(|v| v == account_id))
}

async fn forget_pending<H: Host>(host: &H, id: &str, expires_at_ms: u64) {
    let key = crate::layout::credential_expiry_key(expires_at_ms, id);
    if let Err(e) = host.kvs_delete(&key).await {
        // The sweep will find nothing to delete for this id; harmless.
        host.log(
            LogLevel::Warn,
            &format!("delivery: expiry entry not removed: {e}"),
        );
    }
}

/// Audits a reveal attempt. A failure to audit is logged, not raised: the
/// secret is already deleted at this point and must not be lost twice.
async fn audit<H: Host>(
    host: &H,
    id: &str,
    viewer: &str,
    entry: Option<&Entry>,
    result: AuditResult,
) {
    let record = AuditRecord {
        id: crate::audit::record::new_record_id(),
        at_ms: host.now_ms(),
        requester: AuditActor {
            account_id: viewer.to_string(),
            display_name: None,
            kind: None,
        },
        entry_point: None,
        issue_key: entry.and_then(|e| e.issue_key.clone()),
        action: AuditAction::RevealCredential,
        target: entry.map(|e| AuditTarget {
            id: Some(e.target_id.clone()),
            label: e.target_label.clone(),
        }),
        groups: Vec::new(),
        dry_run: false,
        plan: None,
        steps: Vec::new(),
        duration_ms: None,
        result,
        remainder: Vec::new(),
        graph_request_ids: Vec::new(),
        idempotency_key: None,
        credential: None,
        delivery_id: Some(id.to_string()),
        related_audit_id: entry.map(|e| e.audit_id.clone()),
    };
    if let Err(e) = crate::audit::record(host, &record).await {
        host.log(
            LogLevel::Error,
            &format!("delivery: reveal not audited: {e}"),
        );
    }
}
