//! The v2.0 token endpoint (client credentials) and the access tokens it issues:
//! JWTs signed with HMAC-SHA256 under a key private to this emulator instance.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::clock;
use crate::tenant::Tenant;

pub(crate) const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
const GRAPH_DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Claims {
    pub aud: String,
    pub iss: String,
    pub tid: String,
    pub appid: String,
    pub app_displayname: String,
    pub oid: String,
    pub idtyp: String,
    pub roles: Vec<String>,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub ver: String,
}

/// Why a token request failed, in Entra's terms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenError {
    TenantNotFound(String),
    UnsupportedGrantType(String),
    MissingParameter(&'static str),
    UnknownClient(String),
    MissingSecret,
    InvalidSecret(String),
    InvalidScope(String),
}

impl TokenError {
    pub fn status(&self) -> u16 {
        match self {
            TokenError::MissingSecret | TokenError::InvalidSecret(_) => 401,
            _ => 400,
        }
    }

    pub fn error(&self) -> &'static str {
        match self {
            TokenError::TenantNotFound(_) => "invalid_tenant",
            TokenError::UnsupportedGrantType(_) => "unsupported_grant_type",
            TokenError::MissingParameter(_) => "invalid_request",
            TokenError::UnknownClient(_) => "unauthorized_client",
            TokenError::MissingSecret | TokenError::InvalidSecret(_) => "invalid_client",
            TokenError::InvalidScope(_) => "invalid_scope",
        }
    }

    pub fn aadsts(&self) -> u32 {
        match self {
            TokenError::TenantNotFound(_) => 90002,
            TokenError::UnsupportedGrantType(_) => 70003,
            TokenError::MissingParameter(_) => 900144,
            TokenError::UnknownClient(_) => 700016,
            TokenError::MissingSecret => 7000218,
            TokenError::InvalidSecret(_) => 7000215,
            TokenError::InvalidScope(_) => 70011,
        }
    }

    fn description(&self, tenant_name: &str) -> String {
        let text = match self {
            TokenError::TenantNotFound(t) => format!("Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
            TokenError::UnsupportedGrantType(g) => format!("The app requested an unsupported grant type '{g}'."),
            TokenError::MissingParameter(p) => format!("The request body must contain the following parameter: '{p}'."),
            TokenError::UnknownClient(c) => format!("Application with identifier '{c}' was not found in the directory '{tenant_name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
            TokenError::MissingSecret => "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into(),
            TokenError::InvalidSecret(c) => format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{c}'."),
            TokenError::InvalidScope(s) => format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid."),
        };
        format!("AADSTS{}: {text}", self.aadsts())
    }

    /// Entra's error body, including the trace/correlation ids and timestamp.
    pub fn body(
        &self,
        tenant_name: &str,
        now_ms: u64,
        trace_id: &str,
        correlation_id: &str,
    ) -> Value {
        let timestamp = clock::token_timestamp(now_ms);
        json!({
            "error": self.error(),
            "error_description": format!(
                "{}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
                self.description(tenant_name)
            ),
            "error_codes": [self.aadsts()],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.aadsts()),
        })
    }
}

/// Reads `client_id`/`client_secret` from an HTTP Basic header (RFC 6749 §2.3.1).
pub(crate) fn basic_credentials(authorization: Option<&str>) -> Option<(String, String)> {
    let encoded = authorization?.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((unescape(id), unescape(secret)))
}

/// Validates a client-credentials request and returns the claims to sign.
pub(crate) fn issue_claims(
    tenant: &Tenant,
    path_tenant: &str,
    form: &[(String, String)],
    basic: Option<(String, String)>,
    now_secs: u64,
    lifetime_secs: u64,
) -> Result<Claims, TokenError> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let tenant_matches =
        path_tenant.eq_ignore_ascii_case(&tenant.id) || tenant.is_verified_domain(path_tenant);
    if !tenant_matches {
        return Err(TokenError::TenantNotFound(path_tenant.to_string()));
    }
    let grant = field("grant_type").ok_or(TokenError::MissingParameter("grant_type"))?;
    if grant != "client_credentials" {
        return Err(TokenError::UnsupportedGrantType(grant.to_string()));
    }
    let (client_id, secret) = match (field("client_id"), basic) {
        (_, Some((id, secret))) => (id, Some(secret)),
        (Some(id), None) => (id.to_string(), field("client_secret").map(str::to_string)),
        (None, None) => return Err(TokenError::MissingParameter("client_id")),
    };
    if !client_id.eq_ignore_ascii_case(&tenant.app.client_id) {
        return Err(TokenError::UnknownClient(client_id));
    }
    let secret = secret.ok_or(TokenError::MissingSecret)?;
    if secret != tenant.app.client_secret {
        return Err(TokenError::InvalidSecret(client_id));
    }
    let scope = field("scope").ok_or(TokenError::MissingParameter("scope"))?;
    if scope.trim() != GRAPH_DEFAULT_SCOPE {
        return Err(TokenError::InvalidScope(scope.to_string()));
    }
    Ok(Claims {
        aud: GRAPH_AUDIENCE.into(),
        iss: format!("https://sts.windows.net/{}/", tenant.id),
        tid: tenant.id.clone(),
        appid: tenant.app.client_id.clone(),
        app_displayname: tenant.app.display_name.clone(),
        oid: tenant.app.service_principal_id.clone(),
        idtyp: "app".into(),
        roles: tenant.app.application_permissions.clone(),
        iat: now_secs,
        nbf: now_secs,
        exp: now_secs + lifetime_secs,
        ver: "1.0".into(),
    })
}

fn signature(key: &[u8], signing_input: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| {
        <Hmac<Sha256> as Mac>::new_from_slice(&[0u8; 32]).expect("32-byte key")
    });
    mac.update(signing_input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

pub(crate) fn sign(key: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(signature(key, &input));
    format!("{input}.{sig}")
}

/// Why a bearer token was rejected.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenRejection {
    Malformed,
    Expired,
}

/// Verifies signature, audience and tenant, then the validity window.
pub(crate) fn verify(
    key: &[u8],
    token: &str,
    tenant_id: &str,
    now_secs: u64,
) -> Result<Claims, TokenRejection> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenRejection::Malformed);
    };
    let expected = signature(key, &format!("{header}.{payload}"));
    let given = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| TokenRejection::Malformed)?;
    // Constant-time comparison through the MAC type.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| TokenRejection::Malformed)?;
    mac.update(format!("{header}.{payload}").as_bytes());
    if mac.verify_slice(&given).is_err() || expected.len() != given.len() {
        return Err(TokenRejection::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenRejection::Malformed)?;
    let claims: Claims = serde_json::from_slice(&bytes).map_err(|_| TokenRejection::Malformed)?;
    if claims.aud != GRAPH_AUDIENCE || !claims.tid.eq_ignore_ascii_case(tenant_id) {
        return Err(TokenRejection::Malformed);
    }
    if now_secs < claims.nbf || now_secs >= claims.exp {
        return Err(TokenRejection::Expired);
    }
    Ok(claims)
}
