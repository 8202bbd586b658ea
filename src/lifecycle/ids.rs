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
    ///
    /// The characters are Microsoft's for a userPrincipalName: the part
    /// before `@` only `A-Z a-z 0-9 ' . - _ ! # ^ ~`, not ending with `.`,
    /// and a domain of letters, digits, `.` and `-`
    /// (<https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy#username-policies>).
    /// So a look-alike letter from another script (a Cyrillic `а`) or an
    /// invisible one is refused here, naming the field, instead of reaching
    /// Graph as a name no user can have.
    pub fn upn(value: &str, field: &str) -> Result<Self, OpError> {
        let v = checked_text(value, field, MAX_UPN)?;
        let Some((local, domain)) = v.split_once('@').filter(|(_, d)| !d.contains('@')) else {
            return Err(OpError::invalid(field, "must contain exactly one '@'"));
        };
        let local_ok = |c: char| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c);
        let domain_ok = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
        if local.is_empty()
            || local.ends_with('.')
            || !local.chars().all(local_ok)
            || domain.is_empty()
            || !domain.chars().all(domain_ok)
        {
            return Err(OpError::invalid(
                field,
                "must be a userPrincipalName: letters A-Z, digits and ' . - _ ! # ^ ~ before the '@' (not ending with '.'), a domain name after it",
            ));
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

/// Trimmed, non-empty, bounded, free of control characters and of
/// invisible formatting characters (zero-width, bidi controls).
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
    if v.contains('\u{fffd}') {
        // What a decoder puts where the sender's bytes were not UTF-8: the
        // text as sent is lost, and Entra would keep the stand-in.
        return Err(OpError::invalid(
            field,
            "contains U+FFFD, the replacement for bytes that were not valid UTF-8: send the text as UTF-8",
        ));
    }
    if v.chars().any(is_invisible) {
        return Err(OpError::invalid(
            field,
            "contains invisible formatting characters (zero-width or right-to-left controls)",
        ));
    }
    Ok(v.to_string())
}

/// Characters that change how text reads without being seen: bidirectional
/// marks, embeddings, overrides and isolates, zero-width space, word joiner
/// and the byte-order mark. A name or address holding one can look like
/// another (`Unicode Technical Report #36`, bidi spoofing), so inputs are
/// refused with them. The zero-width (non-)joiners are not among them: some
/// scripts (Persian, the Indic scripts) are written with them.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
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

    #[test]
    fn invisible_characters_are_refused_in_every_text() {
        for hidden in [
            '\u{200b}', '\u{200e}', '\u{202e}', '\u{2066}', '\u{feff}', '\u{2060}',
        ] {
            let name = format!("Ad{hidden}ele");
            let e = checked_text(&name, "givenName", 64).unwrap_err();
            assert_eq!(e.field(), Some("givenName"), "{hidden:?}");
            assert!(UserRef::parse(&format!("ad{hidden}ele@contoso.com"), "user").is_err());
            assert!(UserRef::mail(&format!("ad{hidden}ele@contoso.com"), "user").is_err());
        }
        // Bytes that were not UTF-8, decoded to U+FFFD on the way in.
        assert_eq!(
            checked_text("Ad\u{fffd}\u{fffd}le", "givenName", 64)
                .unwrap_err()
                .field(),
            Some("givenName")
        );
        // Joiners are part of how some scripts are written: kept.
        assert_eq!(
            checked_text("\u{0646}\u{200c}\u{0627}", "surname", 64).unwrap(),
            "\u{0646}\u{200c}\u{0627}"
        );
    }

    #[test]
    fn a_upn_holds_to_microsofts_character_rules() {
        for ok in [
            "adele.vance@contoso.com",
            "o'neil@contoso.com",
            "a_b-c!d#e^f~g@contoso.com",
            "alice_fabrikam.com#EXT#@contoso.onmicrosoft.com",
        ] {
            assert!(UserRef::upn(ok, "u").is_ok(), "{ok}");
        }
        // Cyrillic a (homoglyph), a space, a dot before @, a bad domain.
        for bad in [
            "\u{0430}dele@contoso.com",
            "ad ele@contoso.com",
            "adele.@contoso.com",
            "adele@contoso_com",
            "adele@",
            "@contoso.com",
            "ad%ele@contoso.com",
        ] {
            let e = UserRef::upn(bad, "data.user.userPrincipalName").unwrap_err();
            assert_eq!(e.field(), Some("data.user.userPrincipalName"), "{bad}");
        }
    }
}
