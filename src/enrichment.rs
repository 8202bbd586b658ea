//! Writes the reporter's Entra attributes to the request's Jira fields when
//! a request is created, so agents and queues see them without opening the
//! panel. One Graph round trip (the lookup, manager included), one Jira call.

use crate::config::enrichment::{EnrichedAttribute, EnrichmentSettings};
use crate::config::{self, AppConfig};
use crate::graph::odata::encode_component;
use crate::graph::{Deadline, GraphClient};
use crate::host::{Host, JiraAs, JiraRequest, LogLevel};
use crate::http::{Method, Transport};
use crate::lifecycle::{self, UserRef};
use serde_json::{json, Map, Value};

/// What enrichment did, for logs and tests. JSON: `"notConfigured"`,
/// `{"written": {"fields": 3}}`, `{"failed": {"reason": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Enriched {
    /// No enrichment fields are configured; nothing was looked up.
    NotConfigured,
    /// The reporter has no usable email address (absent, blank or not an
    /// address), so there is nothing to look up.
    NoReporterEmail,
    /// No Entra user has the reporter's email address.
    NoAccount,
    /// The fields were written to the request.
    Written {
        /// How many Jira fields the edit set (a `null` clears a field whose
        /// attribute is empty in Entra).
        fields: usize,
    },
    /// The app is not connected, the lookup failed, or Jira refused the
    /// edit (the last two are logged as warnings). The request itself is
    /// unaffected.
    Failed {
        /// Why, in words.
        reason: String,
    },
}

/// Looks up the reporter in Entra by email and writes the configured
/// attributes to the request's fields with one
/// `PUT /rest/api/3/issue/{issueIdOrKey}` as the app. Never fails: every
/// outcome is an [`Enriched`]. `deadline` bounds the Graph lookup.
pub async fn enrich(
    issue_key: &str,
    reporter_email: Option<&str>,
    config: &AppConfig,
    host: &impl Host,
    transport: &impl Transport,
    deadline: Deadline,
) -> Enriched {
    let settings = &config.enrichment;
    if settings.is_empty() {
        return Enriched::NotConfigured;
    }
    let Some(email) = reporter_email.filter(|e| !e.trim().is_empty()) else {
        return Enriched::NoReporterEmail;
    };
    let (Some(connection), Ok(Some(secret))) = (
        config.connection.clone(),
        config::load_client_secret(host).await,
    ) else {
        return Enriched::Failed {
            reason: "the app is not connected to Entra".into(),
        };
    };
    let client = GraphClient::new(transport, host, connection, secret);
    let user = match UserRef::mail(email, "reporter") {
        Ok(user) => user,
        Err(_) => return Enriched::NoReporterEmail,
    };
    let view = match lifecycle::lookup(&client, &user, deadline).await {
        Ok(view) => view,
        Err(lifecycle::OpError::NotFound { .. }) => return Enriched::NoAccount,
        Err(e) => return failed(host, issue_key, e.to_string()),
    };
    let fields = fields_for(settings, &view);
    let count = fields.len();
    let response = host
        .jira(JiraRequest {
            method: Method::Put,
            path: format!("/rest/api/3/issue/{}", encode_component(issue_key)),
            body: Some(json!({ "fields": fields })),
            as_who: JiraAs::App,
        })
        .await;
    match response {
        Ok(r) if r.status < 300 => Enriched::Written { fields: count },
        Ok(r) => failed(host, issue_key, format!("Jira answered HTTP {}", r.status)),
        Err(e) => failed(host, issue_key, e.to_string()),
    }
}

fn fields_for(
    settings: &EnrichmentSettings,
    view: &crate::graph::model::UserView,
) -> Map<String, Value> {
    let text = |v: &Option<String>| v.clone().map(Value::String).unwrap_or(Value::Null);
    let mut fields = Map::new();
    for (attribute, field) in &settings.fields {
        let value = match attribute {
            EnrichedAttribute::DisplayName => text(&view.display_name),
            EnrichedAttribute::UserPrincipalName => text(&view.user_principal_name),
            EnrichedAttribute::AccountEnabled => match view.account_enabled {
                Some(true) => json!("Enabled"),
                Some(false) => json!("Disabled"),
                None => Value::Null,
            },
            EnrichedAttribute::Department => text(&view.department),
            EnrichedAttribute::JobTitle => text(&view.job_title),
            EnrichedAttribute::EmployeeId => text(&view.employee_id),
            EnrichedAttribute::CompanyName => text(&view.company_name),
            EnrichedAttribute::OfficeLocation => text(&view.office_location),
            EnrichedAttribute::Manager => view
                .manager
                .as_ref()
                .and_then(|m| m.display_name.clone())
                .map(Value::String)
                .unwrap_or(Value::Null),
        };
        fields.insert(field.clone(), value);
    }
    if let Some(field) = &settings.account_field {
        fields.insert(field.clone(), text(&view.user_principal_name));
    }
    fields
}

fn failed(host: &impl Host, issue_key: &str, reason: String) -> Enriched {
    host.log(
        LogLevel::Warn,
        &format!("enrichment of {issue_key} skipped: {reason}"),
    );
    Enriched::Failed { reason }
}
