//! The Service API's routes, as a closed set.

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
