//! `lookup`: the user as the issue panel shows it, manager included, in one
//! round trip.

use crate::graph::model::{UserView, MANAGER_EXPAND, USER_VIEW_SELECT};
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::error::OpError;
use crate::lifecycle::ids::UserRef;
use crate::lifecycle::resolve::read_user;

/// Reads the user with the panel's properties ([`USER_VIEW_SELECT`]) and
/// the manager ([`MANAGER_EXPAND`]) in one request. No match is
/// [`OpError::NotFound`]; a mail or employeeId matching several users
/// [`OpError::Ambiguous`].
pub async fn lookup<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    deadline: Deadline,
) -> Result<UserView, OpError> {
    read_user(
        client,
        user,
        USER_VIEW_SELECT,
        Some(MANAGER_EXPAND),
        deadline,
    )
    .await
}
