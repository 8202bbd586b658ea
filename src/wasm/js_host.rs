//! [`Host`] over the JS `host` object that `src/host.js` builds from the Forge
//! SDKs. Its shape is flat on purpose, so each capability is one method:
//! `now() sleep(ms) log(level, msg) kvsGet(k) kvsSet(k, v) kvsDelete(k)
//! kvsQuery({beginsWith, limit, cursor?}) kvsTransact([{op, key, value?,
//! entityName?, conditions?}]) entityGet(name, k) entitySet(name, k, v)
//! entityDelete(name, k) entityQuery({entityName, indexName, partition?,
//! range?, sort, limit, cursor?}) secretGet(k) secretSet(k, v) secretDelete(k) jira({method, path, body, asUser})
//! queuePush(queueKey, events) webTriggerUrl(moduleKey)`.

use crate::host::{
    EntityQuery, Host, HostError, JiraAs, JiraRequest, KeyQuery, LogLevel, Page, TxOp,
};
use crate::http::HttpResponse;
use js_sys::Promise;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The JS host object.
    pub type HostObject;

    #[wasm_bindgen(method)]
    fn now(this: &HostObject) -> f64;
    #[wasm_bindgen(method)]
    fn sleep(this: &HostObject, ms: f64) -> Promise;
    #[wasm_bindgen(method)]
    fn log(this: &HostObject, level: &str, message: &str);
    #[wasm_bindgen(method, catch, js_name = kvsGet)]
    fn kvs_get(this: &HostObject, key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = kvsSet)]
    fn kvs_set(this: &HostObject, key: &str, value: JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = kvsDelete)]
    fn kvs_delete(this: &HostObject, key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = kvsQuery)]
    fn kvs_query(this: &HostObject, query: JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = kvsTransact)]
    fn kvs_transact(this: &HostObject, ops: JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = entityGet)]
    fn entity_get(this: &HostObject, entity: &str, key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = entitySet)]
    fn entity_set(
        this: &HostObject,
        entity: &str,
        key: &str,
        value: JsValue,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = entityDelete)]
    fn entity_delete(this: &HostObject, entity: &str, key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = entityQuery)]
    fn entity_query(this: &HostObject, query: JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = secretGet)]
    fn secret_get(this: &HostObject, key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = secretSet)]
    fn secret_set(this: &HostObject, key: &str, value: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = secretDelete)]
    fn secret_delete(this: &HostObject, key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn jira(this: &HostObject, request: JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = webTriggerUrl)]
    fn web_trigger_url(this: &HostObject, module_key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = queuePush)]
    fn queue_push(this: &HostObject, queue_key: &str, events: JsValue) -> Result<Promise, JsValue>;
}

/// The [`Host`] port over one invocation's JS `host` object. Every
/// rejected promise becomes a [`HostError`] naming the capability.
pub struct JsHost {
    inner: HostObject,
}

impl JsHost {
    /// Wraps the object `forgeHost()` (in `src/host.js`) built.
    pub fn new(inner: HostObject) -> Self {
        JsHost { inner }
    }
}

/// Awaits a host promise, turning a throw or a rejection into its message.
async fn settle(promise: Result<Promise, JsValue>) -> Result<JsValue, String> {
    let promise = promise.map_err(|e| describe(&e))?;
    JsFuture::from(promise).await.map_err(|e| describe(&e))
}

fn describe(error: &JsValue) -> String {
    if let Some(err) = error.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    error
        .as_string()
        .unwrap_or_else(|| "unknown JS error".to_string())
}

fn to_js(value: &impl Serialize) -> JsValue {
    super::json::to_js(value).unwrap_or(JsValue::NULL)
}

fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, String> {
    super::json::from_js(&value)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsJiraRequest<'a> {
    method: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a Value>,
    as_user: bool,
}

#[derive(Deserialize)]
struct JsJiraResponse {
    status: u16,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: String,
}

impl Host for JsHost {
    fn now_ms(&self) -> u64 {
        let now = self.inner.now();
        if now.is_finite() && now > 0.0 {
            now as u64
        } else {
            0
        }
    }

    async fn sleep_ms(&self, ms: u64) {
        // A rejected sleep only means we wake early; retries re-check the deadline.
        let _ = JsFuture::from(self.inner.sleep(ms as f64)).await;
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.inner.log(level.as_str(), message);
    }

    async fn kvs_get(&self, key: &str) -> Result<Option<Value>, HostError> {
        let storage = |reason| HostError::Storage {
            operation: "get",
            key: key.to_string(),
            reason,
        };
        let value = settle(self.inner.kvs_get(key)).await.map_err(storage)?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        from_js(value).map(Some).map_err(storage)
    }

    async fn kvs_set(&self, key: &str, value: &Value) -> Result<(), HostError> {
        settle(self.inner.kvs_set(key, to_js(value)))
            .await
            .map(drop)
            .map_err(|reason| HostError::Storage {
                operation: "set",
                key: key.to_string(),
                reason,
            })
    }

    async fn kvs_delete(&self, key: &str) -> Result<(), HostError> {
        settle(self.inner.kvs_delete(key))
            .await
            .map(drop)
            .map_err(|reason| HostError::Storage {
                operation: "delete",
                key: key.to_string(),
                reason,
            })
    }

    async fn kvs_query(&self, query: &KeyQuery) -> Result<Page, HostError> {
        let storage = |reason| HostError::Storage {
            operation: "query",
            key: query.begins_with.clone(),
            reason,
        };
        let value = settle(self.inner.kvs_query(to_js(query)))
            .await
            .map_err(storage)?;
        from_js(value).map_err(storage)
    }

    async fn kvs_transact(&self, ops: &[TxOp]) -> Result<(), HostError> {
        let ops: Vec<Value> = ops.iter().map(TxOp::to_json).collect();
        settle(self.inner.kvs_transact(to_js(&ops)))
            .await
            .map(drop)
            .map_err(|reason| HostError::Storage {
                operation: "transact",
                key: ops
                    .first()
                    .and_then(|op| op["key"].as_str())
                    .unwrap_or_default()
                    .to_string(),
                reason,
            })
    }

    async fn entity_get(&self, entity: &str, key: &str) -> Result<Option<Value>, HostError> {
        let storage = |reason| HostError::Storage {
            operation: "entity get",
            key: format!("{entity} {key}"),
            reason,
        };
        let value = settle(self.inner.entity_get(entity, key))
            .await
            .map_err(storage)?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        from_js(value).map(Some).map_err(storage)
    }

    async fn entity_set(&self, entity: &str, key: &str, value: &Value) -> Result<(), HostError> {
        settle(self.inner.entity_set(entity, key, to_js(value)))
            .await
            .map(drop)
            .map_err(|reason| HostError::Storage {
                operation: "entity set",
                key: format!("{entity} {key}"),
                reason,
            })
    }

    async fn entity_delete(&self, entity: &str, key: &str) -> Result<(), HostError> {
        settle(self.inner.entity_delete(entity, key))
            .await
            .map(drop)
            .map_err(|reason| HostError::Storage {
                operation: "entity delete",
                key: format!("{entity} {key}"),
                reason,
            })
    }

    async fn entity_query(&self, query: &EntityQuery) -> Result<Page, HostError> {
        let storage = |reason| HostError::Storage {
            operation: "entity query",
            key: format!("{} {}", query.entity_name, query.index_name),
            reason,
        };
        let value = settle(self.inner.entity_query(to_js(query)))
            .await
            .map_err(storage)?;
        from_js(value).map_err(storage)
    }

    async fn secret_get(&self, key: &str) -> Result<Option<String>, HostError> {
        let value =
            settle(self.inner.secret_get(key))
                .await
                .map_err(|reason| HostError::Secret {
                    operation: "get",
                    key: key.to_string(),
                    reason,
                })?;
        Ok(value.as_string())
    }

    async fn secret_set(&self, key: &str, value: &str) -> Result<(), HostError> {
        settle(self.inner.secret_set(key, value))
            .await
            .map(drop)
            .map_err(|reason| HostError::Secret {
                operation: "set",
                key: key.to_string(),
                reason,
            })
    }

    async fn secret_delete(&self, key: &str) -> Result<(), HostError> {
        settle(self.inner.secret_delete(key))
            .await
            .map(drop)
            .map_err(|reason| HostError::Secret {
                operation: "delete",
                key: key.to_string(),
                reason,
            })
    }

    async fn jira(&self, request: JiraRequest) -> Result<HttpResponse, HostError> {
        let js_request = to_js(&JsJiraRequest {
            method: request.method.as_str(),
            path: &request.path,
            body: request.body.as_ref(),
            as_user: request.as_who == JiraAs::User,
        });
        let jira_error = |reason| HostError::Jira {
            path: request.path.clone(),
            reason,
        };
        let value = settle(self.inner.jira(js_request))
            .await
            .map_err(jira_error)?;
        let response: JsJiraResponse = from_js(value).map_err(jira_error)?;
        Ok(HttpResponse {
            status: response.status,
            headers: response.headers,
            body: response.body,
        })
    }

    async fn queue_push(&self, queue_key: &str, events: &[Value]) -> Result<(), HostError> {
        settle(self.inner.queue_push(queue_key, to_js(&events)))
            .await
            .map(drop)
            .map_err(|reason| HostError::Queue { reason })
    }

    async fn web_trigger_url(&self, module_key: &str) -> Result<Option<String>, HostError> {
        let value = settle(self.inner.web_trigger_url(module_key))
            .await
            .map_err(|reason| HostError::Contract {
                capability: "webTriggerUrl",
                reason,
            })?;
        Ok(value.as_string())
    }
}
