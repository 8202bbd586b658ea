//! Reading a JSM request the way the portal form filled it in.

use crate::graph::odata::encode_component;
use crate::host::{Host, HostError, JiraAs, JiraRequest};
use crate::http::Method;
use serde::Deserialize;
use serde_json::Value;

/// The parts of JSM's `CustomerRequest` the app reads.
/// <https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-get>
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalRequest {
    /// `issueKey`, e.g. `ITSM-42`.
    pub issue_key: String,
    /// `requestTypeId`: the request type's numeric id, as a string.
    pub request_type_id: String,
    /// Who raised the request.
    pub reporter: Reporter,
    /// The portal form's fields (`requestFieldValues`).
    #[serde(default)]
    pub request_field_values: Vec<FieldValue>,
}

/// The request's reporter (a JSM `UserDTO`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reporter {
    /// Atlassian account id.
    pub account_id: String,
    /// Display name, when JSM gives it.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Email address; absent when the user's profile visibility hides it.
    #[serde(default)]
    pub email_address: Option<String>,
}

/// One field of the portal form (a JSM `CustomerRequestFieldValueDTO`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldValue {
    /// Jira field id, e.g. `summary` or `customfield_10100`.
    pub field_id: String,
    /// The label the customer saw on the form.
    #[serde(default)]
    pub label: Option<String>,
    /// The value as JSM gives it: a string, number, or object (select
    /// option, user, ...); `null` when empty.
    #[serde(default)]
    pub value: Value,
}

/// Why a request could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsmError {
    /// The Jira call got no response.
    Host(HostError),
    /// Not a service desk request (an ordinary Jira issue), or gone.
    NotARequest,
    /// JSM answered another status, or a 200 whose body did not parse.
    Answer {
        /// The HTTP status.
        status: u16,
    },
}

impl std::fmt::Display for JsmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsmError::Host(e) => e.fmt(f),
            JsmError::NotARequest => f.write_str("not a service desk request"),
            JsmError::Answer { status } => write!(f, "JSM answered HTTP {status}"),
        }
    }
}

/// Reads a request as the app with
/// `GET /rest/servicedeskapi/request/{issueIdOrKey}`. A 404 is
/// [`JsmError::NotARequest`].
pub async fn read_request(host: &impl Host, issue_key: &str) -> Result<PortalRequest, JsmError> {
    let response = host
        .jira(JiraRequest {
            method: Method::Get,
            path: format!(
                "/rest/servicedeskapi/request/{}",
                encode_component(issue_key)
            ),
            body: None,
            as_who: JiraAs::App,
        })
        .await
        .map_err(JsmError::Host)?;
    match response.status {
        200 => serde_json::from_str(&response.body)
            .and_then(serde_json::from_value)
            .map_err(|_| JsmError::Answer { status: 200 }),
        404 => Err(JsmError::NotARequest),
        status => Err(JsmError::Answer { status }),
    }
}

impl PortalRequest {
    /// A field's value as text: plain strings, select options (`value`),
    /// users (`emailAddress`), dates; `None` when empty.
    pub fn text_of(&self, source: &str) -> Option<String> {
        let value = match source {
            super::REPORTER_EMAIL => return self.reporter.email_address.clone(),
            super::REPORTER_ACCOUNT => return Some(self.reporter.account_id.clone()),
            field => {
                &self
                    .request_field_values
                    .iter()
                    .find(|f| f.field_id == field)?
                    .value
            }
        };
        let text = match value {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            Value::Object(o) => ["value", "emailAddress", "name", "displayName"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str))
                .unwrap_or_default()
                .trim()
                .to_string(),
            _ => String::new(),
        };
        (!text.is_empty()).then_some(text)
    }

    /// The label the customer saw for a field, for messages they can act on.
    pub fn label_of(&self, source: &str) -> String {
        self.request_field_values
            .iter()
            .find(|f| f.field_id == source)
            .and_then(|f| f.label.clone())
            .unwrap_or_else(|| source.to_string())
    }
}
