//! First and reset passwords from the CSPRNG, meeting Entra's complexity
//! rules with margin.

use crate::random;
use crate::secret::Secret;

const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS: &[u8] = b"23456789";
// A subset of Entra's allowed symbols: no quotes, backslash or space, which
// break copy-paste and shells.
const SYMBOLS: &[u8] = b"!#$%&*+-=?@^_";

/// Length of generated passwords (Entra requires 8..=256; we use 20).
pub const PASSWORD_LENGTH: usize = 20;

/// A random password with all four character classes. Look-alike
/// characters (l, I, O, 0, 1) are left out so it can be read aloud.
pub fn generate_password() -> Secret {
    let classes: [&[u8]; 4] = [LOWER, UPPER, DIGITS, SYMBOLS];
    let all: Vec<u8> = classes.concat();
    let mut chars: Vec<u8> = classes.iter().map(|c| pick(c)).collect();
    while chars.len() < PASSWORD_LENGTH {
        chars.push(pick(&all));
    }
    // Fisher-Yates, so the guaranteed characters are not always first.
    for i in (1..chars.len()).rev() {
        let j = random::below(i as u32 + 1) as usize;
        chars.swap(i, j);
    }
    Secret::new(String::from_utf8(chars).unwrap_or_default())
}

fn pick(set: &[u8]) -> u8 {
    set[random::below(set.len() as u32) as usize]
}

/// Whether a password meets the rules this generator guarantees.
pub fn meets_policy(password: &str) -> bool {
    password.len() >= 16
        && password.bytes().any(|b| LOWER.contains(&b))
        && password.bytes().any(|b| UPPER.contains(&b))
        && password.bytes().any(|b| DIGITS.contains(&b))
        && password.bytes().any(|b| SYMBOLS.contains(&b))
        && password.bytes().all(|b| {
            [LOWER, UPPER, DIGITS, SYMBOLS]
                .iter()
                .any(|s| s.contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_has_all_classes() {
        for _ in 0..500 {
            let p = generate_password();
            assert_eq!(p.expose().len(), PASSWORD_LENGTH);
            assert!(meets_policy(p.expose()), "weak: {}", p.expose());
        }
        assert_ne!(generate_password(), generate_password());
    }

    #[test]
    fn policy_rejects_missing_class() {
        assert!(!meets_policy("abcdefghijkmnopqrstu"));
        assert!(!meets_policy("Ab3!"));
    }
}
