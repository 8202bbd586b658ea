//! The schema-and-mapping document the app owns (the body of `PUT
//! /importsource/{id}/mapping`): object types `Entra User` and `Entra
//! Group`, their attributes, external ids, and the references (User ->
//! Manager, User -> Member Of, Group -> Member Of) resolved by `objectMappingIQL`
//! against the unique `Entra Object ID`.
//!
//! It follows Atlassian's 2023_10_19 "Imports Schema and Mapping
//! definition" (validated in `tests/it/assets_mapping.rs`):
//! <https://developer.atlassian.com/cloud/assets/imports-rest-api-guide/schema-and-mapping/>.
//! Every object type and attribute has an external id, unique across all
//! object schemas of the site, so each is prefixed with the import id.
//! The locators (record keys) are those of `records`, which a test holds
//! to this document.

use serde_json::{json, Value};

/// `selector` of the user object type: `data.users[]` in a chunk.
pub const USERS_SELECTOR: &str = "users";
/// `selector` of the group object type: `data.groups[]` in a chunk.
pub const GROUPS_SELECTOR: &str = "groups";
/// The user object type's name.
pub const USER_TYPE: &str = "Entra User";
/// The group object type's name.
pub const GROUP_TYPE: &str = "Entra Group";
/// The unique text attribute references are resolved by.
pub const OBJECT_ID_ATTRIBUTE: &str = "Entra Object ID";

/// One attribute: its external-id slug, name, Graph source (the
/// description), Assets type, the record key it is read from, and the
/// type-specific extras.
struct Attr {
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    kind: Kind,
    locator: &'static str,
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Label,
    ObjectId,
    Textarea,
    Boolean,
    Integer,
    DateTime,
    Status(&'static [&'static str]),
    /// A reference to the object type with this slug; `many` for
    /// unlimited cardinality.
    Reference {
        to: &'static str,
        many: bool,
    },
}

const fn attr(
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    kind: Kind,
    locator: &'static str,
) -> Attr {
    Attr {
        slug,
        name,
        description,
        kind,
        locator,
    }
}

const USER_ATTRIBUTES: &[Attr] = &[
    attr("name", "Name", "displayName", Kind::Label, "displayName"),
    attr(
        "object-id",
        OBJECT_ID_ATTRIBUTE,
        "id (immutable object id)",
        Kind::ObjectId,
        "id",
    ),
    attr(
        "upn",
        "User Principal Name",
        "userPrincipalName",
        Kind::Text,
        "userPrincipalName",
    ),
    attr("mail", "Mail", "mail", Kind::Text, "mail"),
    attr(
        "given-name",
        "First Name",
        "givenName",
        Kind::Text,
        "givenName",
    ),
    attr("surname", "Last Name", "surname", Kind::Text, "surname"),
    attr("job-title", "Job Title", "jobTitle", Kind::Text, "jobTitle"),
    attr(
        "department",
        "Department",
        "department",
        Kind::Text,
        "department",
    ),
    attr(
        "company",
        "Company",
        "companyName",
        Kind::Text,
        "companyName",
    ),
    attr(
        "office",
        "Office",
        "officeLocation",
        Kind::Text,
        "officeLocation",
    ),
    attr(
        "employee-id",
        "Employee ID",
        "employeeId",
        Kind::Text,
        "employeeId",
    ),
    attr(
        "employee-type",
        "Employee Type",
        "employeeType",
        Kind::Text,
        "employeeType",
    ),
    attr(
        "user-type",
        "User Type",
        "userType (Member or Guest)",
        Kind::Text,
        "userType",
    ),
    attr(
        "account-enabled",
        "Account Enabled",
        "accountEnabled",
        Kind::Boolean,
        "accountEnabled",
    ),
    attr(
        "entra-status",
        "Entra Status",
        "Enabled, Disabled or Deleted (derived)",
        Kind::Status(&["Enabled", "Disabled", "Deleted"]),
        "status",
    ),
    attr(
        "usage-location",
        "Usage Location",
        "usageLocation",
        Kind::Text,
        "usageLocation",
    ),
    attr(
        "created",
        "Entra Created",
        "createdDateTime",
        Kind::DateTime,
        "createdDateTime",
    ),
    attr(
        "hire-date",
        "Hire Date",
        "employeeHireDate",
        Kind::DateTime,
        "employeeHireDate",
    ),
    attr(
        "on-prem-synced",
        "Synced From On-premises",
        "onPremisesSyncEnabled",
        Kind::Boolean,
        "onPremisesSyncEnabled",
    ),
    attr(
        "manager",
        "Manager",
        "manager (direct)",
        Kind::Reference {
            to: "user",
            many: false,
        },
        "managerId",
    ),
    attr(
        "member-of",
        "Member Of",
        "Direct group memberships (imported groups only)",
        Kind::Reference {
            to: "group",
            many: true,
        },
        "memberOf",
    ),
    attr(
        "group-names",
        "Group Names",
        "Direct group memberships as text (always filled)",
        Kind::Textarea,
        "groupNames",
    ),
];

const GROUP_ATTRIBUTES: &[Attr] = &[
    attr("name", "Name", "displayName", Kind::Label, "displayName"),
    attr("object-id", OBJECT_ID_ATTRIBUTE, "id (immutable object id)", Kind::ObjectId, "id"),
    attr("description", "Description", "description", Kind::Textarea, "description"),
    attr("mail", "Mail", "mail", Kind::Text, "mail"),
    attr(
        "kind",
        "Group Kind",
        "Security, Mail-enabled security, Microsoft 365 or Distribution (from groupTypes, securityEnabled, mailEnabled)",
        Kind::Text,
        "kind",
    ),
    attr("dynamic", "Dynamic Membership", "groupTypes contains DynamicMembership", Kind::Boolean, "dynamic"),
    attr("membership-rule", "Membership Rule", "membershipRule", Kind::Textarea, "membershipRule"),
    attr("role-assignable", "Role Assignable", "isAssignableToRole", Kind::Boolean, "isAssignableToRole"),
    attr(
        "on-prem-synced",
        "Synced From On-premises",
        "onPremisesSyncEnabled",
        Kind::Boolean,
        "onPremisesSyncEnabled",
    ),
    attr(
        "member-count",
        "Direct Member Count",
        "Number of direct members (users, groups, devices)",
        Kind::Integer,
        "memberCount",
    ),
    attr("created", "Entra Created", "createdDateTime", Kind::DateTime, "createdDateTime"),
    attr(
        "member-of",
        "Member Of",
        "Parent groups (nesting, imported groups only)",
        Kind::Reference { to: "group", many: true },
        "memberOf",
    ),
    attr(
        "entra-status",
        "Entra Status",
        "Enabled or Deleted (derived)",
        Kind::Status(&["Enabled", "Deleted"]),
        "status",
    ),
];

/// The record keys of one selector, in the mapping's order (what
/// `records` must produce for a full record).
pub fn locators(selector: &str) -> Vec<&'static str> {
    let attributes = match selector {
        USERS_SELECTOR => USER_ATTRIBUTES,
        GROUPS_SELECTOR => GROUP_ATTRIBUTES,
        _ => &[],
    };
    attributes.iter().map(|a| a.locator).collect()
}

/// External id of an object type (`user` or `group`) of the import.
pub fn object_type_external_id(import_id: &str, slug: &str) -> String {
    format!("entra-connect:{import_id}:ot:{slug}")
}

fn attribute_external_id(import_id: &str, type_slug: &str, slug: &str) -> String {
    format!("entra-connect:{import_id}:{type_slug}:{slug}")
}

fn attribute(import_id: &str, type_slug: &str, a: &Attr) -> Value {
    let mut out = json!({
        "externalId": attribute_external_id(import_id, type_slug, a.slug),
        "name": a.name,
        "description": a.description,
        "minimumCardinality": 0,
        "maximumCardinality": 1,
        "unique": false,
    });
    let kind = match a.kind {
        Kind::Text => "text",
        Kind::Label => {
            out["label"] = json!(true);
            out["minimumCardinality"] = json!(1);
            "text"
        }
        Kind::ObjectId => {
            out["unique"] = json!(true);
            out["minimumCardinality"] = json!(1);
            "text"
        }
        Kind::Textarea => "textarea",
        Kind::Boolean => "boolean",
        Kind::Integer => "integer",
        Kind::DateTime => "date_time",
        Kind::Status(values) => {
            out["typeValues"] = json!(values);
            "status"
        }
        Kind::Reference { to, many } => {
            out["referenceObjectTypeExternalId"] = json!(object_type_external_id(import_id, to));
            if many {
                out["maximumCardinality"] = json!(-1);
            }
            "referenced_object"
        }
    };
    out["type"] = json!(kind);
    out
}

fn attribute_mapping(import_id: &str, type_slug: &str, a: &Attr) -> Value {
    let mut out = json!({
        "attributeExternalId": attribute_external_id(import_id, type_slug, a.slug),
        "attributeName": a.name,
        "attributeLocators": [a.locator],
    });
    match a.kind {
        Kind::ObjectId => out["externalIdPart"] = json!(true),
        Kind::Reference { .. } => {
            // The engine quotes each interpolated value; a list of ids
            // becomes a list of quoted literals inside IN (...).
            out["objectMappingIQL"] =
                json!(format!("\"{OBJECT_ID_ATTRIBUTE}\" IN (${{{}}})", a.locator))
        }
        _ => {}
    }
    out
}

struct ObjectTypeSpec {
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    selector: &'static str,
    mapping_description: &'static str,
    attributes: &'static [Attr],
}

const TYPES: [ObjectTypeSpec; 2] = [
    ObjectTypeSpec {
        slug: "user",
        name: USER_TYPE,
        description: "A Microsoft Entra ID user account",
        selector: USERS_SELECTOR,
        mapping_description: "Entra users",
        attributes: USER_ATTRIBUTES,
    },
    ObjectTypeSpec {
        slug: "group",
        name: GROUP_TYPE,
        description: "A Microsoft Entra ID group",
        selector: GROUPS_SELECTOR,
        mapping_description: "Entra groups",
        attributes: GROUP_ATTRIBUTES,
    },
];

/// The whole schema-and-mapping document for the import `import_id`.
pub fn document(import_id: &str) -> Value {
    let object_types: Vec<Value> = TYPES
        .iter()
        .map(|t| {
            json!({
                "externalId": object_type_external_id(import_id, t.slug),
                "name": t.name,
                "description": t.description,
                "attributes": t.attributes.iter().map(|a| attribute(import_id, t.slug, a)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mappings: Vec<Value> = TYPES
        .iter()
        .map(|t| {
            json!({
                "objectTypeExternalId": object_type_external_id(import_id, t.slug),
                "objectTypeName": t.name,
                "selector": t.selector,
                "description": t.mapping_description,
                "attributesMapping": t.attributes.iter().map(|a| attribute_mapping(import_id, t.slug, a)).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "$schema": "https://api.atlassian.com/jsm/assets/imports/external/schema/versions/2023_10_19",
        "schema": {
            "objectSchema": {
                "name": "Entra ID",
                "description": "Users and groups imported from Microsoft Entra ID by Entra ID Connect for JSM",
                "objectTypes": object_types,
            },
            "statusSchema": {
                "statuses": [
                    {"name": "Enabled", "description": "The Entra account or group exists and can be used", "category": "active"},
                    {"name": "Disabled", "description": "The Entra account exists but sign-in is blocked", "category": "inactive"},
                    {"name": "Deleted", "description": "Deleted in Entra (soft or hard)", "category": "inactive"},
                ]
            }
        },
        "mapping": {"objectTypeMappings": mappings},
    })
}
