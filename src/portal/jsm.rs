//! Reading a JSM request the way the portal form filled it in.

use crate::graph::odata::encode_component;
use crate::host::{Host, HostError, JiraAs, JiraRequest};
use crate::http::Method;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalRequest {
    pub issue_key: String,
    pub request_type_id: String,
    pub reporter: Reporter,
    #[serde(default)]
    pub request_field_values: Vec<FieldValue>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reporter {
    pub account_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldValue {
    pub field_id: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsmError {
    Host(HostError),
    /// Not a service desk request (an ordinary Jira issue), or gone.
    NotARequest,
    Answer {
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
        200 => serde_json::from_str(&response.body).map_err(|_| JsmError::Answer { status: 200 }),
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
