//! The Entra leave-date scan (opt-in, `provisioning.scanEntraLeaveDates`):
//! leavers HR dated directly in Entra. Each hourly run reads the enabled
//! accounts whose `employeeLeaveDateTime` has passed (one filtered,
//! paged advanced query: [`crate::graph::resources::leave_dates`]) and
//! schedules each one's offboarding as a due `offboard` step, which the
//! scheduler then runs like any other ([`super::run_due`]): through
//! [`crate::pipeline::run`] with the policy's protections (a protected
//! account is refused and audited, never offboarded), exactly once
//! (claimed by a conditional write), with an audit record each.
//!
//! Exactly once per leave date: a person is passed over when already
//! offboarded (lifecycle state `left`), when an offboarding step of theirs
//! is still to run (a dated `user.offboard`, or an earlier scan's), or when
//! a finished one was for the same leave date (done, or refused: the
//! refusal is audited once, not every hour). A new leave date set by HR
//! is scanned again. The finished steps are purged after the audit
//! retention days (`crate::maintenance`), after which a still-enabled,
//! still-refused account is audited once more.
//!
//! Resumable: what one run does not reach (time, pages) the next run
//! finds again, since the query is the same and handled people are passed
//! over by their stored steps.

use crate::graph::paging::Page;
use crate::graph::resources::leave_dates;
use crate::graph::Deadline;
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::policy::{Requester, RequesterKind};
use crate::schedule::state::{self, LifecycleState};
use crate::schedule::{self, ScheduledStep, StepKind, StepStatus};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map};

/// Most pages one run reads (100 users each).
pub const MAX_PAGES: usize = 50;

/// Time one page read may take.
const PAGE_BUDGET_MS: u64 = 20_000;

/// The requester the scan's offboardings are recorded under: the admin
/// setting that turned the scan on, not a person.
pub fn scan_requester() -> Requester {
    Requester {
        account_id: "entra-leave-date-scan".to_string(),
        display_name: "Entra leave-date scan (provisioning.scanEntraLeaveDates)".to_string(),
        email: None,
        kind: RequesterKind::Admin,
    }
}

/// What one scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanReport {
    /// Whether the scan ran (the setting is on and the app is connected).
    pub ran: bool,
    /// Enabled accounts with a passed leave date that Entra answered.
    pub found: usize,
    /// Offboardings scheduled (due now) by this scan.
    pub scheduled: Vec<String>,
    /// Accounts passed over (already offboarded, scheduled or refused for
    /// this leave date).
    pub passed_over: usize,
    /// Pages read (Graph requests).
    pub pages: usize,
    /// Pages left unread for lack of time or the page cap (the next run
    /// finds them again).
    pub incomplete: bool,
    /// Why the scan stopped short, if it did (a Graph or storage error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Leaver {
    id: String,
    #[serde(default)]
    user_principal_name: Option<String>,
    #[serde(default)]
    employee_leave_date_time: Option<String>,
}

/// Runs the scan if `provisioning.scanEntraLeaveDates` is on, reading
/// pages while one more fits before `stop_at_ms`.
pub async fn run(host: &impl Host, transport: &impl Transport, stop_at_ms: u64) -> ScanReport {
    let mut report = ScanReport::default();
    let Ok(config) = crate::config::load(host).await else {
        return report;
    };
    if !config.provisioning.scan_entra_leave_dates {
        return report;
    }
    let ctx =
        match crate::pipeline::context::RouteContext::load(host, transport, PAGE_BUDGET_MS).await {
            Ok(ctx) => ctx,
            Err(e) => {
                report.error = Some(e.to_string());
                return report;
            }
        };
    let client = match ctx.graph().await {
        Ok(client) => client,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.ran = true;
    let now = host.now_ms();
    let mut request = leave_dates::list_passed_leavers(&crate::dates::iso_ms(now));
    loop {
        if report.pages >= MAX_PAGES || host.now_ms() + PAGE_BUDGET_MS > stop_at_ms {
            report.incomplete = true;
            break;
        }
        let deadline = Deadline::after(host.now_ms(), PAGE_BUDGET_MS);
        let page: Page<Leaver> = match client
            .send(&request, deadline)
            .await
            .and_then(|r| r.json("users"))
        {
            Ok(page) => page,
            Err(e) => {
                report.error = Some(format!("the leavers could not be read: {e}"));
                break;
            }
        };
        report.pages += 1;
        for leaver in page.value {
            report.found += 1;
            match consider(host, &leaver, now).await {
                Ok(Some(label)) => report.scheduled.push(label),
                Ok(None) => report.passed_over += 1,
                Err(e) => {
                    host.log(
                        LogLevel::Error,
                        &format!("leave-date scan: {} not scheduled: {e}", leaver.id),
                    );
                }
            }
        }
        match page.next_link {
            Some(link) => request = leave_dates::next_page(&link),
            None => break,
        }
    }
    host.log(
        LogLevel::Info,
        &format!(
            "leave-date scan: {}",
            serde_json::to_string(&report).unwrap_or_default()
        ),
    );
    report
}

/// Schedules `leaver`'s offboarding, due now, unless it is already done,
/// waiting, or was refused for the same leave date: answers the label of
/// the person scheduled, or `None` when passed over.
async fn consider(
    host: &impl Host,
    leaver: &Leaver,
    now_ms: u64,
) -> Result<Option<String>, crate::host::HostError> {
    let Some(leave) = leaver.employee_leave_date_time.as_deref() else {
        return Ok(None);
    };
    let leave_utc = crate::dates::normalize(leave, &crate::dates::SiteZone::utc())
        .map(|d| d.utc)
        .unwrap_or_else(|_| leave.to_string());
    if state::get(host, &leaver.id).await? == LifecycleState::Left {
        return Ok(None);
    }
    let handled = schedule::of_person(host, &leaver.id)
        .await?
        .into_iter()
        .filter(|s| s.step == StepKind::Offboard)
        .any(|s| {
            s.status.is_live()
                || (s.status != StepStatus::Cancelled
                    && s.data.get("leaveDateTime").and_then(|v| v.as_str())
                        == Some(leave_utc.as_str()))
        });
    if handled {
        return Ok(None);
    }
    let label = leaver
        .user_principal_name
        .clone()
        .unwrap_or_else(|| leaver.id.clone());
    let mut data = Map::new();
    data.insert("user".into(), json!(leaver.id));
    data.insert("leaveDateTime".into(), json!(leave_utc));
    let step = ScheduledStep {
        user_id: leaver.id.clone(),
        user_label: label.clone(),
        step: StepKind::Offboard,
        due_at_ms: now_ms,
        status: StepStatus::Pending,
        data,
        issue_key: None,
        requester: scan_requester(),
        created_at_ms: now_ms,
        attempts: 0,
        result: None,
    };
    schedule::save(host, &step).await?;
    Ok(Some(label))
}
