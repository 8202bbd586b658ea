//! One lifecycle state per person (`joining`, `active`, `leaving`,
//! `left`), as a `lifecycle-state` entity keyed by the user's object id
//! (lower case). The pipeline sets it when a change moves a person; the
//! pipeline and the scheduler read it to refuse racing work (a re-enable
//! of a leaver re-applies the current rules, a leaver's offboarding
//! cancels a pending activation). A person the app never moved has no
//! entity and counts as [`LifecycleState::Active`].

use crate::host::{Host, HostError};
use crate::layout::LIFECYCLE_STATE_ENTITY;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Where a person is in the joiner-mover-leaver cycle. JSON: camelCase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LifecycleState {
    /// Created before the hire date: disabled, no credential, activation
    /// scheduled.
    Joining,
    /// Working (or never moved by the app).
    Active,
    /// A leave date in the future: the offboarding is scheduled.
    Leaving,
    /// Offboarded; grace steps may still be scheduled.
    Left,
}

impl LifecycleState {
    /// The stored name (`joining`, `active`, `leaving`, `left`).
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleState::Joining => "joining",
            LifecycleState::Active => "active",
            LifecycleState::Leaving => "leaving",
            LifecycleState::Left => "left",
        }
    }

    /// Whether the person is on the way out (or gone).
    pub fn is_leaver(self) -> bool {
        matches!(self, LifecycleState::Leaving | LifecycleState::Left)
    }
}

/// The state's entity value: `{"state", "updatedAtMs", "person": {"label"}}`.
fn value(state: LifecycleState, label: &str, at_ms: u64) -> serde_json::Value {
    json!({"state": state.as_str(), "updatedAtMs": at_ms, "person": {"label": label}})
}

/// The person's state; [`LifecycleState::Active`] when none is stored.
pub async fn get(host: &impl Host, user_id: &str) -> Result<LifecycleState, HostError> {
    Ok(host
        .entity_get(LIFECYCLE_STATE_ENTITY, &key(user_id))
        .await?
        .and_then(|v| serde_json::from_value(v["state"].clone()).ok())
        .unwrap_or(LifecycleState::Active))
}

/// Sets the person's state (one entity write).
pub async fn set(
    host: &impl Host,
    user_id: &str,
    label: &str,
    state: LifecycleState,
) -> Result<(), HostError> {
    host.entity_set(
        LIFECYCLE_STATE_ENTITY,
        &key(user_id),
        &value(state, label, host.now_ms()),
    )
    .await
}

fn key(user_id: &str) -> String {
    crate::layout::key_part(&user_id.to_ascii_lowercase())
}
