//! Custom UI resolvers: the functions the app's pages call with
//! `@forge/bridge` `invoke(functionKey, payload)`.
//!
//! Every answer is `{"ok": true, "value": ...}` or
//! `{"ok": false, "error": {"code", "message", "field"?}}`, so pages handle one shape.

mod activity;
mod admin_check;
mod admin_groups;
mod assets;
mod audit_log;
mod doctor;
mod issue;
mod jira_catalog;
mod job_list;
mod options;
mod page_call;
mod panel;
mod portal;
mod preview;
mod reveal;
mod schedule_list;
mod settings;
mod users;

use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::random;
use crate::service_api::service_key;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// CSV cell escaping of the audit export, public for its tests.
pub use audit_log::csv_cell as audit_csv_cell;
pub use doctor::assess as doctor_assessment;

/// What Forge tells a resolver about its caller.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolverContext {
    /// The Atlassian account of the person using the page.
    #[serde(default)]
    pub account_id: Option<String>,
    /// The manifest key of the module showing the page, e.g.
    /// `entra-issue-panel`.
    #[serde(default)]
    pub module_key: Option<String>,
    /// Where the page is shown, as Forge reports it (`issue.key` for the
    /// issue panel, `request.key` for the portal panel). Set by Forge, not
    /// by the page, so it is trusted to name the issue.
    #[serde(default)]
    pub extension: Value,
}

/// Why a resolver call failed; answered as `{"ok": false, "error":
/// {"code", "message", "field"?}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolverError {
    /// No resolver function has this key (the key, made printable).
    /// Code `unknown_function`.
    UnknownFunction(String),
    /// Bad input; `field` is the payload path at fault. Code `invalid_input`.
    Invalid {
        /// The payload path, e.g. `credentialId`.
        field: String,
        /// What is wrong, for the page to show.
        message: String,
    },
    /// The caller may not do this (not signed in, not a Jira administrator,
    /// not a recipient). Code `forbidden`.
    Forbidden {
        /// Why, for the page to show.
        reason: String,
    },
    /// What was asked for no longer exists (a revealed or expired credential).
    /// Code `gone`.
    Gone {
        /// Why, for the page to show.
        reason: String,
    },
    /// The app failed; the cause is logged under the correlation id, not
    /// answered. Code `internal_error`.
    Internal {
        /// A random UUID that ties the answer to the log line.
        correlation_id: String,
    },
    /// An operation answered with an error; `detail` keeps what the page
    /// shows beside it (the plan and each step of a partial failure).
    Operation {
        /// The operation's `error.code`, passed through.
        code: String,
        /// The operation's `error.message`.
        message: String,
        /// The operation's `error.field`, if any.
        field: Option<String>,
        /// An object whose keys are copied to the top level of the answer
        /// (e.g. `plan`, `result`); anything else is dropped.
        detail: Value,
    },
}

impl ResolverError {
    fn code(&self) -> &str {
        match self {
            ResolverError::UnknownFunction(_) => "unknown_function",
            ResolverError::Invalid { .. } => "invalid_input",
            ResolverError::Gone { .. } => "gone",
            ResolverError::Forbidden { .. } => "forbidden",
            ResolverError::Internal { .. } => "internal_error",
            ResolverError::Operation { code, .. } => code,
        }
    }
}

impl fmt::Display for ResolverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolverError::UnknownFunction(name) => write!(f, "No resolver function '{name}'."),
            ResolverError::Invalid { message, .. } => f.write_str(message),
            ResolverError::Gone { reason } => f.write_str(reason),
            ResolverError::Forbidden { reason } => f.write_str(reason),
            ResolverError::Internal { correlation_id } => write!(
                f,
                "The app failed while handling this request (correlation id {correlation_id})."
            ),
            ResolverError::Operation { message, .. } => f.write_str(message),
        }
    }
}

/// Handles one `invoke` from a Custom UI page: `function_key` picks the
/// function (`"config.get"`, `"panel.load"`, `"secret.reveal"`, ...),
/// `payload` is what the page passed, `context` what Forge says about the
/// caller. Admin-page functions first check, as the caller, that they hold
/// Jira's `ADMINISTER` permission. Never fails: the answer is
/// `{"ok": true, "value": ...}` or `{"ok": false, "error": {...}}`.
/// <https://developer.atlassian.com/platform/forge/js-api-reference/custom-ui-resolver/>
pub async fn handle(
    function_key: &str,
    payload: &Value,
    context: &ResolverContext,
    host: &impl Host,
    transport: &impl Transport,
) -> Value {
    // One await for every function: each function's future is compiled
    // once, on its own, behind `route`'s box, instead of every function's
    // state machine sitting inline in this one (one state per arm).
    let result = match route(function_key, payload, context, host, transport) {
        Some(pending) => pending.await,
        None => Err(ResolverError::UnknownFunction(
            crate::pipeline::input::printable(function_key),
        )),
    };
    answer(result)
}

/// A resolver function's work, not yet started.
type Pending<'a> = Pin<Box<dyn Future<Output = Result<Value, ResolverError>> + 'a>>;

/// The function `function_key` names, not started; `None` for an unknown key.
fn route<'a>(
    function_key: &str,
    payload: &'a Value,
    context: &'a ResolverContext,
    host: &'a impl Host,
    transport: &'a impl Transport,
) -> Option<Pending<'a>> {
    Some(match function_key {
        "serviceKey.info" => Box::pin(service_key_info(context, host)),
        "serviceKey.rotate" => Box::pin(rotate_service_key(context, host)),
        "serviceApi.url" => admin(context, host, service_api_url(host)),
        "secret.reveal" => Box::pin(reveal::reveal(context, host, payload)),
        "hmacSecret.rotate" => admin(context, host, rotate_hmac_secret(host)),
        "config.get" => admin(context, host, settings::get(host)),
        "config.save" => admin(context, host, settings::save(host, transport, payload)),
        "connection.setClientSecret" => {
            admin(context, host, settings::set_client_secret(host, payload))
        }
        "connection.test" => admin(context, host, settings::test_connection(host, transport)),
        "panel.load" => Box::pin(panel::load(context, payload, host, transport)),
        "panel.action" => Box::pin(panel::action(context, payload, host, transport)),
        "portal.load" => Box::pin(portal::load(context, host)),
        "doctor.check" => admin(context, host, doctor::check(host, transport)),
        "groups.search" => admin(
            context,
            host,
            admin_groups::search(payload, host, transport),
        ),
        "groups.describe" => admin(
            context,
            host,
            admin_groups::describe(payload, host, transport),
        ),
        "users.search" => admin(context, host, users::search(payload, host, transport)),
        "users.get" => admin(context, host, users::get(context, payload, host, transport)),
        "users.action" => admin(
            context,
            host,
            users::action(context, payload, host, transport),
        ),
        "audit.query" => admin(context, host, audit_log::query(host, payload)),
        "audit.csv" => admin(context, host, audit_log::csv(host, payload)),
        "config.options" => admin(context, host, async { Ok(options::options()) }),
        "preview.naming" => admin(context, host, async { preview::naming(payload) }),
        "preview.rules" => admin(context, host, async { preview::rules(payload) }),
        "jira.requestTypes" => admin(context, host, jira_catalog::request_types(host)),
        "jira.fields" => admin(context, host, jira_catalog::fields(host)),
        "jobs.recent" => admin(context, host, job_list::recent(host)),
        "activity.summary" => admin(context, host, activity::summary(host, payload)),
        "schedule.list" => admin(context, host, schedule_list::list(host, payload)),
        "assets.config.get" => admin(context, host, assets::get(host, payload)),
        "assets.config.save" => admin(context, host, assets::save(host, payload)),
        "assets.imports.list" => admin(context, host, assets::list(host)),
        "assets.run" => admin(context, host, assets::run(host, payload)),
        "assets.stop" => admin(context, host, assets::stop(host, payload)),
        _ => return None,
    })
}

/// The page's answer for a function's result (see [`handle`]).
fn answer(result: Result<Value, ResolverError>) -> Value {
    match result {
        Ok(value) => json!({ "ok": true, "value": value }),
        Err(error) => {
            let mut body = json!({ "code": error.code(), "message": error.to_string() });
            let mut answer = json!({ "ok": false });
            match &error {
                ResolverError::Invalid { field, .. } => body["field"] = json!(field),
                ResolverError::Operation { field, detail, .. } => {
                    if let Some(field) = field {
                        body["field"] = json!(field);
                    }
                    if let Value::Object(extra) = detail {
                        for (key, value) in extra {
                            answer[key] = value.clone();
                        }
                    }
                }
                _ => {}
            }
            answer["error"] = body;
            answer
        }
    }
}

/// Runs `action` only for a Jira administrator. The action is a future that
/// has not started: nothing it does happens before the check passes.
///
/// The action is boxed so that the check's state machine exists once in the
/// wasm, not once per admin function (each is a different future type).
fn admin<'a>(
    context: &'a ResolverContext,
    host: &'a impl Host,
    action: impl Future<Output = Result<Value, ResolverError>> + 'a,
) -> Pending<'a> {
    Box::pin(admin_checked(context, host, Box::pin(action)))
}

async fn admin_checked<'a>(
    context: &'a ResolverContext,
    host: &'a impl Host,
    action: Pending<'a>,
) -> Result<Value, ResolverError> {
    admin_check::require_jira_admin(context, host).await?;
    action.await
}

async fn service_key_info(
    context: &ResolverContext,
    host: &impl Host,
) -> Result<Value, ResolverError> {
    admin_check::require_jira_admin(context, host).await?;
    let info = service_key::info(host)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    Ok(json!(info))
}

/// The Service API's web trigger URL, for the admin to give to callers.
async fn service_api_url(host: &impl Host) -> Result<Value, ResolverError> {
    match host
        .web_trigger_url(crate::service_api::WEB_TRIGGER_KEY)
        .await
    {
        Ok(url) => Ok(json!({ "url": url })),
        Err(e) => {
            host.log(
                LogLevel::Warn,
                &format!("web trigger URL not available: {e}"),
            );
            Ok(
                json!({ "url": null, "problem": "Forge did not give the web trigger URL; `forge webtrigger` prints it." }),
            )
        }
    }
}

async fn rotate_service_key(
    context: &ResolverContext,
    host: &impl Host,
) -> Result<Value, ResolverError> {
    admin_check::require_jira_admin(context, host).await?;
    let (key, info) = service_key::rotate(host)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    host.log(
        LogLevel::Info,
        &format!("service api key rotated: fingerprint={}", info.fingerprint),
    );
    // The only place the key ever leaves the core: shown once to the admin.
    Ok(
        json!({ "key": key.expose(), "fingerprint": info.fingerprint, "createdAtMs": info.created_at_ms }),
    )
}

async fn rotate_hmac_secret(host: &impl Host) -> Result<Value, ResolverError> {
    let secret = crate::service_api::signature::rotate(host)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    host.log(LogLevel::Info, "HR signing secret rotated");
    // Shown once to the admin, who gives it to the HR system.
    Ok(json!({ "secret": secret.expose() }))
}

pub(crate) fn internal(host: &impl Host, cause: &str) -> ResolverError {
    let correlation_id = random::uuid_v4();
    host.log(
        LogLevel::Error,
        &format!("resolver: internal error correlation_id={correlation_id}: {cause}"),
    );
    ResolverError::Internal { correlation_id }
}
