//! Shared by the Service API tests: the in-process emulator as a transport,
//! and a host configured against it.
#![allow(dead_code)]

use entra_connect::config::{self, AppConfig};
use entra_connect::graph::GraphSettings;
use entra_connect::host::memory::MemoryHost;
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::secret::Secret;
use entra_connect::service_api::service_key;
use entra_connect::service_api::webtrigger::{WebTriggerRequest, WebTriggerResponse};
use entra_emulator::{Emulator, DROPPED_HEADER};
use serde_json::Value;
use std::collections::BTreeMap;

/// The base URL the app is configured with; requests to it go in-process.
pub const EMULATOR_BASE: &str = "http://emulator.test";

pub struct EmulatorTransport(pub Emulator);

impl Transport for EmulatorTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path =
            request
                .url
                .strip_prefix(EMULATOR_BASE)
                .ok_or_else(|| TransportError::Network {
                    url: request.url.clone(),
                    reason: "no route to host outside the emulator".into(),
                })?;
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(path)
            .header("host", "emulator.test");
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let response = self
            .0
            .handle(
                builder
                    .body(request.body.clone().unwrap_or_default().into_bytes())
                    .unwrap(),
            )
            .await;
        if response.headers().contains_key(DROPPED_HEADER) {
            return Err(TransportError::Network {
                url: request.url,
                reason: "connection dropped".into(),
            });
        }
        Ok(HttpResponse {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                .collect(),
            body: String::from_utf8_lossy(response.body()).into_owned(),
        })
    }
}

/// A host whose app is connected to `emulator` and has a service key.
pub async fn configured_host(emulator: &Emulator) -> (MemoryHost, String) {
    let host = MemoryHost::new();
    let creds = emulator.credentials();
    let mut app = AppConfig {
        connection: Some(
            GraphSettings::new(&creds.tenant_id, &creds.client_id)
                .with_bases(EMULATOR_BASE, EMULATOR_BASE),
        ),
        ..AppConfig::default()
    };
    app.provisioning.default_domain = Some("contoso.example".into());
    config::save(&host, &app).await.unwrap();
    config::save_client_secret(&host, &Secret::new(creds.client_secret.clone()))
        .await
        .unwrap();
    let (key, _) = service_key::rotate(&host).await.unwrap();
    (host, key.expose().to_string())
}

pub fn post(key: &str, body: &Value) -> WebTriggerRequest {
    let mut headers = BTreeMap::new();
    headers.insert("authorization".to_string(), vec![format!("Bearer {key}")]);
    WebTriggerRequest {
        method: "POST".into(),
        path: "/".into(),
        headers,
        query_parameters: BTreeMap::new(),
        body: Some(body.to_string()),
    }
}

pub fn json_body(response: &WebTriggerResponse) -> Value {
    serde_json::from_str(&response.body).expect("JSON body")
}

pub fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}
