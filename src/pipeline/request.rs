//! The typed form of a call's input, one enum for the whole pipeline, at
//! two stages: [`Parsed`] (read from the call's `data`; groups as the caller
//! named them) and [`Resolved`] (names resolved to object ids against Entra,
//! provisioning rules and serviceable groups taken from the configuration).
//! The stage is a type parameter, so a resolved request cannot hold a group
//! name and a parsed one cannot reach the lifecycle procedures.

use super::input::GroupRef;
use crate::graph::model::UserAttributes;
use crate::lifecycle::credentials::TapOptions;
use crate::lifecycle::guests::GuestInvitation;
use crate::lifecycle::mfa::MfaResetRequest;
use crate::lifecycle::{
    AttributeChanges, LicenceRequest, NewHire, ObjectId, OffboardRequest, ProvisioningRules,
    TransferRequest, UserRef,
};
use crate::policy::Operation;
use crate::route::Route;

/// A stage of a [`RouteRequest`]: how groups, hires, transfers and
/// offboardings are held at that stage.
pub trait Stage {
    /// How a group is named.
    type Group;
    /// A `user.create` request.
    type Create;
    /// A `user.transfer` request.
    type Transfer;
    /// A `user.offboard` request.
    type Offboard;
}

/// Read from the call's `data`, nothing looked up yet.
pub enum Parsed {}

/// Ready for the policy and the lifecycle procedures.
pub enum Resolved {}

impl Stage for Parsed {
    type Group = GroupRef;
    type Create = Box<NewHireInput>;
    type Transfer = TransferRequest;
    type Offboard = OffboardInput;
}

impl Stage for Resolved {
    type Group = ObjectId;
    type Create = Box<WithRules<NewHire>>;
    type Transfer = WithRules<TransferRequest>;
    type Offboard = OffboardRequest;
}

/// A call's input, typed per route.
pub enum RouteRequest<S: Stage> {
    /// `user.get`.
    Lookup(UserRef),
    /// `user.groups`.
    Groups(UserRef),
    /// `user.update`: the attributes to write and their Graph names as sent.
    Update {
        /// The user changed.
        user: UserRef,
        /// The values to set and fields to clear (boxed: the largest variant otherwise).
        changes: Box<AttributeChanges>,
        /// The Graph property names the call writes, set or cleared (for the policy).
        names: Vec<String>,
    },
    /// `user.disable`.
    Disable(UserRef),
    /// `user.enable`.
    Enable(UserRef),
    /// `user.revokeSessions`.
    RevokeSessions(UserRef),
    /// `user.resetPassword`.
    ResetPassword(UserRef),
    /// `user.createTemporaryAccessPass`.
    TemporaryAccessPass {
        /// The user the pass is for.
        user: UserRef,
        /// Lifetime and usable-once, validated.
        options: TapOptions,
    },
    /// `group.addMember`.
    AddMember {
        /// The user added.
        user: UserRef,
        /// The group.
        group: S::Group,
    },
    /// `group.removeMember`.
    RemoveMember {
        /// The user removed.
        user: UserRef,
        /// The group.
        group: S::Group,
    },
    /// `user.transfer`.
    Transfer(S::Transfer),
    /// `user.create`.
    Create(S::Create),
    /// `user.offboard`.
    Offboard(S::Offboard),
    /// `user.assignLicenses` (the tenant default usage location is taken
    /// from the configuration when resolved).
    AssignLicenses(LicenceRequest),
    /// `user.removeLicenses`.
    RemoveLicenses(LicenceRequest),
    /// `user.resetMfa`: the pass options are the caller's when parsed,
    /// held to the tenant's policy when resolved.
    ResetMfa(MfaResetRequest),
    /// `user.delete`.
    Delete(UserRef),
    /// `user.restore`: a deleted user is named by object id only.
    Restore(ObjectId),
    /// `guest.invite`: `invitation.groups` is filled when resolved, from
    /// `groups`.
    InviteGuest {
        /// The invitation (boxed: the largest variant otherwise).
        invitation: Box<GuestInvitation>,
        /// The groups as named at this stage.
        groups: Vec<S::Group>,
    },
}

/// `user.create` as parsed; groups are resolved (names to ids) later.
pub struct NewHireInput {
    /// `givenName`, required.
    pub given_name: String,
    /// `surname`, required.
    pub surname: String,
    /// `displayName`; the lifecycle defaults it to "given surname".
    pub display_name: Option<String>,
    /// The optional profile attributes written at creation.
    pub attributes: UserAttributes,
    /// The manager, as the caller named them.
    pub manager: Option<UserRef>,
    /// Groups asked for explicitly, as the caller named them.
    pub groups: Vec<GroupRef>,
}

/// `user.offboard` as parsed.
pub struct OffboardInput {
    /// The leaver.
    pub user: UserRef,
    /// `leaveDateTime` normalised to RFC 3339 UTC ([`crate::dates`]); the
    /// time of the run when absent.
    pub leave_date_time: Option<String>,
    /// Who takes over the leaver's direct reports; the leaver's manager
    /// when absent.
    pub successor: Option<UserRef>,
}

/// A resolved request with the provisioning rules (naming template, group
/// rules) it runs under, read from the configuration when it was resolved.
pub struct WithRules<T> {
    /// The request.
    pub request: T,
    /// The rules.
    pub rules: ProvisioningRules,
}

impl RouteRequest<Resolved> {
    /// The request as the policy sees it: the target, the groups it touches
    /// (for `user.create` the rule-derived ones too) and the attributes it writes.
    pub fn policy_operation(&self, route: Route) -> Operation {
        match self {
            RouteRequest::Lookup(u)
            | RouteRequest::Groups(u)
            | RouteRequest::Disable(u)
            | RouteRequest::Enable(u)
            | RouteRequest::RevokeSessions(u)
            | RouteRequest::ResetPassword(u)
            | RouteRequest::TemporaryAccessPass { user: u, .. }
            | RouteRequest::AssignLicenses(LicenceRequest { user: u, .. })
            | RouteRequest::RemoveLicenses(LicenceRequest { user: u, .. }) => {
                Operation::on_user(route, u.clone())
            }
            RouteRequest::Update { user, names, .. } => {
                Operation::on_user(route, user.clone()).with_attributes(names.clone())
            }
            RouteRequest::AddMember { user, group }
            | RouteRequest::RemoveMember { user, group } => {
                Operation::on_user(route, user.clone()).with_groups(vec![group.clone()])
            }
            RouteRequest::Transfer(WithRules { request, .. }) => {
                let written = [
                    ("department", request.department.is_some()),
                    ("jobTitle", request.job_title.is_some()),
                    ("manager", request.manager.is_some()),
                ];
                let names = written.into_iter().filter(|(_, set)| *set).map(|(n, _)| n);
                Operation::on_user(route, request.user.clone()).with_attributes(names)
            }
            RouteRequest::Create(create) => Operation::create(
                create
                    .rules
                    .rules
                    .groups_for_new_hire(&create.request.groups, &create.request.attributes)
                    .into_iter()
                    .collect(),
            ),
            RouteRequest::Offboard(request) => Operation::on_user(route, request.user.clone())
                .with_groups(request.groups.clone())
                .with_read_ahead(crate::policy::operation::ReadAheadFor::Offboard(Box::new(
                    request.clone(),
                ))),
            RouteRequest::ResetMfa(request) => Operation::on_user(route, request.user.clone()),
            RouteRequest::Delete(u) => Operation::on_user(route, u.clone()),
            RouteRequest::Restore(id) => Operation::on_user(route, UserRef::Id(id.clone())),
            RouteRequest::InviteGuest { groups, .. } => Operation {
                kind: route,
                target: None,
                groups: groups.clone(),
                attributes: Vec::new(),
                read_ahead: None,
            },
        }
    }
}
