//! The tenant seed file: a JSON document describing the organization, the app
//! registration and its grants, directory roles, users and groups.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::faults::Faults;
use crate::schema;

/// The demo tenant shipped with the emulator.
pub const DEMO_SEED: &str = include_str!("../seed/demo-tenant.json");

#[derive(Debug)]
pub enum SeedError {
    Json(serde_json::Error),
    MissingField {
        object: String,
        field: &'static str,
    },
    UnknownProperty {
        type_name: &'static str,
        property: String,
    },
    WrongType {
        type_name: &'static str,
        property: String,
    },
    DuplicateId(String),
    UnknownReference {
        from: String,
        to: String,
    },
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedError::Json(e) => write!(f, "seed is not valid JSON: {e}"),
            SeedError::MissingField { object, field } => {
                write!(f, "seed object {object} lacks '{field}'")
            }
            SeedError::UnknownProperty {
                type_name,
                property,
            } => write!(
                f,
                "seed property '{property}' is not declared on microsoft.graph.{type_name}"
            ),
            SeedError::WrongType {
                type_name,
                property,
            } => write!(
                f,
                "seed property '{property}' has the wrong JSON type for microsoft.graph.{type_name}"
            ),
            SeedError::DuplicateId(id) => write!(f, "seed object id {id} is used twice"),
            SeedError::UnknownReference { from, to } => {
                write!(f, "seed object {from} refers to unknown object {to}")
            }
        }
    }
}

impl std::error::Error for SeedError {}

impl From<serde_json::Error> for SeedError {
    fn from(e: serde_json::Error) -> Self {
        SeedError::Json(e)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seed {
    pub tenant: SeedTenant,
    pub app: SeedApp,
    #[serde(default)]
    pub directory_roles: Vec<SeedRole>,
    #[serde(default)]
    pub users: Vec<Map<String, Value>>,
    #[serde(default)]
    pub groups: Vec<Map<String, Value>>,
    /// The tenant's subscriptions (`subscribedSku` without `consumedUnits`).
    #[serde(default)]
    pub subscribed_skus: Vec<Map<String, Value>>,
    #[serde(default)]
    pub faults: Faults,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedTenant {
    pub id: String,
    pub display_name: String,
    pub verified_domains: Vec<Map<String, Value>>,
    #[serde(default)]
    pub country_letter_code: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    /// The authentication methods policy's Temporary Access Pass
    /// configuration (Graph's property names; absent: Entra's defaults).
    #[serde(default)]
    pub temporary_access_pass_policy: SeedTapPolicy,
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime_seconds: u64,
}

/// `temporaryAccessPassAuthenticationMethodConfiguration` as seeded. The
/// defaults are Entra's own for a tenant that enabled the method:
/// <https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass>
/// (minimum 1 hour, maximum 8 hours, default 1 hour, length 8, not one-time).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SeedTapPolicy {
    /// `enabled` or `disabled`.
    pub state: String,
    pub minimum_lifetime_in_minutes: i64,
    pub maximum_lifetime_in_minutes: i64,
    pub default_lifetime_in_minutes: i64,
    pub is_usable_once: bool,
    pub default_length: i64,
}

impl Default for SeedTapPolicy {
    fn default() -> Self {
        SeedTapPolicy {
            state: "enabled".into(),
            minimum_lifetime_in_minutes: 60,
            maximum_lifetime_in_minutes: 480,
            default_lifetime_in_minutes: 60,
            is_usable_once: false,
            default_length: 8,
        }
    }
}

fn default_token_lifetime() -> u64 {
    3599
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedApp {
    pub display_name: String,
    pub client_id: String,
    pub client_secret: String,
    pub service_principal_id: String,
    #[serde(default)]
    pub application_permissions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedRole {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    pub role_template_id: String,
    #[serde(default)]
    pub members: Vec<String>,
}

/// Keys a seed object may carry besides Graph properties.
const USER_SEED_KEYS: &[&str] = &["manager", "password", "authenticationMethods"];
const GROUP_SEED_KEYS: &[&str] = &["members"];

impl Seed {
    pub fn parse(json: &str) -> Result<Seed, SeedError> {
        let seed: Seed = serde_json::from_str(json)?;
        seed.validate()?;
        Ok(seed)
    }

    pub(crate) fn validate(&self) -> Result<(), SeedError> {
        let mut ids = std::collections::HashSet::new();
        ids.insert(self.app.service_principal_id.to_ascii_lowercase());
        for (type_name, objects, extra) in [
            ("user", &self.users, USER_SEED_KEYS),
            ("group", &self.groups, GROUP_SEED_KEYS),
        ] {
            for object in objects {
                let id = object.get("id").and_then(Value::as_str).ok_or_else(|| {
                    SeedError::MissingField {
                        object: format!("{type_name} {:?}", object.get("displayName")),
                        field: "id",
                    }
                })?;
                if !ids.insert(id.to_ascii_lowercase()) {
                    return Err(SeedError::DuplicateId(id.to_string()));
                }
                for (key, value) in object {
                    if extra.contains(&key.as_str()) {
                        continue;
                    }
                    let edm = schema::property_type(type_name, key).ok_or_else(|| {
                        SeedError::UnknownProperty {
                            type_name,
                            property: key.clone(),
                        }
                    })?;
                    if !schema::value_fits(edm, value) {
                        return Err(SeedError::WrongType {
                            type_name,
                            property: key.clone(),
                        });
                    }
                }
            }
        }
        for user in &self.users {
            if user
                .get("userPrincipalName")
                .and_then(Value::as_str)
                .is_none()
            {
                return Err(SeedError::MissingField {
                    object: format!("user {:?}", user.get("id")),
                    field: "userPrincipalName",
                });
            }
            if let Some(manager) = user.get("manager").and_then(Value::as_str) {
                if !ids.contains(&manager.to_ascii_lowercase()) {
                    return Err(SeedError::UnknownReference {
                        from: format!("{:?}", user.get("id")),
                        to: manager.to_string(),
                    });
                }
            }
        }
        for role in &self.directory_roles {
            ids.insert(role.id.to_ascii_lowercase());
        }
        let group_members = self.groups.iter().flat_map(|g| {
            let from = format!("{:?}", g.get("id"));
            g.get("members")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |m| (from.clone(), m.as_str().unwrap_or_default().to_string()))
        });
        let role_members = self
            .directory_roles
            .iter()
            .flat_map(|r| r.members.iter().map(move |m| (r.id.clone(), m.clone())));
        for (from, to) in group_members.chain(role_members) {
            if !ids.contains(&to.to_ascii_lowercase()) {
                return Err(SeedError::UnknownReference { from, to });
            }
        }
        Ok(())
    }
}
