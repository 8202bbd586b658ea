//! One call of an operation, whichever entry point it came through.

use super::error::ApiError;
use crate::policy::{EntryPoint, RequestContext, Requester, RequesterKind, ServiceApiAuth};
use crate::route::Route;
use serde_json::{Map, Value};

/// Longest idempotency key accepted (it becomes part of a storage key, and
/// Forge KVS keys are limited to 500 characters).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// A validated call: route, its data, and how it is to run.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationCall {
    /// The route named in the envelope.
    pub route: Route,
    /// The route's `data` object, as received (validated by the parse stage).
    pub data: Map<String, Value>,
    /// The caller's key, or none (the route then derives one from the issue key where it can).
    pub idempotency_key: Option<IdempotencyKey>,
    /// The Jira request the call is about, if any: it gets the internal comment.
    pub issue_key: Option<IssueKey>,
    /// `true`: plan only, change nothing.
    pub dry_run: bool,
}

impl OperationCall {
    /// The policy's and audit trail's view of this call, made by `requester`
    /// through `entry_point`: its request, idempotency key and dry-run flag.
    pub fn context(&self, requester: Requester, entry_point: EntryPoint) -> RequestContext {
        let mut context = RequestContext::new(requester, entry_point);
        if let Some(issue) = &self.issue_key {
            context = context.on_issue(issue.as_str());
        }
        if let Some(key) = &self.idempotency_key {
            context = context.with_idempotency_key(key.as_str());
        }
        if self.dry_run {
            context = context.dry_run();
        }
        context
    }

    /// The context of a call made through the Service API (directly, or as
    /// an item of a bulk job): the holder of the service key or the signed
    /// HR integration, not a Jira account.
    pub fn service_api_context(&self, auth: ServiceApiAuth) -> RequestContext {
        let display_name = match auth {
            ServiceApiAuth::ServiceKey => "Service API (service key)",
            ServiceApiAuth::HmacSigned => "Service API (signed HR integration)",
        };
        let requester = Requester {
            account_id: "service-api".to_string(),
            display_name: display_name.to_string(),
            email: None,
            kind: RequesterKind::ServiceApi,
        };
        self.context(requester, EntryPoint::ServiceApi)
            .with_service_auth(auth)
    }
}

/// A caller-chosen key that makes a mutating call exactly-once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Accepts 1 to [`MAX_IDEMPOTENCY_KEY_LEN`] printable ASCII characters without spaces; else a 400 naming `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ApiError> {
        if raw.is_empty() || raw.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(ApiError::invalid(
                field,
                format!("'{field}' must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters long."),
            ));
        }
        if !raw.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ApiError::invalid(
                field,
                format!("'{field}' may contain only printable ASCII characters without spaces."),
            ));
        }
        Ok(IdempotencyKey(raw.to_string()))
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Jira issue key such as `ITSM-42`: a project key (a letter, then letters,
/// digits or underscores) and a positive number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueKey(String);

impl IssueKey {
    /// Accepts `PROJECT-123` (an upper-case project key, a dash, a positive number); else a 400 naming `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::invalid(
                field,
                format!("'{field}' must be a Jira issue key such as ITSM-42."),
            )
        };
        let (project, number) = raw.split_once('-').ok_or_else(invalid)?;
        let mut project_chars = project.chars();
        let starts_with_letter = project_chars.next().is_some_and(|c| c.is_ascii_uppercase());
        let project_ok = starts_with_letter
            && project_chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && project.len() <= 255;
        let number_ok = !number.is_empty()
            && number.len() <= 18
            && number.chars().all(|c| c.is_ascii_digit())
            && !number.starts_with('0');
        if project_ok && number_ok {
            Ok(IssueKey(raw.to_string()))
        } else {
            Err(invalid())
        }
    }

    /// The key as given, for example `ITSM-42`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
