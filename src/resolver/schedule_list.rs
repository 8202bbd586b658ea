//! The scheduled steps per person, for the admin page and the sandbox page.
//!
//! `schedule.list` -> `{people: [{userId, user, state, steps: [view]}]}`:
//! with `{"userId"}`, that person's steps of every status (one `by-person`
//! query); without, everyone with a step still to run, soonest first (one
//! `by-due` query). Each step is `schedule::ScheduledStep::view`'s shape:
//! `{step, dueAt, dueAtMs, user, userId, status, summary, result}`.

use super::{internal, ResolverError};
use crate::host::Host;
use crate::schedule::{self, state, ScheduledStep};
use serde_json::{json, Value};

/// `schedule.list`: see the module documentation.
pub async fn list(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let user_id = payload["userId"]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let steps = match user_id {
        Some(id) => schedule::of_person(host, id).await,
        None => schedule::upcoming(host).await,
    }
    .map_err(|e| internal(host, &e.to_string()))?;
    let mut people: Vec<(String, String, Vec<&ScheduledStep>)> = Vec::new();
    for step in &steps {
        match people
            .iter_mut()
            .find(|(id, _, _)| id.eq_ignore_ascii_case(&step.user_id))
        {
            Some((_, _, list)) => list.push(step),
            None => people.push((step.user_id.clone(), step.user_label.clone(), vec![step])),
        }
    }
    let mut out = Vec::with_capacity(people.len());
    for (id, label, list) in people {
        let state = state::get(host, &id)
            .await
            .map_err(|e| internal(host, &e.to_string()))?;
        out.push(json!({
            "userId": id,
            "user": label,
            "state": state,
            "steps": list.iter().map(|s| s.view()).collect::<Vec<_>>(),
        }));
    }
    Ok(json!({ "people": out }))
}
