//! Users synced from on-premises Active Directory (`onPremisesSyncEnabled`):
//! which of their properties the cloud may write, and what a change the
//! cloud accepts still leaves for AD.
//!
//! Entra Connect masters a synced user's identity and HR attributes in AD
//! and overwrites cloud values on its next cycle; Graph refuses most writes
//! with "Unable to update the specified properties for on-premises mastered
//! Directory Sync objects". A few properties are not synchronised from AD
//! and stay cloud-mastered. Sources: Entra Connect's synchronised
//! attributes
//! (<https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized>),
//! the user resource
//! (<https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0>).
//! Authentication methods (a Temporary Access Pass) and memberships of
//! cloud groups are cloud objects, not user properties, and work as for any
//! user.

use crate::graph::model::UserView;
use crate::lifecycle::account::display_name;
use crate::lifecycle::error::OpError;
use crate::lifecycle::outcome::{Remainder, RemainderKind};

/// User properties a synced user keeps writable in the cloud: Entra Connect
/// does not synchronise them, so a cloud write stays.
pub const CLOUD_MASTERED_WHEN_SYNCED: [&str; 3] = [
    "usageLocation",
    "preferredLanguage",
    "employeeLeaveDateTime",
];

/// Whether `user` is mastered in on-premises AD.
pub fn is_synced(user: &UserView) -> bool {
    user.on_premises_sync_enabled == Some(true)
}

/// Of the properties an operation would write, those AD masters for a
/// synced user (in the order given). Everything not cloud-mastered counts,
/// `manager` and `passwordProfile` included.
pub fn ad_mastered<'a>(properties: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    properties
        .into_iter()
        .filter(|p| !CLOUD_MASTERED_WHEN_SYNCED.contains(p))
        .map(str::to_string)
        .collect()
}

/// [`OpError::OnPremisesMastered`] when `user` is synced and `properties`
/// holds an AD-mastered one; checked after the read, before any write.
pub(crate) fn refuse_ad_mastered<'a>(
    user: &UserView,
    properties: impl IntoIterator<Item = &'a str>,
) -> Result<(), OpError> {
    if !is_synced(user) {
        return Ok(());
    }
    let mastered = ad_mastered(properties);
    if mastered.is_empty() {
        return Ok(());
    }
    Err(OpError::OnPremisesMastered {
        user: display_name(user).to_string(),
        properties: mastered,
    })
}

/// What an `accountEnabled` change of a synced user leaves for AD: Graph
/// accepts it, but AD masters the account state (`userAccountControl`),
/// and Entra Connect's next cycle writes AD's value back. `None` for a
/// cloud-only user.
pub(crate) fn account_state_remainder(user: &UserView, enabled: bool) -> Option<Remainder> {
    if !is_synced(user) {
        return None;
    }
    let (verb, undo) = if enabled {
        ("Enable", "disable")
    } else {
        ("Disable", "re-enable")
    };
    Some(Remainder::new(
        RemainderKind::ActiveDirectory,
        format!(
            "{verb} the account {} in on-premises Active Directory too: it is synced from AD, and Entra Connect's next sync will {undo} it in Entra ID",
            display_name(user)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_mastered_properties_are_not_ad_mastered() {
        assert_eq!(
            ad_mastered([
                "usageLocation",
                "department",
                "employeeLeaveDateTime",
                "manager"
            ]),
            vec!["department", "manager"]
        );
    }
}
