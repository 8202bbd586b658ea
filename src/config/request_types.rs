//! Request type mappings: which JSM request type runs which operation, and
//! where each input of the operation comes from on the request.

use super::ConfigError;
use crate::route::Route;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// Where a value on the request comes from: a Jira field id (`summary`,
// `customfield_10100`) or the reporter (`reporter.emailAddress`,
// `reporter.accountId`).

/// Source naming the reporter's email address (the `reporter.emailAddress`
/// of JSM's `GET /rest/servicedeskapi/request/{issueIdOrKey}`).
pub const REPORTER_EMAIL: &str = "reporter.emailAddress";
/// Source naming the reporter's Atlassian account id (`reporter.accountId`).
pub const REPORTER_ACCOUNT: &str = "reporter.accountId";

/// One JSM request type mapped to the operation its requests run. Stored as
/// `{"requestTypeId": "12", "name"?: "...", "route": "user.create",
/// "fields": {"givenName": "customfield_10100", ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestTypeMapping {
    /// The JSM request type's id.
    pub request_type_id: String,
    /// Its name, for people reading the configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The operation a request of this type runs.
    pub route: Route,
    /// Operation input (`givenName`, `user`, `changes.department`) -> source.
    pub fields: BTreeMap<String, String>,
}

/// Checks the `requestTypes` list: numeric request type ids (at most 32
/// digits), each mapped once, only operations that change something,
/// and at least one input per mapping. Input names and sources are
/// checked for form (letters, digits, `_`, `.`; at most 64 characters),
/// not against the route's inputs. The first problem comes back, with its
/// path (`requestTypes[1].fields.user`).
pub fn validate(mappings: &[RequestTypeMapping]) -> Result<(), ConfigError> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, mapping) in mappings.iter().enumerate() {
        let path = format!("requestTypes[{i}]");
        let id = mapping.request_type_id.trim();
        if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConfigError::new(
                format!("{path}.requestTypeId"),
                "must be the request type's numeric id",
            ));
        }
        if !seen.insert(id.to_string()) {
            return Err(ConfigError::new(
                format!("{path}.requestTypeId"),
                "is mapped twice",
            ));
        }
        if mapping.route.is_read_only() {
            return Err(ConfigError::new(
                format!("{path}.route"),
                "must be an operation that changes something",
            ));
        }
        if mapping.fields.is_empty() {
            return Err(ConfigError::new(
                format!("{path}.fields"),
                "must map at least one input",
            ));
        }
        for (input, source) in &mapping.fields {
            let well_formed = |s: &str| {
                !s.is_empty()
                    && s.len() <= 64
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            };
            if !well_formed(input) {
                return Err(ConfigError::new(
                    format!("{path}.fields"),
                    format!("'{input}' is not an input name"),
                ));
            }
            if !well_formed(source) {
                return Err(ConfigError::new(
                    format!("{path}.fields.{input}"),
                    "must be a Jira field id or reporter.emailAddress / reporter.accountId",
                ));
            }
            if source.starts_with("reporter.")
                && source != REPORTER_EMAIL
                && source != REPORTER_ACCOUNT
            {
                return Err(ConfigError::new(
                    format!("{path}.fields.{input}"),
                    "the reporter offers reporter.emailAddress and reporter.accountId",
                ));
            }
        }
    }
    Ok(())
}
