//! Naming template for the UPN and mailNickname of new accounts, e.g.
//! `{given}.{surname}@contoso.com`: "Zoë O'Brien-Łukasiewicz" becomes
//! `zoe.obrien-lukasiewicz@contoso.com`.

mod translit;

/// The deflated transliteration table; on wasm its bytes come from the JS
/// side (`wasm::tables`).
#[cfg(target_arch = "wasm32")]
pub use translit::DEFLATED as TRANSLIT;

use crate::lifecycle::error::OpError;

/// Entra's limit on the part of a UPN before `@`.
pub const MAX_LOCAL_PART: usize = 64;
/// Entra's limit on the domain part of a UPN.
const MAX_DOMAIN: usize = 48;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Given,
    Surname,
    Initial,
    EmployeeId,
}

/// A parsed, validated naming template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingTemplate {
    segments: Vec<Segment>,
    domain: String,
}

/// The values a template is filled with.
#[derive(Debug, Clone, Copy)]
pub struct NameParts<'a> {
    /// First name as entered (accents and punctuation are folded).
    pub given: &'a str,
    /// Last name as entered.
    pub surname: &'a str,
    /// For `{employeeId}`; a template using it fails without one.
    pub employee_id: Option<&'a str>,
}

impl NamingTemplate {
    /// Parses `local@domain`, where `local` mixes literal text with
    /// `{given}`, `{surname}`, `{initial}` and `{employeeId}`, and `domain`
    /// is a domain name or `{domain}` (then `default_domain` fills it).
    pub fn parse(pattern: &str, default_domain: Option<&str>) -> Result<Self, OpError> {
        const FIELD: &str = "namingTemplate";
        let (local, domain) = pattern.trim().rsplit_once('@').ok_or_else(|| {
            OpError::invalid(FIELD, "must be of the form {given}.{surname}@domain")
        })?;
        let domain = match domain {
            "{domain}" => default_domain.ok_or_else(|| {
                OpError::invalid(FIELD, "uses {domain} but no default domain is configured")
            })?,
            d => d,
        };
        let domain = domain.trim().to_ascii_lowercase();
        if !is_domain(&domain) {
            return Err(OpError::invalid(FIELD, "has an invalid domain"));
        }
        let mut segments = Vec::new();
        let mut rest = local;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after
                    .find('}')
                    .ok_or_else(|| OpError::invalid(FIELD, "has an unclosed '{'"))?;
                segments.push(match &after[..end] {
                    "given" => Segment::Given,
                    "surname" => Segment::Surname,
                    "initial" => Segment::Initial,
                    "employeeId" => Segment::EmployeeId,
                    other => {
                        return Err(OpError::invalid(
                            FIELD,
                            &format!("has unknown placeholder {{{other}}}; use given, surname, initial or employeeId"),
                        ))
                    }
                });
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let literal = &rest[..end];
                if literal.contains('}') || sanitize(literal) != literal.to_ascii_lowercase() {
                    return Err(OpError::invalid(
                        FIELD,
                        "literal text may contain only letters, digits, '.', '-' and '_'",
                    ));
                }
                segments.push(Segment::Literal(literal.to_ascii_lowercase()));
                rest = &rest[end..];
            }
        }
        if !segments.iter().any(|s| !matches!(s, Segment::Literal(_))) {
            return Err(OpError::invalid(
                FIELD,
                "must contain at least one placeholder",
            ));
        }
        Ok(NamingTemplate { segments, domain })
    }

    /// The UPN domain (after `@`), at most 48 characters.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Whether the template needs an employeeId.
    pub fn uses_employee_id(&self) -> bool {
        self.segments.contains(&Segment::EmployeeId)
    }

    /// The base local part (also the mailNickname), transliterated and
    /// cleaned. Errors name the input that left it empty.
    pub fn local_part(&self, parts: NameParts<'_>) -> Result<String, OpError> {
        let mut raw = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(l) => raw.push_str(l),
                Segment::Given => raw.push_str(&sanitize(parts.given)),
                Segment::Surname => raw.push_str(&sanitize(parts.surname)),
                Segment::Initial => {
                    raw.push_str(&sanitize(parts.given).chars().take(1).collect::<String>())
                }
                Segment::EmployeeId => {
                    let id = parts.employee_id.ok_or_else(|| {
                        OpError::invalid("employeeId", "is required by the naming template")
                    })?;
                    raw.push_str(&sanitize(id));
                }
            }
        }
        let cleaned = tidy(&raw, MAX_LOCAL_PART);
        if cleaned.is_empty() || !cleaned.chars().any(|c| c.is_ascii_alphanumeric()) {
            return Err(OpError::invalid(
                "givenName",
                "and surname yield no usable characters for the user name",
            ));
        }
        Ok(cleaned)
    }

    /// The `n`-th candidate local part: the base for 1, then `base2`,
    /// `base3`... shortened so the result stays within 64 characters.
    pub fn candidate(base: &str, n: u32) -> String {
        if n <= 1 {
            return base.to_string();
        }
        let suffix = n.to_string();
        let head = tidy(base, MAX_LOCAL_PART - suffix.len());
        format!("{head}{suffix}")
    }

    /// `local@domain`; `local` comes from [`NamingTemplate::candidate`].
    pub fn upn(&self, local: &str) -> String {
        format!("{local}@{}", self.domain)
    }
}

/// Transliterates to ASCII, lowercases and keeps only `a-z 0-9 . - _`.
fn sanitize(text: &str) -> String {
    translit::transliterate(text)
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        .collect()
}

/// Collapses repeated dots, trims dots at both ends, cuts to `max`.
fn tidy(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '.' && (out.is_empty() || out.ends_with('.')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(max);
    // ASCII only, so truncation cannot split a character.
    out.trim_end_matches('.').to_string()
}

fn is_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= MAX_DOMAIN
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts<'a>(given: &'a str, surname: &'a str) -> NameParts<'a> {
        NameParts {
            given,
            surname,
            employee_id: None,
        }
    }

    #[test]
    fn transliterates_and_cleans() {
        let t = NamingTemplate::parse("{given}.{surname}@Contoso.com", None).unwrap();
        let local = t.local_part(parts("Zoë", "O'Brien-Łukasiewicz")).unwrap();
        assert_eq!(local, "zoe.obrien-lukasiewicz");
        assert_eq!(t.upn(&local), "zoe.obrien-lukasiewicz@contoso.com");
        assert_eq!(t.local_part(parts("..Ann", "..")).unwrap(), "ann");
        assert_eq!(
            t.local_part(parts("Jean Luc", "Picard")).unwrap(),
            "jeanluc.picard"
        );
    }

    #[test]
    fn placeholders() {
        let t = NamingTemplate::parse("{initial}{surname}.{employeeId}@{domain}", Some("x.org"))
            .unwrap();
        let p = NameParts {
            given: "Émile",
            surname: "Zola",
            employee_id: Some("E-42"),
        };
        assert_eq!(t.local_part(p).unwrap(), "ezola.e-42");
        assert!(t.uses_employee_id());
        assert_eq!(
            t.local_part(parts("A", "B")).unwrap_err().field(),
            Some("employeeId")
        );
    }

    #[test]
    fn rejects_bad_templates() {
        for bad in [
            "{given}",
            "{given}@",
            "{nick}@x.com",
            "{given@x.com",
            "plain@x.com",
            "{given} x@x.com",
            "{given}@{domain}",
        ] {
            assert!(NamingTemplate::parse(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn candidates_stay_short() {
        assert_eq!(NamingTemplate::candidate("jane.doe", 1), "jane.doe");
        assert_eq!(NamingTemplate::candidate("jane.doe", 2), "jane.doe2");
        let long = "a".repeat(64);
        assert_eq!(NamingTemplate::candidate(&long, 12).len(), 64);
    }

    #[test]
    fn empty_names_are_refused() {
        let t = NamingTemplate::parse("{given}.{surname}@x.com", None).unwrap();
        assert!(t.local_part(parts("李", "")).is_ok()); // transliterated
        assert!(t.local_part(parts("'''", "!!!")).is_err());
    }

    proptest! {
        #[test]
        fn always_a_valid_local_part(given in any::<String>(), surname in any::<String>(), n in 1u32..1000) {
            let t = NamingTemplate::parse("{given}.{surname}@contoso.com", None).unwrap();
            if let Ok(base) = t.local_part(parts(&given, &surname)) {
                let local = NamingTemplate::candidate(&base, n);
                prop_assert!(local.len() <= MAX_LOCAL_PART);
                prop_assert!(local.is_ascii());
                prop_assert!(!local.starts_with('.') && !local.ends_with('.'));
                prop_assert!(!local.contains(".."));
                prop_assert!(local.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')));
            }
        }
    }
}
