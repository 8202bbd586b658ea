//! `create`: a new account with a generated UPN, attributes, manager,
//! explicit and rule-derived groups, and a first credential.
//!
//! With an employeeId (or licence rules, or a manager named by an address
//! or mail), three round trips:
//!
//! 1. `$batch` of reads: UPN-prefix probe, employeeId probe, verified
//!    domains, manager;
//! 2. `POST /users` (optimistic: a UPN conflict moves to the next name);
//! 3. `$batch` of manager, group adds (and TAP), retrying replication 404s.
//!
//! Three is the floor there. Entra does not enforce employeeId uniqueness
//! (it is a plain string property of the user, see "user resource type"
//! on Microsoft Learn), so only the app's probe keeps one employeeId from
//! yielding two accounts, and the create must wait for the probe's answer:
//! `dependsOn` in a `$batch` runs an item after another *succeeded*, and a
//! probe that finds a holder succeeds too (200 with one user), so a create
//! in the probe's batch would run anyway and make the duplicate. The same
//! holds for the seats licence rules need (a 200 with no seat left) and for
//! a manager found by `$filter` (a 200 with no user). The follow-ups need
//! the new account's object id (a group's `members/$ref` takes it), so they
//! cannot join the create's round trip either.
//!
//! Without those, two round trips: the reads and the `POST /users` share
//! the first `$batch`, the create `dependsOn` the manager's read by path
//! (a 404 answers the create 424 Failed Dependency, so a wrong manager is
//! still refused before any write: "Combine multiple HTTP requests using
//! JSON batching" on Microsoft Learn). The create takes the first
//! candidate name; on Entra's 400 for a taken `userPrincipalName` the
//! probe's answer from the same batch gives the next free one (one more
//! round trip, only then), and Entra's 400 for an unverified domain
//! becomes an error on `namingTemplate`, as the verified-domain read in
//! the same batch confirms.
//!
//! Licence rules add no round trip: `/subscribedSkus` joins the first
//! batch (seats checked before the create), the create body carries the
//! `usageLocation` licences need, and the third batch assigns the rules'
//! SKUs and reads their `licenseAssignmentStates` back (`dependsOn`).
//!
//! The same employeeId never yields two accounts: an existing holder is
//! returned as "already exists" and the remaining steps resume on it.

use crate::graph::model::{
    NewUser, Organization, PasswordProfile, TemporaryAccessPassMethod, UserAttributes, UserView,
};
use crate::graph::paging::Page;
use crate::graph::resources::licenses::SubscribedSku;
use crate::graph::resources::{licenses, organization, users};
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient, GraphResponse};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::display_name;
use crate::lifecycle::credentials::{tap_change, CredentialKind, IssuedCredential, TapOptions};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::RunMode;
use crate::lifecycle::groups::add_member_change;
use crate::lifecycle::ids::{checked_text, ObjectId, UserRef};
use crate::lifecycle::licence_rules::{
    check_seats, rule_licences_step, run_with_state_check, RuleLicence,
};
use crate::lifecycle::naming::{NameParts, NamingTemplate};
use crate::lifecycle::outcome::{
    Outcome, Remainder, RemainderKind, StepOutcome, StepReport, UserSummary,
};
use crate::lifecycle::password::generate_password;
use crate::lifecycle::plan::{Plan, Step, StepTarget, TargetKind};
use crate::lifecycle::provisioning::{FirstCredential, ProvisioningRules};
use crate::lifecycle::resolve::{read_result, user_read};
use crate::lifecycle::rules::RuleSubject;
use crate::secret::Secret;
use std::collections::BTreeSet;

/// How many taken names an optimistic create steps over before giving up.
const MAX_NAME_ATTEMPTS: u32 = 50;
const PROBE_SELECT: &str = "id,userPrincipalName,employeeId";
/// An existing holder's manager, so a resumed run can tell it is already set.
const PROBE_EXPAND: &str = "manager($select=id)";

/// The request to create a person's account.
#[derive(Debug, Clone)]
pub struct NewHire {
    /// First name, 1 to 64 characters; feeds the naming template.
    pub given_name: String,
    /// Last name, 1 to 64 characters; feeds the naming template.
    pub surname: String,
    /// Defaults to "given surname".
    pub display_name: Option<String>,
    /// Profile attributes sent with the create.
    pub attributes: UserAttributes,
    /// The manager, set after the create (must name exactly one user).
    pub manager: Option<UserRef>,
    /// Groups asked for explicitly (rule groups are added to these).
    pub groups: Vec<ObjectId>,
    /// First credential: a temporary password or a Temporary Access Pass.
    pub credential: FirstCredential,
}

/// The result of `create`; the credential travels beside the outcome.
#[derive(Debug, Clone)]
pub struct CreateOutcome {
    /// Steps taken (or planned, in a dry run) and the account.
    pub outcome: Outcome,
    /// The first credential, only when it was issued (not in a dry
    /// run, not when the create failed).
    pub credential: Option<IssuedCredential>,
    /// The employeeId already had an account; nothing new was created.
    pub already_existed: bool,
}

struct Validated {
    given: String,
    surname: String,
    display: String,
    attributes: UserAttributes,
    tap: Option<TapOptions>,
}

fn validate(hire: &NewHire) -> Result<Validated, OpError> {
    let given = checked_text(&hire.given_name, "givenName", 64)?;
    let surname = checked_text(&hire.surname, "surname", 64)?;
    let display = match &hire.display_name {
        Some(d) => checked_text(d, "displayName", 256)?,
        None => format!("{given} {surname}"),
    };
    let attributes = validate_attributes(&hire.attributes)?;
    if hire.groups.len() > 100 {
        return Err(OpError::invalid("groups", "may list at most 100 groups"));
    }
    let tap = match hire.credential {
        FirstCredential::TemporaryPassword
        | FirstCredential::Pending
        | FirstCredential::OnHireDate => None,
        FirstCredential::TemporaryAccessPass {
            lifetime_minutes,
            usable_once,
        } => Some(TapOptions::new(lifetime_minutes, usable_once)?),
    };
    Ok(Validated {
        given,
        surname,
        display,
        attributes,
        tap,
    })
}

/// Checks lengths and formats Entra documents; returns trimmed values.
pub(crate) fn validate_attributes(a: &UserAttributes) -> Result<UserAttributes, OpError> {
    // Empty or blank means "not given": Graph refuses "" for user strings.
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.trim().is_empty())
    }
    fn text(v: &Option<String>, field: &str, max: usize) -> Result<Option<String>, OpError> {
        given(v).map(|s| checked_text(s, field, max)).transpose()
    }
    let usage_location = given(&a.usage_location)
        .map(|u| crate::lifecycle::country::usage_location(u, "usageLocation"))
        .transpose()?;
    // Dates normally arrive normalised (the pipeline reads them in the site
    // time zone first); a zone-less one reaching here directly is UTC.
    let employee_hire_date = given(&a.employee_hire_date)
        .map(|d| {
            crate::dates::normalize(d, &crate::dates::SiteZone::utc())
                .map(|n| n.utc)
                .map_err(|e| OpError::invalid("employeeHireDate", &e.message))
        })
        .transpose()?;
    Ok(UserAttributes {
        department: text(&a.department, "department", 64)?,
        job_title: text(&a.job_title, "jobTitle", 128)?,
        employee_id: text(&a.employee_id, "employeeId", 16)?,
        employee_type: text(&a.employee_type, "employeeType", 64)?,
        employee_hire_date,
        company_name: text(&a.company_name, "companyName", 64)?,
        office_location: text(&a.office_location, "officeLocation", 128)?,
        usage_location,
        mobile_phone: text(&a.mobile_phone, "mobilePhone", 64)?,
    })
}

/// Results of the first round trip.
struct Probe {
    taken: BTreeSet<String>,
    existing: Option<UserView>,
    manager: Option<UserView>,
    /// The tenant's subscriptions, read only when licence rules match.
    skus: Vec<SubscribedSku>,
    /// Whether the naming template's domain is a verified domain.
    verified: bool,
    /// The answer to an optimistic create sent in the same batch.
    created: Option<Result<GraphResponse, ClientError>>,
}

#[allow(clippy::too_many_arguments)]
async fn probe<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    config: &ProvisioningRules,
    base: &str,
    employee_id: Option<&str>,
    manager: Option<&UserRef>,
    read_skus: bool,
    create: Option<&Step>,
    deadline: Deadline,
) -> Result<Probe, OpError> {
    let mut items = vec![
        BatchItem::new(
            "upn",
            users::list_users_upn_starting_with(base, PROBE_SELECT),
        ),
        BatchItem::new("org", organization::get_verified_domains()),
    ];
    if let Some(e) = employee_id {
        items.push(BatchItem::new(
            "emp",
            users::list_users_where("employeeId", e, PROBE_SELECT, Some(PROBE_EXPAND)),
        ));
    }
    if let Some(m) = manager {
        // The names too, so the plan says who (same request).
        items.push(BatchItem::new(
            "mgr",
            user_read(m, "id,displayName,userPrincipalName,mail", None),
        ));
    }
    if read_skus {
        items.push(BatchItem::new("skus", licenses::list_subscribed_skus()));
    }
    if let Some(change) = create {
        // Runs only once the manager's read succeeded (424 otherwise).
        let item = BatchItem::new("create", change.request.clone());
        items.push(match manager {
            Some(_) => item.after("mgr"),
            None => item,
        });
    }
    let mut answers = client.execute(&items, deadline).await;
    let created = create.map(|_| answers.pop().unwrap_or(Err(missing())));
    // Once the account exists, a failed side read must not hide it: the
    // names and domains were only needed had the create been refused.
    let made = matches!(created, Some(Ok(_)));
    let mut results = answers.into_iter();
    let upn_page: Page<UserView> = match results.next().unwrap_or(Err(missing())) {
        Ok(r) => r.json("users")?,
        Err(_) if made => Page {
            value: Vec::new(),
            next_link: None,
        },
        Err(e) => return Err(e.into()),
    };
    let domain = config.naming.domain();
    let verified = match results.next().unwrap_or(Err(missing())) {
        Ok(r) => r
            .json::<Page<Organization>>("organization")?
            .value
            .iter()
            .flat_map(|o| o.verified_domains.iter())
            .any(|d| d.name.eq_ignore_ascii_case(domain)),
        Err(_) if made => true,
        Err(e) => return Err(e.into()),
    };
    if !verified && create.is_none() {
        return Err(unverified_domain(domain));
    }
    let existing = match employee_id {
        Some(_) => {
            let page: Page<UserView> = results.next().unwrap_or(Err(missing()))?.json("users")?;
            match page.value.len() {
                0 => None,
                1 => page.value.into_iter().next(),
                count => {
                    return Err(OpError::Ambiguous {
                        field: "employeeId",
                        count,
                    })
                }
            }
        }
        None => None,
    };
    let manager = match manager {
        Some(m) => Some(
            read_result(m, results.next().unwrap_or(Err(missing()))).map_err(|e| match e {
                OpError::NotFound { what } => {
                    OpError::invalid("manager", &format!("names no user ({what})"))
                }
                OpError::Ambiguous { count, .. } => {
                    OpError::invalid("manager", &format!("matches {count} users"))
                }
                other => other,
            })?,
        ),
        None => None,
    };
    let skus = if read_skus {
        let page: Page<SubscribedSku> = results
            .next()
            .unwrap_or(Err(missing()))?
            .json("subscribedSkus")?;
        page.value
    } else {
        Vec::new()
    };
    Ok(Probe {
        taken: upn_page
            .value
            .iter()
            .filter_map(|u| u.user_principal_name.as_deref())
            .map(str::to_ascii_lowercase)
            .collect(),
        existing,
        manager,
        skus,
        verified,
        created,
    })
}

fn unverified_domain(domain: &str) -> OpError {
    OpError::invalid(
        "namingTemplate",
        &format!("uses the domain {domain}, which is not a verified domain of the tenant"),
    )
}

fn missing() -> ClientError {
    ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    }
}

fn next_free(
    naming: &NamingTemplate,
    base: &str,
    taken: &BTreeSet<String>,
    from: u32,
) -> Option<(u32, String)> {
    (from..from + MAX_NAME_ATTEMPTS)
        .map(|n| (n, NamingTemplate::candidate(base, n)))
        .find(|(_, local)| !taken.contains(&naming.upn(local)))
}

/// The create's body for the candidate name `local`.
fn new_user(
    v: &Validated,
    config: &ProvisioningRules,
    local: &str,
    password: &Secret,
    attributes: UserAttributes,
    enabled: bool,
) -> NewUser {
    NewUser {
        // A future joiner's account exists before the hire date, unusable.
        account_enabled: enabled,
        display_name: v.display.clone(),
        given_name: v.given.clone(),
        surname: v.surname.clone(),
        mail_nickname: local.to_string(),
        user_principal_name: config.naming.upn(local),
        password_profile: PasswordProfile {
            password: password.expose().to_string(),
            force_change_password_next_sign_in: true,
        },
        attributes,
    }
}

fn create_change(user: &NewUser) -> Step {
    // The plan says when an account is made unusable until its hire date.
    let disabled = if user.account_enabled {
        ""
    } else {
        ", disabled until the hire date, no credential yet"
    };
    Step::new(
        "user.create",
        format!(
            "Create the account {} ({}){disabled}",
            user.user_principal_name, user.display_name
        ),
        users::create_user(user),
    )
}

fn manager_change<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user_id: &str,
    manager: &UserView,
    just_created: bool,
) -> Step {
    let mut request = users::set_manager(user_id, &client.settings().graph_root(), &manager.id);
    if just_created {
        request = request.just_created();
    }
    let target = StepTarget::person(TargetKind::Manager, manager);
    Step::new(
        "manager.set",
        format!("Set manager to {}", target.label()),
        request,
    )
    .with_targets(vec![target])
}

/// The licences the rules give a new hire.
struct Licences<'a> {
    adds: &'a [&'a RuleLicence],
    /// The `usageLocation` the create sets (for the plan's words only).
    usage_location: Option<String>,
}

/// Post-create changes: manager, groups, rule licences, TAP.
#[allow(clippy::too_many_arguments)]
fn follow_up_changes<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user_id: &str,
    label: &str,
    manager: Option<&UserView>,
    groups: &BTreeSet<ObjectId>,
    licences: &Licences<'_>,
    tap: Option<TapOptions>,
    just_created: bool,
) -> Vec<Step> {
    let mut changes = Vec::new();
    if let Some(m) = manager {
        changes.push(manager_change(client, user_id, m, just_created));
    }
    // Group names come from the pipeline's reads ([`Outcome::name_groups`]).
    for g in groups {
        changes.push(add_member_change(client, g, None, user_id, just_created));
    }
    if !licences.adds.is_empty() {
        let mut step = rule_licences_step(user_id, label, licences.adds, &[]);
        if let Some(country) = &licences.usage_location {
            step.summary = format!("{} (usage location {country})", step.summary);
        }
        if just_created {
            step.request = step.request.just_created();
        }
        changes.push(step);
    }
    if let Some(options) = tap {
        let mut change = tap_change(user_id, label, options);
        if just_created {
            change.request = change.request.just_created();
        }
        changes.push(change);
    }
    changes
}

/// Creates the account (see the module comment for the round trips).
pub async fn create<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    config: &ProvisioningRules,
    hire: &NewHire,
    mode: RunMode,
    deadline: Deadline,
) -> Result<CreateOutcome, OpError> {
    let v = validate(hire)?;
    let employee_id = v.attributes.employee_id.as_deref();
    let base = config.naming.local_part(NameParts {
        given: &v.given,
        surname: &v.surname,
        employee_id,
    })?;
    let groups = config
        .rules
        .groups_for_new_hire(&hire.groups, &v.attributes);
    let licence_rules = config.licences.matching(&RuleSubject::of(&v.attributes));
    let password = generate_password();
    let enabled = hire.credential != FirstCredential::OnHireDate;
    // See the module comment for when the create may share the reads' batch.
    let optimistic = (mode == RunMode::Execute
        && employee_id.is_none()
        && licence_rules.is_empty()
        && hire
            .manager
            .as_ref()
            .is_none_or(|m| matches!(m, UserRef::Id(_) | UserRef::Upn(_))))
    .then(|| {
        let local = NamingTemplate::candidate(&base, 1);
        let user = new_user(&v, config, &local, &password, v.attributes.clone(), enabled);
        create_change(&user)
    });

    let mut probe = probe(
        client,
        config,
        &base,
        employee_id,
        hire.manager.as_ref(),
        !licence_rules.is_empty(),
        optimistic.as_ref(),
        deadline,
    )
    .await?;
    let rule_licences = config.licences.resolve(&licence_rules, &probe.skus)?;
    let adds: Vec<&RuleLicence> = rule_licences.iter().collect();
    if let Some(existing) = probe.existing {
        let licences = Licences {
            adds: &adds,
            usage_location: None,
        };
        return resume_existing(
            client,
            existing,
            &probe.manager,
            &groups,
            &licences,
            mode,
            deadline,
        )
        .await;
    }
    check_seats(&adds, &format!("{} {}", v.given, v.surname))?;
    let mut attributes = v.attributes.clone();
    if !adds.is_empty() && attributes.usage_location.is_none() {
        // In the create body itself: Entra refuses licences without one.
        attributes.usage_location = Some(
            config
                .licences
                .default_usage_location()
                .ok_or_else(|| OpError::Conflict {
                    message: format!(
                        "The licence rules give {} a licence, which needs a usageLocation: give usageLocation, or set a default usage location (provisioning.defaultUsageLocation).",
                        v.display
                    ),
                })?
                .to_string(),
        );
    }
    let licences = Licences {
        adds: &adds,
        usage_location: attributes.usage_location.clone(),
    };

    // The optimistic create took the first candidate whatever the probe saw.
    let (mut attempt, local) = if optimistic.is_some() {
        (1, NamingTemplate::candidate(&base, 1))
    } else {
        next_free(&config.naming, &base, &probe.taken, 1).ok_or_else(|| OpError::Conflict {
            message: format!("no free user name near {base}"),
        })?
    };
    let mut new_user = new_user(&v, config, &local, &password, attributes, enabled);
    // Placeholder id in the plan: the real one exists only after creation.
    let planned_followups = follow_up_changes(
        client,
        "{new-user-id}",
        &new_user.user_principal_name,
        probe.manager.as_ref(),
        &groups,
        &licences,
        v.tap,
        true,
    );
    let mut plan = Plan::from_changes([&create_change(&new_user)]);
    planned_followups.iter().for_each(|c| plan.push(c));
    if mode == RunMode::DryRun {
        return Ok(CreateOutcome {
            outcome: Outcome {
                dry_run: true,
                plan,
                steps: vec![],
                user: None,
                remainder: Vec::new(),
            },
            credential: None,
            already_existed: false,
        });
    }

    // Optimistic create: step over names taken since the probe.
    let verified = probe.verified;
    let mut sent = probe.created.take();
    let mut taken = probe.taken;
    let created: UserView =
        loop {
            let change = create_change(&new_user);
            let answer = match sent.take() {
                Some(answer) => answer,
                None => client.send(&change.request, deadline).await,
            };
            match answer {
                Ok(r) => break r.json("user")?,
                // Entra's 400 for a domain the tenant has not verified.
                Err(ClientError::Graph(g)) if g.status == 400 && !verified => {
                    return Err(unverified_domain(config.naming.domain()));
                }
                Err(ClientError::Graph(g))
                    if g.is_conflict_on("userPrincipalName") && employee_id.is_none() =>
                {
                    // No employeeId to match a holder by: the name is taken.
                    taken.insert(new_user.user_principal_name.to_ascii_lowercase());
                    let (n, local) = next_free(&config.naming, &base, &taken, attempt + 1)
                        .ok_or_else(|| OpError::Conflict {
                            message: format!("no free user name near {base}"),
                        })?;
                    attempt = n;
                    new_user.mail_nickname = local.clone();
                    new_user.user_principal_name = config.naming.upn(&local);
                }
                Err(ClientError::Graph(g)) if g.is_conflict_on("userPrincipalName") => {
                    // Entra just said the name is taken: a 404 reading its
                    // holder is an account still replicating (e.g. this
                    // hire's own, from an attempt moments ago), not absence.
                    let holder = user_read(
                        &UserRef::Upn(new_user.user_principal_name.clone()),
                        PROBE_SELECT,
                        Some(PROBE_EXPAND),
                    )
                    .just_created();
                    let holder = read_result(
                        &UserRef::Upn(new_user.user_principal_name.clone()),
                        client.send(&holder, deadline).await,
                    )?;
                    if holder.employee_id.as_deref() == employee_id {
                        let licences = Licences {
                            adds: &adds,
                            usage_location: None,
                        };
                        return resume_existing(
                            client,
                            holder,
                            &probe.manager,
                            &groups,
                            &licences,
                            mode,
                            deadline,
                        )
                        .await;
                    }
                    taken.insert(new_user.user_principal_name.to_ascii_lowercase());
                    let (n, local) = next_free(&config.naming, &base, &taken, attempt + 1)
                        .ok_or_else(|| OpError::Conflict {
                            message: format!("no free user name near {base}"),
                        })?;
                    attempt = n;
                    new_user.mail_nickname = local.clone();
                    new_user.user_principal_name = config.naming.upn(&local);
                }
                Err(e) => {
                    let step =
                        StepReport::new(&change.key, &change.summary, StepOutcome::from_error(&e));
                    let mut steps = vec![step];
                    for c in &planned_followups {
                        steps.push(StepReport::of(
                            c,
                            StepOutcome::Skipped {
                                reason: "the account was not created".into(),
                            },
                        ));
                    }
                    return Ok(CreateOutcome {
                        outcome: Outcome {
                            dry_run: false,
                            plan,
                            steps,
                            user: None,
                            remainder: Vec::new(),
                        },
                        credential: None,
                        already_existed: false,
                    });
                }
            }
        };

    let label = created
        .user_principal_name
        .clone()
        .unwrap_or_else(|| new_user.user_principal_name.clone());
    let create_step = create_change(&new_user);
    let mut steps = vec![StepReport::new(
        &create_step.key,
        &create_step.summary,
        StepOutcome::Done,
    )];
    let followups = follow_up_changes(
        client,
        &created.id,
        &label,
        probe.manager.as_ref(),
        &groups,
        &licences,
        v.tap,
        true,
    );
    // The plan shows the real id and final name now that they are known.
    let mut plan = Plan::from_changes([&create_step]);
    followups.iter().for_each(|c| plan.push(c));
    let mut remainder = Vec::new();
    let mut credential = match hire.credential {
        FirstCredential::TemporaryPassword => Some(IssuedCredential {
            kind: CredentialKind::TemporaryPassword,
            secret: password,
            lifetime_minutes: None,
        }),
        FirstCredential::TemporaryAccessPass { .. } => None,
        FirstCredential::OnHireDate => {
            // Unusable until the hire date: the random password is dropped
            // unseen; the scheduled activation issues the first credential.
            drop(password);
            None
        }
        FirstCredential::Pending => {
            // The random password is dropped here, unseen and unstored.
            drop(password);
            remainder.push(Remainder::new(
                RemainderKind::CredentialPending,
                format!("First credential pending: nobody to receive it. {label} has a random password nobody knows; an agent or the manager issues a Temporary Access Pass from the issue panel or the user.createTemporaryAccessPass route"),
            ));
            None
        }
    };
    let (results, licence_remainder) =
        run_with_state_check(client, &followups, &created.id, &label, &adds, deadline).await;
    remainder.extend(licence_remainder);
    for (step, response) in results {
        if step.key == "tap.create" {
            credential = response
                .and_then(|r| {
                    r.json::<TemporaryAccessPassMethod>("temporaryAccessPassMethod")
                        .ok()
                })
                .and_then(|m| {
                    Some(IssuedCredential {
                        kind: CredentialKind::TemporaryAccessPass,
                        secret: Secret::new(m.temporary_access_pass?),
                        lifetime_minutes: m.lifetime_in_minutes.or(v.tap.map(|_| 0)),
                    })
                });
        }
        steps.push(step);
    }
    Ok(CreateOutcome {
        outcome: Outcome {
            dry_run: false,
            plan,
            steps,
            user: Some(UserSummary {
                id: created.id,
                user_principal_name: Some(label),
                invite_redeem_url: None,
            }),
            remainder,
        },
        credential,
        already_existed: false,
    })
}

/// The employeeId already has an account: report it and finish the
/// remaining steps on it (idempotent), issuing no credential.
async fn resume_existing<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    existing: UserView,
    manager: &Option<UserView>,
    groups: &BTreeSet<ObjectId>,
    licences: &Licences<'_>,
    mode: RunMode,
    deadline: Deadline,
) -> Result<CreateOutcome, OpError> {
    let label = display_name(&existing).to_string();
    let mut settled = vec![StepReport::new(
        "user.create",
        format!("Account {label} already exists for this employeeId"),
        StepOutcome::NoChange,
    )];
    let current_manager = existing.manager.as_ref().map(|m| m.id.as_str());
    let manager_to_set = match manager.as_ref() {
        Some(m) if current_manager.is_some_and(|c| c.eq_ignore_ascii_case(&m.id)) => {
            let change = manager_change(client, &existing.id, m, false);
            settled.push(StepReport::of(&change, StepOutcome::NoChange));
            None
        }
        other => other,
    };
    let changes = follow_up_changes(
        client,
        &existing.id,
        &label,
        manager_to_set,
        groups,
        licences,
        None,
        false,
    );
    let outcome = crate::lifecycle::exec::finish(
        client,
        mode,
        deadline,
        settled,
        changes,
        Some(UserSummary {
            id: existing.id.clone(),
            user_principal_name: existing.user_principal_name.clone(),
            invite_redeem_url: None,
        }),
    )
    .await;
    Ok(CreateOutcome {
        outcome,
        credential: None,
        already_existed: true,
    })
}
