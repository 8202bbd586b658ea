//! Portal requests: a request of a mapped type runs its operation. On
//! creation the form is validated (the customer is told what to fix), the
//! dry-run plan is posted for agents and approvers, and the operation runs at
//! once or waits for approval (and for its date); later events and an hourly
//! sweep run what is waiting, exactly once.

pub mod jsm;
pub mod pending;

pub use crate::config::request_types::{REPORTER_ACCOUNT, REPORTER_EMAIL};

use crate::audit;
use crate::config::{self, request_types::RequestTypeMapping};
use crate::host::{Host, JiraAs, JiraRequest, LogLevel};
use crate::http::{Method, Transport};
use crate::lifecycle::plan::Plan;
use crate::pipeline::call::{IdempotencyKey, IssueKey, OperationCall};
use crate::pipeline::error::ApiError;
use crate::policy::{EntryPoint, RequestContext, Requester, RequesterKind};
use crate::route::Route;
use jsm::PortalRequest;
use pending::PendingOperation;
use serde_json::{json, Map, Value};

/// Forge gives event triggers 55 s; scheduled ones up to 900 s, but each
/// pending operation gets the same budget so one slow tenant cannot starve
/// the rest.
pub const EVENT_BUDGET_MS: u64 = 50_000;
/// Enrichment is a courtesy: it gets a short slice of the event's time.
const ENRICHMENT_BUDGET_MS: u64 = 10_000;

/// What happened to one request, for logs and tests. JSON is tagged by
/// `result`, e.g. `{"result": "ran", "status": 200}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "result")]
pub enum PortalResult {
    /// Not a mapped request type (or not a service desk request): ignored.
    Ignored,
    /// The form was incomplete; the customer was told what to fix.
    InvalidForm {
        /// The input at fault, as the parser named it (`data.surname`).
        field: String,
    },
    /// The dry run was refused or failed; agents were told why.
    Refused {
        /// The answer's `error.code`, or `storage` when the waiting
        /// operation could not be stored.
        code: String,
    },
    /// Waiting for approvals or for its date.
    Waiting,
    /// The operation ran (or ended with a final error).
    Ran {
        /// The HTTP status of the operation's answer.
        status: u16,
    },
}

/// Handles `avi:jira:created:issue`: enriches the request, then, for a
/// mapped request type, checks the form, posts the dry-run plan as an
/// internal comment, stores the operation as waiting, and runs it at once
/// unless it needs approval (a future leave date is scheduled by the run).
/// A request that cannot be read, or a configuration that does not load,
/// is ignored.
/// <https://developer.atlassian.com/platform/forge/events-reference/jira/>
pub async fn on_created(
    event: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> PortalResult {
    let Some(issue_key) = issue_key_of(event) else {
        return PortalResult::Ignored;
    };
    let Ok(config) = config::load(host).await else {
        return PortalResult::Ignored;
    };
    if config.request_types.is_empty() && config.enrichment.is_empty() {
        return PortalResult::Ignored;
    }
    let request = match jsm::read_request(host, &issue_key).await {
        Ok(r) => r,
        Err(jsm::JsmError::NotARequest) => return PortalResult::Ignored,
        Err(e) => {
            host.log(
                LogLevel::Warn,
                &format!("portal: could not read request {issue_key}: {e}"),
            );
            return PortalResult::Ignored;
        }
    };
    let enriched = crate::enrichment::enrich(
        &issue_key,
        request.reporter.email_address.as_deref(),
        &config,
        host,
        transport,
        crate::graph::Deadline::after(host.now_ms(), ENRICHMENT_BUDGET_MS),
    )
    .await;
    host.log(
        LogLevel::Debug,
        &format!("portal: enrichment of {issue_key}: {enriched:?}"),
    );
    let Some(mapping) = config
        .request_types
        .iter()
        .find(|m| m.request_type_id == request.request_type_id)
    else {
        return PortalResult::Ignored;
    };
    let pending = PendingOperation {
        issue_key: issue_key.clone(),
        route: mapping.route,
        data: data_of(mapping, &request),
        requester: requester_of(mapping, &request),
        created_at_ms: host.now_ms(),
        not_before_ms: None,
        input: None,
    };
    let dry = call_of(&pending, true);
    if let Err(error) = crate::pipeline::parse::parse(&dry) {
        return invalid_form(host, &request, mapping, &error).await;
    }
    let context = context_of(&pending, true);
    let answer = crate::pipeline::run(&dry, &context, host, transport, EVENT_BUDGET_MS).await;
    if !answer.ok() {
        let code = answer.body["error"]["code"]
            .as_str()
            .unwrap_or("error")
            .to_string();
        let reason = answer.body["error"]["message"]
            .as_str()
            .unwrap_or("the operation cannot run")
            .to_string();
        internal_note(
            host,
            &issue_key,
            &[&format!(
                "Entra ID Connect will not run {}: {reason}",
                mapping.route
            )],
        )
        .await;
        public_note(
            host,
            &issue_key,
            "We could not process this request automatically. An agent will look at it.",
        )
        .await;
        return PortalResult::Refused { code };
    }
    let plan: Plan =
        serde_json::from_value(json!({ "changes": answer.body["plan"] })).unwrap_or_default();
    let target = answer.body["result"]["user"]["userPrincipalName"].as_str();
    if let Err(e) = audit::post_internal_comment(
        host,
        &issue_key,
        audit::plan_comment(mapping.route, target, &plan),
    )
    .await
    {
        host.log(
            LogLevel::Warn,
            &format!("portal: plan comment not posted on {issue_key}: {e}"),
        );
    }
    if let Some(waiting) = answer.body["approval"]["pending"].as_u64() {
        internal_note(
            host,
            &issue_key,
            &[&format!(
                "Waiting for {waiting} JSM approval(s): nothing changes in Entra until every approver approves; if one declines, nothing runs."
            )],
        )
        .await;
    }
    // A future leave date no longer holds the request here: the run
    // records it in Entra at once and schedules the offboarding on it
    // (`pipeline::schedule`), as from every other entry point.
    let mut pending = pending;
    let awaits_approval = answer.body["approval"]["pending"].is_u64()
        || config.policy.approvals.required_for(mapping.route);
    if awaits_approval {
        // What the approvers are asked to approve: the run after approval
        // refuses if the request's fields no longer say this.
        match crate::pipeline::approval::remember(host, &call_of(&pending, false)).await {
            Ok(input) => pending.input = input,
            Err(e) => host.log(
                LogLevel::Warn,
                &format!("portal: the waiting input of {issue_key} was not recorded: {e}"),
            ),
        }
    }
    if let Err(e) = pending::save(host, &pending).await {
        host.log(
            LogLevel::Error,
            &format!("portal: pending operation of {issue_key} not stored: {e}"),
        );
        return PortalResult::Refused {
            code: "storage".into(),
        };
    }
    // Pending JSM approvals make the run answer 202 (waiting) whatever the
    // policy says; the policy's own approval setting holds it here too.
    if config.policy.approvals.required_for(mapping.route) || pending.not_before_ms.is_some() {
        return PortalResult::Waiting;
    }
    run_pending(&pending.id(), &pending, host, transport).await
}

/// Handles `avi:jira:updated:issue`: an approval may have been decided (or
/// a field edited), so the request's waiting operations (if any) are tried
/// again; the result is the last one's.
pub async fn on_updated(
    event: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> PortalResult {
    let Some(issue_key) = issue_key_of(event) else {
        return PortalResult::Ignored;
    };
    let mut result = PortalResult::Ignored;
    for id in pending::ids_of(host, &issue_key).await.unwrap_or_default() {
        if let Ok(Some(p)) = pending::load(host, &id).await {
            result = run_pending(&id, &p, host, transport).await;
        }
    }
    result
}

/// How often the scheduled sweep runs (`manifest.yml`: `interval: hour`).
pub const SWEEP_INTERVAL_MS: u64 = 60 * 60 * 1000;

/// Time the sweep may spend running waiting operations, inside the
/// scheduled trigger's 900 s (the upkeep before it is bounded by counts).
pub const SWEEP_BUDGET_MS: u64 = 780_000;

/// The hourly sweep: approvals decided without an event reaching us,
/// offboardings whose leave date has come, throttled runs to retry.
/// Returns each due operation's request key and result (those whose leave
/// date is still ahead are not read); entries that no longer parse are
/// dropped.
pub async fn sweep(host: &impl Host, transport: &impl Transport) -> Vec<(String, PortalResult)> {
    let mut results = Vec::new();
    let due = pending::due(host, host.now_ms()).await.unwrap_or_else(|e| {
        host.log(
            LogLevel::Error,
            &format!("portal: sweep could not read waiting operations: {e}"),
        );
        Vec::new()
    });
    // Each run may take up to EVENT_BUDGET_MS: start none that could end
    // past the trigger's 900 s (manifest `timeoutSeconds`).
    let stop_starting_at = host.now_ms() + SWEEP_BUDGET_MS - EVENT_BUDGET_MS;
    for (key, operation) in due {
        if host.now_ms() > stop_starting_at {
            break;
        }
        let result = match operation {
            Some(p) => {
                let id = p.id();
                let result = run_pending(&id, &p, host, transport).await;
                if result == PortalResult::Waiting {
                    // The run may have stored the request's edited fields:
                    // postpone what is stored now, not the copy read above.
                    // (None: it is gone, and stays gone.)
                    let current = match pending::load(host, &id).await {
                        Ok(current) => current,
                        Err(_) => Some(p.clone()),
                    };
                    let next = host.now_ms() + SWEEP_INTERVAL_MS;
                    if let Some(current) = current {
                        if let Err(e) = pending::postpone(host, &current, next).await {
                            host.log(LogLevel::Warn, &format!("portal: {id} not postponed: {e}"));
                        }
                    }
                }
                results.push((p.issue_key.clone(), result));
                continue;
            }
            None => {
                let _ = host
                    .entity_delete(crate::layout::PENDING_ENTITY, &key)
                    .await;
                PortalResult::Ignored
            }
        };
        results.push((key, result));
    }
    results
}

/// The request's fields as they are now, as the operation's `data`: what
/// runs is what the request says when it runs (the pipeline refuses it if
/// that changed after approval). `Err` carries the result to give when the
/// request cannot be read now.
async fn current_data(
    p: &PendingOperation,
    host: &impl Host,
) -> Result<Map<String, Value>, PortalResult> {
    let request = match jsm::read_request(host, &p.issue_key).await {
        Ok(request) => request,
        Err(jsm::JsmError::NotARequest) => return Err(PortalResult::Ignored),
        Err(e) => {
            host.log(
                LogLevel::Warn,
                &format!("portal: could not read request {}: {e}", p.issue_key),
            );
            return Err(PortalResult::Waiting);
        }
    };
    let config = config::load(host)
        .await
        .map_err(|_| PortalResult::Waiting)?;
    // A request type unmapped since keeps the input it was planned with.
    Ok(config
        .request_types
        .iter()
        .find(|m| m.request_type_id == request.request_type_id && m.route == p.route)
        .map(|mapping| data_of(mapping, &request))
        .unwrap_or_else(|| p.data.clone()))
}

/// Runs a waiting operation (stored under `id`) if its time has come, with
/// the request's current fields. The idempotency key is the request's, so a
/// duplicate event or sweep replays instead of repeating.
async fn run_pending(
    id: &str,
    p: &PendingOperation,
    host: &impl Host,
    transport: &impl Transport,
) -> PortalResult {
    if p.not_before_ms.is_some_and(|t| host.now_ms() < t) {
        return PortalResult::Waiting;
    }
    let data = match current_data(p, host).await {
        Ok(data) => data,
        Err(PortalResult::Ignored) => {
            // The request is gone: nothing is left to run.
            let _ = pending::remove(host, id).await;
            return PortalResult::Ignored;
        }
        Err(other) => return other,
    };
    let edited = data != p.data;
    let p = &PendingOperation { data, ..p.clone() };
    let call = call_of(p, false);
    let answer = crate::pipeline::run(
        &call,
        &context_of(p, false),
        host,
        transport,
        EVENT_BUDGET_MS,
    )
    .await;
    let code = answer.body["error"]["code"].as_str().unwrap_or_default();
    let rule = answer.body["error"]["rule"].as_str().unwrap_or_default();
    match (answer.status, code) {
        // Still waiting for approvers, or Entra is throttling: try again later
        // (with the fields as they are now; approvers see the edit too).
        (202, _) | (429, _) | (503, _) => {
            if edited {
                let refreshed = PendingOperation {
                    input: p
                        .input
                        .as_ref()
                        .and(crate::pipeline::approval::digest_of(&call)),
                    ..p.clone()
                };
                if let Err(e) = pending::save(host, &refreshed).await {
                    host.log(
                        LogLevel::Warn,
                        &format!("portal: edited pending entry {id} not stored: {e}"),
                    );
                }
            }
            return PortalResult::Waiting;
        }
        // The pipeline named the changed fields to agents; the customer
        // learns why nothing happened.
        (403, "refused_by_policy") if rule == "changedAfterApproval" => {
            public_note(
                host,
                &p.issue_key,
                "This request changed after it was approved, so nothing was changed. Please raise a new request with the details you need.",
            )
            .await;
        }
        (403, "approval_declined") => {
            internal_note(
                host,
                &p.issue_key,
                &["An approver declined this request; nothing was changed in Entra."],
            )
            .await;
            public_note(
                host,
                &p.issue_key,
                "Your request was declined by an approver, so nothing was changed.",
            )
            .await;
        }
        (200, _) => {}
        // Any other answer is final; the pipeline audited it and agents see why.
        (status, _) if status >= 400 => {
            let reason = answer.body["error"]["message"].as_str().unwrap_or("failed");
            internal_note(
                host,
                &p.issue_key,
                &[&format!(
                    "Entra ID Connect could not complete {}: {reason}",
                    p.route
                )],
            )
            .await;
        }
        _ => {}
    }
    if let Err(e) = pending::remove(host, id).await {
        host.log(
            LogLevel::Warn,
            &format!("portal: pending entry {id} not removed: {e}"),
        );
    }
    PortalResult::Ran {
        status: answer.status,
    }
}

fn issue_key_of(event: &Value) -> Option<String> {
    let raw = event["issue"]["key"].as_str()?;
    IssueKey::parse("issue.key", raw)
        .ok()
        .map(|k| k.as_str().to_string())
}

/// The operation's `data` from the request: `changes.x` inputs nest under
/// `changes`; empty fields are left out, so "required" errors name them.
fn data_of(mapping: &RequestTypeMapping, request: &PortalRequest) -> Map<String, Value> {
    let mut data = Map::new();
    for (input, source) in &mapping.fields {
        let Some(value) = request.text_of(source) else {
            continue;
        };
        match input.split_once('.') {
            Some((parent, child)) => {
                let nested = data.entry(parent.to_string()).or_insert_with(|| json!({}));
                nested[child] = Value::String(value);
            }
            None => {
                let value = if is_list_input(mapping.route, input) {
                    Value::Array(
                        value
                            .split([',', '\n'])
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(|s| json!(s))
                            .collect(),
                    )
                } else {
                    Value::String(value)
                };
                data.insert(input.clone(), value);
            }
        }
    }
    data
}

/// Whether the route declares `input` as an array (`groups`, `skus`,
/// `disabledPlans`): a form field gives it as comma- or newline-separated text.
fn is_list_input(route: Route, input: &str) -> bool {
    crate::route::inputs::routes()
        .into_iter()
        .filter(|(r, _, _)| *r == route)
        .flat_map(|(_, _, inputs)| inputs)
        .any(|i| i.name == input && (i.schema)()["type"] == "array")
}

/// Portal customers are held to the self-service and manager rules for the
/// operations those rules govern. For the others (onboarding, offboarding,
/// transfers) an administrator mapped the request type to the operation,
/// which is the authority; approvals gate them per the policy.
fn requester_of(mapping: &RequestTypeMapping, request: &PortalRequest) -> Requester {
    let customer_rules = matches!(
        mapping.route,
        Route::UserUpdate | Route::UserResetPassword | Route::UserCreateTemporaryAccessPass
    );
    let name = request
        .reporter
        .display_name
        .clone()
        .unwrap_or_else(|| request.reporter.account_id.clone());
    Requester {
        account_id: request.reporter.account_id.clone(),
        display_name: if customer_rules {
            name
        } else {
            format!(
                "{name} via request type {}",
                mapping.name.as_deref().unwrap_or(&mapping.request_type_id)
            )
        },
        email: request.reporter.email_address.clone(),
        kind: if customer_rules {
            RequesterKind::PortalCustomer
        } else {
            RequesterKind::Automation
        },
    }
}

fn call_of(p: &PendingOperation, dry_run: bool) -> OperationCall {
    OperationCall {
        route: p.route,
        data: p.data.clone(),
        idempotency_key: IdempotencyKey::parse(
            "idempotencyKey",
            &format!("portal:{}", p.issue_key),
        )
        .ok(),
        issue_key: IssueKey::parse("issueKey", &p.issue_key).ok(),
        dry_run,
    }
}

fn context_of(p: &PendingOperation, dry_run: bool) -> RequestContext {
    call_of(p, dry_run).context(p.requester.clone(), EntryPoint::Portal)
}

async fn invalid_form(
    host: &impl Host,
    request: &PortalRequest,
    mapping: &RequestTypeMapping,
    error: &ApiError,
) -> PortalResult {
    let field = match error {
        ApiError::InvalidInput { field: Some(f), .. } => f.clone(),
        _ => "data".to_string(),
    };
    let input = field
        .trim_start_matches("data.")
        .split(['.', '['])
        .next()
        .unwrap_or_default()
        .to_string();
    let label = mapping
        .fields
        .get(&input)
        .map(|source| request.label_of(source))
        .unwrap_or_else(|| input.clone());
    public_note(
        host,
        &request.issue_key,
        &format!("Please check the field \"{label}\": {}. Update the request and an agent will pick it up.", customer_reason(error)),
    )
    .await;
    internal_note(
        host,
        &request.issue_key,
        &[&format!(
            "Entra ID Connect did not run {}: {} ({field}).",
            mapping.route, error
        )],
    )
    .await;
    PortalResult::InvalidForm { field }
}

/// What a customer is told: the gist, without internal names.
fn customer_reason(error: &ApiError) -> &'static str {
    let text = error.to_string().to_lowercase();
    if text.contains("required") {
        "it is required"
    } else if text.contains("date") {
        "it must be a date"
    } else {
        "the value is not valid"
    }
}

async fn internal_note(host: &impl Host, issue_key: &str, lines: &[&str]) {
    if let Err(e) = audit::post_internal_comment(host, issue_key, audit::note_comment(lines)).await
    {
        host.log(
            LogLevel::Warn,
            &format!("portal: internal comment not posted on {issue_key}: {e}"),
        );
    }
}

/// A comment the customer sees (JSM's plain-text comment API).
async fn public_note(host: &impl Host, issue_key: &str, text: &str) {
    let result = host
        .jira(JiraRequest {
            method: Method::Post,
            path: format!(
                "/rest/servicedeskapi/request/{}/comment",
                crate::graph::odata::encode_component(issue_key)
            ),
            body: Some(json!({ "body": text, "public": true })),
            as_who: JiraAs::App,
        })
        .await;
    if !matches!(&result, Ok(r) if r.status < 300) {
        host.log(
            LogLevel::Warn,
            &format!("portal: public comment not posted on {issue_key}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A form field for a list input (`groups`, `skus`, `disabledPlans`)
    /// becomes the array the route declares; other inputs stay text.
    #[test]
    fn list_inputs_from_form_fields_become_arrays() {
        let mapping: RequestTypeMapping = serde_json::from_value(json!({
            "requestTypeId": "31", "route": "user.assignLicenses",
            "fields": {"user": "customfield_1", "skus": "customfield_2", "disabledPlans": "customfield_3"}
        }))
        .unwrap();
        let request: PortalRequest = serde_json::from_value(json!({
            "issueKey": "ITSM-9", "requestTypeId": "31", "reporter": {"accountId": "a"},
            "requestFieldValues": [
                {"fieldId": "customfield_1", "value": "lee.gu@contoso.example"},
                {"fieldId": "customfield_2", "value": "ENTERPRISEPACK, SPE_E5"},
                {"fieldId": "customfield_3", "value": "TEAMS1"}
            ]
        }))
        .unwrap();
        let data = data_of(&mapping, &request);
        assert_eq!(data["user"], "lee.gu@contoso.example");
        assert_eq!(data["skus"], json!(["ENTERPRISEPACK", "SPE_E5"]));
        assert_eq!(data["disabledPlans"], json!(["TEAMS1"]));
    }
}
