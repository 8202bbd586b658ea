//! OData string literals for `$filter`, and path segments for ids and UPNs.
//!
//! Every value that reaches a `$filter` goes through [`string_literal`]: the
//! single quote is doubled (OData's only escape inside a string literal) and
//! then everything but RFC 3986 unreserved characters is percent-encoded, so
//! `&`, `#`, `%`, `+`, whitespace and the doubled quotes cannot end the literal,
//! the parameter or the query string.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything except RFC 3986 "unreserved" (`A-Z a-z 0-9 - . _ ~`).
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes with the strict set (for query values and path segments).
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, STRICT).to_string()
}

/// An OData string literal ready to be placed in a query string:
/// `'` + percent-encoded(value with `'` doubled) + `'`.
pub fn string_literal(value: &str) -> String {
    let doubled = value.replace('\'', "''");
    format!("'{}'", encode_component(&doubled))
}

/// `$filter=<property> eq '<value>'`, encoded for the query string.
/// `property` is a CSDL property name chosen by the code, never user input.
pub fn eq_filter(property: &'static str, value: &str) -> String {
    format!("$filter={property}%20eq%20{}", string_literal(value))
}

/// `$filter=startswith(<property>,'<prefix>')`, encoded for the query string.
pub fn startswith_filter(property: &'static str, prefix: &str) -> String {
    format!("$filter=startswith({property},{})", string_literal(prefix))
}

/// `$filter=<property> in ('<v1>','<v2>',...)`, each value an encoded
/// literal. Graph accepts at most 15 values in one `in`.
pub fn in_filter(property: &'static str, values: &[String]) -> String {
    let literals: Vec<String> = values.iter().map(|v| string_literal(v)).collect();
    format!("$filter={property}%20in%20({})", literals.join(","))
}

/// A user key (object id or UPN) as a URL path segment. A UPN starting with
/// `$` must use the key-as-literal form `users('$x@y')`, because Graph would
/// otherwise read it as a system segment; everything else is percent-encoded
/// (so `#` in guest UPNs becomes `%23`).
pub fn user_path(key: &str) -> String {
    if key.starts_with('$') {
        format!("/users({})", string_literal(key))
    } else {
        format!("/users/{}", encode_component(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::percent_decode_str;
    use proptest::prelude::*;

    fn decode_literal(lit: &str) -> String {
        let inner = &lit[1..lit.len() - 1];
        let decoded = percent_decode_str(inner).decode_utf8().unwrap();
        decoded.replace("''", "'")
    }

    #[test]
    fn doubles_quotes_then_encodes() {
        assert_eq!(string_literal("O'Neil"), "'O%27%27Neil'");
        assert_eq!(string_literal("a b&c#d%e+f"), "'a%20b%26c%23d%25e%2Bf'");
        assert_eq!(
            eq_filter("mail", "x' or 1 eq 1"),
            "$filter=mail%20eq%20'x%27%27%20or%201%20eq%201'"
        );
    }

    #[test]
    fn in_filter_lists_literals() {
        assert_eq!(
            in_filter("id", &["a".into(), "b'c".into()]),
            "$filter=id%20in%20('a','b%27%27c')"
        );
    }

    #[test]
    fn user_path_forms() {
        assert_eq!(user_path("a#EXT#@b.com"), "/users/a%23EXT%23%40b.com");
        assert_eq!(user_path("$x@b.com"), "/users('%24x%40b.com')");
    }

    proptest! {
        #[test]
        fn literal_round_trips(s in any::<String>()) {
            let lit = string_literal(&s);
            prop_assert_eq!(decode_literal(&lit), s);
        }

        #[test]
        fn literal_has_no_raw_specials(s in any::<String>()) {
            let lit = string_literal(&s);
            prop_assert!(lit.starts_with('\'') && lit.ends_with('\''));
            let inner = &lit[1..lit.len() - 1];
            for bad in ['\'', '&', '#', ' ', '\n', '\r', '\t', '+', '?', '/'] {
                prop_assert!(!inner.contains(bad), "raw {:?} in {}", bad, lit);
            }
            // Every '%' starts an escape of two hex digits.
            let bytes = inner.as_bytes();
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'%' {
                    prop_assert!(i + 2 < bytes.len() + 1 && bytes.len() >= i + 3);
                    prop_assert!(bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit());
                }
            }
            prop_assert!(inner.is_ascii());
        }
    }
}
