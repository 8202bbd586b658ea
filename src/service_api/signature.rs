//! HMAC-SHA256 request signatures for HR systems: a caller that holds the
//! shared secret signs `"{timestamp}.{body}"` and sends
//! `X-Entra-Connect-Timestamp: <unix seconds>` and
//! `X-Entra-Connect-Signature: v1=<hex>`. Stale timestamps (over 5 minutes
//! either way) and replayed signatures are refused.

use crate::host::{Host, HostError};
pub use crate::pipeline::error::SignatureProblem;
use crate::random;
use crate::secret::Secret;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Header with the signing time, Unix seconds (matched case-insensitively).
pub const TIMESTAMP_HEADER: &str = "x-entra-connect-timestamp";
/// Header with `v1=` and 64 hex digits of HMAC-SHA256 (matched
/// case-insensitively). Its presence selects signature authentication.
pub const SIGNATURE_HEADER: &str = "x-entra-connect-signature";
/// Where the shared secret lives (it must be readable to verify, unlike the
/// bearer key, of which only a verifier is kept).
pub const HMAC_SECRET_KEY: &str = crate::layout::HMAC_SECRET_KEY;
const SEEN_KEY: &str = "service-api:hmac-seen";
/// Largest accepted difference between the timestamp and the app's clock,
/// either way, in seconds.
pub const WINDOW_SECONDS: u64 = 300;
/// Bounds the replay list; at 5 minutes of signatures this is ample.
const MAX_SEEN: usize = 2_000;

/// The verdict on a signed request.
pub enum Verified {
    /// Signature right, timestamp fresh, and not seen before.
    Valid,
    /// Refused, with the reason (answered as 401).
    Refused(SignatureProblem),
}

/// Issues a new signing secret, replacing the old one. Returned once.
pub async fn rotate(host: &impl Host) -> Result<Secret, HostError> {
    let secret = Secret::new(format!("eidchr_{}", random::token::<32>()));
    host.secret_set(HMAC_SECRET_KEY, secret.expose()).await?;
    Ok(secret)
}

/// Whether a signing secret exists.
pub async fn configured(host: &impl Host) -> Result<bool, HostError> {
    Ok(host.secret_get(HMAC_SECRET_KEY).await?.is_some())
}

/// The signature a caller computes, as hex (used by tests and docs).
pub fn sign(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a signed request: secret configured, timestamp a whole number
/// of seconds within [`WINDOW_SECONDS`] of now, signature `v1=<hex>` equal
/// (in constant time) to HMAC-SHA256 of `"{timestamp}.{body}"`, and not
/// used before. Only a valid signature is remembered for replay checks.
/// `Err` only when Forge storage fails.
pub async fn verify(
    host: &impl Host,
    timestamp: &str,
    signature: &str,
    body: &str,
) -> Result<Verified, HostError> {
    let refused = |p| Ok(Verified::Refused(p));
    let Some(secret) = host.secret_get(HMAC_SECRET_KEY).await? else {
        return refused(SignatureProblem::NoSecretConfigured);
    };
    let Ok(sent_at) = timestamp.trim().parse::<u64>() else {
        return refused(SignatureProblem::MalformedTimestamp);
    };
    let now = host.now_ms() / 1000;
    if now.abs_diff(sent_at) > WINDOW_SECONDS {
        return refused(SignatureProblem::StaleTimestamp);
    }
    let Some(given) = signature.trim().strip_prefix("v1=").and_then(|h| {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(h, &mut bytes).ok().map(|_| bytes)
    }) else {
        return refused(SignatureProblem::MalformedSignature);
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.trim().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    // Constant-time comparison.
    if mac.verify_slice(&given).is_err() {
        return refused(SignatureProblem::WrongSignature);
    }
    if !remember_once(host, &given, sent_at, now).await? {
        return refused(SignatureProblem::Replayed);
    }
    Ok(Verified::Valid)
}

#[derive(Serialize, Deserialize)]
struct Seen {
    digest: String,
    at: u64,
}

/// Records a signature as used; false if it was already. Entries older than
/// the window are dropped: a timestamp check refuses those anyway.
async fn remember_once(
    host: &impl Host,
    signature: &[u8; 32],
    sent_at: u64,
    now: u64,
) -> Result<bool, HostError> {
    let digest = hex::encode(Sha256::digest(signature));
    let mut seen: Vec<Seen> = host
        .kvs_get(SEEN_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    seen.retain(|s| now.saturating_sub(s.at) <= 2 * WINDOW_SECONDS);
    if seen.iter().any(|s| s.digest == digest) {
        return Ok(false);
    }
    seen.push(Seen {
        digest,
        at: sent_at.max(now),
    });
    let overflow = seen.len().saturating_sub(MAX_SEEN);
    seen.drain(..overflow);
    host.kvs_set(
        SEEN_KEY,
        &serde_json::to_value(&seen).expect("seen list serialises"),
    )
    .await?;
    Ok(true)
}
