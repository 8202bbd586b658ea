//! Validated identifiers: object ids and the ways a caller may name a user.

use crate::lifecycle::error::OpError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A directory object id (GUID), normalised to lowercase hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectId(String);

impl ObjectId {
    /// Parses a GUID; `field` names the input in the error.
    pub fn parse(value: &str, field: &str) -> Result<Self, OpError> {
        uuid::Uuid::parse_str(value.trim())
            .map(|u| ObjectId(u.hyphenated().to_string()))
            .map_err(|_| OpError::invalid(field, "must be an object id (GUID)"))
    }

    /// Lowercase hyphenated form, e.g. `6f9619ff-8b86-d011-b42d-00c04fc964ff`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ObjectId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ObjectId::parse(&value, "id").map_err(|e| e.to_string())
    }
}

impl From<ObjectId> for String {
    fn from(id: ObjectId) -> String {
        id.0
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a caller names a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserRef {
    /// Object id; addresses `/users/{id}` directly.
    Id(ObjectId),
    /// userPrincipalName; addresses `/users/{upn}` directly.
    Upn(String),
    /// A bare address (`someone@domain`): the one user whose
    /// userPrincipalName, mail or an SMTP proxy address it is, found with one
    /// `$filter` over the three (UPNs often differ from mail: employee-number
    /// UPNs, aliases, guests).
    Address(String),
    /// Primary mail; found with `$filter=mail eq ...` (must match one user).
    Mail(String),
    /// HR employee id; found with `$filter=employeeId eq ...`.
    EmployeeId(String),
}

/// Longest UPN Entra accepts (64 local + `@` + 48 domain).
const MAX_UPN: usize = 113;

impl UserRef {
    /// A GUID is an object id, anything with `@` an address (matched against
    /// userPrincipalName, mail and proxy addresses). An employeeId, or one
    /// property only, must be asked for explicitly.
    pub fn parse(value: &str, field: &str) -> Result<Self, OpError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(OpError::invalid(field, "is required"));
        }
        if let Ok(id) = ObjectId::parse(v, field) {
            return Ok(UserRef::Id(id));
        }
        if v.contains('@') {
            return UserRef::address(v, field);
        }
        Err(OpError::invalid(
            field,
            "must be an object id, an address (userPrincipalName, mail or proxy address), or {\"employeeId\": ...}",
        ))
    }

    /// A UPN: trimmed, at most 113 characters, exactly one `@`, no control
    /// characters; else [`OpError::InvalidInput`] on `field`.
    pub fn upn(value: &str, field: &str) -> Result<Self, OpError> {
        let v = checked_text(value, field, MAX_UPN)?;
        if v.matches('@').count() != 1 {
            return Err(OpError::invalid(field, "must contain exactly one '@'"));
        }
        Ok(UserRef::Upn(v))
    }

    /// A bare address: trimmed, at most 256 characters (mail's limit; a UPN
    /// is shorter), exactly one `@`, no control characters.
    pub fn address(value: &str, field: &str) -> Result<Self, OpError> {
        let v = checked_text(value, field, 256)?;
        if v.matches('@').count() != 1 {
            return Err(OpError::invalid(field, "must contain exactly one '@'"));
        }
        Ok(UserRef::Address(v))
    }

    /// A mail address: trimmed, at most 256 characters, no control characters.
    pub fn mail(value: &str, field: &str) -> Result<Self, OpError> {
        Ok(UserRef::Mail(checked_text(value, field, 256)?))
    }

    /// An employeeId: trimmed, at most 16 characters (Entra's limit).
    pub fn employee_id(value: &str, field: &str) -> Result<Self, OpError> {
        Ok(UserRef::EmployeeId(checked_text(value, field, 16)?))
    }

    /// The property this reference filters or addresses by, for messages.
    pub fn field(&self) -> &'static str {
        match self {
            UserRef::Id(_) => "id",
            UserRef::Upn(_) => "userPrincipalName",
            UserRef::Address(_) => "address",
            UserRef::Mail(_) => "mail",
            UserRef::EmployeeId(_) => "employeeId",
        }
    }

    /// The id, UPN, mail or employeeId as given (ids normalised).
    pub fn value(&self) -> &str {
        match self {
            UserRef::Id(id) => id.as_str(),
            UserRef::Upn(v) | UserRef::Address(v) | UserRef::Mail(v) | UserRef::EmployeeId(v) => v,
        }
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Says what was tried, so a miss is not read as "no such UPN".
            UserRef::Address(v) => write!(f, "userPrincipalName, mail or proxy address '{v}'"),
            _ => write!(f, "{} '{}'", self.field(), self.value()),
        }
    }
}

/// Trimmed, non-empty, bounded, free of control characters.
pub fn checked_text(value: &str, field: &str, max_chars: usize) -> Result<String, OpError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(OpError::invalid(field, "is required"));
    }
    if v.chars().count() > max_chars {
        return Err(OpError::invalid(
            field,
            &format!("is longer than {max_chars} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(OpError::invalid(field, "contains control characters"));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_refs() {
        assert!(matches!(
            UserRef::parse("6F9619FF-8B86-D011-B42D-00C04FC964FF", "user").unwrap(),
            UserRef::Id(id) if id.as_str() == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
        ));
        assert!(matches!(
            UserRef::parse("a@b.com", "user").unwrap(),
            UserRef::Address(_)
        ));
        assert!(UserRef::parse("a@b@c.com", "user").is_err());
        assert!(UserRef::parse("nobody", "user").is_err());
        assert!(UserRef::upn("a@@b", "user").is_err());
        assert!(UserRef::mail("a\n@b", "user").is_err());
        assert!(UserRef::employee_id("12345678901234567", "employeeId").is_err());
    }
}
