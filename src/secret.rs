//! A string that must never be shown: service keys, passwords, TAPs.
//!
//! It has no `Display` and no `Serialize`, and its `Debug` prints a
//! placeholder, so it cannot reach a log line, an error or a JSON response by
//! accident. Reading it takes an explicit [`SecretString::expose`].

use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The value itself. Call only where it leaves for its one destination
    /// (Graph, secret storage, a one-time reveal).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the value, for storing a verifier instead of the value.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

/// Compares two digests in constant time. Comparing digests rather than the
/// raw values also hides the length of the stored value.
pub fn digests_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretString::new("hunter2-very-secret");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn digest_comparison() {
        let a = SecretString::new("a").sha256();
        let b = SecretString::new("b").sha256();
        assert!(digests_equal(&a, &a));
        assert!(!digests_equal(&a, &b));
    }
}
