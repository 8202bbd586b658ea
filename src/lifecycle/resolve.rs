//! Reading one user by any [`UserRef`] in a single request.

use crate::graph::model::UserView;
use crate::graph::paging::Page;
use crate::graph::resources::users;
use crate::graph::{ClientError, Deadline, GraphClient, GraphRequest, GraphResponse};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::error::OpError;
use crate::lifecycle::ids::UserRef;

/// The request that reads `user` with the given `$select` (and `$expand`).
/// Ids and UPNs address the user directly; an address, a mail or an
/// employeeId filters the collection (and must then match exactly one user:
/// an address held by two users is ambiguous, never a guess).
pub fn user_read(user: &UserRef, select: &str, expand: Option<&str>) -> GraphRequest {
    match user {
        UserRef::Id(_) | UserRef::Upn(_) => users::get_user(user.value(), select, expand),
        UserRef::Address(v) => users::list_users_by_address(v, select, expand),
        UserRef::Mail(v) => users::list_users_where("mail", v, select, expand),
        UserRef::EmployeeId(v) => users::list_users_where("employeeId", v, select, expand),
    }
}

/// Interprets the response to [`user_read`].
pub fn read_result(
    user: &UserRef,
    result: Result<GraphResponse, ClientError>,
) -> Result<UserView, OpError> {
    let response = match result {
        Err(ClientError::Graph(g)) if g.is_not_found() => {
            return Err(OpError::NotFound {
                what: format!("user with {user}"),
            })
        }
        other => other?,
    };
    match user {
        UserRef::Id(_) | UserRef::Upn(_) => Ok(response.json("user")?),
        UserRef::Address(_) | UserRef::Mail(_) | UserRef::EmployeeId(_) => {
            let page: Page<UserView> = response.json("users")?;
            match page.value.len() {
                0 => Err(OpError::NotFound {
                    what: format!("user with {user}"),
                }),
                1 => Ok(page.value.into_iter().next().unwrap_or_default()),
                count => Err(OpError::Ambiguous {
                    field: user.field(),
                    count,
                }),
            }
        }
    }
}

/// Reads one user in one round trip.
pub async fn read_user<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    select: &str,
    expand: Option<&str>,
    deadline: Deadline,
) -> Result<UserView, OpError> {
    let request = user_read(user, select, expand);
    read_result(user, client.send(&request, deadline).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_mail_stays_one_literal() {
        let r = user_read(&UserRef::Mail("x' or 1 eq 1&$top=1#".into()), "id", None);
        assert_eq!(
            r.path,
            "/users?$filter=mail%20eq%20'x%27%27%20or%201%20eq%201%26%24top%3D1%23'&$select=id"
        );
    }
}
