//! Plans: the exact Graph changes an operation will make, shown before (dry
//! run, approvals) and executed after.

use crate::graph::GraphRequest;
use serde::Serialize;
use serde_json::Value;

/// When a failure of a change actually means the goal already holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlreadyDoneWhen {
    /// Every failure is a failure.
    Never,
    /// 400 "added object references already exist" (adding a member).
    AlreadyMember,
    /// 404 on removing a membership that is not there. A 404 that names
    /// the group means the group itself is missing, which is a failure.
    NotAMemberOf {
        /// The group whose 404 is a failure rather than "not a member".
        group_id: String,
    },
}

/// What kind of object a step touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TargetKind {
    /// The user the operation acts on.
    User,
    /// The user set as someone's manager (`manager` navigation property).
    Manager,
    /// A group whose membership changes.
    Group,
}

/// One object a step touches, named as Entra names it: the id for machines,
/// the names for people. Names are those the operation already read (the
/// target read, manager resolution, group lookups and checks); a name Graph
/// was never asked for is absent, and the id stands in for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepTarget {
    /// User, manager or group.
    pub kind: TargetKind,
    /// Entra object id (GUID); `{new-user-id}` in a plan before creation.
    pub id: String,
    /// `displayName`, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `userPrincipalName` of a user, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// `mail` of a user, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
}

impl StepTarget {
    /// A group, with its `displayName` when known.
    pub fn group(id: impl Into<String>, display_name: Option<&str>) -> Self {
        StepTarget {
            kind: TargetKind::Group,
            id: id.into(),
            display_name: display_name.map(str::to_string),
            user_principal_name: None,
            mail: None,
        }
    }

    /// A person (user or manager) as read from Graph.
    pub fn person(kind: TargetKind, user: &crate::graph::model::UserView) -> Self {
        StepTarget {
            kind,
            id: user.id.clone(),
            display_name: user.display_name.clone(),
            user_principal_name: user.user_principal_name.clone(),
            mail: user.mail.clone(),
        }
    }

    /// The name people read: `displayName`, else the UPN, else the id.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.user_principal_name.as_deref())
            .unwrap_or(&self.id)
    }

    /// The name, with the address in brackets when there is one beside a
    /// display name: "Emily Braun (emily.braun@contoso.example)".
    pub fn label(&self) -> String {
        let address = self.mail.as_deref().or(self.user_principal_name.as_deref());
        match (&self.display_name, address) {
            (Some(name), Some(address)) if name != address => format!("{name} ({address})"),
            _ => self.name().to_string(),
        }
    }
}

/// One planned Graph change. The request may carry a secret; only the
/// redacted form ever leaves through [`Step::planned`].
#[derive(Debug, Clone)]
pub struct Step {
    /// Stable step key, e.g. `group.add:{groupId}`, so re-runs line up.
    pub key: String,
    /// One line for approvers and comments.
    pub summary: String,
    /// The exact Graph request (may carry a secret in its body).
    pub request: GraphRequest,
    /// Which failure means the goal already holds (reported as no change).
    pub already_done_when: AlreadyDoneWhen,
    /// The groups and people the change touches, with their names.
    pub targets: Vec<StepTarget>,
    /// Keys of earlier steps of the same plan that must succeed before this
    /// one is sent (`dependsOn` in a `$batch`: Graph runs independent items
    /// in no promised order, and answers 424 when a dependency failed).
    pub after: Vec<String>,
}

impl Step {
    /// A change for which every failure is a failure.
    pub fn new(key: impl Into<String>, summary: impl Into<String>, request: GraphRequest) -> Self {
        Step {
            key: key.into(),
            summary: summary.into(),
            request,
            already_done_when: AlreadyDoneWhen::Never,
            targets: Vec::new(),
            after: Vec::new(),
        }
    }

    /// Sets [`Step::targets`].
    pub fn with_targets(mut self, targets: Vec<StepTarget>) -> Self {
        self.targets = targets;
        self
    }

    /// Adds `key` to [`Step::after`]: this step runs only once the step
    /// with that key succeeded.
    pub fn after(mut self, key: impl Into<String>) -> Self {
        self.after.push(key.into());
        self
    }

    /// Sets [`Step::already_done_when`].
    pub fn already_done_when(mut self, rule: AlreadyDoneWhen) -> Self {
        self.already_done_when = rule;
        self
    }

    /// The machine-readable plan entry, secrets redacted.
    pub fn planned(&self) -> PlannedStep {
        PlannedStep {
            key: self.key.clone(),
            method: self.request.method.as_str().to_string(),
            path: self.request.path.clone(),
            body: self.request.redacted_body(),
            summary: self.summary.clone(),
            targets: self.targets.clone(),
        }
    }
}

/// A change as shown in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedStep {
    /// The step's stable key.
    pub key: String,
    /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
    pub method: String,
    /// Path relative to `/v1.0`, query string included.
    pub path: String,
    /// The JSON body with secrets replaced by `[redacted]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// One line for people, naming groups and people by display name.
    pub summary: String,
    /// The groups and people the change touches: ids and names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<StepTarget>,
}

/// The ordered list of changes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct Plan {
    /// In execution order (sent together in one `$batch` when more than one).
    pub changes: Vec<PlannedStep>,
}

impl Plan {
    /// The plan of these steps, in order.
    pub fn from_changes<'c>(changes: impl IntoIterator<Item = &'c Step>) -> Self {
        Plan {
            changes: changes.into_iter().map(Step::planned).collect(),
        }
    }

    /// Appends one step.
    pub fn push(&mut self, change: &Step) {
        self.changes.push(change.planned());
    }

    /// One line per change, for approvers and comments.
    pub fn render_text(&self) -> String {
        if self.changes.is_empty() {
            return "No changes needed.".to_string();
        }
        self.changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "{}. {} ({} {})",
                    i + 1,
                    c.summary,
                    c.method,
                    strip_query(&c.path)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn strip_query(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plan_redacts_and_renders() {
        let c = Step::new(
            "password.reset",
            "Reset the password of jane@contoso.com",
            GraphRequest::patch(
                "/users/1",
                json!({"passwordProfile": {"password": "S3cret!xyzXYZ123"}}),
            ),
        );
        let plan = Plan::from_changes([&c]);
        let text = serde_json::to_string(&plan).unwrap();
        assert!(!text.contains("S3cret"));
        assert!(text.contains("\"method\":\"PATCH\""));
        assert_eq!(
            plan.render_text(),
            "1. Reset the password of jane@contoso.com (PATCH /users/1)"
        );
        assert_eq!(Plan::default().render_text(), "No changes needed.");
    }
}
