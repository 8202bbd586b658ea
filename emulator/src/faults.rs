//! Fault injection: throttling, scheduled 503s, dropped connections, replication
//! delay and short token lifetimes. Switchable at run time via `/_emulator/faults`
//! and from the seed's `faults` object.

use serde::{Deserialize, Serialize};

/// The configured faults. `Default` is "no faults".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Per-app rate limit on Graph requests (and `$batch` items).
    pub throttle: Option<ThrottleFault>,
    /// The next `count` matching Graph requests get 503.
    pub unavailable: Option<UnavailableFault>,
    /// The next `count` matching Graph requests are refused with the given
    /// Graph error (a 400, 403, 404 or 409 as Entra would send it), to test
    /// how the app answers a refusal of one step among several.
    pub refuse: Option<RefuseFault>,
    /// The next N token or Graph requests are dropped without a response.
    pub drop_connections: u32,
    /// Newly created objects 404 on reads and reference writes for this long (emulator clock).
    pub replication_delay_ms: u64,
    /// Overrides the seed's token lifetime for tokens issued from now on.
    pub token_lifetime_seconds: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleFault {
    /// Requests allowed per second of emulator time; the rest get 429.
    pub requests_per_second: u32,
    /// `Retry-After` seconds; fractional values such as 1.5 are sent as-is.
    #[serde(default = "one_second")]
    pub retry_after_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnavailableFault {
    /// How many matching requests still get 503 (counts down).
    pub count: u32,
    #[serde(default)]
    pub retry_after_seconds: Option<f64>,
    /// Only requests with this method (case-insensitive) match, if set.
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path (`/v1.0/...`) starts with this match, if set.
    #[serde(default)]
    pub path_prefix: Option<String>,
}

/// A scheduled Graph refusal: status, `error.code`, `error.message` and,
/// optionally, the `error.details[0].target` property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefuseFault {
    /// How many matching requests are still refused (counts down).
    pub count: u32,
    /// HTTP status (400 to 499).
    pub status: u16,
    /// Graph's `error.code`, e.g. `Request_BadRequest`.
    pub code: String,
    /// Graph's `error.message`.
    pub message: String,
    /// The property named in `error.details`, if any.
    #[serde(default)]
    pub target: Option<String>,
    /// Only requests with this method (case-insensitive) match, if set.
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path (`/v1.0/...`) starts with this match, if set.
    #[serde(default)]
    pub path_prefix: Option<String>,
}

fn matches(method_filter: Option<&str>, prefix: Option<&str>, method: &str, path: &str) -> bool {
    method_filter.is_none_or(|m| m.eq_ignore_ascii_case(method))
        && prefix.is_none_or(|p| {
            path.to_ascii_lowercase()
                .starts_with(&p.to_ascii_lowercase())
        })
}

fn one_second() -> f64 {
    1.0
}

/// `Retry-After` as Graph writes it: whole seconds without a fraction, else e.g. "1.5".
pub(crate) fn retry_after_text(seconds: f64) -> String {
    if seconds.is_finite() && seconds >= 0.0 {
        format!("{seconds}")
    } else {
        "1".into()
    }
}

/// Faults plus the counters that make them happen.
#[derive(Debug, Default, Clone)]
pub(crate) struct FaultState {
    pub faults: Faults,
    window_second: u64,
    window_count: u32,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        FaultState {
            faults,
            window_second: 0,
            window_count: 0,
        }
    }

    /// Consumes one dropped-connection slot if any remain.
    pub fn take_drop(&mut self) -> bool {
        if self.faults.drop_connections > 0 {
            self.faults.drop_connections -= 1;
            true
        } else {
            false
        }
    }

    /// `Some(retry_after)` when this request exceeds the per-second budget.
    pub fn take_throttle(&mut self, now_ms: u64) -> Option<String> {
        let throttle = self.faults.throttle.as_ref()?;
        let second = now_ms / 1000;
        if second != self.window_second {
            self.window_second = second;
            self.window_count = 0;
        }
        self.window_count = self.window_count.saturating_add(1);
        (self.window_count > throttle.requests_per_second)
            .then(|| retry_after_text(throttle.retry_after_seconds))
    }

    /// `Some(retry_after)` when a scheduled 503 applies to this request.
    pub fn take_unavailable(&mut self, method: &str, path: &str) -> Option<Option<String>> {
        let fault = self.faults.unavailable.as_mut()?;
        if fault.count == 0
            || !matches(
                fault.method.as_deref(),
                fault.path_prefix.as_deref(),
                method,
                path,
            )
        {
            return None;
        }
        fault.count -= 1;
        let retry_after = fault.retry_after_seconds.map(retry_after_text);
        if fault.count == 0 {
            self.faults.unavailable = None;
        }
        Some(retry_after)
    }

    /// The scheduled refusal for this request, if one applies.
    pub fn take_refusal(&mut self, method: &str, path: &str) -> Option<RefuseFault> {
        let fault = self.faults.refuse.as_mut()?;
        if fault.count == 0
            || !matches(
                fault.method.as_deref(),
                fault.path_prefix.as_deref(),
                method,
                path,
            )
        {
            return None;
        }
        fault.count -= 1;
        let refusal = fault.clone();
        if fault.count == 0 {
            self.faults.refuse = None;
        }
        Some(refusal)
    }
}
