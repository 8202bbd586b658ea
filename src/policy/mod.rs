//! What nobody should be able to do through a service desk: serviceable
//! groups, protected targets, requester rules and the approvals gate.
//! [`authorize()`] runs them all; the modules are usable one by one (the admin
//! page classifies groups with [`groups::classify_group`]).
//!
//! The policy decides and writes nothing: the pipeline
//! ([`crate::pipeline`]) records its refusals in the audit trail. Its
//! settings are [`crate::config::policy::PolicyConfig`].

pub mod authorize;
pub mod groups;
pub mod identity;
pub mod jira;
pub mod manager;
pub mod operation;
pub mod protected;
pub mod refusal;
pub mod requester;
pub mod tenant_facts;

pub use authorize::{authorize, AllowedBy, ApprovalGate, Authorized};
pub use groups::{classify, classify_group, GroupClassification, GroupFacts, GroupProblem};
pub use operation::Operation;
pub use protected::ResolvedUser;
pub use refusal::{CheckError, Denial, Refusal, RuleName};
pub use requester::{EntryPoint, RequestContext, Requester, RequesterKind, ServiceApiAuth};
