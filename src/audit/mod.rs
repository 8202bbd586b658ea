//! The audit trail: one record per attempted operation (refusals and
//! credential reveals included), stored in the Host KVS with small indexes,
//! and summarised as an internal comment on the request.

pub mod comment;
pub mod record;
pub mod store;
pub mod time;

pub use comment::{
    note_comment, plan_comment, post_comment, post_internal_comment, summary_comment,
    visibility_for, CommentVisibility,
};
pub use record::{
    AuditAction, AuditActor, AuditRecord, AuditResult, AuditTarget, CredentialNote, CredentialType,
    ResultKind,
};
pub use store::{purge, query, record, AuditError, AuditFilter, PurgeReport};
