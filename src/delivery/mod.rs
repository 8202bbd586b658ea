//! Safe delivery of generated credentials. A password or TAP goes to Forge
//! secret storage under a random one-time id with an expiry and the list of
//! Jira accounts allowed to see it; one reveal deletes it. Nothing else
//! ever carries the value: receipts, audit records and errors hold only the
//! id, the kind and the expiry.

pub mod recipients;
pub mod reveal;
pub mod store;

pub use recipients::{secret_for_response, viewers_for, RecipientAccounts};
pub use reveal::{is_pending_for, reveal, RevealError};
pub use store::{
    purge_expired, purge_expired_at_most, store, DeliveryError, DeliveryReceipt, DeliveryRequest,
};
