//! Cryptographically secure randomness (the OS or `crypto.getRandomValues`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Fills a fixed-size array from the CSPRNG.
///
/// # Panics
/// Never in practice: getrandom only fails when the platform has no CSPRNG,
/// and then no secret may be generated at all, so there is nothing safe to
/// fall back to.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the platform CSPRNG is unavailable");
    buf
}

/// A random token of `N` bytes, base64url without padding.
pub fn token<const N: usize>() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<N>())
}

/// A random version-4 UUID, as Graph's `client-request-id` expects.
pub fn uuid_v4() -> String {
    uuid::Builder::from_random_bytes(bytes::<16>())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A uniformly random index below `bound` (rejection sampling, no modulo bias).
pub fn below(bound: u32) -> u32 {
    assert!(bound > 0, "random::below needs a positive bound");
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let v = u32::from_le_bytes(bytes::<4>());
        if v < zone {
            return v % bound;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_version_and_variant() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(uuid_v4(), id);
    }

    #[test]
    fn below_stays_in_range() {
        for _ in 0..1000 {
            assert!(below(7) < 7);
        }
    }
}
