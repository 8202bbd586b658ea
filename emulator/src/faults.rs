//! Fault injection: throttling, scheduled 503s, dropped connections, replication
//! delay and short token lifetimes. Switchable at run time via `/_emulator/faults`
//! and from the seed's `faults` object.

use std::collections::VecDeque;
use std::time::Duration;

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
    /// Wall-clock milliseconds added to every HTTP round trip to Graph
    /// (`/v1.0/...`), as a network to a distant region would: a `$batch`
    /// envelope waits once, however many requests it carries; token requests
    /// are not delayed. 0 = none.
    pub latency_ms: u64,
    /// A tenant-wide budget of Graph requests per second (each `$batch` item
    /// counts, the envelope does not); requests over it get 429 with the
    /// whole seconds until the budget has room again as `Retry-After`.
    pub budget: Option<BudgetFault>,
    /// Faults aimed at one request of a plan (the Nth write, the request
    /// between two batches) instead of the next N requests.
    pub aimed: Vec<AimedFault>,
}

/// A fault aimed at the `nth` Graph request matching `method` and
/// `path_prefix`, counting from 1. Drops and token expiry hit HTTP requests
/// (a `$batch` envelope is one request, its path `/v1.0/$batch`); a 503
/// burst hits each Graph call, `$batch` items included, as Graph answers
/// each item of a batch on its own
/// (<https://learn.microsoft.com/graph/json-batching>).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AimedFault {
    /// Which matching request it hits (1 = the first); counts down as
    /// matching requests pass.
    pub nth: u32,
    /// Only requests with this method (case-insensitive) count, if set.
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path (`/v1.0/...`) starts with this count, if set.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// What happens to that request.
    pub effect: AimedEffect,
}

/// What an [`AimedFault`] does to the request it hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AimedEffect {
    /// The connection drops before Entra reads the request: nothing changes.
    DropBefore,
    /// Entra carries the request out (every item of a `$batch`), then the
    /// connection drops: the caller never learns that it happened.
    DropAfter,
    /// The hit request and the `count - 1` matching ones after it get 503
    /// (<https://learn.microsoft.com/graph/errors>: "Service Unavailable",
    /// with `Retry-After` when given).
    #[serde(rename_all = "camelCase")]
    Unavailable {
        /// Requests in the burst (at least 1).
        count: u32,
        /// `Retry-After` seconds, if sent.
        #[serde(default)]
        retry_after_seconds: Option<f64>,
    },
    /// Entra's clock reaches the `exp` of the access token the request
    /// carries just before serving it: the token has expired between this
    /// request and the one before
    /// (<https://learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime>),
    /// and Graph answers 401 `InvalidAuthenticationToken`.
    ExpireToken,
}

impl AimedEffect {
    /// Drops and token expiry are about the HTTP request, a 503 about each call.
    fn per_http_request(&self) -> bool {
        !matches!(self, AimedEffect::Unavailable { .. })
    }
}

/// A throttle budget over the whole tenant, as Entra's identity service
/// limits one app in one tenant
/// (<https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>):
/// in any one second of emulator time at most `requests_per_second` requests
/// are served; refused ones count too, as Graph counts them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetFault {
    /// Requests served per second (at least 1).
    pub requests_per_second: u32,
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
    /// Emulator-clock times of the Graph requests of the last second (the budget's window).
    budget_seen: VecDeque<u64>,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        FaultState {
            faults,
            window_second: 0,
            window_count: 0,
            budget_seen: VecDeque::new(),
        }
    }

    /// The wall-clock delay of one HTTP round trip to `path` (only Graph's
    /// `/v1.0` paths are delayed).
    pub fn latency(&self, path: &str) -> Duration {
        let graph = path == "/v1.0" || path.starts_with("/v1.0/");
        if graph && self.faults.latency_ms > 0 {
            Duration::from_millis(self.faults.latency_ms)
        } else {
            Duration::ZERO
        }
    }

    /// `Some(retry_after)` when the tenant's budget had no room for this
    /// request in the second before `now_ms`. Every request, served or
    /// refused, uses the budget: Graph keeps counting a throttled client's
    /// requests (<https://learn.microsoft.com/graph/throttling>).
    pub fn take_budget(&mut self, now_ms: u64) -> Option<String> {
        let limit = self.faults.budget.as_ref()?.requests_per_second.max(1) as usize;
        while self
            .budget_seen
            .front()
            .is_some_and(|&t| t.saturating_add(1000) <= now_ms)
        {
            self.budget_seen.pop_front();
        }
        let over = self.budget_seen.len() >= limit;
        self.budget_seen.push_back(now_ms);
        if !over {
            return None;
        }
        // Room again once all but `limit - 1` of the window's requests aged out.
        let oldest_blocking = self.budget_seen.len() - limit;
        let frees_at = self.budget_seen[oldest_blocking].saturating_add(1000);
        let wait_ms = frees_at.saturating_sub(now_ms).max(1);
        // Graph's Retry-After is whole seconds: round the wait up.
        Some(wait_ms.div_ceil(1000).to_string())
    }

    /// The aimed fault that hits this HTTP request (drops, token expiry).
    pub fn take_aimed_http(&mut self, method: &str, path: &str) -> Option<AimedEffect> {
        self.take_aimed(method, path, true)
    }

    /// `Some(retry_after)` when an aimed 503 burst hits this Graph call.
    pub fn take_aimed_unavailable(&mut self, method: &str, path: &str) -> Option<Option<String>> {
        match self.take_aimed(method, path, false)? {
            AimedEffect::Unavailable {
                retry_after_seconds,
                ..
            } => Some(retry_after_seconds.map(retry_after_text)),
            _ => None,
        }
    }

    /// Counts this request against every matching aimed fault of its kind
    /// and fires the first whose turn it is; a fired fault is used up (a
    /// 503 burst once its count is).
    fn take_aimed(&mut self, method: &str, path: &str, http: bool) -> Option<AimedEffect> {
        let mut fired = None;
        self.faults.aimed.retain_mut(|fault| {
            if fault.effect.per_http_request() != http
                || !matches(
                    fault.method.as_deref(),
                    fault.path_prefix.as_deref(),
                    method,
                    path,
                )
            {
                return true;
            }
            if fault.nth > 1 {
                fault.nth -= 1;
                return true;
            }
            if fired.is_some() {
                return true;
            }
            fired = Some(fault.effect.clone());
            match &mut fault.effect {
                AimedEffect::Unavailable { count, .. } if *count > 1 => {
                    *count -= 1;
                    true
                }
                _ => false,
            }
        });
        fired
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
