//! The Assets import's resolvers: the configuration view Assets shows
//! (Configure App), the admin page's "Assets import" tab, and the issue
//! panel's link to the person's `Entra User` object. All but the panel's
//! lookup are for Jira administrators (checked by the caller, in
//! `resolver::handle`).

use super::{internal, ResolverError};
use crate::assets::client::{find_user_object, ImportApi};
use crate::assets::config::{AssetsConfig, ImportSource, StoredImport};
use crate::assets::functions::{self, FUNCTION_BUDGET_MS};
use crate::assets::mapping;
use crate::assets::state::{self, Trigger};
use crate::graph::Deadline;
use crate::host::{Host, LogLevel};
use serde_json::{json, Value};

fn invalid(e: crate::assets::config::ConfigFieldError) -> ResolverError {
    ResolverError::Invalid {
        field: e.field,
        message: e.message,
    }
}

fn import_id(payload: &Value) -> Result<String, ResolverError> {
    payload["importId"]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .map(str::to_string)
        .ok_or_else(|| ResolverError::Invalid {
            field: "importId".into(),
            message: "Give the import's id.".into(),
        })
}

/// `assets.config.get {workspaceId, importId, schemaId}`: `{importSource,
/// config, configStatus, lastRun, run}`. `configStatus` is Assets' (`IDLE`,
/// `RUNNING`, `DISABLED`, `MISSING_MAPPING`), `null` when Assets did not
/// answer.
pub async fn get(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let source = ImportSource::from_payload(payload).map_err(invalid)?;
    let mut view = functions::describe(host, &source)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    let api = ImportApi::new(host, &source.workspace_id, &source.import_id);
    let deadline = Deadline::after(host.now_ms(), FUNCTION_BUDGET_MS / 2);
    view["configStatus"] = match api.config_status(deadline).await {
        Ok(status) => json!(status),
        Err(e) => {
            host.log(
                LogLevel::Warn,
                &format!("assets: config status not read: {e}"),
            );
            Value::Null
        }
    };
    Ok(view)
}

/// `assets.config.save {workspaceId, importId, schemaId, config}`:
/// validates, saves the schema-and-mapping document in Assets (PUT, or
/// PATCH when one exists), stores the configuration. `{config, mapping:
/// "created" | "updated"}`.
pub async fn save(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let source = ImportSource::from_payload(payload).map_err(invalid)?;
    let config =
        AssetsConfig::parse(payload.get("config").unwrap_or(&Value::Null)).map_err(invalid)?;
    let api = ImportApi::new(host, &source.workspace_id, &source.import_id);
    let deadline = Deadline::after(host.now_ms(), FUNCTION_BUDGET_MS);
    let created = api
        .save_mapping(&mapping::document(&source.import_id), deadline)
        .await
        .map_err(|e| ResolverError::Operation {
            code: "assets_refused".into(),
            message: format!("Assets did not accept the import's schema and mapping: {e}"),
            field: None,
            detail: Value::Null,
        })?;
    let stored = StoredImport {
        import_source: source,
        config: config.clone(),
        saved_at_ms: host.now_ms(),
    };
    state::save_import(host, &stored)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    Ok(json!({"config": config, "mapping": if created { "created" } else { "updated" }}))
}

/// `assets.imports.list {}`: `{imports: [{importSource, config, lastRun, run}]}`.
pub async fn list(host: &impl Host) -> Result<Value, ResolverError> {
    let ids = state::index(host)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    let mut imports = Vec::new();
    for id in ids {
        let stored = state::load_import(host, &id)
            .await
            .map_err(|e| internal(host, &e.to_string()))?;
        if let Some(stored) = stored {
            imports.push(
                functions::describe(host, &stored.import_source)
                    .await
                    .map_err(|e| internal(host, &e.to_string()))?,
            );
        }
    }
    Ok(json!({ "imports": imports }))
}

/// `assets.run {importId}`: starts a run now. `{result: "started" |
/// "already running"}`.
pub async fn run(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let id = import_id(payload)?;
    match functions::start(host, &id, Trigger::Manual, None).await {
        Ok(result) => Ok(json!({ "result": result })),
        Err(e) => Err(ResolverError::Operation {
            code: "not_started".into(),
            message: e.to_string(),
            field: None,
            detail: Value::Null,
        }),
    }
}

/// `assets.stop {importId}`: `{result: "stopped"}`.
pub async fn stop(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let id = import_id(payload)?;
    functions::stop(host, &id)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    Ok(json!({"result": "stopped"}))
}

/// The issue panel's `assetsObject`: the person's `Entra User` object in
/// the first configured import's workspace, `{objectKey, label, url}`;
/// `null` when no import is configured, the object is not there, or Assets
/// fails (logged; the panel never breaks for it). One AQL request, made
/// only when an import is configured.
pub async fn object_of(host: &impl Host, user_id: &str) -> Value {
    let workspace = match state::index(host).await {
        Ok(ids) => match ids.first() {
            Some(id) => state::load_import(host, id)
                .await
                .ok()
                .flatten()
                .map(|i| i.import_source.workspace_id),
            None => None,
        },
        Err(_) => None,
    };
    let Some(workspace) = workspace else {
        return Value::Null;
    };
    match find_user_object(host, &workspace, user_id).await {
        Ok(Some(object)) => json!({
            "objectKey": object["objectKey"],
            "label": object["label"],
            "url": object["_links"]["self"],
        }),
        Ok(None) => Value::Null,
        Err(e) => {
            host.log(
                LogLevel::Warn,
                &format!("assets: object lookup failed: {e}"),
            );
            Value::Null
        }
    }
}
