//! The Service API web trigger: one URL per installation, `POST` JSON.
//!
//! This module is the gate every call passes: method, size, authentication,
//! envelope. Routes are dispatched from [`dispatch`].

pub mod envelope;
pub mod error;
pub mod route;
pub mod service_key;
pub mod webtrigger;

use crate::host::{Host, LogLevel};
use crate::random;
use crate::secret::Secret;
use envelope::Envelope;
use error::{ApiError, UnauthorizedReason};
use service_key::KeyCheck;
use webtrigger::{WebTriggerRequest, WebTriggerResponse};

/// Largest accepted body. Large enough for a bulk HR import of a few hundred
/// hires, small enough to stay far below Forge's payload and memory limits.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Handles one web trigger invocation. Never fails: every problem becomes a
/// response with the Service API's error contract.
pub async fn handle(request: &WebTriggerRequest, host: &impl Host) -> WebTriggerResponse {
    match gate(request, host).await {
        Ok(envelope) => {
            let response = dispatch(&envelope, host).await;
            host.log(
                LogLevel::Info,
                &format!(
                    "service api: route={} status={}",
                    envelope.route, response.status_code
                ),
            );
            response
        }
        Err(error) => {
            host.log(
                LogLevel::Info,
                &format!(
                    "service api: refused status={} code={}",
                    error.status(),
                    error.code()
                ),
            );
            error.to_response()
        }
    }
}

/// Method, size, credentials and envelope, in that order: an unauthenticated
/// caller learns nothing about what a valid body looks like.
async fn gate(request: &WebTriggerRequest, host: &impl Host) -> Result<Envelope, ApiError> {
    if !request.method.eq_ignore_ascii_case("POST") {
        return Err(ApiError::MethodNotAllowed {
            method: envelope::printable(&request.method),
        });
    }
    let body = request.body.as_deref().unwrap_or("");
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            size: body.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    authenticate(request, host).await?;
    envelope::parse(body)
}

async fn authenticate(request: &WebTriggerRequest, host: &impl Host) -> Result<(), ApiError> {
    let unauthorized = |reason| ApiError::Unauthorized { reason };
    let header = request
        .header("authorization")
        .ok_or(unauthorized(UnauthorizedReason::MissingCredentials))?;
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or(unauthorized(UnauthorizedReason::MalformedAuthorization))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(unauthorized(UnauthorizedReason::MalformedAuthorization));
    }
    let presented = Secret::new(token);
    match service_key::check(host, &presented).await {
        Ok(KeyCheck::Valid) => Ok(()),
        Ok(KeyCheck::Wrong) => Err(unauthorized(UnauthorizedReason::WrongKey)),
        Ok(KeyCheck::NoKeyConfigured) => Err(unauthorized(UnauthorizedReason::NoKeyConfigured)),
        Err(host_error) => Err(internal(host, &host_error.to_string())),
    }
}

/// Routes an authenticated, well-formed call.
async fn dispatch(envelope: &Envelope, _host: &impl Host) -> WebTriggerResponse {
    // The lifecycle operations are wired in route by route; until a route is,
    // it says so plainly instead of pretending to succeed.
    ApiError::NotImplemented {
        route: envelope.route.name(),
    }
    .to_response()
}

/// Logs the internal cause under a fresh correlation id and returns the
/// caller-safe error that carries only that id.
fn internal(host: &impl Host, cause: &str) -> ApiError {
    let correlation_id = random::uuid_v4();
    host.log(
        LogLevel::Error,
        &format!("service api: internal error correlation_id={correlation_id}: {cause}"),
    );
    ApiError::Internal { correlation_id }
}
