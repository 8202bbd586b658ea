//! When to try again: `Retry-After` parsing, exponential back-off with
//! jitter, and the caller's deadline that bounds all of it.

use crate::random;

/// The absolute time (ms since the epoch, from `Host::now_ms`) by which a
/// call must have returned. Forge gives resolvers 25 s, triggers and actions
/// 55 s, queue consumers 900 s; the entry point turns that into a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
}

impl Deadline {
    /// The deadline at `at_ms` (ms since the epoch).
    pub fn at(at_ms: u64) -> Self {
        Deadline { at_ms }
    }

    /// `budget_ms` milliseconds after `now_ms` (saturating).
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

/// The one rule every Graph retry loop gives up by (a single request in
/// [`crate::graph::GraphClient::send`], the throttled items of a `$batch` in
/// [`crate::graph::GraphClient::execute`], reads and writes alike): wait
/// while the deadline leaves room for one more request, and stop after
/// [`RetryPolicy::max_attempts`] rounds in a row that finished nothing.
/// Counting only rounds without progress matters for batches: at 2
/// requests/s a batch of ten reads finishes two items per second, and a
/// cap on all rounds would give up on a call that is steadily getting
/// through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retries {
    stalled: u32,
}

impl Retries {
    /// A loop that has not waited yet.
    pub fn new() -> Self {
        Retries::default()
    }

    /// A round finished at least one request: the count of rounds without
    /// progress starts again.
    pub fn progressed(&mut self) {
        self.stalled = 0;
    }

    /// Records a round that must be repeated and says whether waiting
    /// `wait_ms` from `now_ms` is still allowed; `false` means give up and
    /// report the wait as a deferral.
    pub fn may_wait(
        &mut self,
        policy: &RetryPolicy,
        deadline: Deadline,
        now_ms: u64,
        wait_ms: u64,
    ) -> bool {
        self.stalled += 1;
        self.stalled < policy.max_attempts
            && deadline.allows_wait(now_ms, wait_ms, policy.request_allowance_ms)
    }
}

/// Tunables of the retry loop. Defaults follow Microsoft's guidance
/// (1, 2, 4, 8, 16 s when no `Retry-After` is given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Back-off before the second attempt, in ms (default 1000); doubles per
    /// attempt.
    pub base_backoff_ms: u64,
    /// Ceiling of the back-off, in ms (default 16000).
    pub max_backoff_ms: u64,
    /// Upper bound on rounds in a row that finish nothing, even if the
    /// clock never moves (see [`Retries`]).
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
/// rounding up so we never come back early. HTTP-dates are read by
/// [`retry_after_ms`]; anything unparsable yields `None` (the caller backs off).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let secs: f64 = value.trim().parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    // One day is far beyond any Graph throttling window; clamp to stay sane.
    let ms = (secs * 1000.0).ceil().min(86_400_000.0);
    Some(ms as u64)
}

/// `Retry-After` as delay seconds or, as HTTP allows, an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), turned into a wait from `now_ms`.
/// A date in the past means "now".
pub fn retry_after_ms(value: &str, now_ms: u64) -> Option<u64> {
    parse_retry_after(value)
        .or_else(|| parse_http_date_ms(value).map(|at| at.saturating_sub(now_ms)))
        .map(|ms| ms.min(86_400_000))
}

/// Parses an IMF-fixdate (RFC 9110 §5.6.7) into ms since the epoch.
fn parse_http_date_ms(value: &str) -> Option<u64> {
    let v = value.trim();
    let (_, rest) = v.split_once(", ")?;
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT"
        || parts.next().is_some()
        || !(1..=31).contains(&day)
        || h > 23
        || m > 59
        || s > 60
    {
        return None;
    }
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    Some(((days * 24 + h) * 60 + m) * 60_000 + s * 1000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: u64, day: u64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    fn retry_after_as_http_date() {
        // 2015-10-21T07:28:00Z = 1445412480 s.
        let at = 1_445_412_480_000;
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(parse_http_date_ms(date), Some(at));
        assert_eq!(retry_after_ms(date, at - 2_500), Some(2_500));
        assert_eq!(retry_after_ms(date, at + 10_000), Some(0));
        assert_eq!(retry_after_ms("1.5", at), Some(1_500));
        assert_eq!(retry_after_ms("Wed, 32 Oct 2015 07:28:00 GMT", at), None);
        assert_eq!(retry_after_ms("soon", at), None);
        assert_eq!(
            parse_http_date_ms("Thu, 01 Jan 1970 00:00:01 GMT"),
            Some(1_000)
        );
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
    fn retries_stop_after_rounds_without_progress_or_at_the_deadline() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let deadline = Deadline::after(0, 10_000);
        let mut retries = Retries::new();
        assert!(retries.may_wait(&policy, deadline, 0, 250));
        assert!(retries.may_wait(&policy, deadline, 0, 250));
        retries.progressed();
        assert!(retries.may_wait(&policy, deadline, 0, 250));
        assert!(retries.may_wait(&policy, deadline, 0, 250));
        assert!(!retries.may_wait(&policy, deadline, 0, 250), "three stalls");
        let mut fresh = Retries::new();
        assert!(!fresh.may_wait(&policy, deadline, 9_800, 250), "deadline");
    }

    #[test]
    fn deadline_allows_wait() {
        let d = Deadline::after(1_000, 10_000);
        assert!(d.allows_wait(1_000, 9_000, 500));
        assert!(!d.allows_wait(1_000, 9_600, 500));
    }
}
