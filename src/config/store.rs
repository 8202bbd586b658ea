//! Loading and saving the configuration through the host.

use super::{AppConfig, ConfigError};
use crate::host::{Host, HostError};
use crate::secret::Secret;

/// KVS key of the configuration document.
pub const CONFIG_KEY: &str = "config/app";
/// Secret-storage key of the Entra app's client secret.
pub const CLIENT_SECRET_KEY: &str = "graph/client-secret";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    Host(HostError),
    /// What is stored no longer parses (for example after a manual edit).
    Invalid(ConfigError),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Host(e) => e.fmt(f),
            StoreError::Invalid(e) => write!(f, "stored configuration is invalid: {e}"),
        }
    }
}

/// The stored configuration, or the defaults when none was saved yet.
pub async fn load(host: &impl Host) -> Result<AppConfig, StoreError> {
    match host.kvs_get(CONFIG_KEY).await.map_err(StoreError::Host)? {
        None => Ok(AppConfig::default()),
        Some(value) => AppConfig::from_json(&value).map_err(StoreError::Invalid),
    }
}

/// Validates and stores the configuration; nothing is written if invalid.
pub async fn save(host: &impl Host, config: &AppConfig) -> Result<(), StoreError> {
    config.validate().map_err(StoreError::Invalid)?;
    let value = serde_json::to_value(config).expect("configuration serialises");
    host.kvs_set(CONFIG_KEY, &value)
        .await
        .map_err(StoreError::Host)
}

pub async fn save_client_secret(host: &impl Host, secret: &Secret) -> Result<(), HostError> {
    host.secret_set(CLIENT_SECRET_KEY, secret.expose()).await
}

pub async fn load_client_secret(host: &impl Host) -> Result<Option<Secret>, HostError> {
    Ok(host.secret_get(CLIENT_SECRET_KEY).await?.map(Secret::new))
}
