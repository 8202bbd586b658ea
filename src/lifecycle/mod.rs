//! Lifecycle operations. Each validates its input, reads what it needs,
//! plans the exact Graph changes and (unless a dry run) executes them,
//! reporting every step.

pub mod account;
pub mod country;
pub mod create;
pub mod credentials;
pub mod deletion;
pub mod error;
pub mod exec;
pub mod groups;
pub mod guests;
pub mod handover;
pub mod hybrid;
pub mod leave_date;
pub mod ids;
pub mod licence_rules;
pub mod licences;
pub mod lookup;
pub mod memberships;
pub mod mfa;
pub mod naming;
pub mod offboard;
pub mod outcome;
pub mod password;
pub mod plan;
pub mod provisioning;
pub mod readback;
pub mod rejoin;
pub mod resolve;
pub mod rules;
pub mod tap_policy;
pub mod transfer;
pub mod update;

pub use account::{disable, enable, revoke_sessions};
pub use create::{create, CreateOutcome, NewHire};
pub use credentials::{
    create_temporary_access_pass, reset_password, CredentialKind, CredentialOutcome,
    IssuedCredential, TapOptions,
};
pub use error::OpError;
pub use exec::RunMode;
pub use groups::{add_to_group, remove_from_group};
pub use ids::{ObjectId, UserRef};
pub use licences::{assign_licences, remove_licences, LicenceName, LicenceRequest};
pub use lookup::lookup;
pub use naming::NamingTemplate;
pub use offboard::{offboard, OffboardRequest};
pub use outcome::{
    Completion, Outcome, Remainder, RemainderKind, StepOutcome, StepReport, UserSummary,
};
pub use plan::{Plan, PlannedStep};
pub use provisioning::{FirstCredential, ProvisioningRules};
pub use rules::GroupRules;
pub use transfer::{transfer, TransferRequest};
pub use update::{parse_changes, parse_changes_in, update, AttributeChanges};
