//! Admin resolvers for the app's configuration and Entra connection.

use super::{internal, ResolverError};
use crate::config::{self, AppConfig, StoreError};
use crate::graph::{Deadline, RetryPolicy, TokenProvider};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

/// Resolvers get 25 s from Forge; a connection test must answer well inside.
const RESOLVER_BUDGET_MS: u64 = 20_000;
const MAX_CLIENT_SECRET_LEN: usize = 1024;

pub async fn get(host: &impl Host) -> Result<Value, ResolverError> {
    let config = config::load(host).await.map_err(|e| store_error(host, e))?;
    let secret_set = config::load_client_secret(host)
        .await
        .map_err(|e| internal(host, &e.to_string()))?
        .is_some();
    // The client secret is write-only: only whether it is set is shown.
    Ok(json!({ "config": config, "clientSecretSet": secret_set }))
}

pub async fn save(
    host: &impl Host,
    transport: &impl Transport,
    payload: &Value,
) -> Result<Value, ResolverError> {
    let config = AppConfig::from_json(&payload["config"]).map_err(|e| ResolverError::Invalid {
        field: format!("config.{}", e.field),
        message: e.message,
    })?;
    config::save(host, &config)
        .await
        .map_err(|e| store_error(host, e))?;
    host.log(LogLevel::Info, "configuration saved");
    refresh_tenant_facts(host, transport).await;
    Ok(json!({ "config": config }))
}

/// Re-reads the serviceable groups' facts for the tenant facts cache: the
/// list may have changed, and an admin who just fixed a group expects it to
/// apply now. A failure (no connection yet, Graph down) leaves the cache
/// empty, so the next operation reads live; the save stands either way.
async fn refresh_tenant_facts(host: &impl Host, transport: &impl Transport) {
    let refreshed = async {
        let config = config::load(host).await.map_err(|e| e.to_string())?;
        if config.policy.serviceable_groups.is_empty() || config.connection.is_none() {
            return Err("no serviceable group or no connection".to_string());
        }
        let ctx = crate::pipeline::context::RouteContext::load(host, transport, RESOLVER_BUDGET_MS)
            .await
            .map_err(|e| e.to_string())?;
        let client = ctx.graph().await.map_err(|e| e.to_string())?;
        crate::policy::tenant_facts::refresh(
            &client,
            &ctx.config.policy.serviceable_groups,
            ctx.deadline,
        )
        .await
        .map_err(|e| e.to_string())
    }
    .await;
    if let Err(e) = refreshed {
        crate::policy::tenant_facts::forget(host).await;
        host.log(
            LogLevel::Info,
            &format!("group facts not re-read after the save ({e}); the next operation reads them"),
        );
    }
}

pub async fn set_client_secret(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let invalid = |message: &str| ResolverError::Invalid {
        field: "clientSecret".to_string(),
        message: message.to_string(),
    };
    let raw = payload["clientSecret"]
        .as_str()
        .ok_or_else(|| invalid("The client secret is required."))?
        .trim();
    if raw.is_empty() || raw.len() > MAX_CLIENT_SECRET_LEN {
        return Err(invalid("The client secret must be 1 to 1024 characters."));
    }
    // A GUID is almost always the secret's id, not its value (AADSTS7000215).
    if uuid::Uuid::parse_str(raw).is_ok() {
        return Err(invalid("This looks like the secret's ID. Paste the secret's Value from Certificates & secrets."));
    }
    config::save_client_secret(host, &Secret::new(raw))
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    host.log(LogLevel::Info, "Entra client secret replaced");
    Ok(json!({ "clientSecretSet": true }))
}

/// Gets a token with the stored connection and reports what Entra says:
/// the granted application permissions (the token's `roles` claim), or the
/// reason sign-in failed, in plain words.
pub async fn test_connection(
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let config = config::load(host).await.map_err(|e| store_error(host, e))?;
    let Some(settings) = config.connection else {
        return Ok(
            json!({ "connected": false, "problem": "Enter the tenant id and client id first." }),
        );
    };
    let Some(secret) = config::load_client_secret(host)
        .await
        .map_err(|e| internal(host, &e.to_string()))?
    else {
        return Ok(json!({ "connected": false, "problem": "Enter the client secret first." }));
    };
    let provider = TokenProvider::new(settings, secret);
    let deadline = Deadline::after(host.now_ms(), RESOLVER_BUDGET_MS);
    match provider
        .token(transport, host, &RetryPolicy::default(), deadline)
        .await
    {
        Ok(token) => {
            let claims = claims_of(&token);
            Ok(json!({
                "connected": true,
                "roles": claims.as_ref().and_then(|c| c.get("roles")).cloned().unwrap_or(json!([])),
                "tenantId": claims.as_ref().and_then(|c| c.get("tid")).cloned(),
                // The app's service principal, for the directory role check.
                "servicePrincipalId": claims.as_ref().and_then(|c| c.get("oid")).cloned(),
            }))
        }
        Err(error) => Ok(json!({ "connected": false, "problem": error.to_string() })),
    }
}

/// The JSON claims of a JWT, read without verifying the signature: they are
/// only displayed, never trusted for a decision.
fn claims_of(token: &Secret) -> Option<Value> {
    let payload = token.expose().split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn store_error(host: &impl Host, error: StoreError) -> ResolverError {
    match error {
        StoreError::Invalid(e) => ResolverError::Invalid {
            field: format!("config.{}", e.field),
            message: e.message,
        },
        StoreError::Host(e) => internal(host, &e.to_string()),
    }
}
