//! How new accounts are named, which groups rules derive, and how the first
//! credential is issued.

use super::ConfigError;
use crate::lifecycle::credentials::TapOptions;
use crate::lifecycle::licence_rules::{LicenceRule, LicenceRules};
use crate::lifecycle::naming::NamingTemplate;
use crate::lifecycle::provisioning::FirstCredential;
use crate::lifecycle::rules::{GroupRule, GroupRules};
use crate::lifecycle::OpError;
use serde::{Deserialize, Serialize};

/// The naming template until an admin sets one.
pub const DEFAULT_NAMING_TEMPLATE: &str = "{given}.{surname}@{domain}";

/// `provisioning` in the app configuration: how `user.create` names the
/// account, which groups rules add, and how its first credential is issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProvisioningSettings {
    /// UPN pattern `local@domain`: the local part mixes literal text with
    /// `{given}`, `{surname}`, `{initial}` and `{employeeId}`; the domain is
    /// a domain name or `{domain}` ([`Self::default_domain`]). Default
    /// `{given}.{surname}@{domain}`.
    #[serde(default = "default_template")]
    pub naming_template: String,
    /// The domain `{domain}` stands for; must be a verified domain.
    #[serde(default)]
    pub default_domain: Option<String>,
    /// Group rules: when all of a rule's conditions on `department`,
    /// `jobTitle`, `companyName` or `employeeType` hold (case-insensitive
    /// equality), the user belongs in its groups. Used by `user.create`
    /// and `user.transfer`.
    #[serde(default)]
    pub group_rules: Vec<GroupRule>,
    /// Licence rules: the same conditions as group rules, giving SKUs
    /// (`skuPartNumber` or `skuId`) and optional `disabledPlans`, assigned
    /// directly by `user.create` and diffed by `user.transfer`. The shape
    /// is checked on save; the names against the tenant's subscriptions at
    /// run time (a 409 naming the rule).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licence_rules: Vec<LicenceRule>,
    /// The first credential of a new account.
    #[serde(default)]
    pub first_credential: FirstCredentialSetting,
    /// The `usageLocation` (ISO 3166-1 alpha-2, e.g. `US`) set on a user
    /// who has none before licences are assigned (Entra refuses licences
    /// without one). `None`: such a user is refused with a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_usage_location: Option<String>,
    /// Days after the leave date before `user.offboard` removes a leaver's
    /// directly assigned licences (0, the default: at once; at most 365).
    /// Until then the offboarding lists the removal as a remainder with
    /// its date.
    #[serde(default)]
    pub licence_removal_grace_days: u32,
    /// Opt-in, off by default: `user.offboard` makes the successor (or the
    /// leaver's manager) an owner of each group the leaver owned and
    /// removes the leaver. Needs `Group.ReadWrite.All`
    /// ([`crate::graph::permissions::Feature::GroupOwnershipHandover`]);
    /// off, the owned groups are listed as a remainder.
    #[serde(default)]
    pub hand_over_group_ownership: bool,
    /// Days ahead beyond which a `user.create` with an `employeeHireDate`
    /// makes the account disabled and without a credential, and schedules
    /// its activation (enable, first credential) on the hire date. `None`
    /// (the default): every account is usable at once. 0 to 365.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joiner_lead_days: Option<u32>,
    /// The hour (0 to 23, site time zone) at which scheduled steps on a
    /// date run: a joiner's activation on the hire date. Default 8.
    #[serde(default = "default_activation_hour")]
    pub activation_hour: u8,
    /// Days after the leave date before the leaver's account is deleted
    /// (a scheduled `user.delete`, restorable for 30 days after). `None`
    /// (the default): never by the app. 1 to 365.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_deletion_grace_days: Option<u32>,
    /// Opt-in, off by default: the hourly run also reads the enabled
    /// accounts whose `employeeLeaveDateTime` (set by HR directly in
    /// Entra) has passed and offboards each through the pipeline, with an
    /// audit record; a protected account is refused and audited.
    /// ([`crate::graph::permissions::Feature::LeaveDateScan`]).
    #[serde(default)]
    pub scan_entra_leave_dates: bool,
}

/// The hour scheduled steps on a date run at until an admin sets one.
pub const DEFAULT_ACTIVATION_HOUR: u8 = 8;

fn default_activation_hour() -> u8 {
    DEFAULT_ACTIVATION_HOUR
}

impl Default for ProvisioningSettings {
    fn default() -> Self {
        ProvisioningSettings {
            naming_template: default_template(),
            default_domain: None,
            group_rules: Vec::new(),
            licence_rules: Vec::new(),
            first_credential: FirstCredentialSetting::default(),
            default_usage_location: None,
            licence_removal_grace_days: 0,
            hand_over_group_ownership: false,
            joiner_lead_days: None,
            activation_hour: DEFAULT_ACTIVATION_HOUR,
            account_deletion_grace_days: None,
            scan_entra_leave_dates: false,
        }
    }
}

fn default_template() -> String {
    DEFAULT_NAMING_TEMPLATE.to_string()
}

/// The first credential of a new account, as configured. JSON:
/// `{"kind": "temporaryPassword"}` or `{"kind": "temporaryAccessPass",
/// "lifetimeMinutes": 60, "usableOnce": true}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum FirstCredentialSetting {
    /// A generated password the user must change at first sign-in
    /// (`forceChangePasswordNextSignIn`). The default.
    #[default]
    TemporaryPassword,
    /// A Temporary Access Pass; the account's password is random and never
    /// shown.
    #[serde(rename_all = "camelCase")]
    TemporaryAccessPass {
        /// Graph's `lifetimeInMinutes`: 10 to 43200 (30 days).
        /// <https://learn.microsoft.com/en-us/graph/api/resources/temporaryaccesspassauthenticationmethod>
        lifetime_minutes: u32,
        /// Graph's `isUsableOnce`: valid for one sign-in only.
        usable_once: bool,
    },
}

impl FirstCredentialSetting {
    /// The lifecycle's form of the setting. A TAP lifetime outside
    /// 10..=43200 minutes is a [`ConfigError`] at
    /// `provisioning.firstCredential.lifetimeMinutes` (the setting's own
    /// name; the tenant's narrower policy is checked when a pass is made).
    pub fn to_first_credential(self) -> Result<FirstCredential, ConfigError> {
        Ok(match self {
            FirstCredentialSetting::TemporaryPassword => FirstCredential::TemporaryPassword,
            FirstCredentialSetting::TemporaryAccessPass {
                lifetime_minutes,
                usable_once,
            } => {
                TapOptions::new(lifetime_minutes, usable_once).map_err(|e| {
                    // The setting is `lifetimeMinutes`, not Graph's name.
                    ConfigError::new(
                        "provisioning.firstCredential.lifetimeMinutes",
                        format!(
                            "lifetimeMinutes {}",
                            e.to_string().trim_start_matches("lifetimeInMinutes ")
                        ),
                    )
                })?;
                FirstCredential::TemporaryAccessPass {
                    lifetime_minutes,
                    usable_once,
                }
            }
        })
    }
}

impl ProvisioningSettings {
    /// Checks the template's syntax, the group rules and the first
    /// credential. The default domain may still be unset: the template is
    /// checked against a placeholder domain, and [`Self::naming`] fails
    /// later if `{domain}` has nothing to stand for.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // The template's syntax is checked now; the domain may be set later
        // (creating an account without one fails with a clear error).
        let domain = self.default_domain.as_deref().or(Some("domain.invalid"));
        NamingTemplate::parse(&self.naming_template, domain)
            .map_err(|e| nested_field("provisioning.namingTemplate", e))?;
        self.rules()?;
        self.licences()?;
        self.first_credential.to_first_credential()?;
        if self.licence_removal_grace_days > 365 {
            return Err(ConfigError::new(
                "provisioning.licenceRemovalGraceDays",
                "licenceRemovalGraceDays must be between 0 and 365",
            ));
        }
        if self.joiner_lead_days.is_some_and(|d| d > 365) {
            return Err(ConfigError::new(
                "provisioning.joinerLeadDays",
                "joinerLeadDays must be between 0 and 365",
            ));
        }
        if self.activation_hour > 23 {
            return Err(ConfigError::new(
                "provisioning.activationHour",
                "activationHour must be an hour from 0 to 23",
            ));
        }
        if self
            .account_deletion_grace_days
            .is_some_and(|d| d == 0 || d > 365)
        {
            return Err(ConfigError::new(
                "provisioning.accountDeletionGraceDays",
                "accountDeletionGraceDays must be between 1 and 365",
            ));
        }
        if let Some(code) = &self.default_usage_location {
            crate::lifecycle::country::usage_location(code, "defaultUsageLocation")
                .map_err(|e| nested_field("provisioning.defaultUsageLocation", e))?;
        }
        Ok(())
    }

    /// The parsed naming template. Fails at `provisioning.namingTemplate`
    /// when it uses `{domain}` and no default domain is set.
    pub fn naming(&self) -> Result<NamingTemplate, ConfigError> {
        NamingTemplate::parse(&self.naming_template, self.default_domain.as_deref())
            .map_err(|e| nested_field("provisioning.namingTemplate", e))
    }

    /// The validated group rules; errors are rooted at
    /// `provisioning.groupRules`.
    pub fn rules(&self) -> Result<GroupRules, ConfigError> {
        GroupRules::new(self.group_rules.clone()).map_err(|e| nested("provisioning.groupRules", e))
    }
}

impl ProvisioningSettings {
    /// The validated licence rules with the default usage location;
    /// errors are rooted at `provisioning.licenceRules`.
    pub fn licences(&self) -> Result<LicenceRules, ConfigError> {
        let rules = LicenceRules::new(self.licence_rules.clone()).map_err(|e| {
            // The lifecycle names `licenceRules[i]...`; the config path adds
            // the section.
            match e.field() {
                Some(field) => ConfigError::new(format!("provisioning.{field}"), e.to_string()),
                None => ConfigError::new("provisioning.licenceRules", e.to_string()),
            }
        })?;
        let location = self.default_usage_location.as_deref().and_then(|c| {
            crate::lifecycle::country::usage_location(c, "defaultUsageLocation").ok()
        });
        Ok(rules.with_default_usage_location(location))
    }
}

/// An operation-level error about a config value, re-rooted at `path`.
fn nested(path: &str, error: OpError) -> ConfigError {
    match error.field() {
        Some(field) => ConfigError::new(format!("{path}.{field}"), error.to_string()),
        None => ConfigError::new(path, error.to_string()),
    }
}

/// Like [`nested`], for values that are one field: the path is the field.
fn nested_field(path: &str, error: OpError) -> ConfigError {
    ConfigError::new(path, error.to_string())
}
