//! The Assets external-import API, called as the app through
//! [`Host::jira`] (`requestJira`): paths built in one place
//! ([`ImportApi::path`]) with every component percent-encoded, Assets'
//! answers as a typed [`AssetsError`], and 429/5xx/no-response retried
//! with back-off (`Retry-After` when given, else 1, 2, 4, 8, 16 s; at most
//! five tries) inside the caller's deadline.
//! <https://developer.atlassian.com/cloud/assets/imports-rest-api-guide/workflow/>

use crate::graph::odata::encode_component;
use crate::graph::retry::retry_after_ms;
use crate::graph::Deadline;
use crate::host::{Host, JiraAs, JiraRequest, LogLevel};
use crate::http::{HttpResponse, Method};
use serde_json::Value;
use std::fmt;

/// Tries of one call before a 429/5xx is given up as
/// [`AssetsError::Unavailable`].
pub const MAX_TRIES: u32 = 5;
/// First back-off without `Retry-After`, doubled per try.
const BASE_BACKOFF_MS: u64 = 1_000;

/// Why an Assets call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetsError {
    /// 401/403: the app lacks `import:import-configuration:cmdb` or may not
    /// use this import source.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The path called.
        path: String,
    },
    /// 404: the import source or execution no longer exists.
    NotFound {
        /// The path called.
        path: String,
    },
    /// 409 with Assets' `errorCode` (`MISSING_MAPPING`, `DISABLED`,
    /// `IN_PROGRESS`, `INVALID_IMPORT_MODULE_KEY`, or none for "a mapping
    /// already exists").
    Conflict {
        /// Assets' `errorCode`, when it gave one.
        error_code: Option<String>,
        /// The path called.
        path: String,
    },
    /// 400: Assets refused the body; `message` is its explanation (never a
    /// record value: chunk bodies are not echoed).
    Invalid {
        /// The path called.
        path: String,
        /// What Assets said, shortened.
        message: String,
    },
    /// 429, 5xx or no response, still so after the retries the deadline
    /// allowed; try again after `retry_after_ms`.
    Unavailable {
        /// The last status (`None`: no response arrived).
        status: Option<u16>,
        /// The path called.
        path: String,
        /// When to try again, in ms.
        retry_after_ms: u64,
    },
    /// Any other status, or a 2xx body that is not what the API documents.
    Unexpected {
        /// The path called.
        path: String,
        /// The status and what was wrong.
        reason: String,
    },
}

impl fmt::Display for AssetsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssetsError::Refused { status, path } => write!(
                f,
                "Assets refused the app ({status}) on {path}: upgrade the app so it holds import:import-configuration:cmdb"
            ),
            AssetsError::NotFound { path } => {
                write!(f, "Assets has no such import source or execution ({path})")
            }
            AssetsError::Conflict { error_code, path } => write!(
                f,
                "Assets answered 409 {} on {path}",
                error_code.as_deref().unwrap_or("(no errorCode)")
            ),
            AssetsError::Invalid { path, message } => {
                write!(f, "Assets refused the request to {path}: {message}")
            }
            AssetsError::Unavailable {
                status,
                path,
                retry_after_ms,
            } => match status {
                Some(s) => write!(
                    f,
                    "Assets answered {s} on {path}; retry in {retry_after_ms} ms"
                ),
                None => write!(f, "Assets did not answer {path}; retry in {retry_after_ms} ms"),
            },
            AssetsError::Unexpected { path, reason } => {
                write!(f, "unexpected Assets answer on {path}: {reason}")
            }
        }
    }
}

impl std::error::Error for AssetsError {}

/// An execution's state as `GET .../executions/{id}/status` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionStatus {
    /// `INGESTING`, `PROCESSING`, `DONE` or `CANCELLED`.
    pub status: String,
    /// `progressResult` as Assets gave it (`objectTypeResultMap`,
    /// `errorMessages`, ...), `null` when absent.
    pub progress_result: Value,
}

/// One import source's API: `/jsm/assets/workspace/{workspaceId}/v1/importsource/{importId}`.
pub struct ImportApi<'a, H: Host> {
    host: &'a H,
    workspace_id: String,
    import_id: String,
    calls: std::cell::Cell<u32>,
}

impl<'a, H: Host> ImportApi<'a, H> {
    /// The API of the import source `import_id` in `workspace_id`.
    pub fn new(host: &'a H, workspace_id: &str, import_id: &str) -> Self {
        ImportApi {
            host,
            workspace_id: workspace_id.to_string(),
            import_id: import_id.to_string(),
            calls: std::cell::Cell::new(0),
        }
    }

    /// The import source's id.
    pub fn import_id(&self) -> &str {
        &self.import_id
    }

    /// Requests sent so far (retries included).
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    /// The one place paths are built: the import source's base, then each
    /// of `segments` percent-encoded, then `query` (already encoded, fixed
    /// by the code).
    pub fn path(&self, segments: &[&str], query: &str) -> String {
        let mut path = format!(
            "/jsm/assets/workspace/{}/v1/importsource/{}",
            encode_component(&self.workspace_id),
            encode_component(&self.import_id)
        );
        for segment in segments {
            path.push('/');
            path.push_str(&encode_component(segment));
        }
        path.push_str(query);
        path
    }

    async fn send(
        &self,
        method: Method,
        path: String,
        body: Option<Value>,
        deadline: Deadline,
    ) -> Result<HttpResponse, AssetsError> {
        let mut tries = 0;
        loop {
            tries += 1;
            self.calls.set(self.calls.get() + 1);
            let request = JiraRequest {
                method,
                path: path.clone(),
                body: body.clone(),
                as_who: JiraAs::App,
            };
            let (status, wait_ms) = match self.host.jira(request).await {
                Ok(response) if !(response.status == 429 || response.status >= 500) => {
                    return classify(response, &path)
                }
                Ok(response) => {
                    let now = self.host.now_ms();
                    let wait = response
                        .header("retry-after")
                        .and_then(|v| retry_after_ms(v, now))
                        .unwrap_or(BASE_BACKOFF_MS << (tries - 1).min(4));
                    (Some(response.status), wait)
                }
                Err(_) => (None, BASE_BACKOFF_MS << (tries - 1).min(4)),
            };
            let now = self.host.now_ms();
            if tries >= MAX_TRIES || !deadline.allows_wait(now, wait_ms, 500) {
                return Err(AssetsError::Unavailable {
                    status,
                    path,
                    retry_after_ms: wait_ms,
                });
            }
            self.host.log(
                LogLevel::Warn,
                &format!(
                    "assets: {method} {path} answered {}; retry {} in {wait_ms} ms",
                    status.map_or("nothing".to_string(), |s| s.to_string()),
                    tries + 1
                ),
            );
            self.host.sleep_ms(wait_ms).await;
        }
    }

    /// `GET .../configstatus`: `IDLE`, `RUNNING`, `DISABLED` or
    /// `MISSING_MAPPING`.
    pub async fn config_status(&self, deadline: Deadline) -> Result<String, AssetsError> {
        let path = self.path(&["configstatus"], "");
        let response = self.send(Method::Get, path.clone(), None, deadline).await?;
        json_of(&response, &path)?["status"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| unexpected(&path, "no status"))
    }

    /// Saves the schema-and-mapping document: `PUT .../mapping?async=false`,
    /// and `PATCH` when Assets says one exists (409). Answers whether it
    /// was created (`true`) or updated.
    pub async fn save_mapping(
        &self,
        document: &Value,
        deadline: Deadline,
    ) -> Result<bool, AssetsError> {
        let path = self.path(&["mapping"], "?async=false");
        match self
            .send(Method::Put, path, Some(document.clone()), deadline)
            .await
        {
            Ok(_) => Ok(true),
            Err(AssetsError::Conflict { .. }) => {
                let path = self.path(&["mapping"], "?async=false");
                self.send(Method::Patch, path, Some(document.clone()), deadline)
                    .await?;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// `POST .../executions`: starts an execution and answers its id, read
    /// from the `submitResults` link (or a top-level `id`).
    pub async fn start_execution(&self, deadline: Deadline) -> Result<String, AssetsError> {
        let path = self.path(&["executions"], "");
        let response = self
            .send(Method::Post, path.clone(), None, deadline)
            .await?;
        let body = json_of(&response, &path)?;
        body["links"]["submitResults"]
            .as_str()
            .and_then(execution_id_of)
            .or_else(|| match &body["id"] {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .ok_or_else(|| unexpected(&path, "no submitResults link"))
    }

    /// `POST .../executions/{id}/data`: one chunk (`{"data", "clientGeneratedId", "completed"}`).
    pub async fn submit(
        &self,
        execution_id: &str,
        chunk: &Value,
        deadline: Deadline,
    ) -> Result<(), AssetsError> {
        let path = self.path(&["executions", execution_id, "data"], "");
        self.send(Method::Post, path, Some(chunk.clone()), deadline)
            .await
            .map(|_| ())
    }

    /// `PUT .../executions/{id}/progress`: what the Assets UI shows while
    /// the app gathers data.
    pub async fn progress(
        &self,
        execution_id: &str,
        step: u32,
        description: &str,
        processed: u64,
        deadline: Deadline,
    ) -> Result<(), AssetsError> {
        let path = self.path(&["executions", execution_id, "progress"], "");
        let body = serde_json::json!({
            "steps": {"total": 3, "current": step, "description": description},
            "objects": {"total": processed, "processed": processed},
        });
        self.send(Method::Put, path, Some(body), deadline)
            .await
            .map(|_| ())
    }

    /// `GET .../executions/{id}/status`.
    pub async fn status(
        &self,
        execution_id: &str,
        deadline: Deadline,
    ) -> Result<ExecutionStatus, AssetsError> {
        let path = self.path(&["executions", execution_id, "status"], "");
        let response = self.send(Method::Get, path.clone(), None, deadline).await?;
        let body = json_of(&response, &path)?;
        Ok(ExecutionStatus {
            status: body["status"]
                .as_str()
                .ok_or_else(|| unexpected(&path, "no status"))?
                .to_string(),
            progress_result: body["progressResult"].clone(),
        })
    }

    /// `DELETE .../executions/{id}` (the `cancel` link). An execution that
    /// is already gone counts as cancelled.
    pub async fn cancel(&self, execution_id: &str, deadline: Deadline) -> Result<(), AssetsError> {
        let path = self.path(&["executions", execution_id], "");
        match self.send(Method::Delete, path, None, deadline).await {
            Ok(_) | Err(AssetsError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `POST .../executions/{id}/history/failed`: why the app gave up, for
    /// Assets' import history.
    pub async fn record_failure(
        &self,
        execution_id: &str,
        reason: &str,
        deadline: Deadline,
    ) -> Result<(), AssetsError> {
        let path = self.path(&["executions", execution_id, "history", "failed"], "");
        let body = serde_json::json!({ "failureReason": reason });
        self.send(Method::Post, path, Some(body), deadline)
            .await
            .map(|_| ())
    }
}

/// The execution id in a HATEOAS link such as
/// `https://api.atlassian.com/jsm/assets/workspace/{ws}/v1/importsource/{id}/executions/{exec}/data`.
pub fn execution_id_of(link: &str) -> Option<String> {
    let (_, rest) = link.split_once("/executions/")?;
    let id = rest.split(['/', '?']).next()?;
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .ok()?;
    (!id.is_empty()).then(|| id.to_string())
}

fn unexpected(path: &str, reason: &str) -> AssetsError {
    AssetsError::Unexpected {
        path: path.to_string(),
        reason: reason.to_string(),
    }
}

fn json_of(response: &HttpResponse, path: &str) -> Result<Value, AssetsError> {
    serde_json::from_str(&response.body).map_err(|e| unexpected(path, &format!("body: {e}")))
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}

fn classify(response: HttpResponse, path: &str) -> Result<HttpResponse, AssetsError> {
    let path = path.to_string();
    match response.status {
        200..=299 => Ok(response),
        401 | 403 => Err(AssetsError::Refused {
            status: response.status,
            path,
        }),
        404 => Err(AssetsError::NotFound { path }),
        409 => {
            let body: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
            Err(AssetsError::Conflict {
                error_code: body["errorCode"].as_str().map(str::to_string),
                path,
            })
        }
        400 => Err(AssetsError::Invalid {
            path,
            message: short(&response.body),
        }),
        other => Err(AssetsError::Unexpected {
            path,
            reason: format!("HTTP {other}"),
        }),
    }
}

/// The object lookup of the issue panel: the `Entra User` whose `Entra
/// Object ID` is `user_id`, by one AQL request (`POST
/// /jsm/assets/workspace/{ws}/v1/object/aql?maxResults=1`, scope
/// `read:cmdb-object:jira`). `None` when absent; errors are Assets'.
/// <https://developer.atlassian.com/cloud/assets/rest/api-group-object/#api-object-aql-post>
pub async fn find_user_object(
    host: &impl Host,
    workspace_id: &str,
    user_id: &str,
) -> Result<Option<Value>, AssetsError> {
    let path = format!(
        "/jsm/assets/workspace/{}/v1/object/aql?maxResults=1",
        encode_component(workspace_id)
    );
    // The id is a Graph object id; anything else is refused rather than
    // placed inside the query.
    if !user_id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(None);
    }
    let query = format!(
        "objectType = \"{}\" AND \"{}\" = \"{user_id}\"",
        super::mapping::USER_TYPE,
        super::mapping::OBJECT_ID_ATTRIBUTE
    );
    let response = host
        .jira(JiraRequest {
            method: Method::Post,
            path: path.clone(),
            body: Some(serde_json::json!({ "qlQuery": query })),
            as_who: JiraAs::App,
        })
        .await
        .map_err(|_| AssetsError::Unavailable {
            status: None,
            path: path.clone(),
            retry_after_ms: 0,
        })?;
    let response = classify(response, &path)?;
    let body = json_of(&response, &path)?;
    Ok(body["values"].as_array().and_then(|v| v.first()).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_execution_id_comes_from_the_link() {
        assert_eq!(
            execution_id_of("https://api.atlassian.com/jsm/assets/workspace/w/v1/importsource/i/executions/e-1/data").as_deref(),
            Some("e-1")
        );
        assert_eq!(execution_id_of("https://x/executions/"), None);
        assert_eq!(execution_id_of("/nothing"), None);
    }

    #[test]
    fn every_path_component_is_encoded() {
        let host = crate::host::memory::MemoryHost::new();
        let api = ImportApi::new(&host, "w/1", "i?d");
        assert_eq!(
            api.path(&["executions", "a b", "data"], ""),
            "/jsm/assets/workspace/w%2F1/v1/importsource/i%3Fd/executions/a%20b/data"
        );
    }
}
