//! What nobody should be able to do through a service desk: serviceable
//! groups, protected targets, requester rules and the approvals gate.

pub mod config;
pub mod operation;
pub mod refusal;
pub mod requester;

pub use config::{PolicyConfig, SecretRecipient};
pub use operation::{Operation, OperationKind};
pub use refusal::{CheckError, Denial, Refusal, RuleName};
pub use requester::{EntryPoint, RequestContext, Requester, RequesterKind, ServiceApiAuth};
