//! The app's configuration: what an admin sets on the admin page, stored in
//! Forge KVS, validated on save with errors that name the field path.
//!
//! The Entra client secret is not part of it: it lives in Forge secret
//! storage ([`CLIENT_SECRET_KEY`]) and is write-only from the admin page.

pub mod enrichment;
pub mod policy;
mod provisioning;
pub mod request_types;
mod store;

pub use provisioning::{FirstCredentialSetting, ProvisioningSettings};
pub use store::{
    load, load_client_secret, save, save_client_secret, StoreError, CLIENT_SECRET_KEY, CONFIG_KEY,
};

use crate::dates::SiteZone;
use crate::graph::GraphSettings;
use policy::PolicyConfig;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Everything the admin configures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppConfig {
    /// Tenant, app registration and endpoints; `None` until an admin sets them.
    #[serde(default)]
    pub connection: Option<GraphSettings>,
    /// How new accounts are named, rule-derived groups, first credential.
    #[serde(default)]
    pub provisioning: ProvisioningSettings,
    /// Serviceable and protected groups, approvals, secret recipients, ...
    /// Read apart by [`PolicyConfig::from_json`] (which names every problem),
    /// never by this type's `Deserialize`: skipping it there keeps a second
    /// copy of the section's deserialiser out of the wasm.
    #[serde(default, skip_deserializing)]
    pub policy: PolicyConfig,
    /// Which JSM request types run which operation.
    #[serde(default)]
    pub request_types: Vec<request_types::RequestTypeMapping>,
    /// Entra attributes of the reporter written to Jira fields.
    #[serde(default)]
    pub enrichment: enrichment::EnrichmentSettings,
    /// The IANA time zone (`Europe/Berlin`) a date-time input without a
    /// zone is read in (`2026-12-31T17:00:00` from an HR system); `None` or
    /// blank is UTC. See [`crate::dates`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_time_zone: Option<String>,
}

/// A configuration value that failed validation; `field` is its JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    /// The setting at fault as a JSON path from the config root, e.g.
    /// `policy.approvals.user.resetPassword` or `requestTypes[2].route`.
    pub field: String,
    /// What is wrong, in words for the admin page.
    pub message: String,
}

impl ConfigError {
    /// An error about the setting at `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl AppConfig {
    /// Parses admin input. Unknown fields are refused so a typo cannot
    /// silently leave a safety setting at its default.
    pub fn from_json(value: &Value) -> Result<Self, ConfigError> {
        let mut rest = value.clone();
        // The policy section reports every problem with its full path.
        let policy = match rest.as_object_mut().and_then(|m| m.remove("policy")) {
            None | Some(Value::Null) => PolicyConfig::default(),
            Some(section) => PolicyConfig::from_json(&section).map_err(first_policy_error)?,
        };
        let mut config: AppConfig = serde_path_to_error::deserialize(rest)
            .map_err(|e| ConfigError::new(field_of_serde_error(&e), e.inner().to_string()))?;
        config.policy = policy;
        config.validate()?;
        Ok(config)
    }

    /// Checks every section; the first problem found comes back, with its
    /// path. [`save`] calls it before writing.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(connection) = &self.connection {
            connection
                .validate()
                .map_err(|e| ConfigError::new(format!("connection.{}", e.field), e.message))?;
        }
        self.provisioning.validate()?;
        self.policy.validate().map_err(first_policy_error)?;
        request_types::validate(&self.request_types)?;
        self.enrichment.validate()?;
        if let Some(zone) = &self.site_time_zone {
            SiteZone::parse(zone).map_err(|e| ConfigError::new("siteTimeZone", e.message))?;
        }
        Ok(())
    }

    /// The site time zone ([`Self::site_time_zone`]); UTC when unset (or,
    /// for a stored value that no longer names a zone, UTC too: it was
    /// validated on save).
    pub fn site_zone(&self) -> SiteZone {
        self.site_time_zone
            .as_deref()
            .and_then(|name| SiteZone::parse(name).ok())
            .unwrap_or_default()
    }
}

fn first_policy_error(errors: Vec<ConfigError>) -> ConfigError {
    errors
        .into_iter()
        .next()
        .unwrap_or_else(|| ConfigError::new("policy", "is invalid"))
}

/// The JSON path of the value serde refused (`provisioning.groupRules[0]`),
/// with the unknown field's name appended when that was the fault (serde
/// names it only in its message: "unknown field `x`"); `config` for the
/// document as a whole.
fn field_of_serde_error(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    match (path.as_str(), unknown) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "config".to_string(),
        (path, Some(name)) if !path.ends_with(name) => format!("{path}.{name}"),
        (path, _) => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serde_errors_name_the_member_wherever_it_stands() {
        let group = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
        let rules = |rule: serde_json::Value| json!({"provisioning": {"groupRules": [rule]}});
        let when = json!([{"attribute": "department", "equals": "a"}]);
        // A refused array element, last and not last.
        let err = AppConfig::from_json(&rules(
            json!({"name": "r", "when": when, "groups": [group, "nope"]}),
        ))
        .unwrap_err();
        assert_eq!(err.field, "provisioning.groupRules[0].groups[1]");
        let err = AppConfig::from_json(&rules(
            json!({"name": "r", "when": when, "groups": ["nope", group]}),
        ))
        .unwrap_err();
        assert_eq!(err.field, "provisioning.groupRules[0].groups[0]");
        // A missing field is the object's fault, not its last member's.
        let err =
            AppConfig::from_json(&rules(json!({"when": when, "groups": [group]}))).unwrap_err();
        assert_eq!(err.field, "provisioning.groupRules[0]");
        assert_eq!(err.message, "missing field `name`");
        // A refused scalar as an object's last member, and a type error.
        let mapping = |route: serde_json::Value| json!({"requestTypes": [{"requestTypeId": "1", "fields": {}, "route": route}]});
        let err = AppConfig::from_json(&mapping(json!("user.explode"))).unwrap_err();
        assert_eq!(err.field, "requestTypes[0].route");
        assert!(!err.message.contains(" at line "), "{}", err.message);
        let err = AppConfig::from_json(&mapping(json!(5))).unwrap_err();
        assert_eq!(err.field, "requestTypes[0].route");
        let err = AppConfig::from_json(&json!({"requestTypes": {}})).unwrap_err();
        assert_eq!(err.field, "requestTypes");
        let err = AppConfig::from_json(&json!("x")).unwrap_err();
        assert_eq!(err.field, "config");
    }

    #[test]
    fn empty_config_is_valid_and_unconfigured() {
        let config = AppConfig::from_json(&json!({})).unwrap();
        assert!(config.connection.is_none());
    }

    #[test]
    fn errors_name_the_field_path() {
        let err = AppConfig::from_json(&json!({"connection": {"tenantId": "common", "clientId": "00000000-0000-0000-0000-000000000001"}})).unwrap_err();
        assert_eq!(err.field, "connection.tenantId");
        let err = AppConfig::from_json(&json!({"conection": {}})).unwrap_err();
        assert_eq!(err.field, "conection");
        let err =
            AppConfig::from_json(&json!({"provisioning": {"namingTemplate": "{nope}@x.example"}}))
                .unwrap_err();
        assert_eq!(err.field, "provisioning.namingTemplate");
        let err = AppConfig::from_json(&json!({"siteTimeZone": "Mars/Olympus"})).unwrap_err();
        assert_eq!(err.field, "siteTimeZone");
    }

    #[test]
    fn serde_errors_name_the_full_path() {
        let rule = |extra: serde_json::Value| {
            let mut rule = json!({"name": "r", "when": [{"attribute": "department", "equals": "a"}],
                "groups": ["6f9619ff-8b86-d011-b42d-00c04fc964ff"]});
            rule.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            json!({"provisioning": {"groupRules": [rule]}})
        };
        let err = AppConfig::from_json(&rule(json!({"extra": 1}))).unwrap_err();
        assert_eq!(err.field, "provisioning.groupRules[0].extra");
        let err = AppConfig::from_json(&rule(json!({"groups": ["nope"]}))).unwrap_err();
        assert_eq!(err.field, "provisioning.groupRules[0].groups[0]");
        let err =
            AppConfig::from_json(&json!({"provisioning": {"licenceRules": null}})).unwrap_err();
        assert_eq!(err.field, "provisioning.licenceRules");
    }

    #[test]
    fn site_time_zone_defaults_to_utc() {
        assert_eq!(AppConfig::default().site_zone().name(), "UTC");
        let config = AppConfig::from_json(&json!({"siteTimeZone": "Europe/Berlin"})).unwrap();
        assert_eq!(config.site_zone().name(), "Europe/Berlin");
    }
}
