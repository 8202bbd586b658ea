//! Loading and saving the configuration through the host.

use super::{AppConfig, ConfigError};
use crate::host::{Host, HostError};
use crate::secret::Secret;

/// KVS key of the configuration document.
pub const CONFIG_KEY: &str = crate::layout::CONFIG_KEY;
/// Secret-storage key of the Entra app's client secret.
pub const CLIENT_SECRET_KEY: &str = crate::layout::CLIENT_SECRET_KEY;

/// Why the configuration could not be loaded or saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Forge KVS failed.
    Host(HostError),
    /// On load: what is stored no longer parses (for example after a
    /// manual edit). On save: the configuration failed validation and
    /// nothing was written.
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

/// Stores the Entra app's client secret in Forge secret storage under
/// [`CLIENT_SECRET_KEY`], replacing any previous one. Write-only from the
/// admin page: nothing reads it back out to a page.
pub async fn save_client_secret(host: &impl Host, secret: &Secret) -> Result<(), HostError> {
    host.secret_set(CLIENT_SECRET_KEY, secret.expose()).await
}

/// The Entra app's client secret, `None` until an admin has set one.
pub async fn load_client_secret(host: &impl Host) -> Result<Option<Secret>, HostError> {
    Ok(host.secret_get(CLIENT_SECRET_KEY).await?.map(Secret::new))
}
