//! Enrichment: which Entra attributes of a request's reporter are written to
//! which Jira fields when the request is created.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The reporter's attributes the app can copy (all read by one lookup).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EnrichedAttribute {
    /// Graph `displayName`.
    DisplayName,
    /// Graph `userPrincipalName`.
    UserPrincipalName,
    /// Graph `accountEnabled`, written as the text `Enabled` or `Disabled`.
    AccountEnabled,
    /// Graph `department`.
    Department,
    /// Graph `jobTitle`.
    JobTitle,
    /// Graph `employeeId`.
    EmployeeId,
    /// Graph `companyName`.
    CompanyName,
    /// Graph `officeLocation`.
    OfficeLocation,
    /// The manager's display name.
    Manager,
}

/// `enrichment` in the app configuration, e.g. `{"fields": {"department":
/// "customfield_10200"}, "accountField": "customfield_10300"}`. Empty (the
/// default) turns enrichment off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnrichmentSettings {
    /// Attribute -> Jira custom field id (`customfield_10200`).
    #[serde(default)]
    pub fields: BTreeMap<EnrichedAttribute, String>,
    /// The id of the app's "Entra account" field, which gets the UPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_field: Option<String>,
}

impl EnrichmentSettings {
    /// True when nothing is configured, so enrichment does no lookup at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.account_field.is_none()
    }

    /// Every target must be a Jira custom field id, `customfield_` and 1 to
    /// 12 digits. The first problem comes back, at `enrichment.fields.<attribute>`
    /// or `enrichment.accountField`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let custom_field = |id: &str| {
            id.strip_prefix("customfield_").is_some_and(|n| {
                !n.is_empty() && n.len() <= 12 && n.chars().all(|c| c.is_ascii_digit())
            })
        };
        for (attribute, field) in &self.fields {
            if !custom_field(field) {
                let name = serde_json::to_value(attribute)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                return Err(ConfigError::new(
                    format!("enrichment.fields.{name}"),
                    "must be a Jira custom field id such as customfield_10200",
                ));
            }
        }
        if let Some(field) = &self.account_field {
            if !custom_field(field) {
                return Err(ConfigError::new(
                    "enrichment.accountField",
                    "must be a Jira custom field id such as customfield_10200",
                ));
            }
        }
        Ok(())
    }
}
