//! The admin page's Jobs tab: the newest bulk jobs with their progress.
//!
//! `jobs.recent` -> `{jobs: [{jobId, createdAtMs, items, complete, counts,
//! progress}]}`, newest first: what `job.status` answers for each job the
//! app remembers (`jobs::recent`), without the per-item outcomes. A job
//! whose records are gone is left out.

use super::{internal, ResolverError};
use crate::host::Host;
use crate::jobs::error::JobError;
use crate::jobs::{recent, status};
use serde_json::{json, Map, Value};

/// `jobs.recent`: see the module documentation.
pub async fn recent(host: &impl Host) -> Result<Value, ResolverError> {
    let ids = recent::list(host)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        let mut data = Map::new();
        data.insert("jobId".into(), json!(id));
        match status::status(&data, host).await {
            Ok(answer) => {
                let mut result = answer.body["result"].clone();
                if let Some(object) = result.as_object_mut() {
                    object.remove("outcomes");
                }
                jobs.push(result);
            }
            Err(JobError::NotFound { .. }) => {}
            Err(e) => return Err(internal(host, &format!("job {id}: {e}"))),
        }
    }
    Ok(json!({ "jobs": jobs }))
}
