//! The Service API's bearer key: issue, rotate, verify.
//!
//! Only a SHA-256 verifier of the key is kept (in Forge secret storage), so the
//! key is shown once, when it is issued, and can never be read back: a leaked
//! storage dump does not leak a usable key. Keys are 32 CSPRNG bytes; with that
//! much entropy an unsalted SHA-256 verifier is as strong as a slow KDF.

use crate::host::{Host, HostError};
use crate::random;
use crate::secret::{digests_equal, Secret};
use serde::{Deserialize, Serialize};

/// Where the verifier lives in Forge secret storage.
pub const SERVICE_KEY_SECRET: &str = crate::layout::SERVICE_KEY_SECRET;

/// Prefix that makes a leaked key recognisable to secret scanners.
pub const KEY_PREFIX: &str = "eidc_";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct StoredVerifier {
    sha256_hex: String,
    created_at_ms: u64,
}

/// What may be shown about the current key: never the key itself.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceKeyInfo {
    /// First 8 hex digits of the verifier, so an admin can tell keys apart.
    pub fingerprint: String,
    /// When the key was issued, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

/// Outcome of checking a presented key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// The presented key is the current one.
    Valid,
    /// A key is configured and this is not it.
    Wrong,
    /// No key was ever issued: every bearer call is refused.
    NoKeyConfigured,
}

/// Issues a new key, replacing (and so revoking) the previous one. The
/// returned key is the only copy that will ever exist.
pub async fn rotate(host: &impl Host) -> Result<(Secret, ServiceKeyInfo), HostError> {
    let key = Secret::new(format!("{KEY_PREFIX}{}", random::token::<32>()));
    let stored = StoredVerifier {
        sha256_hex: hex::encode(key.sha256()),
        created_at_ms: host.now_ms(),
    };
    let json = serde_json::to_string(&stored).expect("verifier serialises");
    host.secret_set(SERVICE_KEY_SECRET, &json).await?;
    Ok((key, info_of(&stored)))
}

/// Describes the current key, if one was issued.
pub async fn info(host: &impl Host) -> Result<Option<ServiceKeyInfo>, HostError> {
    Ok(load(host).await?.as_ref().map(info_of))
}

/// Checks a presented key against the stored verifier in constant time.
pub async fn check(host: &impl Host, presented: &Secret) -> Result<KeyCheck, HostError> {
    let Some(stored) = load(host).await? else {
        return Ok(KeyCheck::NoKeyConfigured);
    };
    let Some(expected) = unhex32(&stored.sha256_hex) else {
        return Err(HostError::Contract {
            capability: "secrets",
            reason: "the stored service key verifier is not a SHA-256 digest".to_string(),
        });
    };
    Ok(if digests_equal(&presented.sha256(), &expected) {
        KeyCheck::Valid
    } else {
        KeyCheck::Wrong
    })
}

async fn load(host: &impl Host) -> Result<Option<StoredVerifier>, HostError> {
    let Some(raw) = host.secret_get(SERVICE_KEY_SECRET).await? else {
        return Ok(None);
    };
    serde_json::from_str(&raw)
        .and_then(serde_json::from_value)
        .map(Some)
        .map_err(|e| HostError::Contract {
            capability: "secrets",
            reason: format!("the stored service key verifier is unreadable: {e}"),
        })
}

fn info_of(stored: &StoredVerifier) -> ServiceKeyInfo {
    ServiceKeyInfo {
        fingerprint: stored.sha256_hex.chars().take(8).collect(),
        created_at_ms: stored.created_at_ms,
    }
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}
