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
use sha2::{Digest, Sha256};

/// Header with the signing time, Unix seconds (matched case-insensitively).
pub const TIMESTAMP_HEADER: &str = "x-entra-connect-timestamp";
/// Header with `v1=` and 64 hex digits of HMAC-SHA256 (matched
/// case-insensitively). Its presence selects signature authentication.
pub const SIGNATURE_HEADER: &str = "x-entra-connect-signature";
/// Where the shared secret lives (it must be readable to verify, unlike the
/// bearer key, of which only a verifier is kept).
pub const HMAC_SECRET_KEY: &str = crate::layout::HMAC_SECRET_KEY;
/// Largest accepted difference between the timestamp and the app's clock,
/// either way, in seconds.
pub const WINDOW_SECONDS: u64 = 300;
/// Expired replay entries a valid signed request deletes on its way: more
/// than one, so the entries never outgrow the requests.
const PRUNE_PER_REQUEST: usize = 5;

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

/// Records a signature as used, under its own key
/// `hmac-seen:{timestamp}:{digest}`; false if it was already. Then deletes
/// a few entries older than twice the window (the timestamp check refuses
/// those anyway), oldest first by key order: a constant cost per request,
/// and two requests at once cannot drop each other's entry.
async fn remember_once(
    host: &impl Host,
    signature: &[u8; 32],
    sent_at: u64,
    now: u64,
) -> Result<bool, HostError> {
    let digest = hex::encode(Sha256::digest(signature));
    let key = crate::layout::hmac_seen_key(sent_at, &digest);
    if host.kvs_get(&key).await?.is_some() {
        return Ok(false);
    }
    host.kvs_set(&key, &serde_json::json!({ "at": now }))
        .await?;
    let oldest = host
        .kvs_query(&crate::host::KeyQuery::prefix(
            crate::layout::HMAC_SEEN_PREFIX,
            PRUNE_PER_REQUEST,
        ))
        .await?;
    for entry in oldest.results {
        let at = entry.key[crate::layout::HMAC_SEEN_PREFIX.len()..]
            .split(':')
            .next()
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(0);
        if now.saturating_sub(at) <= 2 * WINDOW_SECONDS {
            break;
        }
        host.kvs_delete(&entry.key).await?;
    }
    Ok(true)
}
