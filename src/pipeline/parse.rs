//! Stage 1, parse: a call's `data` becomes the typed [`RouteRequest`] of
//! its route, before anything is sent to Entra. Every error names the
//! `data` field. Every input is checked here, so a call is refused before
//! its first Graph read, let alone its first write: empty and blank
//! optional values are "not given", dates are normalised to RFC 3339 UTC
//! ([`crate::dates`], zone-less ones in the site time zone), attributes are
//! held to Entra's lengths and `usageLocation` to ISO 3166-1, and lists to
//! their caps.

use super::call::OperationCall;
use super::error::ApiError;
use super::input::{op_input_error, Data};
use super::request::{NewHireInput, OffboardInput, Parsed, RouteRequest};
use crate::dates::{self, SiteZone};
use crate::graph::model::UserAttributes;
use crate::graph::resources::authentication_methods::MethodType;
use crate::lifecycle::guests::GuestInvitation;
use crate::lifecycle::ids::checked_text;
use crate::lifecycle::mfa::MfaResetRequest;
use crate::lifecycle::{self, credentials::TapOptions, TransferRequest, UserRef};
use crate::route::inputs::names;
use crate::route::Route;
use serde_json::Value;
use std::collections::BTreeSet;

/// How an input was read when that is not plain from it (a date-time
/// without a zone, read in the site time zone), for the plan step that
/// writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputNote {
    /// The key of the plan step that writes the value (`leaveDate.set`,
    /// `user.create`, `profile.update`).
    pub step_key: &'static str,
    /// The note, naming the field: "data.leaveDateTime: 2026-12-31T17:00:00
    /// has no time zone: read in the site time zone ...".
    pub text: String,
}

/// Reads `call.data` into its route's typed request, reading a zone-less
/// date-time in UTC; for validation where the site time zone does not
/// matter (a value valid in one zone is valid in every zone). See
/// [`parse_in`].
pub fn parse(call: &OperationCall) -> Result<RouteRequest<Parsed>, ApiError> {
    parse_in(call, &SiteZone::utc()).map(|(request, _)| request)
}

/// Reads `call.data` into its route's typed request. Every name in `data`
/// must be one the route declares ([`crate::route::inputs`]); an error names
/// the field (`data.changes.department`) and nothing has been sent to Entra.
/// A date-time without a zone is read in `zone`, and a note says so.
pub fn parse_in(
    call: &OperationCall,
    zone: &SiteZone,
) -> Result<(RouteRequest<Parsed>, Vec<InputNote>), ApiError> {
    let mut notes = Vec::new();
    let request = parse_route(call, zone, &mut notes)?;
    Ok((request, notes))
}

/// A date input normalised ([`dates::normalize`]); a note for a zone-less one.
fn date(
    input: &Data<'_>,
    field: &str,
    zone: &SiteZone,
    step_key: &'static str,
    notes: &mut Vec<InputNote>,
) -> Result<Option<String>, ApiError> {
    let path = format!("data.{field}");
    let Some(raw) = input.optional_string(field)? else {
        return Ok(None);
    };
    let date = dates::normalize(&raw, zone)
        .map_err(|e| ApiError::invalid(&path, format!("'{path}' {}.", e.message)))?;
    if let Some(note) = date.note {
        notes.push(InputNote {
            step_key,
            text: format!("{path}: {note}"),
        });
    }
    Ok(Some(date.utc))
}

/// `checked_text` for a `data` field: trimmed, within `max` characters.
fn text_within(value: Option<String>, field: &str, max: usize) -> Result<Option<String>, ApiError> {
    value
        .map(|v| checked_text(&v, field, max))
        .transpose()
        .map_err(|e| op_input_error(e, &format!("data.{field}")))
}

/// Attributes held to Entra's rules here, so a bad one is refused before
/// any Graph call (the lifecycle checks them again before writing).
fn checked_attributes(attributes: UserAttributes) -> Result<UserAttributes, ApiError> {
    lifecycle::create::validate_attributes(&attributes).map_err(|e| {
        let path = format!("data.{}", e.field().unwrap_or_default());
        op_input_error(e, path.trim_end_matches('.'))
    })
}

fn parse_route(
    call: &OperationCall,
    zone: &SiteZone,
    notes: &mut Vec<InputNote>,
) -> Result<RouteRequest<Parsed>, ApiError> {
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
        Route::UserAssignLicenses | Route::UserRemoveLicenses => {
            let input = input()?;
            let names =
                |field: &str, required: bool| -> Result<Vec<lifecycle::LicenceName>, ApiError> {
                    input
                        .strings(field, lifecycle::licences::MAX_SKUS, required)?
                        .iter()
                        .enumerate()
                        .map(|(i, s)| {
                            let path = format!("{field}[{i}]");
                            lifecycle::LicenceName::parse(s, &path)
                                .map_err(|e| op_input_error(e, &format!("data.{path}")))
                        })
                        .collect()
                };
            let request = lifecycle::LicenceRequest {
                user: input.user("user")?,
                skus: names("skus", true)?,
                disabled_plans: if call.route == Route::UserAssignLicenses {
                    names("disabledPlans", false)?
                } else {
                    Vec::new()
                },
                default_usage_location: None,
            };
            if call.route == Route::UserAssignLicenses {
                RouteRequest::AssignLicenses(request)
            } else {
                RouteRequest::RemoveLicenses(request)
            }
        }
        Route::UserUpdate => {
            let input = input()?;
            let user = input.user("user")?;
            let raw = input.object("changes")?;
            let changes = lifecycle::parse_changes_in(raw, zone).map_err(|e| {
                let field = e.field().unwrap_or_default();
                let path = if field == "changes" {
                    "data.changes".to_string()
                } else {
                    format!("data.changes.{field}")
                };
                op_input_error(e, path.trim_end_matches('.'))
            })?;
            if let Some(Value::String(hired)) = raw.get("employeeHireDate") {
                if let Ok(dates::NormalizedDate {
                    note: Some(note), ..
                }) = dates::normalize(hired, zone)
                {
                    notes.push(InputNote {
                        step_key: "profile.update",
                        text: format!("data.changes.employeeHireDate: {note}"),
                    });
                }
            }
            let names = changes.names();
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
            let request = TransferRequest {
                user: input.user("user")?,
                department: text_within(input.optional_string("department")?, "department", 64)?,
                job_title: text_within(input.optional_string("jobTitle")?, "jobTitle", 128)?,
                manager: input.optional_user("manager")?,
            };
            if request.department.is_none()
                && request.job_title.is_none()
                && request.manager.is_none()
            {
                return Err(ApiError::invalid(
                    "data",
                    "user.transfer needs a new 'data.department', 'data.jobTitle' or 'data.manager' (empty values are not given).",
                ));
            }
            RouteRequest::Transfer(request)
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
        Route::UserResetMfa => {
            let input = input()?;
            let methods = input
                .indexed_strings("methods")?
                .into_iter()
                .map(|(i, name)| {
                    MethodType::parse(&name).ok_or_else(|| {
                        let path = format!("data.methods[{i}]");
                        ApiError::invalid(
                            &path,
                            format!(
                                "'{path}' must be one of: {}.",
                                MethodType::ALL
                                    .iter()
                                    .map(|t| t.name())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })
                })
                .collect::<Result<BTreeSet<_>, _>>()?;
            let minutes = input.optional_u32("lifetimeInMinutes")?;
            let tap = if input.optional_bool("issueTemporaryAccessPass")? == Some(true) {
                Some(
                    TapOptions::requested(minutes, None)
                        .map_err(|e| op_input_error(e, "data.lifetimeInMinutes"))?,
                )
            } else if minutes.is_some() {
                return Err(ApiError::invalid(
                    "data.lifetimeInMinutes",
                    "'data.lifetimeInMinutes' applies only with 'data.issueTemporaryAccessPass': true.",
                ));
            } else {
                None
            };
            RouteRequest::ResetMfa(MfaResetRequest {
                user: input.user("user")?,
                methods: (!methods.is_empty()).then_some(methods),
                tap,
            })
        }
        Route::UserDelete => RouteRequest::Delete(only_user()?),
        Route::UserRestore => match only_user()? {
            UserRef::Id(id) => RouteRequest::Restore(id),
            _ => {
                return Err(ApiError::invalid(
                    "data.user",
                    "'data.user' must be the object id (GUID) of the deleted user: a deleted user is found by id only (list them with GET /directory/deletedItems/microsoft.graph.user).",
                ))
            }
        },
        Route::GuestInvite => {
            let input = input()?;
            // Bounded, free of control and invisible characters first.
            let email = checked_text(&input.required_string("email")?, "email", 256)
                .map_err(|e| op_input_error(e, "data.email"))?;
            let valid = email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.contains('@')
            }) && email.len() <= 256
                && !email.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\",;:()[]".contains(c));
            if !valid {
                return Err(ApiError::invalid(
                    "data.email",
                    "'data.email' must be one email address, e.g. sam@partner.example.",
                ));
            }
            let redirect_url = input
                .optional_string("redirectUrl")?
                .unwrap_or_else(|| lifecycle::guests::DEFAULT_REDIRECT_URL.to_string());
            lifecycle::guests::check_redirect_url(&redirect_url)
                .map_err(|e| op_input_error(e, "data.redirectUrl"))?;
            RouteRequest::InviteGuest {
                invitation: Box::new(GuestInvitation {
                    email,
                    display_name: text_within(input.optional_string("displayName")?, "displayName", 256)?,
                    sponsors: input.users("sponsors", crate::route::inputs::MAX_SPONSORS)?,
                    groups: Vec::new(),
                    redirect_url,
                    send_invitation_message: input
                        .optional_bool("sendInvitationMessage")?
                        .unwrap_or(false),
                }),
                groups: input.groups("groups")?,
            }
        }
        Route::UserOffboard => {
            let input = input()?;
            RouteRequest::Offboard(OffboardInput {
                user: input.user("user")?,
                leave_date_time: date(&input, "leaveDateTime", zone, "leaveDate.set", notes)?,
                successor: input.optional_user("successor")?,
            })
        }
        Route::UserCreate => {
            let input = input()?;
            let text = |field: &str| input.optional_string(field);
            let name = |field: &str, max: usize| -> Result<String, ApiError> {
                checked_text(&input.required_string(field)?, field, max)
                    .map_err(|e| op_input_error(e, &format!("data.{field}")))
            };
            RouteRequest::Create(Box::new(NewHireInput {
                given_name: name("givenName", 64)?,
                surname: name("surname", 64)?,
                display_name: text_within(text("displayName")?, "displayName", 256)?,
                attributes: checked_attributes(UserAttributes {
                    department: text("department")?,
                    job_title: text("jobTitle")?,
                    employee_id: text("employeeId")?,
                    employee_type: text("employeeType")?,
                    employee_hire_date: date(
                        &input,
                        "employeeHireDate",
                        zone,
                        "user.create",
                        notes,
                    )?,
                    company_name: text("companyName")?,
                    office_location: text("officeLocation")?,
                    usage_location: text("usageLocation")?,
                    mobile_phone: text("mobilePhone")?,
                })?,
                manager: input.optional_user("manager")?,
                groups: input.groups("groups")?,
            }))
        }
    })
}
