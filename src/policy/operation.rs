//! What is being asked for: the operation kinds (named as the Service API
//! routes name them) and the subject of one request.

use crate::graph::GraphRequest;
use crate::lifecycle::offboard::{read_requests, OffboardRequest};
use crate::lifecycle::{ObjectId, UserRef};

use crate::graph::model::SENSITIVE_ATTRIBUTES;
use crate::route::Route;

/// One request as the policy sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The route asked for, e.g. `user.disable`.
    pub kind: Route,
    /// The user acted on (none for `user.create`).
    pub target: Option<UserRef>,
    /// Groups the operation adds to or removes from (explicit ones; for
    /// `user.create` and `user.transfer` also those derived by rules).
    pub groups: Vec<ObjectId>,
    /// Attribute names the operation writes (`user.update`, `user.transfer`).
    pub attributes: Vec<String>,
    /// Reads the operation will make of its target once allowed, which the
    /// policy's target check carries in its own round trip
    /// ([`crate::graph::read_ahead`]).
    pub read_ahead: Option<ReadAheadFor>,
}

/// Whose first reads the policy's target check may carry.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadAheadFor {
    /// Offboarding's one read batch ([`read_requests`]).
    Offboard(Box<OffboardRequest>),
}

impl ReadAheadFor {
    /// The reads, with the target's lists addressed by `key` (an id, or an
    /// address tried as a UPN).
    pub fn requests(&self, key: &str) -> Vec<GraphRequest> {
        match self {
            ReadAheadFor::Offboard(request) => read_requests(request, key),
        }
    }
}

impl Operation {
    /// An operation of `kind` on one existing user, no groups or attributes.
    pub fn on_user(kind: Route, target: UserRef) -> Self {
        Operation {
            kind,
            target: Some(target),
            groups: Vec::new(),
            attributes: Vec::new(),
            read_ahead: None,
        }
    }

    /// `user.create` joining `groups` (explicit and rule-derived).
    pub fn create(groups: Vec<ObjectId>) -> Self {
        Operation {
            kind: Route::UserCreate,
            target: None,
            groups,
            attributes: Vec::new(),
            read_ahead: None,
        }
    }

    /// Sets [`Operation::read_ahead`].
    pub fn with_read_ahead(mut self, reads: ReadAheadFor) -> Self {
        self.read_ahead = Some(reads);
        self
    }

    /// Sets [`Operation::groups`].
    pub fn with_groups(mut self, groups: Vec<ObjectId>) -> Self {
        self.groups = groups;
        self
    }

    /// Sets [`Operation::attributes`] (CSDL property names).
    pub fn with_attributes<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.attributes = names.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the target must pass the protected-target check: credential
    /// resets, account state, signing out everywhere, offboarding, and
    /// sensitive attribute changes.
    pub fn touches_sensitive_target(&self) -> bool {
        match self.kind {
            Route::UserResetPassword
            | Route::UserCreateTemporaryAccessPass
            | Route::UserDisable
            | Route::UserEnable
            | Route::UserOffboard
            | Route::UserResetMfa
            | Route::UserDelete
            // Signing a person out everywhere grants nothing, but on an
            // administrator it is a lever: it takes them off the tenant
            // mid-incident, again and again. Entra keeps invalidating a
            // privileged user's refresh tokens to privileged roles too
            // (Authorization_RequestDenied "Access to invalidate refresh
            // tokens operation is denied" for a User and Authentication
            // Administrator: github.com/AzureAD/azure-activedirectory-powershell/issues/25).
            | Route::UserRevokeSessions
            // Taking licences away stops a person's mail and apps, as
            // disabling the account does.
            | Route::UserRemoveLicenses => true,
            Route::UserUpdate | Route::UserTransfer => self
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
        for kind in Route::ALL.iter().copied() {
            assert_eq!(Route::from_route(kind.route()), Some(kind));
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(serde_json::from_value::<Route>(json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<Route>("\"user.explode\"").is_err());
    }

    #[test]
    fn sensitive_updates() {
        let t = UserRef::Upn("a@b.c".into());
        let plain =
            Operation::on_user(Route::UserUpdate, t.clone()).with_attributes(["department"]);
        assert!(!plain.touches_sensitive_target());
        let phone = plain.clone().with_attributes(["department", "mobilePhone"]);
        assert!(phone.touches_sensitive_target());
        assert!(Operation::on_user(Route::UserDisable, t).touches_sensitive_target());
    }
}
