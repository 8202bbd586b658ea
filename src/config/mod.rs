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
        let mut config = read_with_path(&rest)?;
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

/// `value` read as an [`AppConfig`], or the refusal with the JSON path of
/// the value serde refused.
///
/// The path comes from the position in serde_json's error: the value is
/// read from its pretty-printed text, where every key and every array
/// element starts a line of its own (and every closing bracket too), so
/// the error's line names one value; [`line_paths`] walks the `Value` in
/// the order `to_string_pretty` writes it to map lines back to paths. This
/// replaces `serde_path_to_error`, whose wrapping deserializer added a
/// second instantiation of every configuration type's `Deserialize` (see
/// BENCHMARKS.md, "Serde's share of the wasm").
fn read_with_path(value: &Value) -> Result<AppConfig, ConfigError> {
    let text = serde_json::to_string_pretty(value).expect("a Value always serialises");
    serde_json::from_str(&text).map_err(|e| {
        // serde_json appends the position, which means nothing to an admin.
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = e.to_string();
        let message = message.strip_suffix(&position).unwrap_or(&message);
        let lines = line_paths(value);
        let index = e.line().checked_sub(1);
        // A refusal serde_json saw no position for (`ObjectId`'s
        // `try_from`, `Route`'s own `Deserialize`) is placed where the
        // enclosing array or object went on reading: after the next
        // element's indentation, before anything of it was read, or where
        // the container ended (as is one of the container itself; serde's
        // texts for those are fixed).
        let indentation = index
            .and_then(|i| text.lines().nth(i))
            .map(|line| line.len() - line.trim_start().len());
        let path = match index.and_then(|i| lines.get(i)) {
            None => ".",
            Some(Line::Opens { path, previous }) => match previous {
                Some(previous) if indentation == Some(e.column()) => previous,
                _ => path,
            },
            Some(Line::Closes { container, last }) => match last {
                Some(last)
                    if !message.starts_with("missing field `")
                        && !message.starts_with("invalid length ") =>
                {
                    last
                }
                _ => container,
            },
        };
        ConfigError::new(field_of_serde_error(path, message), message)
    })
}

/// What a line of `serde_json::to_string_pretty` output holds, by JSON
/// path (`provisioning.groupRules[0]`, `.` for the root).
#[derive(Debug, PartialEq)]
enum Line {
    /// A key (with its value, or the value's opening bracket) or an array
    /// element.
    Opens {
        /// The key's or element's path.
        path: String,
        /// For an array element after the first, the one before it when
        /// that has no lines of its own.
        previous: Option<String>,
    },
    /// The closing bracket of `container`; `last` is its last member's
    /// path when that member is a scalar (or an empty `{}`/`[]`).
    Closes {
        /// The array's or object's path.
        container: String,
        /// Its last member's path, when that member has no lines of its own.
        last: Option<String>,
    },
}

/// One [`Line`] per line of `serde_json::to_string_pretty(value)`, in
/// order: it writes every key and every array element on a line of its own
/// and every non-empty container's closing bracket too (strings cannot
/// span lines: JSON escapes newlines).
fn line_paths(value: &Value) -> Vec<Line> {
    fn walk(value: &Value, path: &str, lines: &mut Vec<Line>) {
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) => map
                .iter()
                .map(|(key, child)| match path {
                    "." => (key.clone(), child),
                    _ => (format!("{path}.{key}"), child),
                })
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, child)| match path {
                    "." => (format!("[{i}]"), child),
                    _ => (format!("{path}[{i}]"), child),
                })
                .collect(),
            _ => return,
        };
        let Some((last_path, last_value)) = children.last() else {
            return; // `{}` or `[]`, written on the line that opened it
        };
        let one_line = |value: &Value| match value {
            Value::Object(map) => map.is_empty(),
            Value::Array(items) => items.is_empty(),
            _ => true,
        };
        let last = one_line(last_value).then(|| last_path.clone());
        let mut previous: Option<&(String, &Value)> = None;
        for child in &children {
            let (child_path, child_value) = child;
            lines.push(Line::Opens {
                path: child_path.clone(),
                previous: previous
                    .filter(|(_, sibling)| value.is_array() && one_line(sibling))
                    .map(|(path, _)| path.clone()),
            });
            walk(child_value, child_path, lines);
            previous = Some(child);
        }
        lines.push(Line::Closes {
            container: path.to_string(),
            last,
        });
    }
    let mut lines = vec![Line::Opens {
        path: ".".to_string(),
        previous: None,
    }];
    walk(value, ".", &mut lines);
    lines
}

/// The field for a serde refusal at `path` (as [`line_paths`] spells it),
/// with the unknown field's name appended when that was the fault (serde
/// names it only in its message: "unknown field `x`"); `config` for the
/// document as a whole.
fn field_of_serde_error(path: &str, message: &str) -> String {
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    match (path, unknown) {
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
    fn line_paths_cover_every_pretty_printed_line() {
        let value = json!({"a": [1, {"b": [], "c": {}}, [2]], "d": {"e": null}, "f": "x\ny"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let lines = line_paths(&value);
        assert_eq!(lines.len(), text.lines().count(), "{text}");
        let opens: Vec<&str> = lines
            .iter()
            .filter_map(|line| match line {
                Line::Opens { path, .. } => Some(path.as_str()),
                Line::Closes { .. } => None,
            })
            .collect();
        assert_eq!(
            opens,
            [".", "a", "a[0]", "a[1]", "a[1].b", "a[1].c", "a[2]", "a[2][0]", "d", "d.e", "f"]
        );
    }

    #[test]
    fn site_time_zone_defaults_to_utc() {
        assert_eq!(AppConfig::default().site_zone().name(), "UTC");
        let config = AppConfig::from_json(&json!({"siteTimeZone": "Europe/Berlin"})).unwrap();
        assert_eq!(config.site_zone().name(), "Europe/Berlin");
    }
}
