//! What is being asked for: the operation kinds (named as the Service API
//! routes name them) and the subject of one request.

use crate::ops::{ObjectId, UserRef};

/// Every operation the policy layer governs is a Service API route; the
/// route name (`user.resetPassword`) is also the config key under
/// `policy.approvals.*`.
pub use crate::operation::route::Route as OperationKind;

/// Profile attributes whose change Entra treats as a sensitive action
/// (graph.md §6): only an administrator as privileged as the target may
/// change them, so they trigger the protected-target check.
pub const SENSITIVE_ATTRIBUTES: [&str; 8] = [
    "accountEnabled",
    "userPrincipalName",
    "mail",
    "otherMails",
    "mobilePhone",
    "businessPhones",
    "onPremisesImmutableId",
    "passwordProfile",
];

/// One request as the policy sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub kind: OperationKind,
    /// The user acted on (none for `user.create`).
    pub target: Option<UserRef>,
    /// Groups the operation adds to or removes from (explicit ones; for
    /// `user.create` and `user.transfer` also those derived by rules).
    pub groups: Vec<ObjectId>,
    /// Attribute names the operation writes (`user.update`, `user.transfer`).
    pub attributes: Vec<String>,
}

impl Operation {
    pub fn on_user(kind: OperationKind, target: UserRef) -> Self {
        Operation {
            kind,
            target: Some(target),
            groups: Vec::new(),
            attributes: Vec::new(),
        }
    }

    pub fn create(groups: Vec<ObjectId>) -> Self {
        Operation {
            kind: OperationKind::UserCreate,
            target: None,
            groups,
            attributes: Vec::new(),
        }
    }

    pub fn with_groups(mut self, groups: Vec<ObjectId>) -> Self {
        self.groups = groups;
        self
    }

    pub fn with_attributes<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.attributes = names.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the target must pass the protected-target check: credential
    /// resets, account state, offboarding, and sensitive attribute changes.
    pub fn touches_sensitive_target(&self) -> bool {
        match self.kind {
            OperationKind::UserResetPassword
            | OperationKind::UserCreateTemporaryAccessPass
            | OperationKind::UserDisable
            | OperationKind::UserEnable
            | OperationKind::UserOffboard => true,
            OperationKind::UserUpdate | OperationKind::UserTransfer => self
                .attributes
                .iter()
                .any(|a| SENSITIVE_ATTRIBUTES.contains(&a.as_str())),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_round_trip() {
        for kind in OperationKind::ALL.iter().copied() {
            assert_eq!(OperationKind::from_route(kind.route()), Some(kind));
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(serde_json::from_value::<OperationKind>(json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<OperationKind>("\"user.explode\"").is_err());
    }

    #[test]
    fn sensitive_updates() {
        let t = UserRef::Upn("a@b.c".into());
        let plain = Operation::on_user(OperationKind::UserUpdate, t.clone())
            .with_attributes(["department"]);
        assert!(!plain.touches_sensitive_target());
        let phone = plain.clone().with_attributes(["department", "mobilePhone"]);
        assert!(phone.touches_sensitive_target());
        assert!(Operation::on_user(OperationKind::UserDisable, t).touches_sensitive_target());
    }
}
