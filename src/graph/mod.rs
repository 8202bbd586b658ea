//! Microsoft Graph v1.0 client: tokens, requests, errors, retries, batching
//! and paging, over the [`crate::http::Transport`] and [`crate::host::Host`]
//! ports.

pub mod batch;
pub mod client;
pub mod delta;
pub mod error;
pub mod model;
pub mod odata;
pub mod paging;
pub mod permissions;
pub mod read_ahead;
pub mod request;
pub mod resources;
pub mod retry;
pub mod settings;
pub mod token;
pub mod write_gate;

pub use batch::{BatchItem, BatchResults};
pub use client::GraphClient;
pub use error::{ClientError, ErrorDetail, GraphError};
pub use request::{GraphRequest, GraphResponse};
pub use retry::{Deadline, Retries, RetryPolicy};
pub use settings::GraphSettings;
pub use token::{TokenError, TokenProvider};
