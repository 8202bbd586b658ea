//! The OpenAPI 3 description of the Service API, generated from the routes
//! and their inputs so it cannot drift from the code: `docs/service-api.openapi.json`
//! is this document (a test compares them; `cargo run --example openapi`
//! rewrites it), and a test holds every documented input to the parser.

use serde_json::{json, Map, Value};

pub use crate::route::inputs::{routes, Input};

/// The two job routes (not operations: see `crate::jobs`).
fn job_calls() -> Vec<(&'static str, Value)> {
    use crate::service_api::envelope::{JOBS_SUBMIT, JOB_STATUS};
    let item = json!({"type": "object", "additionalProperties": false, "required": ["route"], "properties": {
        "route": {"type": "string", "description": "An operation route such as user.create"},
        "data": {"type": "object", "description": "The route's data, as for a single call"},
        "idempotencyKey": {"$ref": "#/components/schemas/IdempotencyKey"},
        "issueKey": {"$ref": "#/components/schemas/IssueKey"}
    }});
    vec![
        (
            JOBS_SUBMIT,
            json!({
                "type": "object",
                "description": "Queue up to 500 calls as one job; answers 202 with result.jobId and result.items. Every item is validated first (errors name data.calls[i]); each runs once, with the idempotency key job-<jobId>-<index> unless it has its own",
                "additionalProperties": false,
                "required": ["route", "data"],
                "properties": {
                    "route": {"type": "string", "enum": [JOBS_SUBMIT]},
                    "data": {"type": "object", "additionalProperties": false, "required": ["calls"], "properties": {
                        "calls": {"type": "array", "minItems": 1, "maxItems": crate::jobs::MAX_ITEMS, "items": item}
                    }}
                }
            }),
        ),
        (
            JOB_STATUS,
            json!({
                "type": "object",
                "description": "A job's progress: result.counts (queued, done, failed, refused, waiting), result.progress for a progress bar (total; done: items finished or handed to their request's approval; failed: failed or refused; remaining; percent, rounded down; etaSeconds: seconds left at the rate so far, rounded up, 0 when nothing remains, null before the first item finishes) and result.outcomes (per item: route, status, httpStatus, errorCode, errorMessage, auditId, userId, userPrincipalName; never a credential)",
                "additionalProperties": false,
                "required": ["route", "data"],
                "properties": {
                    "route": {"type": "string", "enum": [JOB_STATUS]},
                    "data": {"type": "object", "additionalProperties": false, "required": ["jobId"], "properties": {
                        "jobId": {"type": "string", "maxLength": 64}
                    }}
                }
            }),
        ),
    ]
}

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The whole OpenAPI 3.0.3 document as JSON: one `POST /` operation whose
/// body is a `oneOf` of every route's call, discriminated by `route`.
pub fn document() -> Value {
    let mut call_variants = Vec::new();
    let mut schemas = Map::new();
    for (route, summary, inputs) in routes() {
        let name = format!("Call_{}", route.name().replace('.', "_"));
        let mut properties = Map::new();
        for input in &inputs {
            let mut schema = (input.schema)();
            if schema.get("$ref").is_none() {
                schema["description"] = json!(input.description);
            }
            properties.insert(input.name.to_string(), schema);
        }
        let required: Vec<&str> = inputs
            .iter()
            .filter(|i| i.required)
            .map(|i| i.name)
            .collect();
        schemas.insert(
            name.clone(),
            json!({
                "type": "object",
                "description": summary,
                "additionalProperties": false,
                "required": ["route", "data"],
                "properties": {
                    "route": {"type": "string", "enum": [route.name()]},
                    "data": {"type": "object", "additionalProperties": false, "required": required, "properties": properties},
                    "idempotencyKey": {"$ref": "#/components/schemas/IdempotencyKey"},
                    "issueKey": {"$ref": "#/components/schemas/IssueKey"},
                    "dryRun": {"type": "boolean", "default": false, "description": "Return the plan and change nothing"}
                }
            }),
        );
        call_variants.push(json!({"$ref": format!("#/components/schemas/{name}")}));
    }
    let mut mapping: Map<String, Value> = routes()
        .iter()
        .map(|(r, _, _)| {
            (
                r.name().to_string(),
                json!(format!(
                    "#/components/schemas/Call_{}",
                    r.name().replace('.', "_")
                )),
            )
        })
        .collect();
    for (name, schema) in job_calls() {
        let key = format!("Call_{}", name.replace('.', "_"));
        mapping.insert(
            name.to_string(),
            json!(format!("#/components/schemas/{key}")),
        );
        call_variants.push(json!({"$ref": format!("#/components/schemas/{key}")}));
        schemas.insert(key, schema);
    }
    schemas.insert("Call".into(), json!({"oneOf": call_variants, "discriminator": {"propertyName": "route", "mapping": mapping}}));
    schemas.insert("UserRef".into(), json!({
        "description": "A user: an object id, or an address matched in one lookup against userPrincipalName, mail and SMTP proxy addresses (an address two users hold is 409 ambiguous; an unknown one 404), or an object naming exactly one of id, userPrincipalName, mail, employeeId to match that property only",
        "oneOf": [
            {"type": "string", "example": "jordan.lee@contoso.com"},
            {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1, "properties": {
                "id": {"type": "string", "format": "uuid"},
                "userPrincipalName": {"type": "string"},
                "mail": {"type": "string"},
                "employeeId": {"type": "string", "maxLength": 16}
            }}
        ]
    }));
    let change_props: Map<String, Value> = crate::lifecycle::update::UPDATABLE_FIELDS
        .iter()
        .map(|name| {
            (
                name.to_string(),
                json!({"type": "string", "nullable": true}),
            )
        })
        .collect();
    schemas.insert("AttributeChanges".into(), json!({"type": "object", "additionalProperties": false, "minProperties": 1, "properties": change_props, "description": "A string sets the attribute (\"\" or only spaces: not given, left as it is); null clears it. employeeHireDate takes the date forms of user.create; usageLocation an ISO 3166-1 alpha-2 code."}));
    schemas.insert("IdempotencyKey".into(), json!({"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[!-~]+$", "description": "A repeated call with the same key returns the first complete answer and changes nothing"}));
    schemas.insert("IssueKey".into(), json!({"type": "string", "pattern": "^[A-Z][A-Z0-9_]*-[1-9][0-9]*$", "description": "The JSM request this call belongs to (audit, approvals, credential recipients)"}));
    schemas.insert("StepTarget".into(), json!({"type": "object", "required": ["kind", "id"], "description": "A group or person a step touches: the id, and the names the operation read", "properties": {
        "kind": {"type": "string", "enum": ["user", "manager", "group"]}, "id": {"type": "string"},
        "displayName": {"type": "string"}, "userPrincipalName": {"type": "string"}, "mail": {"type": "string"}
    }}));
    schemas.insert("Step".into(), json!({"type": "object", "properties": {
        "key": {"type": "string"}, "summary": {"type": "string", "description": "One line naming groups and people by display name, e.g. \"Add to group All Staff\""},
        "targets": {"type": "array", "items": {"$ref": "#/components/schemas/StepTarget"}},
        "outcome": {"type": "object", "properties": {"status": {"type": "string", "enum": ["done", "noChange", "failed", "skipped", "deferred"]}}}
    }}));
    schemas.insert("Success".into(), json!({"type": "object", "required": ["ok", "route"], "properties": {
        "ok": {"type": "boolean", "enum": [true]},
        "route": {"type": "string"},
        "dryRun": {"type": "boolean"},
        "replay": {"type": "boolean", "description": "This is the stored answer of an earlier call with the same idempotency key"},
        "result": {"type": "object", "description": "Reads: the user or groups. Changes: the user, each step, and for credentials the one-time reveal id (never the value, except for signed HR calls when the admin allows it)", "properties": {
            "status": {"type": "string", "enum": ["done", "noChange", "doneWithRemainders", "incomplete", "dryRun"], "description": "How the change ended. doneWithRemainders: every step the app could take is done, but access or work is left for a person (result.remainder); the request is not finished"},
            "complete": {"type": "boolean", "description": "True only when the intended end state was observed and nothing is left for a person (status done or noChange)"},
            "remainder": {"type": "array", "description": "What the app cannot do through Graph and a person must (dynamic groups and the attribute driving them, distribution lists and mail-enabled security groups, Active Directory for synced users, mailbox steps in Exchange, groups the leaver owned, a state the read-back after the writes did not observe)", "items": {"type": "object", "required": ["kind", "summary"], "properties": {"kind": {"type": "string"}, "summary": {"type": "string"}}}}
        }},
        "plan": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "method": {"type": "string"}, "path": {"type": "string"}, "body": {}, "summary": {"type": "string"}, "targets": {"type": "array", "items": {"$ref": "#/components/schemas/StepTarget"}}}}},
        "auditId": {"type": "string"},
        "scheduled": {"type": "array", "description": "Work the call scheduled for a later date (a dry run: would schedule): a future joiner's activation (enable, first credential) on the hire date, a future leaver's offboarding on the leave date, the licence removal and deletion after the grace days", "items": {"$ref": "#/components/schemas/ScheduledStep"}},
        "approval": {"type": "object", "required": ["status", "pending", "message"], "description": "A dry run on a request whose JSM approvals are still pending: the real run waits for them", "properties": {
            "status": {"type": "string", "enum": ["pending"]},
            "pending": {"type": "integer", "description": "JSM approvals still pending on the request"},
            "message": {"type": "string"}
        }}
    }}));
    schemas.insert("ScheduledStep".into(), json!({"type": "object", "required": ["step", "dueAt", "dueAtMs", "userId", "status"], "properties": {
        "step": {"type": "string", "enum": ["activate", "offboard", "licences.remove", "delete"]},
        "dueAt": {"type": "string", "format": "date-time", "description": "When it runs (RFC 3339 UTC); the hourly run after this instant runs it"},
        "dueAtMs": {"type": "integer", "description": "The same instant in milliseconds since the Unix epoch"},
        "user": {"type": "string", "description": "The person's userPrincipalName"},
        "userId": {"type": "string", "description": "The person's Entra object id"},
        "status": {"type": "string", "enum": ["pending", "running", "done", "failed", "cancelled"]},
        "summary": {"type": "string"}
    }}));
    schemas.insert("Error".into(), json!({"type": "object", "required": ["ok", "error"], "properties": {
        "ok": {"type": "boolean", "enum": [false]},
        "error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "field": {"type": "string", "description": "The input at fault, e.g. data.user"},
            "rule": {"type": "string", "description": "The policy rule that refused the call"},
            "graphRequestId": {"type": "string"}, "retryAfterMs": {"type": "integer"},
            "graphStatus": {"type": "integer", "description": "Graph's HTTP status, when Graph refused"},
            "graphCode": {"type": "string", "description": "Graph's error code"},
            "graphMessage": {"type": "string", "description": "Graph's error message, when a step was refused"},
            "permissions": {"type": "array", "items": {"type": "string"}, "description": "Application permissions the app lacks, when Graph's 403 names them"},
            "properties": {"type": "array", "items": {"type": "string"}, "description": "on_premises_mastered (409): the properties the request would change that on-premises AD masters"}
        }},
        "result": {"type": "object", "description": "On partial failure: every step and its outcome"},
        "plan": {"type": "array", "items": {"type": "object"}},
        "auditId": {"type": "string"}
    }}));
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Entra ID Connect for JSM - Service API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "One web trigger URL per installation. POST a JSON call naming a route. Authenticate with `Authorization: Bearer <service key>` (Jira automation) or sign the request with HMAC-SHA256 over `{timestamp}.{body}` (HR systems)."
        },
        "servers": [{"url": "https://{webtrigger}", "variables": {"webtrigger": {"default": "your-site.atlassian-dev.net/x1/your-trigger", "description": "The URL from `forge webtrigger` or the admin page"}}}],
        "security": [{"serviceKey": []}, {"hmacSignature": [], "hmacTimestamp": []}],
        "paths": {"/": {"post": {
            "operationId": "call",
            "summary": "Run one Service API route",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Call"}}}},
            "responses": {
                "200": {"description": "Done (or the dry-run plan)", "headers": {"Idempotent-Replay": {"schema": {"type": "string"}, "description": "true when this is a stored answer"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}},
                "202": {"description": "jobs.submit: the job is queued (result.jobId). Other routes: error.code awaiting_approval, waiting for the request's approvals; nothing changed", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Success"}, {"$ref": "#/components/schemas/Error"}]}}}},
                "400": error("Invalid input; error.field names it. Also Graph refusing a step for its content (error.graphCode, error.graphMessage, error.graphRequestId; result.steps)"),
                "401": error("Missing or wrong credentials"),
                "403": error("Refused by policy (error.code refused_by_policy, error.rule; rule changedAfterApproval when the input changed after its approval), declined by an approver (approval_declined), or Graph refused a step (error.graphCode; error.permissions when Graph names the permission the app lacks)"),
                "404": error("No such user or group (also when Graph answers 404 for a step)"),
                "405": error("Only POST is accepted"),
                "409": error("Conflict (for example two users with this mail, a membership held only through a nested group, or Graph's 409 for a step)"),
                "413": error("Body over 256 KiB"),
                "429": {"description": "Entra is throttling; retry after Retry-After", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "502": error("Entra failed: a Graph 5xx, a network failure or an unknown state (error.graphRequestId), with the steps in result.steps; re-send to resume"),
                "503": error("The app is not connected to Entra yet")
            }
        }}},
        "components": {
            "securitySchemes": {
                "serviceKey": {"type": "http", "scheme": "bearer", "description": "The service key from the admin page"},
                "hmacSignature": {"type": "apiKey", "in": "header", "name": "X-Entra-Connect-Signature", "description": "v1=<hex HMAC-SHA256 of \"{timestamp}.{body}\" with the HR signing secret>"},
                "hmacTimestamp": {"type": "apiKey", "in": "header", "name": "X-Entra-Connect-Timestamp", "description": "Unix seconds; within 5 minutes of the app's clock"}
            },
            "schemas": schemas
        }
    })
}
