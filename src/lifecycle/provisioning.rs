//! Configuration types of the operations, in one place.

use crate::lifecycle::licence_rules::LicenceRules;
use crate::lifecycle::naming::NamingTemplate;
use crate::lifecycle::rules::GroupRules;

/// How a new hire's first credential is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstCredential {
    /// A generated password the user must change at first sign-in.
    TemporaryPassword,
    /// A Temporary Access Pass (the account gets a random password nobody
    /// ever sees).
    TemporaryAccessPass {
        /// Validity in minutes (10 to 43200).
        lifetime_minutes: u32,
        /// Whether the first sign-in consumes the pass.
        usable_once: bool,
    },
    /// None now: nobody can receive it yet. The account gets a random
    /// password (Graph requires a `passwordProfile` on create) that is
    /// never stored or shown, and the outcome carries a
    /// [`crate::lifecycle::RemainderKind::CredentialPending`] remainder; an
    /// agent or the manager issues a Temporary Access Pass later.
    Pending,
    /// Not before the hire date: the account is created disabled
    /// (`accountEnabled: false`) with a random password that is never
    /// stored or shown and no pass; enabling it and issuing its first
    /// credential is a step scheduled on the hire date (the pipeline
    /// schedules it; the plan and the answer say when).
    OnHireDate,
}

/// Everything `create` and `transfer` need besides the Graph client.
#[derive(Debug, Clone)]
pub struct ProvisioningRules {
    /// How a new hire's UPN and mailNickname are made.
    pub naming: NamingTemplate,
    /// Which groups follow from department, job title, company, employee type.
    pub rules: GroupRules,
    /// Which SKUs follow from the same attributes, and the tenant default
    /// `usageLocation` licences need.
    pub licences: LicenceRules,
}
