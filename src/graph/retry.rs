//! When to try again: `Retry-After` parsing, exponential back-off with
//! jitter, and the caller's deadline that bounds all of it.

use crate::random;

/// The absolute time (ms since the epoch, from `Host::now_ms`) by which a
/// call must have returned. Forge gives resolvers 25 s, triggers and actions
/// 55 s, queue consumers 900 s; the entry point turns that into a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline {
    pub at_ms: u64,
}

impl Deadline {
    pub fn at(at_ms: u64) -> Self {
        Deadline { at_ms }
    }

    pub fn after(now_ms: u64, budget_ms: u64) -> Self {
        Deadline {
            at_ms: now_ms.saturating_add(budget_ms),
        }
    }

    /// Whether waiting `wait_ms` from `now_ms` still leaves room for one more
    /// request (`RetryPolicy::request_allowance_ms`).
    pub fn allows_wait(&self, now_ms: u64, wait_ms: u64, allowance_ms: u64) -> bool {
        now_ms.saturating_add(wait_ms).saturating_add(allowance_ms) <= self.at_ms
    }
}

/// Tunables of the retry loop. Defaults follow Microsoft's guidance
/// (1, 2, 4, 8, 16 s when no `Retry-After` is given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Upper bound on attempts even if the clock never moves.
    pub max_attempts: u32,
    /// How long a 404 on a just-created object counts as replication delay.
    pub replication_window_ms: u64,
    /// Time reserved for the request that follows a wait.
    pub request_allowance_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_backoff_ms: 1_000,
            max_backoff_ms: 16_000,
            max_attempts: 10,
            replication_window_ms: 60_000,
            request_allowance_ms: 500,
        }
    }
}

impl RetryPolicy {
    /// Exponential back-off for the given attempt (1-based) with "equal
    /// jitter": half fixed, half random, so parallel callers spread out.
    pub fn backoff_ms(&self, attempt: u32) -> u64 {
        let exp = self
            .base_backoff_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
            .min(self.max_backoff_ms);
        let half = exp / 2;
        let jitter_span = u32::try_from(half).unwrap_or(u32::MAX).max(1);
        half + u64::from(random::below(jitter_span))
    }
}

/// Parses `Retry-After` as (possibly fractional) seconds into milliseconds,
/// rounding up so we never come back early. HTTP-dates are not sent by Graph;
/// they and anything unparsable yield `None` (the caller backs off instead).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let secs: f64 = value.trim().parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    // One day is far beyond any Graph throttling window; clamp to stay sane.
    let ms = (secs * 1000.0).ceil().min(86_400_000.0);
    Some(ms as u64)
}

/// Statuses that mean "try again later".
pub fn is_throttle_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_integer_and_fractional() {
        assert_eq!(parse_retry_after("3"), Some(3000));
        assert_eq!(parse_retry_after(" 0.25 "), Some(250));
        assert_eq!(parse_retry_after("1.0001"), Some(1001));
        assert_eq!(parse_retry_after("0"), Some(0));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for _ in 0..50 {
            let b1 = p.backoff_ms(1);
            assert!((500..=1000).contains(&b1));
            let b3 = p.backoff_ms(3);
            assert!((2000..=4000).contains(&b3));
            assert!(p.backoff_ms(30) <= 16_000);
        }
    }

    #[test]
    fn deadline_allows_wait() {
        let d = Deadline::after(1_000, 10_000);
        assert!(d.allows_wait(1_000, 9_000, 500));
        assert!(!d.allows_wait(1_000, 9_600, 500));
    }
}
