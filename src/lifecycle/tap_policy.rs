//! The tenant's Temporary Access Pass policy, read from Graph and kept
//! briefly in Forge storage, and a pass's options checked against it.
//!
//! Graph refuses a pass outside the policy with 400 (lifetime outside the
//! minimum to maximum, a reusable pass under a one-time policy, the method
//! disabled): reading the policy first turns that into a 400 naming the
//! field and the allowed range, before anything is written
//! (<https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass>).

use crate::graph::model::TemporaryAccessPassPolicy;
use crate::graph::resources::authentication_methods;
use crate::graph::{ClientError, Deadline, GraphClient};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::lifecycle::error::OpError;
use serde_json::{json, Value};

/// KVS key of the cached policy.
pub const CACHE_KEY: &str = crate::layout::TAP_POLICY_CACHE_KEY;

/// How long a read policy is trusted: five minutes. Admins change it
/// rarely, and a burst of passes (a bulk job, a busy morning) then costs
/// one read; an admin who widens the range sees it apply within minutes.
/// A stale entry costs at worst Graph's own 400, reported as a failed step.
pub const CACHE_TTL_MS: u64 = 5 * 60 * 1000;

/// The tenant's policy, from the cache when younger than [`CACHE_TTL_MS`],
/// else from Graph (then cached). `Ok(None)` when the app may not read it
/// (403: `Policy.Read.AuthenticationMethod` not granted): Graph still
/// enforces the policy on creation, and the permission doctor shows what
/// is missing.
pub async fn read_tap_policy<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    deadline: Deadline,
) -> Result<Option<TemporaryAccessPassPolicy>, OpError> {
    let host = client.host();
    let now = host.now_ms();
    if let Ok(Some(cached)) = host.kvs_get(CACHE_KEY).await {
        let fresh = cached["readAtMs"]
            .as_u64()
            .is_some_and(|at| now.saturating_sub(at) < CACHE_TTL_MS);
        if let (true, Ok(policy)) = (
            fresh,
            serde_json::from_value::<TemporaryAccessPassPolicy>(cached["policy"].clone()),
        ) {
            return Ok(Some(policy));
        }
    }
    let request = authentication_methods::get_temporary_access_pass_policy();
    let policy: TemporaryAccessPassPolicy = match client.send(&request, deadline).await {
        Ok(response) => response.json("temporaryAccessPassAuthenticationMethodConfiguration")?,
        Err(ClientError::Graph(g)) if g.status == 403 => {
            host.log(
                LogLevel::Warn,
                "the Temporary Access Pass policy could not be read (Policy.Read.AuthenticationMethod not granted); Graph will enforce it",
            );
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let entry: Value = json!({ "readAtMs": now, "policy": policy });
    if let Err(e) = host.kvs_set(CACHE_KEY, &entry).await {
        // Only the next call's read is lost.
        host.log(LogLevel::Warn, &format!("TAP policy not cached: {e}"));
    }
    Ok(Some(policy))
}
