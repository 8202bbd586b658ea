//! Comments on the JSM request, in Atlassian Document Format: the dry-run
//! plan for approvers, and the audit summary. Both are built only from
//! redacted plans and step summaries, so no credential can reach them.

use crate::audit::record::{AuditRecord, AuditResult};
use crate::audit::time::iso8601;
use crate::config::policy::PolicyConfig;
use crate::graph::odata::encode_component;
use crate::host::{Host, HostError, JiraAs, JiraRequest};
use crate::http::Method;
use crate::lifecycle::plan::StepTarget;
use crate::lifecycle::Plan;
use crate::route::Route;
use serde_json::{json, Value};

/// Who sees a comment on a JSM request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentVisibility {
    /// Agents only (the default for everything).
    Internal,
    /// Also the customer: only for outcomes that issued no credential, and
    /// only when the admin turned it on.
    Public,
}

/// Internal unless the admin allows public comments and the record
/// concerns no credential.
pub fn visibility_for(config: &PolicyConfig, record: &AuditRecord) -> CommentVisibility {
    let secret_related = record.credential.is_some()
        || record.delivery_id.is_some()
        || record.operation().is_some_and(Route::issues_credential);
    if config.public_comments_for_non_secret_outcomes && !secret_related {
        CommentVisibility::Public
    } else {
        CommentVisibility::Internal
    }
}

fn text(value: &str) -> Value {
    json!({"type": "text", "text": value})
}

fn strong(value: &str) -> Value {
    json!({"type": "text", "text": value, "marks": [{"type": "strong"}]})
}

fn code(value: &str) -> Value {
    json!({"type": "text", "text": value, "marks": [{"type": "code"}]})
}

fn paragraph(content: Vec<Value>) -> Value {
    json!({"type": "paragraph", "content": content})
}

fn list(kind: &str, items: Vec<Vec<Value>>) -> Value {
    json!({
        "type": kind,
        "content": items
            .into_iter()
            .map(|content| json!({"type": "listItem", "content": [paragraph(content)]}))
            .collect::<Vec<_>>()
    })
}

fn doc(content: Vec<Value>) -> Value {
    json!({"type": "doc", "version": 1, "content": content})
}

/// A step's summary with the names of the groups and people it touches
/// (its `targets`, as stored) marked strong: "Add to group **All Staff**".
fn rich(summary: &str, targets: &[Value]) -> Vec<Value> {
    let mut names: Vec<&str> = targets
        .iter()
        .filter_map(|t| {
            t.get("displayName")
                .or_else(|| t.get("userPrincipalName"))
                .and_then(Value::as_str)
        })
        .filter(|n| !n.is_empty())
        .collect();
    // The longest first, so a name inside another is not split out of it.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut content = Vec::new();
    let mut rest = summary;
    while !rest.is_empty() {
        let next = names
            .iter()
            .filter_map(|n| rest.find(n).map(|at| (at, *n)))
            .min_by_key(|(at, n)| (*at, std::cmp::Reverse(n.len())));
        let Some((at, name)) = next else {
            content.push(text(rest));
            break;
        };
        if at > 0 {
            content.push(text(&rest[..at]));
        }
        content.push(strong(name));
        rest = &rest[at + name.len()..];
    }
    content
}

fn targets_json(targets: &[StepTarget]) -> Vec<Value> {
    targets.iter().map(|t| json!(t)).collect()
}

/// A plain note in ADF, one paragraph per line.
pub fn note_comment(lines: &[&str]) -> Value {
    doc(lines.iter().map(|l| paragraph(vec![text(l)])).collect())
}

/// The dry-run plan, for approvers to read before they decide.
pub fn plan_comment(kind: Route, target_label: Option<&str>, plan: &Plan) -> Value {
    let mut heading = vec![
        strong("Entra ID Connect: planned changes"),
        text(" for "),
        code(kind.route()),
    ];
    if let Some(target) = target_label {
        heading.push(text(" on "));
        heading.push(strong(target));
    }
    heading.push(text(" (dry run; nothing has changed yet)"));
    let mut content = vec![paragraph(heading)];
    if plan.changes.is_empty() {
        content.push(paragraph(vec![text("No changes needed.")]));
    } else {
        // Names for people; the ids and Graph requests stay in the answer
        // and the audit record.
        content.push(list(
            "bulletList",
            plan.changes
                .iter()
                .map(|c| rich(&c.summary, &targets_json(&c.targets)))
                .collect(),
        ));
    }
    doc(content)
}

/// The audit summary of one attempt.
pub fn summary_comment(record: &AuditRecord) -> Value {
    let what = match record.operation() {
        Some(kind) => kind.route().to_string(),
        None => "credential reveal".to_string(),
    };
    let mut heading = vec![strong("Entra ID Connect: "), code(&what)];
    if let Some(target) = &record.target {
        heading.push(text(" on "));
        heading.push(strong(&target.label));
    }
    heading.push(text(&format!(" {}.", record.result.describe())));
    let mut content = vec![paragraph(heading)];
    let steps: Vec<Vec<Value>> = record
        .steps
        .iter()
        .filter_map(|s| {
            let summary = s.get("summary")?.as_str()?;
            let outcome = s.get("outcome")?;
            let targets = s.get("targets").and_then(Value::as_array);
            let mut line = rich(summary, targets.map(Vec::as_slice).unwrap_or_default());
            line.push(text(&format!(": {}", describe_step(outcome))));
            Some(line)
        })
        .collect();
    if !steps.is_empty() {
        content.push(list("bulletList", steps));
    }
    if !record.remainder.is_empty() {
        // Never let a request look finished while access or work remains.
        content.push(paragraph(vec![strong("Left for a person:")]));
        content.push(list(
            "bulletList",
            record
                .remainder
                .iter()
                .map(|r| vec![text(&r.summary)])
                .collect(),
        ));
    }
    if let Some(note) = &record.credential {
        content.push(paragraph(vec![text(&format!(
            "A {} was issued. The authorized person can reveal it once in the request's Entra ID panel until {}. It is not shown here.",
            note.kind.describe(),
            iso8601(note.expires_at_ms)
        ))]));
    }
    let mut footer = vec![text(&format!(
        "Requested by {} at {}. Audit id ",
        record
            .requester
            .display_name
            .as_deref()
            .unwrap_or(&record.requester.account_id),
        iso8601(record.at_ms)
    ))];
    footer.push(code(&record.id));
    if !record.graph_request_ids.is_empty() {
        footer.push(text(&format!(
            "; Graph request ids {}",
            record.graph_request_ids.join(", ")
        )));
    }
    footer.push(text("."));
    content.push(paragraph(footer));
    if let AuditResult::Refused { .. } = record.result {
        content.push(paragraph(vec![text(
            "Nothing was changed in Entra ID. An administrator can review the policy on the app's admin page.",
        )]));
    }
    doc(content)
}

/// A stored step outcome (the serialised [`crate::lifecycle::StepOutcome`]) in words.
fn describe_step(outcome: &Value) -> String {
    let field = |name: &str| outcome.get(name).and_then(Value::as_str).unwrap_or("");
    match field("status") {
        "done" => "done".into(),
        "noChange" => "no change needed".into(),
        "failed" => {
            let mut text = format!("failed ({}: {})", field("code"), field("message"));
            if !field("requestId").is_empty() {
                text.push_str(&format!(", request-id {}", field("requestId")));
            }
            text
        }
        "skipped" => format!("skipped ({})", field("reason")),
        "deferred" => format!(
            "deferred (throttled; retry after {} ms)",
            outcome
                .get("retryAfterMs")
                .and_then(Value::as_u64)
                .unwrap_or(0)
        ),
        other => other.to_string(),
    }
}

/// Why a comment could not be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentError {
    /// The Jira call got no response.
    Host(HostError),
    /// Jira answered with a non-2xx status (e.g. 404 for an issue the app
    /// cannot see, 400 for a body it refused).
    Rejected {
        /// The HTTP status Jira answered.
        status: u16,
    },
}

impl std::fmt::Display for CommentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommentError::Host(e) => e.fmt(f),
            CommentError::Rejected { status } => write!(f, "Jira refused the comment ({status})"),
        }
    }
}

impl std::error::Error for CommentError {}

/// Posts an ADF comment that only agents see
/// (`sd.public.comment` = `{internal: true}`).
pub async fn post_internal_comment<H: Host>(
    host: &H,
    issue_key: &str,
    adf: Value,
) -> Result<(), CommentError> {
    post_comment(host, issue_key, adf, CommentVisibility::Internal).await
}

/// Posts an ADF comment with the given visibility, as the app, through
/// Jira's `POST /rest/api/3/issue/{issueIdOrKey}/comment` with the
/// `sd.public.comment` property that JSM reads for comment visibility.
/// Any 2xx is success.
/// <https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post>
pub async fn post_comment<H: Host>(
    host: &H,
    issue_key: &str,
    adf: Value,
    visibility: CommentVisibility,
) -> Result<(), CommentError> {
    let internal = visibility == CommentVisibility::Internal;
    let response = host
        .jira(JiraRequest {
            method: Method::Post,
            path: format!("/rest/api/3/issue/{}/comment", encode_component(issue_key)),
            body: Some(json!({
                "body": adf,
                "properties": [{"key": "sd.public.comment", "value": {"internal": internal}}]
            })),
            as_who: JiraAs::App,
        })
        .await
        .map_err(CommentError::Host)?;
    if (200..300).contains(&response.status) {
        Ok(())
    } else {
        Err(CommentError::Rejected {
            status: response.status,
        })
    }
}
