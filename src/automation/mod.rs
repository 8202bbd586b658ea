//! Forge automation actions: each action's string inputs become one
//! operation call; the answer becomes smart values, or the
//! `{errors: [{message}]}` that stops the rule with the reason in its audit log.

pub mod catalog;

use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::Completion;
use crate::pipeline::answer::CallAnswer;
use crate::pipeline::call::{IssueKey, OperationCall};
use crate::policy::{EntryPoint, Requester, RequesterKind};
use catalog::{ActionDefinition, Target};
use serde_json::{json, Map, Value};

/// Forge gives actions 55 s; keep 5 s to store the outcome and answer.
pub const ACTION_BUDGET_MS: u64 = 50_000;

/// Runs one action invocation. `payload` holds the configured inputs as
/// top-level keys.
pub async fn handle(
    action_key: &str,
    payload: &Value,
    actor: Option<&str>,
    host: &impl Host,
    transport: &impl Transport,
) -> Value {
    let Some(action) = catalog::find(action_key) else {
        return errors(&format!(
            "This app has no automation action '{}'.",
            crate::pipeline::input::printable(action_key)
        ));
    };
    let call = match call_for(action, payload) {
        Ok(call) => call,
        Err(message) => return errors(&message),
    };
    let requester = Requester {
        // No actor: no Jira account, so it can never receive a credential.
        account_id: actor.unwrap_or_default().to_string(),
        display_name: format!("Automation rule ({})", action.name),
        email: None,
        kind: RequesterKind::Automation,
    };
    let request = call.context(requester, EntryPoint::Automation);
    let answer = crate::pipeline::run(&call, &request, host, transport, ACTION_BUDGET_MS).await;
    if answer.ok() {
        outputs(&answer)
    } else {
        errors(&error_message(action, &answer))
    }
}

/// Builds the call from the form's inputs. Automation resolves smart values
/// to strings; an empty one means the rule did not set that input.
fn call_for(action: &ActionDefinition, payload: &Value) -> Result<OperationCall, String> {
    let mut data = Map::new();
    let mut changes = Map::new();
    let mut issue_key = None;
    for input in action.inputs {
        let Some(raw) = payload.get(input.key) else {
            continue;
        };
        let text = match raw {
            Value::String(s) => s.trim().to_string(),
            Value::Null => continue,
            other => other.to_string(),
        };
        if text.is_empty() {
            continue;
        }
        match input.target {
            Target::Data | Target::DataNumber => {
                data.insert(input.key.to_string(), Value::String(text));
            }
            Target::DataList => {
                let items: Vec<Value> = text
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect();
                data.insert(input.key.to_string(), Value::Array(items));
            }
            Target::Change => {
                changes.insert(input.key.to_string(), Value::String(text));
            }
            Target::IssueKey => {
                issue_key = Some(
                    IssueKey::parse(input.title, &text)
                        .map_err(|e| format!("Input '{}': {e}", input.title))?,
                );
            }
        }
    }
    if !changes.is_empty() || action.inputs.iter().any(|i| i.target == Target::Change) {
        if changes.is_empty() {
            return Err("Set at least one attribute to change.".to_string());
        }
        data.insert("changes".to_string(), Value::Object(changes));
    }
    Ok(OperationCall {
        route: action.route,
        data,
        idempotency_key: None,
        issue_key,
        dry_run: false,
    })
}

/// The smart values of a successful call. Values are strings so rules can
/// compare and print them; a credential is only ever its reveal id.
fn outputs(answer: &CallAnswer) -> Value {
    let body = &answer.body;
    let result = &body["result"];
    // Reads return the user itself; changes return `result.user`.
    let user = if result["user"].is_object() {
        &result["user"]
    } else {
        result
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    // The answer's `result.status` in words: the one vocabulary of
    // `lifecycle::Completion` ("done with remainders" while work is left).
    let status = if body["dryRun"] == Value::Bool(true) {
        "dry run".to_string()
    } else {
        result["status"]
            .as_str()
            .and_then(Completion::from_key)
            .map_or("done", Completion::words)
            .to_string()
    };
    let plan_summary = body["plan"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .filter_map(|c| c["summary"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    json!({
        "status": status,
        "objectId": text(&user["id"]),
        "userPrincipalName": text(&user["userPrincipalName"]),
        "displayName": text(&user["displayName"]),
        "accountEnabled": text(&user["accountEnabled"]),
        "planSummary": plan_summary,
        "credentialId": text(&result["credentialId"]),
        "auditId": text(&body["auditId"]),
        "inviteRedeemUrl": text(&user["inviteRedeemUrl"]),
    })
}

fn error_message(action: &ActionDefinition, answer: &CallAnswer) -> String {
    let error = &answer.body["error"];
    let message = error["message"].as_str().unwrap_or("The operation failed.");
    let mut text = format!("{}: {message}", action.name);
    if let Some(field) = error["field"].as_str() {
        // Map `data.x` back to the input the rule author sees.
        let input = field
            .trim_start_matches("data.")
            .trim_start_matches("changes.");
        text.push_str(&format!(" (input '{input}')"));
    }
    if let Some(request_id) = error["graphRequestId"].as_str() {
        text.push_str(&format!(" [Graph request id {request_id}]"));
    }
    text
}

fn errors(message: &str) -> Value {
    json!({ "errors": [{ "message": message }] })
}
