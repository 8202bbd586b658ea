//! The admin page's pickers, Jobs and Activity tabs: request types and
//! fields read from Jira as the app (paged as JSM pages), bulk jobs with
//! their progress, and operations per day by outcome from the audit trail.

use crate::support::{configure, json_body, post, run, InProcessTransport};
use entra_connect::audit::{self, AuditRecord, AuditResult};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::http::HttpResponse;
use entra_connect::jobs::consume::handle_event;
use entra_connect::lifecycle::UserRef;
use entra_connect::policy::{Operation, RequesterKind};
use entra_connect::resolver::ResolverContext;
use entra_connect::route::Route;
use entra_emulator::Emulator;
use serde_json::{json, Value};

const DAY_MS: u64 = 86_400_000;

/// Jira as the pickers see it: two service desks over two pages, the
/// first with three request types over two pages; three fields.
fn jira() -> MemoryHost {
    MemoryHost::new().with_jira(|request| {
        let path = request.path.as_str();
        let page = |start: u64, values: Value, last: bool| {
            json!({"size": values.as_array().unwrap().len(), "start": start, "limit": 50, "isLastPage": last, "values": values})
        };
        let (status, body) = match path {
            p if p.starts_with("/rest/api/3/mypermissions") => {
                (200, json!({"permissions": {"ADMINISTER": {"havePermission": true}}}))
            }
            "/rest/servicedeskapi/servicedesk?start=0&limit=50" => (
                200,
                page(0, json!([{"id": "1", "projectId": "10000", "projectKey": "ITSM", "projectName": "IT Service Desk"}]), false),
            ),
            "/rest/servicedeskapi/servicedesk?start=1&limit=50" => (
                200,
                page(1, json!([{"id": "2", "projectId": "10001", "projectKey": "HR", "projectName": "HR Desk"}]), true),
            ),
            "/rest/servicedeskapi/servicedesk/1/requesttype?start=0&limit=50" => (
                200,
                page(0, json!([{"id": "10", "name": "Onboard a new hire", "description": "A joiner", "serviceDeskId": "1"}, {"id": "11", "name": "Offboard a leaver", "serviceDeskId": "1"}]), false),
            ),
            "/rest/servicedeskapi/servicedesk/1/requesttype?start=2&limit=50" => (
                200,
                page(2, json!([{"id": "12", "name": "Transfer", "serviceDeskId": "1"}]), true),
            ),
            "/rest/servicedeskapi/servicedesk/2/requesttype?start=0&limit=50" => {
                (200, page(0, json!([{"id": "20", "name": "Payroll question", "serviceDeskId": "2"}]), true))
            }
            "/rest/api/3/field" => (
                200,
                json!([
                    {"id": "summary", "key": "summary", "name": "Summary", "custom": false},
                    {"id": "customfield_10100", "key": "customfield_10100", "name": "First name", "custom": true},
                    {"id": "customfield_10101", "key": "customfield_10101", "name": "department", "custom": true}
                ]),
            ),
            p if p.starts_with("/rest/api/3/issue/ITSM-1/comment") => (201, json!({"id": "1"})),
            _ => (404, json!({"errorMessages": ["not found"]})),
        };
        HttpResponse {
            status,
            headers: vec![],
            body: body.to_string(),
        }
    })
}

fn admin() -> ResolverContext {
    ResolverContext {
        account_id: Some("5b10ac8d82e05b22cc7d4ef5".into()),
        ..ResolverContext::default()
    }
}

async fn invoke(key: &str, payload: Value, host: &MemoryHost, emulator: &Emulator) -> Value {
    let transport = InProcessTransport(emulator.clone());
    entra_connect::resolver::handle(key, &payload, &admin(), host, &transport).await
}

#[test]
fn request_types_come_from_every_service_desk_and_every_page() {
    run(async {
        let host = jira();
        let answer = invoke("jira.requestTypes", json!({}), &host, &Emulator::demo()).await;
        let types = answer["value"]["requestTypes"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"));
        let ids: Vec<&str> = types.iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["10", "11", "12", "20"]);
        assert_eq!(types[0]["name"], "Onboard a new hire");
        assert_eq!(types[0]["projectKey"], "ITSM");
        assert_eq!(types[3]["serviceDeskId"], "2");
        assert_eq!(answer["value"]["truncated"], false);
        assert!(
            host.jira_calls()
                .iter()
                .all(|r| r.path.starts_with("/rest/api/3/mypermissions")
                    || r.as_who == entra_connect::host::JiraAs::App),
            "the catalogue is read as the app"
        );
    });
}

#[test]
fn fields_are_listed_by_name_and_a_jira_refusal_names_the_call() {
    run(async {
        let answer = invoke("jira.fields", json!({}), &jira(), &Emulator::demo()).await;
        let names: Vec<&str> = answer["value"]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["department", "First name", "Summary"]);
        assert_eq!(answer["value"]["fields"][1]["id"], "customfield_10100");

        let refusing = MemoryHost::new().with_jira(|request| HttpResponse {
            status: if request.path.starts_with("/rest/api/3/mypermissions") {
                200
            } else {
                403
            },
            headers: vec![],
            body: json!({"permissions": {"ADMINISTER": {"havePermission": true}}}).to_string(),
        });
        let refused = invoke("jira.fields", json!({}), &refusing, &Emulator::demo()).await;
        assert_eq!(refused["error"]["code"], "jira_error", "{refused}");
        assert!(refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("403"));
        assert!(refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/rest/api/3/field"));
    });
}

#[test]
fn a_job_reports_progress_and_time_left_in_job_status_and_on_the_jobs_tab() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let calls: Vec<Value> = (0..30)
            .map(|i| json!({"route": "user.create", "data": {"givenName": "Prog", "surname": format!("Ress{i:02}"), "department": "Sales"}}))
            .collect();
        let submitted = json_body(
            &entra_connect::service_api::handle(
                &post(
                    &key,
                    &json!({"route": "jobs.submit", "data": {"calls": calls}}),
                ),
                &host,
                &transport,
            )
            .await,
        );
        let job_id = submitted["result"]["jobId"].as_str().unwrap().to_string();
        let events: Vec<Value> = host
            .queue_pushes()
            .into_iter()
            .flat_map(|(_, e)| e)
            .collect();
        // The first chunk (25 items) runs; 20 s pass in all.
        handle_event(&events[0], &host, &transport).await;
        host.advance(20_000u64.saturating_sub(host.now_ms() - submitted_at(&host, &job_id).await));
        let status = json_body(
            &entra_connect::service_api::handle(
                &post(
                    &key,
                    &json!({"route": "job.status", "data": {"jobId": job_id}}),
                ),
                &host,
                &transport,
            )
            .await,
        );
        let progress = &status["result"]["progress"];
        assert_eq!(progress["total"], 30, "{status}");
        assert_eq!(progress["done"], 25);
        assert_eq!(progress["failed"], 0);
        assert_eq!(progress["remaining"], 5);
        assert_eq!(progress["percent"], 83);
        // 25 items in 20 s: 5 more take 4 s.
        assert_eq!(progress["etaSeconds"], 4);

        let listed = invoke("jobs.recent", json!({}), &host, &emulator).await;
        let jobs = listed["value"]["jobs"]
            .as_array()
            .unwrap_or_else(|| panic!("{listed}"));
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0]["jobId"], job_id.as_str());
        assert_eq!(jobs[0]["progress"], *progress);
        assert!(
            jobs[0].get("outcomes").is_none(),
            "the list leaves the per-item outcomes out"
        );
    });
}

/// The Jobs tab lists the newest 20 jobs, newest first, from one key per
/// job: a submission writes its own keys and reads no shared list, so two
/// submissions at once cannot drop each other, and a deleted job leaves
/// the list with its records.
#[test]
fn the_jobs_tab_lists_the_newest_twenty_jobs_newest_first_without_a_shared_list() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let mut ids = Vec::new();
        for i in 0..22 {
            let calls = json!([{"route": "user.disable", "data": {"user": format!("job{i}@contoso.example")}}]);
            let submitted = json_body(
                &entra_connect::service_api::handle(
                    &post(
                        &key,
                        &json!({"route": "jobs.submit", "data": {"calls": calls}}),
                    ),
                    &host,
                    &transport,
                )
                .await,
            );
            ids.push(submitted["result"]["jobId"].as_str().unwrap().to_string());
            host.advance(1_000);
        }
        let newest: Vec<String> = ids.iter().rev().take(20).cloned().collect();
        assert_eq!(
            entra_connect::jobs::recent::list(&host).await.unwrap(),
            newest
        );
        let listed = invoke("jobs.recent", json!({}), &host, &emulator).await;
        let listed: Vec<&str> = listed["value"]["jobs"]
            .as_array()
            .unwrap_or_else(|| panic!("{listed}"))
            .iter()
            .map(|j| j["jobId"].as_str().unwrap())
            .collect();
        assert_eq!(listed, newest);
        // No value lists job ids: each job is listed by its own key.
        for (k, value) in host.kvs_keys_snapshot() {
            assert!(
                !value.to_string().contains(&ids[21]) || k.contains(&ids[21]),
                "{k} lists another job's id"
            );
        }

        // A job deleted by retention leaves the list.
        let record = entra_connect::jobs::store::load_record(&host, &ids[21])
            .await
            .unwrap();
        entra_connect::jobs::store::delete_job(&host, &record)
            .await
            .unwrap();
        let after = entra_connect::jobs::recent::list(&host).await.unwrap();
        assert_eq!(after.first(), Some(&ids[20]));
        assert!(!after.contains(&ids[21]));
    });
}

async fn submitted_at(host: &MemoryHost, job_id: &str) -> u64 {
    let record = host
        .kvs_get(&entra_connect::layout::job_key(job_id))
        .await
        .unwrap()
        .unwrap();
    record["createdAtMs"].as_u64().unwrap()
}

fn attempt(
    host: &MemoryHost,
    days_ago: u64,
    result: AuditResult,
    duration_ms: Option<u64>,
    dry_run: bool,
) -> AuditRecord {
    let mut ctx = crate::support::policy::context(RequesterKind::ServiceApi, "hr-system", None);
    ctx.dry_run = dry_run;
    let op = Operation::on_user(
        Route::UserDisable,
        UserRef::Upn("lee.gu@contoso.example".into()),
    );
    let mut record = AuditRecord::for_operation(host.now_ms() - days_ago * DAY_MS, &ctx, &op);
    record.result = result;
    record.duration_ms = duration_ms;
    record
}

#[test]
fn activity_counts_real_runs_per_day_by_outcome_and_names_the_slowest() {
    run(async {
        let host = jira();
        host.advance(40 * DAY_MS);
        let failed = |code: &str| AuditResult::Failed {
            code: code.into(),
            message: "x".into(),
        };
        let refused = AuditResult::Refused {
            rule: "protected".into(),
            message: "x".into(),
        };
        let records = [
            attempt(&host, 0, AuditResult::Succeeded, Some(900), false),
            attempt(&host, 0, AuditResult::Succeeded, Some(4_200), false),
            attempt(&host, 0, refused.clone(), None, false),
            attempt(&host, 0, failed("throttled"), Some(50_000), false),
            attempt(&host, 0, AuditResult::Planned, Some(99_000), true),
            attempt(&host, 2, failed("not_found"), Some(300), false),
            attempt(&host, 2, AuditResult::PartiallyFailed, Some(1_000), false),
            attempt(
                &host,
                2,
                AuditResult::AwaitingApproval { pending: 1 },
                None,
                false,
            ),
            attempt(&host, 20, AuditResult::Succeeded, Some(10), false),
        ];
        for r in &records {
            audit::record(&host, r).await.unwrap();
        }
        let emulator = Emulator::demo();
        let answer = invoke("activity.summary", json!({}), &host, &emulator).await;
        let days = answer["value"]["days"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"));
        assert_eq!(days.len(), 14);
        let today = &days[13];
        assert_eq!(
            (
                today["done"].clone(),
                today["refused"].clone(),
                today["failed"].clone(),
                today["throttled"].clone()
            ),
            (json!(2), json!(1), json!(0), json!(1))
        );
        assert_eq!(
            (days[11]["failed"].clone(), days[11]["done"].clone()),
            (json!(2), json!(0)),
            "partly failed counts as failed; waiting is not counted"
        );
        let total: u64 = days
            .iter()
            .map(|d| {
                ["done", "refused", "failed", "throttled"]
                    .iter()
                    .map(|k| d[k].as_u64().unwrap())
                    .sum::<u64>()
            })
            .sum();
        assert_eq!(
            total, 6,
            "the day 20 days ago is outside 14 days; the dry run is not a run"
        );
        let slowest: Vec<u64> = answer["value"]["slowest"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["durationMs"].as_u64().unwrap())
            .collect();
        assert_eq!(slowest, [50_000, 4_200, 1_000, 900, 300]);
        assert_eq!(answer["value"]["slowest"][0]["operation"], "user.disable");
        assert_eq!(answer["value"]["slowest"][0]["outcome"], "failed");

        let month = invoke("activity.summary", json!({"days": 30}), &host, &emulator).await;
        assert_eq!(month["value"]["days"].as_array().unwrap().len(), 30);
        assert_eq!(month["value"]["days"][9]["done"], 1);
        let bad = invoke("activity.summary", json!({"days": 7}), &host, &emulator).await;
        assert_eq!(bad["error"]["field"], "days", "{bad}");
    });
}
