//! Putting a credential into secret storage, and sweeping expired ones.

use crate::audit::record::CredentialType;
use crate::audit::CredentialNote;
use crate::host::{Host, HostError, KeyQuery};
use crate::lifecycle::IssuedCredential;
use crate::route::Route;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt;

/// Secret-storage key prefix of a pending credential.
pub(crate) const SECRET_PREFIX: &str = "delivery:";
/// What to store besides the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRequest {
    /// The operation that issued the credential.
    pub operation: Route,
    /// Entra object id of the user the credential belongs to.
    pub target_id: String,
    /// The user's UPN (or other label), for the audit trail of the reveal.
    pub target_label: String,
    /// The JSM request the credential was issued for, if any.
    pub issue_key: Option<String>,
    /// The audit record of the operation that issued it.
    pub audit_id: String,
    /// Jira account ids allowed to reveal it (see `viewers_for`).
    pub viewers: Vec<String>,
    /// How long it may wait for its reveal, in milliseconds (the policy's
    /// `secretLifetimeHours`).
    pub lifetime_ms: u64,
}

/// What callers keep and show: never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryReceipt {
    /// The one-time reveal id: 32 base64url characters.
    pub id: String,
    /// Password or TAP.
    pub kind: CredentialType,
    /// When it stops being revealable, in milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
    /// Atlassian account ids allowed to reveal it.
    pub viewers: Vec<String>,
}

impl DeliveryReceipt {
    /// The audit trail's note of this credential.
    pub fn note(&self) -> CredentialNote {
        CredentialNote {
            kind: self.kind,
            delivery_id: self.id.clone(),
            expires_at_ms: self.expires_at_ms,
        }
    }
}

/// Why a credential could not be stored for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// Nobody would be allowed to reveal it: storing it would only lose it.
    NoViewers,
    /// Forge KVS or secret storage failed. The credential may already be
    /// in secret storage without a pending-list entry.
    Storage(HostError),
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveryError::NoViewers => {
                f.write_str("no one is configured to receive this credential")
            }
            DeliveryError::Storage(e) => write!(f, "storing the credential failed: {e}"),
        }
    }
}

impl std::error::Error for DeliveryError {}

impl From<HostError> for DeliveryError {
    fn from(e: HostError) -> Self {
        DeliveryError::Storage(e)
    }
}

/// The secret-storage entry: the value and everything reveal must check,
/// in one write, so they cannot drift apart.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry {
    pub value: String,
    pub kind: CredentialType,
    pub operation: Route,
    pub target_id: String,
    pub target_label: String,
    #[serde(default)]
    pub issue_key: Option<String>,
    pub audit_id: String,
    pub viewers: Vec<String>,
    pub created_at_ms: u64,
    pub expires_at_ms: u64,
}

/// The value of a credential's expiry key: what the sweep needs, no
/// secret.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PendingEntry {
    pub id: String,
    pub expires_at_ms: u64,
}

pub(crate) fn secret_key(id: &str) -> String {
    format!("{SECRET_PREFIX}{id}")
}

/// Stores the credential for one reveal and returns its receipt. The
/// credential is consumed: after this call the only copy is in storage.
///
/// The entry goes to Forge secret storage under `delivery:{id}`, and its
/// id and expiry to its own KVS key `delivery:expiry:{expiresAtMs}:{id}`
/// for the sweep (two writes, whatever the number pending). Errors:
/// [`DeliveryError::NoViewers`] before anything is stored, and
/// [`DeliveryError::Storage`] when a Forge storage call fails.
pub async fn store<H: Host>(
    host: &H,
    credential: IssuedCredential,
    request: DeliveryRequest,
) -> Result<DeliveryReceipt, DeliveryError> {
    if request.viewers.is_empty() {
        return Err(DeliveryError::NoViewers);
    }
    let id = crate::random::token::<24>();
    let now = host.now_ms();
    let kind = CredentialType::from(credential.kind);
    let entry = Entry {
        value: credential.secret.expose().to_string(),
        kind,
        operation: request.operation,
        target_id: request.target_id,
        target_label: request.target_label,
        issue_key: request.issue_key,
        audit_id: request.audit_id,
        viewers: request.viewers.clone(),
        created_at_ms: now,
        expires_at_ms: now.saturating_add(request.lifetime_ms),
    };
    let text = serde_json::to_string(&entry).map_err(|e| HostError::Contract {
        capability: "secret_set",
        reason: e.to_string(),
    })?;
    host.secret_set(&secret_key(&id), &text).await?;
    let pending = PendingEntry {
        id: id.clone(),
        expires_at_ms: entry.expires_at_ms,
    };
    host.kvs_set(
        &crate::layout::credential_expiry_key(entry.expires_at_ms, &id),
        &json!(pending),
    )
    .await?;
    Ok(DeliveryReceipt {
        id,
        kind,
        expires_at_ms: entry.expires_at_ms,
        viewers: request.viewers,
    })
}

/// Deletes expired credentials, soonest-expired first, at most
/// `max_credentials` per call; returns how many. For the scheduled sweep:
/// an unrevealed credential must not outlive its expiry. The expiry keys
/// sort by expiry, so the sweep reads only what has expired (and one page).
pub async fn purge_expired<H: Host>(host: &H) -> Result<usize, DeliveryError> {
    purge_expired_at_most(host, usize::MAX).await
}

/// [`purge_expired`], bounded to `max_credentials`.
pub async fn purge_expired_at_most<H: Host>(
    host: &H,
    max_credentials: usize,
) -> Result<usize, DeliveryError> {
    let now = host.now_ms();
    let mut purged = 0;
    let mut query = KeyQuery::prefix(
        crate::layout::CREDENTIAL_EXPIRY_PREFIX,
        crate::host::storage::MAX_QUERY_LIMIT,
    );
    loop {
        let page = host.kvs_query(&query).await?;
        for entry in &page.results {
            let Ok(pending) = serde_json::from_value::<PendingEntry>(entry.value.clone()) else {
                host.kvs_delete(&entry.key).await?;
                continue;
            };
            if pending.expires_at_ms > now || purged >= max_credentials {
                return Ok(purged);
            }
            host.secret_delete(&secret_key(&pending.id)).await?;
            host.kvs_delete(&entry.key).await?;
            purged += 1;
        }
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return Ok(purged),
        }
    }
}
