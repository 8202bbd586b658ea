//! Client-credentials tokens: fetch, cache until five minutes before expiry,
//! and map Entra's `error_codes` to errors an admin can act on.

use crate::graph::odata::encode_component;
use crate::graph::retry::{Deadline, RetryPolicy};
use crate::graph::settings::GraphSettings;
use crate::host::{Host, LogLevel};
use crate::http::{HttpRequest, Method, Transport};
use crate::secret::Secret;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// Tokens are renewed this long before Entra says they expire.
const EXPIRY_SKEW_MS: u64 = 5 * 60 * 1000;
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Why no token could be obtained. Chosen from Entra's numeric
/// `error_codes`, never from the description text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// AADSTS7000215: the secret is wrong (often the secret's id was pasted
    /// instead of its value).
    WrongSecret {
        /// Entra's `correlation_id`, for the admin to quote to Microsoft.
        correlation_id: Option<String>,
    },
    /// AADSTS7000222: the secret has expired.
    SecretExpired {
        /// Entra's `correlation_id`, for the admin to quote to Microsoft.
        correlation_id: Option<String>,
    },
    /// AADSTS90002 / 900023: no such tenant, or a malformed tenant id.
    WrongTenant {
        /// The AADSTS number (90002 or 900023).
        code: u64,
        /// Entra's `correlation_id`, for the admin to quote to Microsoft.
        correlation_id: Option<String>,
    },
    /// AADSTS700016: no app with this client id in the tenant.
    AppNotFound {
        /// Entra's `correlation_id`, for the admin to quote to Microsoft.
        correlation_id: Option<String>,
    },
    /// AADSTS70011 / 65001: scope invalid or admin consent missing.
    ConsentOrScope {
        /// The AADSTS number (70011 or 65001).
        code: u64,
        /// Entra's `correlation_id`, for the admin to quote to Microsoft.
        correlation_id: Option<String>,
    },
    /// A 5xx, a throttle, a network failure or a transient AADSTS code.
    Transient {
        /// What failed, for logs.
        reason: String,
    },
    /// Any other rejection, with Entra's `error` and codes.
    Rejected {
        /// HTTP status of the token response (usually 400 or 401).
        status: u16,
        /// Entra's `error`, e.g. `invalid_client`.
        error: String,
        /// Entra's `error_codes` (AADSTS numbers).
        codes: Vec<u64>,
        /// Entra's `correlation_id`, for the admin to quote to Microsoft.
        correlation_id: Option<String>,
    },
    /// 200 with a body that is not a token response.
    Malformed {
        /// The decoder's message.
        reason: String,
    },
}

impl TokenError {
    /// Whether asking again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, TokenError::Transient { .. })
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::WrongSecret { .. } => f.write_str(
                "Entra rejected the client secret (AADSTS7000215): use the secret's value, not its id",
            ),
            TokenError::SecretExpired { .. } => f.write_str(
                "the client secret has expired (AADSTS7000222): create a new one in the app registration",
            ),
            TokenError::WrongTenant { code, .. } => write!(
                f,
                "the tenant id is wrong or unknown (AADSTS{code}): check the tenant id or domain"
            ),
            TokenError::AppNotFound { .. } => f.write_str(
                "no app with this client id in the tenant (AADSTS700016): check the client id and tenant",
            ),
            TokenError::ConsentOrScope { code, .. } => write!(
                f,
                "admin consent is missing or the scope is invalid (AADSTS{code}): grant admin consent to the app's Graph permissions"
            ),
            TokenError::Transient { reason } => {
                write!(f, "Entra sign-in is temporarily unavailable: {reason}")
            }
            TokenError::Rejected {
                status,
                error,
                codes,
                ..
            } => write!(f, "Entra refused the token request ({status} {error}, codes {codes:?})"),
            TokenError::Malformed { reason } => {
                write!(f, "Entra returned an unreadable token response: {reason}")
            }
        }
    }
}

impl std::error::Error for TokenError {}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize, Default)]
struct TokenErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_codes: Vec<u64>,
    #[serde(default)]
    correlation_id: Option<String>,
}

/// Maps a token error response to a [`TokenError`].
pub fn classify_token_error(status: u16, body: &str) -> TokenError {
    let parsed: TokenErrorBody = serde_json::from_str(body)
        .and_then(serde_json::from_value)
        .unwrap_or_default();
    let cid = parsed.correlation_id.clone();
    for &code in &parsed.error_codes {
        match code {
            7000215 => {
                return TokenError::WrongSecret {
                    correlation_id: cid,
                }
            }
            7000222 => {
                return TokenError::SecretExpired {
                    correlation_id: cid,
                }
            }
            90002 | 900023 => {
                return TokenError::WrongTenant {
                    code,
                    correlation_id: cid,
                }
            }
            700016 => {
                return TokenError::AppNotFound {
                    correlation_id: cid,
                }
            }
            70011 | 65001 => {
                return TokenError::ConsentOrScope {
                    code,
                    correlation_id: cid,
                }
            }
            90024 | 90006 | 90033 | 90055 => {
                return TokenError::Transient {
                    reason: format!("AADSTS{code}"),
                }
            }
            _ => {}
        }
    }
    if status >= 500 || status == 429 {
        return TokenError::Transient {
            reason: format!("HTTP {status}"),
        };
    }
    TokenError::Rejected {
        status,
        error: parsed.error,
        codes: parsed.error_codes,
        correlation_id: cid,
    }
}

#[derive(Clone)]
struct CachedToken {
    value: Secret,
    refresh_at_ms: u64,
}

thread_local! {
    /// Tokens shared by every client in this warm container (a wasm instance
    /// is single-threaded, so a thread-local is the whole container). Keyed
    /// by [`cache_key`]; never logged.
    static WARM_TOKENS: RefCell<HashMap<String, CachedToken>> = RefCell::new(HashMap::new());
}

/// Tenant, client id and a SHA-256 of the secret: a rotated secret never
/// reuses the old secret's token, and the secret itself is not kept as a key.
fn cache_key(settings: &GraphSettings, secret: &Secret) -> String {
    let digest = Sha256::digest(secret.expose().as_bytes());
    format!(
        "{}|{}|{}|{}",
        settings.token_url(),
        settings.tenant_id.trim().to_ascii_lowercase(),
        settings.client_id.trim().to_ascii_lowercase(),
        hex::encode(digest)
    )
}

/// How long before Entra's expiry a token is renewed: five minutes, or
/// half the lifetime of a token that lives less than ten.
fn refresh_margin_ms(lifetime_ms: u64) -> u64 {
    EXPIRY_SKEW_MS.min(lifetime_ms / 2)
}

/// Fetches and caches app-only tokens for one tenant/app.
pub struct TokenProvider {
    settings: GraphSettings,
    client_secret: Secret,
    cache_key: String,
}

impl TokenProvider {
    /// A provider with an empty cache; nothing is fetched until a token is
    /// asked for.
    pub fn new(settings: GraphSettings, client_secret: Secret) -> Self {
        TokenProvider {
            cache_key: cache_key(&settings, &client_secret),
            settings,
            client_secret,
        }
    }

    /// Drops the cached token (after Graph answered 401 with it).
    pub fn invalidate(&self) {
        WARM_TOKENS.with(|t| t.borrow_mut().remove(&self.cache_key));
    }

    fn cached(&self, now_ms: u64) -> Option<Secret> {
        WARM_TOKENS.with(|t| {
            t.borrow()
                .get(&self.cache_key)
                .filter(|c| now_ms < c.refresh_at_ms)
                .map(|c| c.value.clone())
        })
    }

    /// A valid token: the cached one, or a fresh one. Transient failures are
    /// retried with back-off inside the deadline.
    pub async fn token<T: Transport, H: Host>(
        &self,
        transport: &T,
        host: &H,
        policy: &RetryPolicy,
        deadline: Deadline,
    ) -> Result<Secret, TokenError> {
        if let Some(token) = self.cached(host.now_ms()) {
            return Ok(token);
        }
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            match self.fetch(transport, host).await {
                Ok(token) => return Ok(token),
                Err(e) if e.is_transient() && attempt < 3 => {
                    let wait = policy.backoff_ms(attempt);
                    if !deadline.allows_wait(host.now_ms(), wait, policy.request_allowance_ms) {
                        return Err(e);
                    }
                    host.log(
                        LogLevel::Warn,
                        &format!("token request failed, retrying: {e}"),
                    );
                    host.sleep_ms(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn fetch<T: Transport, H: Host>(
        &self,
        transport: &T,
        host: &H,
    ) -> Result<Secret, TokenError> {
        let form = format!(
            "client_id={}&client_secret={}&scope={}&grant_type=client_credentials",
            encode_component(self.settings.client_id.trim()),
            encode_component(self.client_secret.expose()),
            encode_component(GRAPH_SCOPE),
        );
        let request = HttpRequest::new(Method::Post, self.settings.token_url())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("client-request-id", crate::random::uuid_v4())
            .body(form);
        let response = transport
            .send(request)
            .await
            .map_err(|e| TokenError::Transient {
                reason: e.to_string(),
            })?;
        if response.status != 200 {
            let err = classify_token_error(response.status, &response.body);
            host.log(LogLevel::Warn, &format!("token request refused: {err}"));
            return Err(err);
        }
        let parsed: TokenResponse = serde_json::from_str(&response.body)
            .and_then(serde_json::from_value)
            .map_err(|e| TokenError::Malformed {
                reason: e.to_string(),
            })?;
        let lifetime_ms = parsed.expires_in.saturating_mul(1000);
        let refresh_at_ms = host
            .now_ms()
            .saturating_add(lifetime_ms - refresh_margin_ms(lifetime_ms));
        let value = Secret::new(parsed.access_token);
        let cached = CachedToken {
            value: value.clone(),
            refresh_at_ms,
        };
        WARM_TOKENS.with(|t| t.borrow_mut().insert(self.cache_key.clone(), cached));
        host.log(LogLevel::Debug, "obtained a Graph token");
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(codes: &str) -> String {
        format!(
            r#"{{"error":"invalid_client","error_description":"AADSTS...","error_codes":{codes},"correlation_id":"c1"}}"#
        )
    }

    #[test]
    fn short_lived_tokens_are_renewed_at_half_life() {
        assert_eq!(refresh_margin_ms(3_599_000), EXPIRY_SKEW_MS);
        assert_eq!(refresh_margin_ms(60_000), 30_000);
        assert_eq!(refresh_margin_ms(0), 0);
    }

    #[test]
    fn cache_key_hides_the_secret_and_changes_with_it() {
        let settings = GraphSettings::new("t.example", "00000000-0000-0000-0000-000000000001");
        let a = cache_key(&settings, &Secret::new("secret-one"));
        let b = cache_key(&settings, &Secret::new("secret-two"));
        assert_ne!(a, b);
        assert!(!a.contains("secret-one"));
    }

    #[test]
    fn maps_codes_not_text() {
        assert!(matches!(
            classify_token_error(401, &err("[7000215]")),
            TokenError::WrongSecret { .. }
        ));
        assert!(matches!(
            classify_token_error(401, &err("[7000222]")),
            TokenError::SecretExpired { .. }
        ));
        assert!(matches!(
            classify_token_error(400, &err("[90002]")),
            TokenError::WrongTenant { code: 90002, .. }
        ));
        assert!(matches!(
            classify_token_error(400, &err("[900023]")),
            TokenError::WrongTenant { code: 900023, .. }
        ));
        assert!(matches!(
            classify_token_error(400, &err("[700016]")),
            TokenError::AppNotFound { .. }
        ));
        assert!(matches!(
            classify_token_error(400, &err("[70011]")),
            TokenError::ConsentOrScope { .. }
        ));
        assert!(matches!(
            classify_token_error(400, &err("[65001]")),
            TokenError::ConsentOrScope { .. }
        ));
        assert!(classify_token_error(503, "oops").is_transient());
        assert!(classify_token_error(400, &err("[90033]")).is_transient());
        assert!(matches!(
            classify_token_error(400, &err("[12345]")),
            TokenError::Rejected { .. }
        ));
    }
}
