//! Parsing of the Service API envelope:
//! `{"route", "data", "idempotencyKey", "issueKey", "dryRun"}`.
//!
//! Parsed by hand from a `serde_json::Value` rather than derived, so every
//! error names the exact field and says what was expected.

use crate::pipeline::call::{IdempotencyKey, IssueKey, OperationCall};
use crate::pipeline::error::ApiError;
use crate::pipeline::input::{printable, wrong_type};
use crate::route::Route;
use serde_json::{Map, Value};

const KNOWN_FIELDS: &[&str] = &["route", "data", "idempotencyKey", "issueKey", "dryRun"];

/// Parses the raw body. Unknown top-level fields are refused: a typo such as
/// `dryrun` must not silently turn a dry run into a real change.
pub fn parse(body: &str) -> Result<OperationCall, ApiError> {
    parse_value(json_body(body)?)
}

/// What a Service API body asks for: one operation, or one of the two job
/// routes. Job routes are not operations: they never reach the policy
/// (each item does, when it runs), so they are not in [`Route`].
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceCall {
    /// One operation route, envelope parsed (its `data` not yet).
    Operation(OperationCall),
    /// `jobs.submit`, with its `data` (validated by [`crate::jobs::submit`]).
    SubmitJob(Map<String, Value>),
    /// `job.status`, with its `data`.
    JobStatus(Map<String, Value>),
}

/// Route name that queues a bulk job.
pub const JOBS_SUBMIT: &str = "jobs.submit";
/// Route name that reports a bulk job's progress.
pub const JOB_STATUS: &str = "job.status";

/// Parses the raw body into an operation call or a job route.
pub fn parse_service(body: &str) -> Result<ServiceCall, ApiError> {
    let value = json_body(body)?;
    let Value::Object(mut object) = value else {
        return parse_value(value).map(ServiceCall::Operation);
    };
    let job_route = match object.get("route").and_then(Value::as_str) {
        Some(JOBS_SUBMIT) => JOBS_SUBMIT,
        Some(JOB_STATUS) => JOB_STATUS,
        _ => return parse_value(Value::Object(object)).map(ServiceCall::Operation),
    };
    if let Some(unknown) = object
        .keys()
        .find(|k| !["route", "data"].contains(&k.as_str()))
    {
        return Err(ApiError::invalid(
            unknown.clone(),
            format!(
                "Unknown field '{}'. {job_route} takes 'route' and 'data'.",
                printable(unknown)
            ),
        ));
    }
    let data = match object.remove("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(other) => return Err(wrong_type("data", "an object", &other)),
    };
    Ok(if job_route == JOBS_SUBMIT {
        ServiceCall::SubmitJob(data)
    } else {
        ServiceCall::JobStatus(data)
    })
}

fn json_body(body: &str) -> Result<Value, ApiError> {
    serde_json::from_str(body).map_err(|e| ApiError::InvalidInput {
        field: None,
        message: format!(
            "The body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ),
    })
}

fn parse_value(value: Value) -> Result<OperationCall, ApiError> {
    let Value::Object(mut object) = value else {
        return Err(ApiError::InvalidInput {
            field: None,
            message: "The body must be a JSON object.".to_string(),
        });
    };
    if let Some(unknown) = object.keys().find(|k| !KNOWN_FIELDS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            unknown.clone(),
            format!(
                "Unknown field '{}'. Allowed fields: {}.",
                printable(unknown),
                KNOWN_FIELDS.join(", ")
            ),
        ));
    }

    let route = match object.remove("route") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid("route", "'route' is required."));
        }
        Some(Value::String(name)) => Route::parse(&name).ok_or_else(|| {
            let mut known: Vec<&str> = Route::ALL.iter().map(|r| r.name()).collect();
            known.extend([JOBS_SUBMIT, JOB_STATUS]);
            ApiError::invalid(
                "route",
                format!(
                    "Unknown route '{}'. Known routes: {}.",
                    printable(&name),
                    known.join(", ")
                ),
            )
        })?,
        Some(other) => return Err(wrong_type("route", "a string", &other)),
    };

    let data = match object.remove("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(other) => return Err(wrong_type("data", "an object", &other)),
    };

    let idempotency_key = match object.remove("idempotencyKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(IdempotencyKey::parse("idempotencyKey", &s)?),
        Some(other) => return Err(wrong_type("idempotencyKey", "a string", &other)),
    };

    let issue_key = match object.remove("issueKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(IssueKey::parse("issueKey", &s)?),
        Some(other) => return Err(wrong_type("issueKey", "a string", &other)),
    };

    let dry_run = match object.remove("dryRun") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(other) => return Err(wrong_type("dryRun", "true or false", &other)),
    };

    Ok(OperationCall {
        route,
        data,
        idempotency_key,
        issue_key,
        dry_run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: ApiError) -> Option<String> {
        match err {
            ApiError::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn parses_a_full_envelope() {
        let env = parse(
            r#"{"route":"user.create","data":{"a":1},"idempotencyKey":"HR-4711","issueKey":"ITSM-42","dryRun":true}"#,
        )
        .unwrap();
        assert_eq!(env.route, Route::UserCreate);
        assert_eq!(env.data["a"], 1);
        assert_eq!(env.idempotency_key.unwrap().as_str(), "HR-4711");
        assert_eq!(env.issue_key.unwrap().as_str(), "ITSM-42");
        assert!(env.dry_run);
    }

    #[test]
    fn defaults_optional_fields() {
        let env = parse(r#"{"route":"user.get"}"#).unwrap();
        assert!(env.data.is_empty());
        assert!(!env.dry_run);
        assert!(env.idempotency_key.is_none());
    }

    #[test]
    fn names_the_wrong_field() {
        assert_eq!(
            field_of(parse(r#"{}"#).unwrap_err()).as_deref(),
            Some("route")
        );
        assert_eq!(
            field_of(parse(r#"{"route":5}"#).unwrap_err()).as_deref(),
            Some("route")
        );
        assert_eq!(
            field_of(parse(r#"{"route":"user.nuke"}"#).unwrap_err()).as_deref(),
            Some("route")
        );
        assert_eq!(
            field_of(parse(r#"{"route":"user.get","data":[]}"#).unwrap_err()).as_deref(),
            Some("data")
        );
        assert_eq!(
            field_of(parse(r#"{"route":"user.get","dryRun":"yes"}"#).unwrap_err()).as_deref(),
            Some("dryRun")
        );
        assert_eq!(
            field_of(parse(r#"{"route":"user.get","issueKey":"itsm-1"}"#).unwrap_err()).as_deref(),
            Some("issueKey")
        );
        assert_eq!(
            field_of(parse(r#"{"route":"user.get","idempotencyKey":"a b"}"#).unwrap_err())
                .as_deref(),
            Some("idempotencyKey")
        );
        assert_eq!(
            field_of(parse(r#"{"route":"user.get","dryrun":true}"#).unwrap_err()).as_deref(),
            Some("dryrun")
        );
    }

    #[test]
    fn rejects_non_objects_and_bad_json() {
        assert_eq!(field_of(parse("[1]").unwrap_err()), None);
        assert_eq!(field_of(parse("{").unwrap_err()), None);
    }

    #[test]
    fn issue_keys() {
        for ok in ["ITSM-42", "A-1", "HR_2-10"] {
            assert!(IssueKey::parse("k", ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "ITSM", "ITSM-", "-1", "1TSM-1", "ITSM-01", "ITSM-1-2", "IT SM-1",
        ] {
            assert!(IssueKey::parse("k", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_field_messages_echo_no_control_characters() {
        for body in [r#"{"\t":null}"#, r#"{"route":"jobs.submit","a\nb":1}"#] {
            let ApiError::InvalidInput { message, .. } = parse_service(body).unwrap_err() else {
                panic!("not a 400");
            };
            assert!(!message.chars().any(char::is_control), "{message:?}");
        }
    }

    #[test]
    fn printable_strips_control_characters_and_truncates() {
        assert_eq!(printable("a\nb"), "a?b");
        assert_eq!(printable(&"x".repeat(70)).chars().count(), 65);
    }
}
