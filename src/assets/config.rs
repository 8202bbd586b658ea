//! What an Assets admin picks in the import's configuration view
//! ([`AssetsConfig`]), read from the page's payload with errors that name
//! the field, and how it is stored with its import source.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// How much of the directory a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every user and group on every run: Assets' "missing objects"
    /// handling then sees who left.
    Full,
    /// Only what changed since the last finished run (Graph delta links),
    /// with one full run a day to reconcile.
    Incremental,
}

impl Mode {
    /// `"full"` or `"incremental"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
        }
    }
}

/// When the hourly trigger starts a run by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// Only when someone asks (Assets' "Import data", or "Run now").
    Off,
    /// Every hour.
    Hourly,
    /// Once a day, in the hour `dailyHourUtc`.
    Daily,
}

/// An import's settings: `{mode, schedule, dailyHourUtc, includeGuests,
/// includeDisabled}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetsConfig {
    /// Full or incremental runs.
    pub mode: Mode,
    /// When scheduled runs start.
    pub schedule: Schedule,
    /// The UTC hour (0 to 23) of the daily run, and of the daily full run
    /// of an incremental import.
    pub daily_hour_utc: u8,
    /// Whether guests (`userType` `Guest`) are imported.
    pub include_guests: bool,
    /// Whether accounts with sign-in blocked (`accountEnabled` false) are
    /// imported.
    pub include_disabled: bool,
}

impl Default for AssetsConfig {
    fn default() -> Self {
        AssetsConfig {
            mode: Mode::Full,
            schedule: Schedule::Daily,
            daily_hour_utc: 2,
            include_guests: true,
            include_disabled: true,
        }
    }
}

/// A configuration field the page sent wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFieldError {
    /// The payload path, e.g. `config.dailyHourUtc`.
    pub field: String,
    /// What is wrong, for the page to show.
    pub message: String,
}

impl fmt::Display for ConfigFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigFieldError {}

fn field_error(name: &str, message: impl Into<String>) -> ConfigFieldError {
    ConfigFieldError {
        field: format!("config.{name}"),
        message: message.into(),
    }
}

/// A value the admin left empty: absent, `null` or blank text.
fn not_given(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

fn choice<T: Copy>(
    map: &Map<String, Value>,
    name: &str,
    options: &[(&str, T)],
    default: T,
) -> Result<T, ConfigFieldError> {
    let value = map.get(name);
    if not_given(value) {
        return Ok(default);
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let wanted = format!("must be one of {}", names.join(", "));
    let text = value
        .and_then(Value::as_str)
        .ok_or_else(|| field_error(name, wanted.clone()))?;
    options
        .iter()
        .find(|(n, _)| *n == text.trim())
        .map(|(_, v)| *v)
        .ok_or_else(|| field_error(name, wanted))
}

fn flag(map: &Map<String, Value>, name: &str, default: bool) -> Result<bool, ConfigFieldError> {
    let value = map.get(name);
    if not_given(value) {
        return Ok(default);
    }
    value
        .and_then(Value::as_bool)
        .ok_or_else(|| field_error(name, "must be true or false"))
}

impl AssetsConfig {
    /// Reads the page's `config` object. Fields left empty take the
    /// defaults; unknown fields are refused, so a misspelt one is not
    /// silently ignored.
    pub fn parse(value: &Value) -> Result<AssetsConfig, ConfigFieldError> {
        let map = value.as_object().ok_or_else(|| ConfigFieldError {
            field: "config".into(),
            message: "must be an object".into(),
        })?;
        const KNOWN: [&str; 5] = [
            "mode",
            "schedule",
            "dailyHourUtc",
            "includeGuests",
            "includeDisabled",
        ];
        if let Some(unknown) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(field_error(
                &crate::layout::key_part(unknown),
                format!("is not a setting; the settings are {}", KNOWN.join(", ")),
            ));
        }
        let defaults = AssetsConfig::default();
        let daily_hour_utc = match map.get("dailyHourUtc") {
            v if not_given(v) => defaults.daily_hour_utc,
            Some(v) => v
                .as_u64()
                .filter(|h| *h <= 23)
                .map(|h| h as u8)
                .ok_or_else(|| {
                    field_error("dailyHourUtc", "must be a whole hour from 0 to 23 (UTC)")
                })?,
            None => defaults.daily_hour_utc,
        };
        Ok(AssetsConfig {
            mode: choice(
                map,
                "mode",
                &[("full", Mode::Full), ("incremental", Mode::Incremental)],
                defaults.mode,
            )?,
            schedule: choice(
                map,
                "schedule",
                &[
                    ("off", Schedule::Off),
                    ("hourly", Schedule::Hourly),
                    ("daily", Schedule::Daily),
                ],
                defaults.schedule,
            )?,
            daily_hour_utc,
            include_guests: flag(map, "includeGuests", defaults.include_guests)?,
            include_disabled: flag(map, "includeDisabled", defaults.include_disabled)?,
        })
    }
}

/// Where an import lives in Assets: the ids every lifecycle payload and
/// the configuration view's `extension` carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSource {
    /// The Assets workspace (one per site).
    pub workspace_id: String,
    /// The import source, created by the admin in Assets.
    pub import_id: String,
    /// The object schema the import writes into.
    pub schema_id: String,
}

impl ImportSource {
    /// Reads `{workspaceId, importId, schemaId}` from a payload; an error
    /// names the missing field.
    pub fn from_payload(payload: &Value) -> Result<ImportSource, ConfigFieldError> {
        let text = |name: &str| -> Result<String, ConfigFieldError> {
            let value = payload.get(name);
            match value.and_then(Value::as_str).map(str::trim) {
                Some(s) if !s.is_empty() && s.len() <= 200 => Ok(s.to_string()),
                _ => Err(ConfigFieldError {
                    field: name.to_string(),
                    message: "must be the id Assets gave (text, at most 200 characters)".into(),
                }),
            }
        };
        Ok(ImportSource {
            workspace_id: text("workspaceId")?,
            import_id: text("importId")?,
            schema_id: match payload.get("schemaId") {
                Some(Value::Number(n)) => n.to_string(),
                _ => text("schemaId")?,
            },
        })
    }
}

/// What is stored under `import:{importId}:config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredImport {
    /// The import source in Assets.
    pub import_source: ImportSource,
    /// The admin's settings.
    pub config: AssetsConfig,
    /// When the configuration was saved (ms since the epoch).
    pub saved_at_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_fields_take_the_defaults() {
        let config = AssetsConfig::parse(&json!({"mode": " ", "dailyHourUtc": null})).unwrap();
        assert_eq!(config, AssetsConfig::default());
    }

    #[test]
    fn errors_name_the_field() {
        let e = AssetsConfig::parse(&json!({"dailyHourUtc": 24})).unwrap_err();
        assert_eq!(e.field, "config.dailyHourUtc");
        let e = AssetsConfig::parse(&json!({"mode": "delta"})).unwrap_err();
        assert_eq!(e.field, "config.mode");
        let e = AssetsConfig::parse(&json!({"includeGuests": "yes"})).unwrap_err();
        assert_eq!(e.field, "config.includeGuests");
        let e = AssetsConfig::parse(&json!({"dailyHour": 3})).unwrap_err();
        assert_eq!(e.field, "config.dailyHour");
    }
}
