//! The newest jobs, for the admin page's Jobs tab. Each job is listed
//! newest-first by its own KVS key (`jobs:newest:{inverted createdAtMs}:{id}`,
//! [`crate::layout::job_newest_key`]), written in the same transaction as
//! the job's record and deleted with it, so listing is one key-prefix query
//! and no submission reads or rewrites a shared list.

use crate::host::{Host, HostError, KeyQuery};
use crate::layout;

/// How many job ids the list answers.
pub const KEEP: usize = 20;

/// The newest [`KEEP`] job ids, newest first; empty when none is stored.
pub async fn list(host: &impl Host) -> Result<Vec<String>, HostError> {
    let page = host
        .kvs_query(&KeyQuery::prefix(layout::JOBS_NEWEST_PREFIX, KEEP))
        .await?;
    Ok(page
        .results
        .into_iter()
        .filter_map(|e| e.value.as_str().map(str::to_string))
        .collect())
}
