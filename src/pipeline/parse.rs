//! Stage 1, parse: a call's `data` becomes the typed [`RouteRequest`] of
//! its route, before anything is sent to Entra. Every error names the
//! `data` field.

use super::call::OperationCall;
use super::error::ApiError;
use super::input::{op_input_error, Data};
use super::request::{NewHireInput, OffboardInput, Parsed, RouteRequest};
use crate::graph::model::UserAttributes;
use crate::lifecycle::{self, credentials::TapOptions, TransferRequest, UserRef};
use crate::route::inputs::names;
use crate::route::Route;

/// Reads `call.data` into its route's typed request. Every name in `data`
/// must be one the route declares ([`crate::route::inputs`]); an error names
/// the field (`data.changes.department`) and nothing has been sent to Entra.
pub fn parse(call: &OperationCall) -> Result<RouteRequest<Parsed>, ApiError> {
    let data = &call.data;
    // What each route accepts is declared once, in `inputs`.
    let accepted = names(call.route);
    let input = || Data::new(data, &accepted);
    let only_user = || -> Result<UserRef, ApiError> { input()?.user("user") };
    Ok(match call.route {
        Route::UserGet => RouteRequest::Lookup(only_user()?),
        Route::UserGroups => RouteRequest::Groups(only_user()?),
        Route::UserDisable => RouteRequest::Disable(only_user()?),
        Route::UserEnable => RouteRequest::Enable(only_user()?),
        Route::UserRevokeSessions => RouteRequest::RevokeSessions(only_user()?),
        Route::UserResetPassword => RouteRequest::ResetPassword(only_user()?),
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
            RouteRequest::Update {
                user,
                changes: Box::new(changes),
                names,
            }
        }
        Route::GroupAddMember | Route::GroupRemoveMember => {
            let input = input()?;
            let (user, group) = (input.user("user")?, input.group("group")?);
            if call.route == Route::GroupAddMember {
                RouteRequest::AddMember { user, group }
            } else {
                RouteRequest::RemoveMember { user, group }
            }
        }
        Route::UserTransfer => {
            let input = input()?;
            RouteRequest::Transfer(TransferRequest {
                user: input.user("user")?,
                department: input.optional_string("department")?,
                job_title: input.optional_string("jobTitle")?,
                manager: input.optional_user("manager")?,
            })
        }
        Route::UserCreateTemporaryAccessPass => {
            let input = input()?;
            // What is left out comes from the tenant's policy, read when
            // the request is resolved.
            let minutes = input.optional_u32("lifetimeInMinutes")?;
            let once = input.optional_bool("isUsableOnce")?;
            let options = TapOptions::requested(minutes, once)
                .map_err(|e| op_input_error(e, "data.lifetimeInMinutes"))?;
            RouteRequest::TemporaryAccessPass {
                user: input.user("user")?,
                options,
            }
        }
        Route::UserOffboard => {
            let input = input()?;
            RouteRequest::Offboard(OffboardInput {
                user: input.user("user")?,
                leave_date_time: input.optional_string("leaveDateTime")?,
            })
        }
        Route::UserCreate => {
            let input = input()?;
            let text = |field: &str| input.optional_string(field);
            RouteRequest::Create(Box::new(NewHireInput {
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
            }))
        }
    })
}
