//! `resetPassword` and `createTemporaryAccessPass`. The secret is returned
//! beside the outcome, never inside it.

use crate::graph::model::{
    NewTemporaryAccessPass, TemporaryAccessPassMethod, TemporaryAccessPassPolicy,
};
use crate::graph::resources::{authentication_methods, users};
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{display_name, summary_of, TARGET_SELECT};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, RunMode};
use crate::lifecycle::ids::UserRef;
use crate::lifecycle::outcome::{Outcome, StepOutcome, StepReport};
use crate::lifecycle::password::generate_password;
use crate::lifecycle::plan::{Plan, Step};
use crate::lifecycle::resolve::read_user;
use crate::secret::Secret;

/// Which kind of first or replacement credential was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CredentialKind {
    /// A password the user must change at next sign-in
    /// (`passwordProfile` with `forceChangePasswordNextSignIn`).
    TemporaryPassword,
    /// A Temporary Access Pass (time-limited passcode, see
    /// <https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass>).
    TemporaryAccessPass,
}

/// A credential to reveal once to the authorized person. `Debug` redacts.
#[derive(Debug, Clone)]
pub struct IssuedCredential {
    /// Password or TAP.
    pub kind: CredentialKind,
    /// The password or pass itself; reveal once, never log.
    pub secret: Secret,
    /// For a TAP: minutes it stays valid.
    pub lifetime_minutes: Option<u32>,
}

/// An outcome plus the credential it issued (none in a dry run or on failure).
#[derive(Debug, Clone)]
pub struct CredentialOutcome {
    /// The steps and the account.
    pub outcome: Outcome,
    /// Present only when the credential was actually issued.
    pub credential: Option<IssuedCredential>,
}

/// TAP options, validated against Graph's absolute range; a value the
/// caller left out is taken from the tenant's policy by
/// [`TapOptions::within`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapOptions {
    lifetime_minutes: Option<u32>,
    usable_once: Option<bool>,
}

/// Lifetime used when neither the caller nor a readable policy gives one:
/// Entra's own default (one hour).
const FALLBACK_LIFETIME_MINUTES: u32 = 60;

impl TapOptions {
    /// Entra accepts 10..=43200 minutes (30 days) at most; the tenant's
    /// policy may narrow that ([`TapOptions::within`]).
    pub fn new(lifetime_minutes: u32, usable_once: bool) -> Result<Self, OpError> {
        Self::requested(Some(lifetime_minutes), Some(usable_once))
    }

    /// Options as a caller asked for them; `None` takes the policy's value.
    pub fn requested(
        lifetime_minutes: Option<u32>,
        usable_once: Option<bool>,
    ) -> Result<Self, OpError> {
        if let Some(minutes) = lifetime_minutes {
            if !(10..=43_200).contains(&minutes) {
                return Err(OpError::invalid(
                    "lifetimeInMinutes",
                    "must be between 10 and 43200",
                ));
            }
        }
        Ok(TapOptions {
            lifetime_minutes,
            usable_once,
        })
    }

    /// The options under the tenant's policy: missing values take the
    /// policy's defaults (a pass is one-time unless asked otherwise); a
    /// lifetime outside the policy's range is [`OpError::InvalidInput`] on
    /// `lifetimeInMinutes` naming the range, a reusable pass under a
    /// one-time policy on `isUsableOnce`, a disabled method
    /// [`OpError::Conflict`]. `None` (policy unreadable) keeps Graph's
    /// absolute range only.
    pub fn within(self, policy: Option<&TemporaryAccessPassPolicy>) -> Result<Self, OpError> {
        let Some(policy) = policy else {
            return Ok(TapOptions {
                lifetime_minutes: Some(self.lifetime_minutes.unwrap_or(FALLBACK_LIFETIME_MINUTES)),
                usable_once: Some(self.usable_once.unwrap_or(true)),
            });
        };
        if !policy.is_enabled() {
            return Err(OpError::Conflict {
                message: "Temporary Access Pass is not enabled in the tenant's authentication methods policy, so no pass can be issued. An Entra administrator enables it under Protection > Authentication methods > Policies > Temporary Access Pass. Nothing was changed.".into(),
            });
        }
        let (min, max) = (
            policy.minimum_lifetime_in_minutes,
            policy.maximum_lifetime_in_minutes,
        );
        let lifetime = self
            .lifetime_minutes
            .unwrap_or(policy.default_lifetime_in_minutes);
        if !(min..=max).contains(&lifetime) {
            return Err(OpError::invalid(
                "lifetimeInMinutes",
                &format!("must be between {min} and {max}: the tenant's Temporary Access Pass policy allows {min} to {max} minutes (an Entra administrator can change the range)"),
            ));
        }
        let usable_once = self.usable_once.unwrap_or(true);
        if policy.is_usable_once && !usable_once {
            return Err(OpError::invalid(
                "isUsableOnce",
                "must be true: the tenant's Temporary Access Pass policy allows one-time passes only",
            ));
        }
        Ok(TapOptions {
            lifetime_minutes: Some(lifetime),
            usable_once: Some(usable_once),
        })
    }

    fn lifetime(self) -> u32 {
        self.lifetime_minutes.unwrap_or(FALLBACK_LIFETIME_MINUTES)
    }

    fn once(self) -> bool {
        self.usable_once.unwrap_or(true)
    }
}

/// A synced user's password is mastered in AD: Graph's `passwordProfile`
/// PATCH is refused for it, and Graph has no property telling whether
/// password writeback is on (writeback serves SSPR and the delegated
/// `resetPassword` API, not this app-only write), so it is refused up front.
fn refuse_synced(user: &crate::graph::model::UserView) -> Result<(), OpError> {
    crate::lifecycle::hybrid::refuse_ad_mastered(user, ["passwordProfile"])
}

/// The PATCH that sets a new password the user must change at next sign-in.
pub(crate) fn password_change(user_id: &str, label: &str, password: &Secret) -> Step {
    Step::new(
        "password.reset",
        format!("Set a new temporary password for {label} (must be changed at next sign-in)"),
        users::set_password(user_id, password),
    )
}

/// Replaces the password with a fresh CSPRNG one (app-only PATCH of
/// `passwordProfile`).
pub async fn reset_password<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    mode: RunMode,
    deadline: Deadline,
) -> Result<CredentialOutcome, OpError> {
    let target = read_user(client, user, TARGET_SELECT, None, deadline).await?;
    refuse_synced(&target)?;
    let password = generate_password();
    let change = password_change(&target.id, display_name(&target), &password);
    let outcome = finish(
        client,
        mode,
        deadline,
        vec![],
        vec![change],
        Some(summary_of(&target)),
    )
    .await;
    let credential =
        (mode == RunMode::Execute && outcome.is_complete()).then_some(IssuedCredential {
            kind: CredentialKind::TemporaryPassword,
            secret: password,
            lifetime_minutes: None,
        });
    Ok(CredentialOutcome {
        outcome,
        credential,
    })
}

pub(crate) fn tap_change(user_id: &str, label: &str, options: TapOptions) -> Step {
    let body = NewTemporaryAccessPass {
        lifetime_in_minutes: options.lifetime(),
        is_usable_once: options.once(),
    };
    Step::new(
        "tap.create",
        format!(
            "Create a Temporary Access Pass for {label} valid {} minutes{}",
            options.lifetime(),
            if options.once() { ", usable once" } else { "" }
        ),
        authentication_methods::create_temporary_access_pass(user_id, &body),
    )
}

/// Sends the TAP request and takes the pass out of the response.
pub(crate) async fn issue_tap<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    change: &Step,
    options: TapOptions,
    deadline: Deadline,
) -> (StepReport, Option<IssuedCredential>) {
    let result = client
        .send(&change.request, deadline)
        .await
        .and_then(|r| r.json::<TemporaryAccessPassMethod>("temporaryAccessPassMethod"));
    match result {
        Ok(method) => match method.temporary_access_pass {
            Some(pass) => (
                StepReport::new(&change.key, &change.summary, StepOutcome::Done),
                Some(IssuedCredential {
                    kind: CredentialKind::TemporaryAccessPass,
                    secret: Secret::new(pass),
                    lifetime_minutes: method.lifetime_in_minutes.or(Some(options.lifetime())),
                }),
            ),
            None => (
                StepReport::new(
                    &change.key,
                    &change.summary,
                    StepOutcome::failed(
                        "unexpected",
                        "the response carried no temporaryAccessPass",
                    ),
                ),
                None,
            ),
        },
        Err(e) => (
            StepReport::new(&change.key, &change.summary, StepOutcome::from_error(&e)),
            None,
        ),
    }
}

/// Creates a Temporary Access Pass (replacing any existing one, as Entra
/// allows only one).
pub async fn create_temporary_access_pass<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    options: TapOptions,
    mode: RunMode,
    deadline: Deadline,
) -> Result<CredentialOutcome, OpError> {
    let target = read_user(client, user, TARGET_SELECT, None, deadline).await?;
    let change = tap_change(&target.id, display_name(&target), options);
    let mut outcome = Outcome {
        dry_run: mode == RunMode::DryRun,
        plan: Plan::from_changes([&change]),
        steps: vec![],
        user: Some(summary_of(&target)),
        remainder: Vec::new(),
    };
    if mode == RunMode::DryRun {
        return Ok(CredentialOutcome {
            outcome,
            credential: None,
        });
    }
    let (step, credential) = issue_tap(client, &change, options, deadline).await;
    outcome.steps.push(step);
    Ok(CredentialOutcome {
        outcome,
        credential,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tap_lifetime_bounds() {
        assert!(TapOptions::new(9, true).is_err());
        assert!(TapOptions::new(10, true).is_ok());
        assert!(TapOptions::new(43_200, false).is_ok());
        assert_eq!(
            TapOptions::new(43_201, true).unwrap_err().field(),
            Some("lifetimeInMinutes")
        );
    }

    #[test]
    fn tap_options_within_the_policy() {
        let policy = TemporaryAccessPassPolicy {
            state: "enabled".into(),
            minimum_lifetime_in_minutes: 60,
            maximum_lifetime_in_minutes: 480,
            default_lifetime_in_minutes: 90,
            is_usable_once: false,
            default_length: Some(8),
        };
        let asked = TapOptions::requested(None, None).unwrap();
        assert_eq!(
            asked.within(Some(&policy)).unwrap(),
            TapOptions::new(90, true).unwrap()
        );
        let e = TapOptions::new(30, true)
            .unwrap()
            .within(Some(&policy))
            .unwrap_err();
        assert_eq!(e.field(), Some("lifetimeInMinutes"));
        assert!(e.to_string().contains("between 60 and 480"), "{e}");
        let once = TemporaryAccessPassPolicy {
            is_usable_once: true,
            ..policy.clone()
        };
        let e = TapOptions::new(60, false)
            .unwrap()
            .within(Some(&once))
            .unwrap_err();
        assert_eq!(e.field(), Some("isUsableOnce"));
        let off = TemporaryAccessPassPolicy {
            state: "disabled".into(),
            ..policy
        };
        let e = asked.within(Some(&off)).unwrap_err();
        assert_eq!(e.http_status(), 409);
        assert_eq!(
            asked.within(None).unwrap(),
            TapOptions::new(60, true).unwrap()
        );
    }

    #[test]
    fn password_change_plan_hides_password() {
        let p = Secret::new("Xy7!Xy7!Xy7!Xy7!Xy7!");
        let c = password_change("id1", "jane", &p);
        let plan = serde_json::to_string(&Plan::from_changes([&c])).unwrap();
        assert!(!plan.contains("Xy7!"));
        assert!(plan.contains("forceChangePasswordNextSignIn"));
    }
}
