//! Every route's `data` inputs: name, whether required, JSON schema and a
//! description. The parser accepts exactly these names, and the OpenAPI
//! document (`crate::service_api::openapi`) is generated from them, so the
//! two cannot disagree. An optional input given as `null`, `""` or only
//! spaces is not given (Jira prints an unfilled form field as `""`).

use super::Route;
use serde_json::{json, Value};

/// The most groups a `groups` input may name (`user.create`): more is a 400
/// on the array before any group is looked up.
pub const MAX_GROUPS: usize = 50;

/// One input of a route's `data`.
pub struct Input {
    /// The key in `data`, e.g. `"givenName"`.
    pub name: &'static str,
    /// Whether the parser refuses a call without it.
    pub required: bool,
    /// Builds its JSON Schema (OpenAPI 3.0 dialect); a `$ref` points into
    /// the OpenAPI document's `components/schemas`.
    pub schema: fn() -> Value,
    /// One line for the OpenAPI document. It replaces the schema's own
    /// `description` unless the schema is a `$ref`.
    pub description: &'static str,
}

const fn req(name: &'static str, schema: fn() -> Value, description: &'static str) -> Input {
    Input {
        name,
        required: true,
        schema,
        description,
    }
}

const fn opt(name: &'static str, schema: fn() -> Value, description: &'static str) -> Input {
    Input {
        name,
        required: false,
        schema,
        description,
    }
}

fn user() -> Value {
    json!({"$ref": "#/components/schemas/UserRef"})
}
fn group() -> Value {
    json!({"type": "string", "description": "Object id, or display name of a serviceable group", "maxLength": 256})
}
fn string() -> Value {
    json!({"type": "string"})
}
fn country() -> Value {
    json!({"type": "string", "minLength": 2, "maxLength": 2, "example": "US"})
}
fn date() -> Value {
    json!({"type": "string", "description": "ISO 8601 date or date-time: 2026-12-31 (midnight UTC), 2026-12-31T17:00:00Z, 2027-01-04T09:00:00.000+0100, or 2026-12-31T17:00:00 (no zone: read in the site time zone). Sent to Entra as RFC 3339 UTC.", "example": "2026-12-31"})
}
fn groups() -> Value {
    json!({"type": "array", "items": group(), "maxItems": MAX_GROUPS})
}
fn changes() -> Value {
    json!({"$ref": "#/components/schemas/AttributeChanges"})
}
fn minutes() -> Value {
    json!({"type": "integer", "minimum": 10, "maximum": 43200})
}
fn boolean() -> Value {
    json!({"type": "boolean"})
}
fn skus() -> Value {
    json!({"type": "array", "minItems": 1, "maxItems": 20, "items": {"type": "string", "maxLength": 128, "description": "SKU part number (skuPartNumber, e.g. ENTERPRISEPACK) or SKU id (GUID)"}})
}
fn plans() -> Value {
    json!({"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 128, "description": "Service plan name (servicePlanName, e.g. TEAMS1) or id (GUID)"}})
}

fn methods() -> Value {
    json!({"type": "array", "items": {"type": "string", "enum": ["phone", "microsoftAuthenticator", "fido2", "softwareOath", "email", "windowsHello"]}, "uniqueItems": true})
}
fn object_id() -> Value {
    json!({"type": "string", "format": "uuid", "description": "Object id (a deleted user is found by id only)"})
}
fn users() -> Value {
    json!({"type": "array", "items": user(), "maxItems": MAX_SPONSORS})
}
fn email() -> Value {
    json!({"type": "string", "format": "email", "maxLength": 256})
}
fn https_url() -> Value {
    json!({"type": "string", "format": "uri", "pattern": "^https://", "maxLength": 2048, "example": "https://myapps.microsoft.com"})
}

/// The most sponsors a `guest.invite` may name (Entra allows five).
pub const MAX_SPONSORS: usize = 5;

/// Each route's summary and inputs, in documentation order.
pub fn routes() -> Vec<(Route, &'static str, Vec<Input>)> {
    let user_only = || vec![req("user", user, "The user")];
    vec![
        (Route::UserGet, "Read a user as the issue panel shows it (manager included)", user_only()),
        (Route::UserCreate, "Create an account: naming template, attributes, manager, explicit and rule-derived groups, first credential for one-time reveal", vec![
            req("givenName", string, "First name"),
            req("surname", string, "Last name"),
            opt("displayName", string, "Defaults to \"givenName surname\""),
            opt("department", string, "Department (drives group rules)"),
            opt("jobTitle", string, "Job title (drives group rules)"),
            opt("employeeId", string, "HR id; the same id never creates two accounts"),
            opt("employeeType", string, "Employee type"),
            opt("employeeHireDate", date, "Hire date (any form the date schema lists; normalised to UTC)"),
            opt("companyName", string, "Company"),
            opt("officeLocation", string, "Office"),
            opt("usageLocation", country, "ISO 3166-1 alpha-2 country code, e.g. US, GB (not UK), DE; needed before licences can be assigned"),
            opt("mobilePhone", string, "Mobile phone"),
            opt("manager", user, "Manager"),
            opt("groups", groups, "Extra serviceable groups, at most 50"),
        ]),
        (Route::UserUpdate, "Change allow-listed attributes", vec![req("user", user, "The user"), req("changes", changes, "Attributes to set")]),
        (Route::UserDisable, "Block sign-in", user_only()),
        (Route::UserEnable, "Allow sign-in", user_only()),
        (Route::UserRevokeSessions, "Revoke sign-in sessions", user_only()),
        (Route::UserResetPassword, "Set a generated temporary password (revealed once in the app)", user_only()),
        (Route::UserCreateTemporaryAccessPass, "Issue a Temporary Access Pass (revealed once in the app)", vec![
            req("user", user, "The user"),
            opt("lifetimeInMinutes", minutes, "Lifetime in minutes, within the tenant's Temporary Access Pass policy (Entra's default policy: 60 to 480); default: the policy's default"),
            opt("isUsableOnce", boolean, "One sign-in only (default true; must be true when the policy allows one-time passes only)"),
        ]),
        (Route::UserOffboard, "Disable, revoke sessions, leave serviceable groups, record the leave date", vec![
            req("user", user, "The leaver"),
            opt("leaveDateTime", date, "Leave date (any form the date schema lists; normalised to UTC); default now"),
            opt("successor", user, "Who takes over the leaver's direct reports (and is named for the groups the leaver owned); default: the leaver's manager"),
        ]),
        (Route::UserTransfer, "New department, job title or manager; group rules re-derived", vec![
            req("user", user, "The user"),
            opt("department", string, "New department"),
            opt("jobTitle", string, "New job title"),
            opt("manager", user, "New manager"),
        ]),
        (Route::GroupAddMember, "Add to a serviceable group (already a member: no change)", vec![req("user", user, "The user"), req("group", group, "The group")]),
        (Route::GroupRemoveMember, "Remove from a serviceable group (not a member: no change)", vec![req("user", user, "The user"), req("group", group, "The group")]),
        (Route::UserGroups, "List direct group memberships", user_only()),
        (Route::UserAssignLicenses, "Assign licences directly (usageLocation set first from the tenant default when missing; 409 when a SKU has no free seat)", vec![
            req("user", user, "The user"),
            req("skus", skus, "SKUs to assign, at most 20"),
            opt("disabledPlans", plans, "Service plans to switch off in the assigned SKUs"),
        ]),
        (Route::UserRemoveLicenses, "Remove directly assigned licences (one inherited from a group: 409 naming the group)", vec![
            req("user", user, "The user"),
            req("skus", skus, "SKUs to remove, at most 20"),
        ]),
        (Route::UserResetMfa, "Remove the user's authentication methods other than the password (a lost phone), optionally issuing a Temporary Access Pass to register again (revealed once in the app)", vec![
            req("user", user, "The user"),
            opt("methods", methods, "Method types to remove; default: every type"),
            opt("issueTemporaryAccessPass", boolean, "Also issue a Temporary Access Pass (default false)"),
            opt("lifetimeInMinutes", minutes, "The pass's lifetime, within the tenant's Temporary Access Pass policy; default: the policy's default"),
        ]),
        (Route::UserDelete, "Soft-delete a disabled account (restorable for 30 days)", vec![req("user", user, "The user; the account must be disabled first")]),
        (Route::UserRestore, "Restore a deleted account (within 30 days), disabled; the answer lists the groups it had", vec![req("user", object_id, "Object id of the deleted user")]),
        (Route::GuestInvite, "Invite a guest (B2B) with sponsors and serviceable groups; the redeem URL is returned", vec![
            req("email", email, "The guest's email address"),
            opt("displayName", string, "Display name; default: the address"),
            opt("sponsors", users, "Sponsors, at most 5"),
            opt("groups", groups, "Serviceable groups to add the guest to, at most 50"),
            opt("redirectUrl", https_url, "Where the guest lands after redeeming (https); default https://myapps.microsoft.com"),
            opt("sendInvitationMessage", boolean, "Have Entra email the invitation (default false)"),
        ]),
    ]
}

/// The input names a route accepts, for the parser's unknown-field check.
pub fn names(route: Route) -> Vec<&'static str> {
    routes()
        .into_iter()
        .find(|(r, _, _)| *r == route)
        .map(|(_, _, inputs)| inputs.iter().map(|i| i.name).collect())
        .unwrap_or_default()
}
