//! When the hourly trigger starts a run: `off` never, `hourly` every
//! hour, `daily` in the hour `dailyHourUtc`; an incremental import runs
//! incrementally each time and full once a day (in its daily hour, or
//! when its last full run is more than a day old), so Assets'
//! "missing objects" handling and lost delta links are reconciled daily.

use super::config::{AssetsConfig, Mode, Schedule};

const HOUR_MS: u64 = 60 * 60 * 1000;
const DAY_MS: u64 = 24 * HOUR_MS;

/// What was last started, as the schedule needs it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    /// When the last run (any trigger) started, ms since the epoch.
    pub last_started_ms: Option<u64>,
    /// When the last full run that finished DONE started.
    pub last_full_ms: Option<u64>,
}

/// The run the trigger firing at `now_ms` should start, if any, and its
/// mode.
pub fn due(config: &AssetsConfig, history: History, now_ms: u64) -> Option<Mode> {
    let hour_of_day = (now_ms % DAY_MS) / HOUR_MS;
    // Hourly triggers drift by minutes: a run started in this clock hour
    // already counts.
    let started_this_hour = history
        .last_started_ms
        .is_some_and(|at| at / HOUR_MS == now_ms / HOUR_MS);
    if started_this_hour {
        return None;
    }
    let in_daily_hour = hour_of_day == u64::from(config.daily_hour_utc);
    let due_at_all = match config.schedule {
        Schedule::Off => false,
        Schedule::Hourly => true,
        Schedule::Daily => in_daily_hour,
    };
    if !due_at_all {
        return None;
    }
    Some(match config.mode {
        Mode::Full => Mode::Full,
        Mode::Incremental => {
            let full_is_old = history
                .last_full_ms
                .is_none_or(|at| now_ms.saturating_sub(at) >= DAY_MS);
            if in_daily_hour || full_is_old {
                Mode::Full
            } else {
                Mode::Incremental
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIDNIGHT: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn at(hour: u64) -> u64 {
        MIDNIGHT + hour * HOUR_MS + 5 * 60 * 1000
    }

    #[test]
    fn off_never_runs_and_daily_runs_in_its_hour() {
        let mut config = AssetsConfig {
            schedule: Schedule::Off,
            ..AssetsConfig::default()
        };
        assert_eq!(due(&config, History::default(), at(2)), None);
        config.schedule = Schedule::Daily;
        assert_eq!(due(&config, History::default(), at(2)), Some(Mode::Full));
        assert_eq!(due(&config, History::default(), at(3)), None);
    }

    #[test]
    fn incremental_hourly_runs_full_once_a_day() {
        let config = AssetsConfig {
            mode: Mode::Incremental,
            schedule: Schedule::Hourly,
            ..AssetsConfig::default()
        };
        let history = History {
            last_started_ms: Some(at(4)),
            last_full_ms: Some(at(2)),
        };
        assert_eq!(due(&config, history, at(5)), Some(Mode::Incremental));
        assert_eq!(due(&config, history, at(4)), None, "already ran this hour");
        assert_eq!(due(&config, history, at(26)), Some(Mode::Full));
        let never_full = History {
            last_full_ms: None,
            ..history
        };
        assert_eq!(due(&config, never_full, at(5)), Some(Mode::Full));
    }
}
