//! The Service API web trigger: one URL per installation, `POST` JSON.
//!
//! This module is the gate every call passes: method, size, authentication,
//! envelope; the call then runs through [`crate::pipeline::run`].

pub mod envelope;
pub mod openapi;
pub mod service_key;
pub mod signature;
pub mod webtrigger;

use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::jobs;
use crate::pipeline::answer::CallAnswer;
use crate::pipeline::context::internal;
use crate::pipeline::error::{ApiError, UnauthorizedReason};
use crate::policy::ServiceApiAuth;
use crate::secret::Secret;
use envelope::ServiceCall;
use service_key::KeyCheck;
use webtrigger::{WebTriggerRequest, WebTriggerResponse};

/// Largest accepted body. Large enough for a bulk HR import of a few hundred
/// hires, small enough to stay far below Forge's payload and memory limits.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The `webtrigger` module key in `manifest.yml`.
pub const WEB_TRIGGER_KEY: &str = "service-api";

/// Forge gives web triggers 55 s; keep 5 s to store the outcome and answer.
pub const WEB_TRIGGER_BUDGET_MS: u64 = 50_000;

/// Handles one web trigger invocation. Never fails: every problem becomes a
/// response with the Service API's error contract.
pub async fn handle(
    request: &WebTriggerRequest,
    host: &impl Host,
    transport: &impl Transport,
) -> WebTriggerResponse {
    match gate(request, host).await {
        Ok((ServiceCall::Operation(envelope), auth)) => {
            let caller = envelope.service_api_context(auth);
            let answer =
                crate::pipeline::run(&envelope, &caller, host, transport, WEB_TRIGGER_BUDGET_MS)
                    .await;
            let response = answer_response(&answer);
            host.log(
                LogLevel::Info,
                &format!(
                    "service api: route={} status={}",
                    envelope.route, response.status_code
                ),
            );
            response
        }
        Ok((ServiceCall::SubmitJob(data), auth)) => job_response(
            envelope::JOBS_SUBMIT,
            jobs::submit::submit(&data, auth, host).await,
            host,
        ),
        Ok((ServiceCall::JobStatus(data), _)) => job_response(
            envelope::JOB_STATUS,
            jobs::status::status(&data, host).await,
            host,
        ),
        Err(error) => {
            host.log(
                LogLevel::Info,
                &format!(
                    "service api: refused status={} code={}",
                    error.status(),
                    error.code()
                ),
            );
            error_response(&error)
        }
    }
}

/// Method, size, credentials and envelope, in that order: an unauthenticated
/// caller learns nothing about what a valid body looks like.
async fn gate(
    request: &WebTriggerRequest,
    host: &impl Host,
) -> Result<(ServiceCall, ServiceApiAuth), ApiError> {
    if !request.method.eq_ignore_ascii_case("POST") {
        return Err(ApiError::MethodNotAllowed {
            method: crate::pipeline::input::printable(&request.method),
        });
    }
    let body = request.body.as_deref().unwrap_or("");
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            size: body.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    let auth = authenticate(request, body, host).await?;
    Ok((envelope::parse_service(body)?, auth))
}

/// A signed request (HR systems) or a bearer service key (automation).
async fn authenticate(
    request: &WebTriggerRequest,
    body: &str,
    host: &impl Host,
) -> Result<ServiceApiAuth, ApiError> {
    let unauthorized = |reason| ApiError::Unauthorized { reason };
    if let Some(signature) = request.header(signature::SIGNATURE_HEADER) {
        let timestamp = request.header(signature::TIMESTAMP_HEADER).unwrap_or("");
        return match signature::verify(host, timestamp, signature, body).await {
            Ok(signature::Verified::Valid) => Ok(ServiceApiAuth::HmacSigned),
            Ok(signature::Verified::Refused(problem)) => {
                Err(unauthorized(UnauthorizedReason::Signature(problem)))
            }
            Err(host_error) => Err(internal(host, &host_error.to_string())),
        };
    }
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
        Ok(KeyCheck::Valid) => Ok(ServiceApiAuth::ServiceKey),
        Ok(KeyCheck::Wrong) => Err(unauthorized(UnauthorizedReason::WrongKey)),
        Ok(KeyCheck::NoKeyConfigured) => Err(unauthorized(UnauthorizedReason::NoKeyConfigured)),
        Err(host_error) => Err(internal(host, &host_error.to_string())),
    }
}

/// `jobs.submit` and `job.status`: see [`crate::jobs`].
fn job_response(
    route: &str,
    result: Result<CallAnswer, jobs::error::JobError>,
    host: &impl Host,
) -> WebTriggerResponse {
    let answer = match result {
        Ok(answer) => answer,
        Err(error) => {
            let correlation_id = crate::random::uuid_v4();
            if matches!(error, jobs::error::JobError::Host { .. }) {
                host.log(
                    LogLevel::Error,
                    &format!(
                        "service api: {route} failed (correlation id {correlation_id}): {error}"
                    ),
                );
            }
            error.to_answer(&correlation_id)
        }
    };
    host.log(
        LogLevel::Info,
        &format!("service api: route={route} status={}", answer.status),
    );
    answer_response(&answer)
}

/// The HTTP form of a call's answer.
fn answer_response(answer: &CallAnswer) -> WebTriggerResponse {
    let mut response = WebTriggerResponse::json(answer.status, &answer.body);
    if answer.replay {
        response = response.with_header("Idempotent-Replay", "true");
    }
    if let Some(seconds) = answer.retry_after_seconds {
        response = response.with_header("Retry-After", seconds.to_string());
    }
    response
}

/// The HTTP form of a gate refusal, with the headers HTTP asks for.
fn error_response(error: &ApiError) -> WebTriggerResponse {
    let response = answer_response(&error.to_answer());
    match error {
        ApiError::MethodNotAllowed { .. } => response.with_header("Allow", "POST"),
        ApiError::Unauthorized { .. } => response.with_header("WWW-Authenticate", "Bearer"),
        _ => response,
    }
}
