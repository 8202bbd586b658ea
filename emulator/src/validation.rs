//! Field rules for user writes (graph.md §2): UPN shape and domain, mailNickname
//! characters, password complexity, length limits.

use serde_json::{Map, Value};

use crate::clock;
use crate::errors::{ErrorDetail, GraphError};
use crate::schema;
use crate::tenant::Tenant;

/// Properties Graph computes; a write that sets them is refused.
pub const READ_ONLY_USER_PROPERTIES: &[&str] = &[
    "id",
    "createdDateTime",
    "deletedDateTime",
    "onPremisesSyncEnabled",
    "onPremisesLastSyncDateTime",
    "onPremisesSecurityIdentifier",
    "onPremisesProvisioningErrors",
    "signInSessionsValidFromDateTime",
    "lastPasswordChangeDateTime",
    "assignedLicenses",
    "assignedPlans",
    "provisionedPlans",
    "licenseAssignmentStates",
    "securityIdentifier",
    "creationType",
    "externalUserState",
    "externalUserStateChangeDateTime",
    "refreshTokensValidFromDateTime",
    "signInActivity",
    "proxyAddresses",
];

const MAX_LENGTHS: &[(&str, usize)] = &[
    ("displayName", 256),
    ("givenName", 64),
    ("surname", 64),
    ("mailNickname", 64),
    ("jobTitle", 128),
    ("department", 64),
    ("companyName", 64),
    ("employeeId", 16),
    ("employeeType", 64),
    ("officeLocation", 128),
    ("mobilePhone", 64),
    ("city", 128),
    ("state", 128),
    ("country", 128),
    ("streetAddress", 1024),
    ("postalCode", 40),
];

/// Symbols the cloud password policy accepts (plus space).
const PASSWORD_SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";

/// Stand-in for Entra's banned-password list: common terms, matched case-insensitively.
const BANNED_TERMS: &[&str] = &[
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "welcome", "qwerty", "123456", "letmein",
    "contoso",
];

/// An assigned ISO 3166-1 alpha-2 code, upper case (`US`, `GB`; not `UK`).
fn iso_3166_alpha2(code: &str) -> bool {
    code.len() == 2
        && code.chars().all(|c| c.is_ascii_uppercase())
        && celes::Country::from_alpha2(code).is_ok()
}

pub fn password_complexity(password: &str) -> Result<(), GraphError> {
    let weak = || {
        GraphError::bad_request(
            "Request_BadRequest",
            "The specified password does not comply with password complexity requirements. Please provide a different password.",
        )
    };
    let length = password.chars().count();
    if !(8..=256).contains(&length) {
        return Err(weak());
    }
    if password
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || PASSWORD_SYMBOLS.contains(c)))
    {
        return Err(weak());
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| PASSWORD_SYMBOLS.contains(c)),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err(weak());
    }
    let lower = password.to_ascii_lowercase();
    if BANNED_TERMS.iter().any(|t| lower.contains(t)) {
        return Err(weak());
    }
    Ok(())
}

fn upn_invalid() -> GraphError {
    GraphError::invalid_value("userPrincipalName", "User")
}

pub fn user_principal_name(tenant: &Tenant, upn: &str) -> Result<(), GraphError> {
    let (local, domain) = upn.split_once('@').ok_or_else(upn_invalid)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c);
    if domain.contains('@')
        || local.is_empty()
        || local.len() > 64
        || domain.is_empty()
        || domain.len() > 48
        || upn.len() > 113
        || local.ends_with('.')
        || local.starts_with('.')
        || !local.chars().all(allowed)
        || !domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(upn_invalid());
    }
    if !tenant.is_verified_domain(domain) {
        return Err(GraphError::BadRequest {
            code: "Request_BadRequest",
            message: "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.".into(),
            details: vec![ErrorDetail {
                code: "InvalidValue",
                message: "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.".into(),
                target: "userPrincipalName".into(),
            }],
        });
    }
    Ok(())
}

/// ASCII 0-127 except `@ () \ [] " ; : <> , SPACE` (Microsoft's group rule, applied to users too).
pub fn mail_nickname(nickname: &str) -> Result<(), GraphError> {
    let bad = |c: char| !c.is_ascii() || c.is_ascii_control() || "@()\\[]\";:<>, ".contains(c);
    if nickname.is_empty()
        || nickname.chars().any(bad)
        || nickname.starts_with('.')
        || nickname.ends_with('.')
        || nickname.contains("..")
    {
        return Err(GraphError::invalid_value("mailNickname", "User"));
    }
    Ok(())
}

pub fn duplicate_upn(
    tenant: &Tenant,
    upn: &str,
    except_id: Option<&str>,
) -> Result<(), GraphError> {
    let taken = tenant.users.iter().any(|u| {
        u.upn().eq_ignore_ascii_case(upn)
            && except_id.is_none_or(|id| !u.id().eq_ignore_ascii_case(id))
    });
    if taken {
        return Err(GraphError::BadRequest {
            code: "Request_BadRequest",
            message: "Another object with the same value for property userPrincipalName already exists.".into(),
            details: vec![ErrorDetail {
                code: "ObjectConflict",
                message: "Another object with the same value for property userPrincipalName already exists.".into(),
                target: "userPrincipalName".into(),
            }],
        });
    }
    Ok(())
}

/// Whether `address` is a proxy address of any user but `except_id`; the
/// `SMTP:`/`smtp:` prefix is ignored, the comparison is case-insensitive.
pub fn proxy_address_holder<'a>(
    tenant: &'a Tenant,
    address: &str,
    except_id: Option<&str>,
) -> Option<&'a str> {
    tenant
        .users
        .iter()
        .filter(|u| except_id.is_none_or(|id| !u.id().eq_ignore_ascii_case(id)))
        .find(|u| {
            u.props
                .get("proxyAddresses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|p| p.split_once(':'))
                .any(|(kind, a)| {
                    kind.eq_ignore_ascii_case("smtp") && a.eq_ignore_ascii_case(address)
                })
        })
        .map(|u| u.id())
}

/// A `mail` that is already another user's proxy address. Entra adds every
/// mail to the user's proxyAddresses and keeps proxy addresses unique across
/// the directory, so the write is refused with `ObjectConflict` on
/// `proxyAddresses`; see `mail` on
/// <https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0>.
pub fn duplicate_mail(
    tenant: &Tenant,
    mail: &str,
    except_id: Option<&str>,
) -> Result<(), GraphError> {
    let Some(holder) = proxy_address_holder(tenant, mail, except_id) else {
        return Ok(());
    };
    let message = "Another object with the same value for property proxyAddresses already exists.";
    Err(GraphError::BadRequest {
        code: "Request_BadRequest",
        message: message.into(),
        details: vec![
            ErrorDetail {
                code: "ObjectConflict",
                message: message.into(),
                target: "proxyAddresses".into(),
            },
            ErrorDetail {
                code: "ConflictingObjects",
                message: format!("Conflicting object: {holder}"),
                target: "proxyAddresses".into(),
            },
        ],
    })
}

/// Checks each property of a user write: declared, writable, right JSON type, within limits.
/// Returns the password if `passwordProfile` carries one.
pub fn user_write(
    tenant: &Tenant,
    body: &Map<String, Value>,
    creating: bool,
) -> Result<Option<String>, GraphError> {
    for (key, value) in body {
        if key.starts_with('@') {
            continue;
        }
        let edm = schema::property_type("user", key)
            .ok_or_else(|| GraphError::unknown_property(key, "user"))?;
        if READ_ONLY_USER_PROPERTIES.contains(&key.as_str()) {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                format!("Property '{key}' is read-only and cannot be set."),
            ));
        }
        if !schema::value_fits(edm, value) {
            return Err(GraphError::invalid_value(key, "User"));
        }
        // Graph refuses "" for a user string property; `null` is how a value
        // is cleared. PATCH {"givenName": ""} answers 400 Request_BadRequest
        // "Invalid value specified for property 'givenName' of resource
        // 'User'." (microsoftgraph/msgraph-sdk-dotnet#187, "Cannot set
        // GivenName/Surname to string.empty": "That error you saw is based on
        // the service, not the client library").
        if edm == "Edm.String" && value.as_str() == Some("") {
            return Err(GraphError::invalid_value(key, "User"));
        }
        if let (Some(limit), Some(text)) = (
            MAX_LENGTHS.iter().find(|(n, _)| n == key).map(|(_, l)| *l),
            value.as_str(),
        ) {
            if text.chars().count() > limit {
                return Err(GraphError::invalid_value(key, "User"));
            }
        }
        if (key == "employeeHireDate" || key == "employeeLeaveDateTime")
            && value
                .as_str()
                .is_some_and(|s| clock::parse_rfc3339_ms(s).is_none())
        {
            return Err(GraphError::invalid_value(key, "User"));
        }
        if key == "businessPhones" && value.as_array().is_some_and(|a| a.len() > 1) {
            return Err(GraphError::invalid_value(key, "User"));
        }
        // "A two-letter country code (ISO standard 3166). Required for users
        // that are assigned licenses" (user resource, learn.microsoft.com/
        // graph/api/resources/user): a code outside ISO 3166-1 alpha-2
        // ("UK", "USA") is refused on create and update.
        if key == "usageLocation" && value.as_str().is_some_and(|s| !iso_3166_alpha2(s)) {
            return Err(GraphError::invalid_value(key, "User"));
        }
    }
    if creating {
        for required in [
            "accountEnabled",
            "displayName",
            "mailNickname",
            "userPrincipalName",
            "passwordProfile",
        ] {
            if body.get(required).is_none_or(Value::is_null) {
                return Err(GraphError::bad_request(
                    "Request_BadRequest",
                    format!("Property '{required}' is required when creating the resource."),
                ));
            }
        }
    }
    if let Some(upn) = body.get("userPrincipalName").and_then(Value::as_str) {
        user_principal_name(tenant, upn)?;
    }
    if let Some(nick) = body.get("mailNickname").and_then(Value::as_str) {
        mail_nickname(nick)?;
    }
    if body
        .get("displayName")
        .and_then(Value::as_str)
        .is_some_and(|d| d.trim().is_empty())
    {
        return Err(GraphError::invalid_value("displayName", "User"));
    }
    let Some(profile) = body.get("passwordProfile").and_then(Value::as_object) else {
        return Ok(None);
    };
    for (key, value) in profile {
        let edm = schema::property_type("passwordProfile", key)
            .ok_or_else(|| GraphError::unknown_property(key, "passwordProfile"))?;
        if !schema::value_fits(edm, value) {
            return Err(GraphError::invalid_value("passwordProfile", "User"));
        }
    }
    match profile.get("password").and_then(Value::as_str) {
        Some(password) => {
            password_complexity(password)?;
            Ok(Some(password.to_string()))
        }
        None if creating => Err(GraphError::invalid_value("passwordProfile", "User")),
        None => Ok(None),
    }
}
