//! The routes: the closed set of operations the app performs, named as the
//! Service API names them (`user.create`), and the inputs each one declares
//! ([`inputs`]). Every entry point maps onto a route; the policy keys its
//! approval and recipient settings by route name.

pub mod inputs;

use std::fmt;

macro_rules! routes {
    ($($variant:ident => $name:literal,)*) => {
        /// A Service API route, named in the envelope's `route` field.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Route { $($variant,)* }

        impl Route {
            /// Every route, in documentation order.
            pub const ALL: &'static [Route] = &[$(Route::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Route::$variant => $name,)* }
            }

            pub fn parse(name: &str) -> Option<Route> {
                match name { $($name => Some(Route::$variant),)* _ => None }
            }
        }
    };
}

routes! {
    UserGet => "user.get",
    UserCreate => "user.create",
    UserUpdate => "user.update",
    UserDisable => "user.disable",
    UserEnable => "user.enable",
    UserRevokeSessions => "user.revokeSessions",
    UserResetPassword => "user.resetPassword",
    UserCreateTemporaryAccessPass => "user.createTemporaryAccessPass",
    UserOffboard => "user.offboard",
    UserTransfer => "user.transfer",
    GroupAddMember => "group.addMember",
    GroupRemoveMember => "group.removeMember",
    UserGroups => "user.groups",
}

impl Route {
    /// The route name; also the policy's config key for this operation.
    pub fn route(self) -> &'static str {
        self.name()
    }

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
        assert_eq!(Route::ALL.len(), 13);
        assert_eq!(Route::parse("user.Create"), None);
    }
}
