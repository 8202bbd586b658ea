//! How a job route fails, in the Service API's error contract.

use crate::host::HostError;
use crate::pipeline::answer::CallAnswer;
use crate::pipeline::error::ApiError;
use serde_json::json;
use std::fmt;

/// Why `jobs.submit` or `job.status` failed, or a stored job could not be
/// read.
#[derive(Debug, Clone, PartialEq)]
pub enum JobError {
    /// 400: the submission or one of its items is invalid.
    Invalid(ApiError),
    /// 404: no job has this id (or it was never stored).
    NotFound {
        /// The id asked for.
        job_id: String,
    },
    /// 500: storage or the queue failed; the job may be partly stored.
    Host {
        /// What was being done, e.g. `"store items"`, `"queue push"`.
        stage: &'static str,
        /// The host failure.
        error: HostError,
    },
}

impl JobError {
    /// The answer a caller sees. A host failure is logged in full by the
    /// caller and answered without internals.
    pub fn to_answer(&self, correlation_id: &str) -> CallAnswer {
        match self {
            JobError::Invalid(api) => api.to_answer(),
            JobError::NotFound { job_id } => CallAnswer {
                status: 404,
                body: json!({"ok": false, "error": {
                    "code": "job_not_found",
                    "message": format!("No job has the id '{}'.", crate::pipeline::input::printable(job_id)),
                    "field": "data.jobId",
                }}),
                retry_after_seconds: None,
                replay: false,
            },
            JobError::Host { .. } => ApiError::Internal {
                correlation_id: correlation_id.to_string(),
            }
            .to_answer(),
        }
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Invalid(api) => api.fmt(f),
            JobError::NotFound { job_id } => write!(f, "no job '{job_id}'"),
            JobError::Host { stage, error } => write!(f, "job {stage} failed: {error}"),
        }
    }
}

impl std::error::Error for JobError {}

impl From<ApiError> for JobError {
    fn from(error: ApiError) -> Self {
        JobError::Invalid(error)
    }
}
