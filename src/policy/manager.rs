//! Manager rule: the requester must be the target's manager in Entra (or,
//! when configured, a manager up to N levels above).

use crate::graph::resources::users;
use crate::graph::{ClientError, Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::OpError;
use serde::Deserialize;

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

/// Walks the manager chain from `target_id` upwards, at most `depth`
/// levels (one request per level), and says whether `manager_id` is on it.
pub async fn is_manager_within<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    manager_id: &str,
    target_id: &str,
    depth: u8,
    deadline: Deadline,
) -> Result<bool, OpError> {
    let mut current = target_id.to_string();
    for _ in 0..depth {
        let request = users::get_manager(&current);
        let next: IdOnly = match client.send(&request, deadline).await {
            Ok(response) => response.json("manager")?,
            // No manager: the chain ends here.
            Err(ClientError::Graph(g)) if g.is_not_found() => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        if next.id.eq_ignore_ascii_case(manager_id) {
            return Ok(true);
        }
        if next.id.eq_ignore_ascii_case(target_id) {
            return Ok(false);
        }
        current = next.id;
    }
    Ok(false)
}
