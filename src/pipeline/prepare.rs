//! Reading a call's `data` into the typed input of its operation, before
//! anything is sent to Entra. Every error names the `data` field.

use super::call::OperationCall;
use super::error::ApiError;
use super::input::{op_input_error, Data, GroupRef};
use crate::graph::model::UserAttributes;
use crate::lifecycle::{self, credentials::TapOptions, UserRef};
use crate::route::inputs::names;
use crate::route::Route;

/// Default TAP lifetime when the caller gives none: one working day.
pub const DEFAULT_TAP_MINUTES: u32 = 480;

/// A call's input, typed per route.
pub enum Prepared {
    Lookup(UserRef),
    Groups(UserRef),
    Update {
        user: UserRef,
        changes: UserAttributes,
        names: Vec<String>,
    },
    Disable(UserRef),
    Enable(UserRef),
    RevokeSessions(UserRef),
    AddMember {
        user: UserRef,
        group: GroupRef,
    },
    RemoveMember {
        user: UserRef,
        group: GroupRef,
    },
    Transfer(NewPosition),
    Create(NewHireInput),
    ResetPassword(UserRef),
    TemporaryAccessPass {
        user: UserRef,
        options: TapOptions,
    },
    Offboard {
        user: UserRef,
        leave_date_time: Option<String>,
    },
}

pub struct NewPosition {
    pub user: UserRef,
    pub department: Option<String>,
    pub job_title: Option<String>,
    pub manager: Option<UserRef>,
}

/// `user.create` input; groups are resolved (names to ids) later.
pub struct NewHireInput {
    pub given_name: String,
    pub surname: String,
    pub display_name: Option<String>,
    pub attributes: UserAttributes,
    pub manager: Option<UserRef>,
    pub groups: Vec<GroupRef>,
}

pub fn prepare(call: &OperationCall) -> Result<Prepared, ApiError> {
    let data = &call.data;
    // What each route accepts is declared once, in `inputs`.
    let accepted = names(call.route);
    let input = || Data::new(data, &accepted);
    let only_user = || -> Result<UserRef, ApiError> { input()?.user("user") };
    Ok(match call.route {
        Route::UserGet => Prepared::Lookup(only_user()?),
        Route::UserGroups => Prepared::Groups(only_user()?),
        Route::UserDisable => Prepared::Disable(only_user()?),
        Route::UserEnable => Prepared::Enable(only_user()?),
        Route::UserRevokeSessions => Prepared::RevokeSessions(only_user()?),
        Route::UserResetPassword => Prepared::ResetPassword(only_user()?),
        Route::UserUpdate => {
            let input = input()?;
            let user = input.user("user")?;
            let raw = input.object("changes")?;
            let names = raw
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let changes = lifecycle::parse_changes(raw).map_err(|e| {
                let path = format!("data.changes.{}", e.field().unwrap_or_default());
                op_input_error(e, path.trim_end_matches('.'))
            })?;
            Prepared::Update {
                user,
                changes,
                names,
            }
        }
        Route::GroupAddMember | Route::GroupRemoveMember => {
            let input = input()?;
            let (user, group) = (input.user("user")?, input.group("group")?);
            if call.route == Route::GroupAddMember {
                Prepared::AddMember { user, group }
            } else {
                Prepared::RemoveMember { user, group }
            }
        }
        Route::UserTransfer => {
            let input = input()?;
            Prepared::Transfer(NewPosition {
                user: input.user("user")?,
                department: input.optional_string("department")?,
                job_title: input.optional_string("jobTitle")?,
                manager: input.optional_user("manager")?,
            })
        }
        Route::UserCreateTemporaryAccessPass => {
            let input = input()?;
            let minutes = input
                .optional_u32("lifetimeInMinutes")?
                .unwrap_or(DEFAULT_TAP_MINUTES);
            let once = input.optional_bool("isUsableOnce")?.unwrap_or(true);
            let options = TapOptions::new(minutes, once)
                .map_err(|e| op_input_error(e, "data.lifetimeInMinutes"))?;
            Prepared::TemporaryAccessPass {
                user: input.user("user")?,
                options,
            }
        }
        Route::UserOffboard => {
            let input = input()?;
            Prepared::Offboard {
                user: input.user("user")?,
                leave_date_time: input.optional_string("leaveDateTime")?,
            }
        }
        Route::UserCreate => {
            let input = input()?;
            let text = |field: &str| input.optional_string(field);
            Prepared::Create(NewHireInput {
                given_name: input.required_string("givenName")?,
                surname: input.required_string("surname")?,
                display_name: text("displayName")?,
                attributes: UserAttributes {
                    department: text("department")?,
                    job_title: text("jobTitle")?,
                    employee_id: text("employeeId")?,
                    employee_type: text("employeeType")?,
                    employee_hire_date: text("employeeHireDate")?,
                    company_name: text("companyName")?,
                    office_location: text("officeLocation")?,
                    usage_location: text("usageLocation")?,
                    mobile_phone: text("mobilePhone")?,
                },
                manager: input.optional_user("manager")?,
                groups: input.groups("groups")?,
            })
        }
    })
}
