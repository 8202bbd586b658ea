//! `invitation`: B2B guests invited into the tenant.

use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;
use serde_json::Value;

/// Invites a guest: `POST /invitations` with `body` (an `invitation`:
/// `invitedUserEmailAddress`, `inviteRedirectUrl`, `invitedUserDisplayName`,
/// `sendInvitationMessage`, `invitedUserSponsors` as `[{"id": ...}]`). 201
/// with `invitedUser.id`, `inviteRedeemUrl` and `status`. Inviting an address
/// that already belongs to a guest re-invites that guest (same user id), so
/// the call is safe to repeat.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/invitation-post?view=graph-rest-1.0>.
/// Permission: `User.Invite.All` (the map's least).
pub fn create_invitation(body: Value) -> GraphRequest {
    GraphRequest::post("/invitations", Some(body)).repeatable()
}

/// Entry of [`create_invitation`] in [`super::CALLS`].
pub const CREATE_INVITATION: GraphCall = GraphCall {
    name: "invitations::create_invitation",
    method: Method::Post,
    path_template: "/invitations",
    least_permission: "User.Invite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/invitation-post?view=graph-rest-1.0",
};
