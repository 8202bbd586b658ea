//! The routes: the closed set of operations the app performs, named as the
//! Service API names them (`user.create`), and the inputs each one declares
//! ([`inputs`]). Every entry point maps onto a route; the policy keys its
//! approval and recipient settings by route name.

pub mod inputs;

use std::fmt;

macro_rules! routes {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// A Service API route, named in the envelope's `route` field.
        /// Serialises as its name (`"user.create"`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Route { $($(#[$doc])* $variant,)* }

        impl Route {
            /// Every route, in documentation order.
            pub const ALL: &'static [Route] = &[$(Route::$variant,)*];

            /// The wire name, e.g. `"user.revokeSessions"`.
            pub fn name(self) -> &'static str {
                match self { $(Route::$variant => $name,)* }
            }

            /// The route of a wire name; exact and case-sensitive, so
            /// `"user.Create"` is `None`.
            pub fn parse(name: &str) -> Option<Route> {
                match name { $($name => Some(Route::$variant),)* _ => None }
            }
        }
    };
}

routes! {
    /// `user.get`: read a user with the properties the issue panel shows,
    /// manager included. Read-only.
    UserGet => "user.get",
    /// `user.create`: create an account (naming template, attributes,
    /// manager, explicit and rule-derived groups) and issue its first
    /// credential for one-time reveal.
    UserCreate => "user.create",
    /// `user.update`: set allow-listed attributes (`data.changes`).
    UserUpdate => "user.update",
    /// `user.disable`: block sign-in (`accountEnabled: false`).
    UserDisable => "user.disable",
    /// `user.enable`: allow sign-in again (`accountEnabled: true`).
    UserEnable => "user.enable",
    /// `user.revokeSessions`: Graph `revokeSignInSessions`.
    UserRevokeSessions => "user.revokeSessions",
    /// `user.resetPassword`: set a generated temporary password
    /// (`forceChangePasswordNextSignIn`), revealed once.
    UserResetPassword => "user.resetPassword",
    /// `user.createTemporaryAccessPass`: issue a Temporary Access Pass,
    /// revealed once.
    UserCreateTemporaryAccessPass => "user.createTemporaryAccessPass",
    /// `user.offboard`: disable, revoke sessions, leave serviceable groups,
    /// record `employeeLeaveDateTime`.
    UserOffboard => "user.offboard",
    /// `user.transfer`: new department, job title or manager, with
    /// rule-derived groups re-derived.
    UserTransfer => "user.transfer",
    /// `group.addMember`: add a user to a serviceable group.
    GroupAddMember => "group.addMember",
    /// `group.removeMember`: remove a user from a serviceable group.
    GroupRemoveMember => "group.removeMember",
    /// `user.groups`: list a user's direct group memberships. Read-only.
    UserGroups => "user.groups",
    /// `user.assignLicenses`: assign licences (SKUs) directly, setting
    /// `usageLocation` first when the user has none.
    UserAssignLicenses => "user.assignLicenses",
    /// `user.removeLicenses`: remove directly assigned licences (inherited
    /// ones are refused, naming the group).
    UserRemoveLicenses => "user.removeLicenses",
    /// `user.resetMfa`: remove the user's authentication methods other than
    /// the password (all, or the types named), optionally issuing a
    /// Temporary Access Pass to register again, revealed once.
    UserResetMfa => "user.resetMfa",
    /// `user.delete`: soft-delete a disabled account (restorable for 30 days).
    UserDelete => "user.delete",
    /// `user.restore`: restore a deleted account by object id, disabled,
    /// listing the groups it had.
    UserRestore => "user.restore",
    /// `guest.invite`: invite a B2B guest with sponsors and groups.
    GuestInvite => "guest.invite",
}

impl Route {
    /// The route name; also the policy's config key for this operation.
    pub fn route(self) -> &'static str {
        self.name()
    }

    /// Same as [`Route::parse`]: the route named by a policy config key.
    pub fn from_route(name: &str) -> Option<Route> {
        Route::parse(name)
    }

    /// Reads change nothing and need no requester rule beyond access to the
    /// entry point.
    pub fn is_read_only(self) -> bool {
        matches!(self, Route::UserGet | Route::UserGroups)
    }

    /// Operations that issue a credential (a password or a TAP).
    pub fn issues_credential(self) -> bool {
        matches!(
            self,
            Route::UserCreate | Route::UserResetPassword | Route::UserCreateTemporaryAccessPass
        )
    }
}

impl serde::Serialize for Route {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Route {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Route::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown operation '{text}'")))
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_round_trips_through_its_name() {
        for route in Route::ALL {
            assert_eq!(Route::parse(route.name()), Some(*route));
        }
        assert_eq!(Route::ALL.len(), 19);
        assert_eq!(Route::parse("user.Create"), None);
    }
}
