//! `usageLocation`: an ISO 3166-1 alpha-2 country code. Entra cannot assign
//! licences to a user whose usage location it does not know, so a code
//! outside the ISO list is refused before any write, with a suggestion
//! where one is plain: `UK` -> `GB`, `USA` -> `US`, `Germany` -> `DE`.
//!
//! The list is the `celes` crate's ISO 3166-1 table. Microsoft documents
//! the property as "A two-letter country code (ISO standard 3166). Required
//! for users that are assigned licenses due to legal requirements to check
//! for availability of services in countries."
//! (<https://learn.microsoft.com/en-us/graph/api/resources/user>).

use crate::lifecycle::error::OpError;
use celes::Country;

/// Codes people use that ISO 3166-1 reserves for other purposes (not
/// assigned to a country), and the assigned code they mean.
/// Source: ISO 3166-1 "exceptionally reserved" codes (UK for the United
/// Kingdom, EL for Greece as used by the EU).
const NOT_ISO: &[(&str, &str)] = &[("UK", "GB"), ("EL", "GR")];

/// The upper-case alpha-2 code for `raw` (trimmed, any case: `us` is `US`).
/// Anything else is [`OpError::InvalidInput`] on `field`, saying which code
/// was probably meant when that can be told.
pub fn usage_location(raw: &str, field: &str) -> Result<String, OpError> {
    let text = raw.trim();
    let upper = text.to_ascii_uppercase();
    if upper.len() == 2 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
        if let Ok(country) = Country::from_alpha2(&upper) {
            return Ok(country.alpha2.to_ascii_uppercase());
        }
    }
    let shown: String = text.chars().take(40).filter(|c| !c.is_control()).collect();
    let message = match suggestion(text) {
        Some((code, name)) => format!(
            "must be an ISO 3166-1 alpha-2 country code: '{shown}' is not one; did you mean {code} ({name})?"
        ),
        None => format!(
            "must be an ISO 3166-1 alpha-2 country code such as US, GB or DE: '{shown}' is not one"
        ),
    };
    Err(OpError::invalid(field, &message))
}

/// The alpha-2 code (and country name) that `text` most likely means: a
/// reserved non-ISO code, an alpha-3 code, or a country's common name.
fn suggestion(text: &str) -> Option<(String, &'static str)> {
    let upper = text.trim().to_ascii_uppercase();
    if let Some((_, code)) = NOT_ISO.iter().find(|(wrong, _)| *wrong == upper) {
        let country = Country::from_alpha2(code).ok()?;
        return Some((code.to_string(), country.long_name));
    }
    let compact: String = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    if compact.is_empty() || compact.len() > 60 {
        return None;
    }
    let country = (upper.len() == 3)
        .then(|| Country::from_alpha3(&upper).ok())
        .flatten()
        .or_else(|| Country::from_alias(&compact).ok())
        .or_else(|| Country::from_name(&compact).ok())?;
    Some((country.alpha2.to_ascii_uppercase(), country.long_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(raw: &str) -> String {
        match usage_location(raw, "usageLocation").unwrap_err() {
            OpError::InvalidInput { field, message } => {
                assert_eq!(field, "usageLocation");
                message
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn iso_codes_in_any_case() {
        assert_eq!(usage_location("US", "u").unwrap(), "US");
        assert_eq!(usage_location(" de ", "u").unwrap(), "DE");
        assert_eq!(usage_location("gb", "u").unwrap(), "GB");
    }

    #[test]
    fn suggestions() {
        assert!(
            message("UK").contains("did you mean GB"),
            "{}",
            message("UK")
        );
        assert!(message("uk").contains("did you mean GB"));
        assert!(
            message("USA").contains("did you mean US"),
            "{}",
            message("USA")
        );
        assert!(message("deu").contains("did you mean DE"));
        assert!(message("EL").contains("did you mean GR"));
        assert!(
            message("Germany").contains("did you mean DE"),
            "{}",
            message("Germany")
        );
        assert!(!message("XX").contains("did you mean"));
        assert!(!message("1").contains("did you mean"));
        assert!(message("ZZZ").contains("such as US"));
    }
}
