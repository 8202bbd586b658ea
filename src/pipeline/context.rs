//! What a route needs to run: the host, the transport to Entra, the
//! configuration, and a Graph client built from them.

use super::error::ApiError;
use crate::config::{self, AppConfig};
use crate::graph::{Deadline, GraphClient};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::random;
use crate::secret::Secret;
use futures_util::future::join;

/// What one call runs with: the ports, the configuration read once at its start, and the deadline its Graph retries stop at.
pub struct RouteContext<'a, H: Host, T: Transport> {
    /// The Forge capabilities.
    pub host: &'a H,
    /// Outbound HTTPS to Entra and Graph.
    pub transport: &'a T,
    /// The admin's configuration as loaded for this call.
    pub config: AppConfig,
    /// When the entry point's time budget runs out.
    pub deadline: Deadline,
    /// When the call started (the configuration was loaded), in
    /// milliseconds since the Unix epoch; the audit record's duration
    /// counts from here.
    pub started_at_ms: u64,
    /// The Entra client secret, read with the configuration (one wait for
    /// both); the error text if it could not be read.
    client_secret: Result<Option<Secret>, String>,
}

impl<'a, H: Host, T: Transport> RouteContext<'a, H, T> {
    /// Loads the configuration from KVS (a 500 with a correlation id if it
    /// cannot be read) and, at the same time, the client secret
    /// [`RouteContext::graph`] needs; sets the deadline `budget_ms`
    /// milliseconds from now.
    pub async fn load(host: &'a H, transport: &'a T, budget_ms: u64) -> Result<Self, ApiError> {
        let (config, client_secret) =
            join(config::load(host), config::load_client_secret(host)).await;
        let config = config.map_err(|e| internal(host, &e.to_string()))?;
        Ok(RouteContext {
            host,
            transport,
            config,
            deadline: Deadline::after(host.now_ms(), budget_ms),
            started_at_ms: host.now_ms(),
            client_secret: client_secret.map_err(|e| e.to_string()),
        })
    }

    /// A Graph client for the configured tenant, or a 503 that says what is
    /// missing.
    pub async fn graph(&self) -> Result<GraphClient<'a, T, H>, ApiError> {
        let settings = self.config.connection.clone().ok_or_else(|| ApiError::NotConfigured {
            message: "The app is not connected to Entra ID yet: an administrator must enter the tenant and app registration on the admin page.".to_string(),
        })?;
        let secret = self
            .client_secret
            .clone()
            .map_err(|e| internal(self.host, &e))?
            .ok_or_else(|| ApiError::NotConfigured {
                message: "The Entra client secret is not set: an administrator must enter it on the admin page.".to_string(),
            })?;
        Ok(GraphClient::new(
            self.transport,
            self.host,
            settings,
            secret,
        ))
    }
}

/// Logs the internal cause under a fresh correlation id and returns the
/// caller-safe error that carries only that id.
pub fn internal(host: &impl Host, cause: &str) -> ApiError {
    let correlation_id = random::uuid_v4();
    host.log(
        LogLevel::Error,
        &format!("service api: internal error correlation_id={correlation_id}: {cause}"),
    );
    ApiError::Internal { correlation_id }
}
