//! The one in-process `Transport` every module uses: the core's HTTP
//! requests go straight to `Emulator::handle`, no socket involved.

use entra_connect::graph::{GraphClient, GraphSettings};
use entra_connect::host::Host;
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::secret::Secret;
use entra_emulator::{Emulator, DROPPED_HEADER, DROPPED_STATUS};

/// Base URL the core is configured with; the transport strips it.
pub const BASE: &str = "http://emulator.invalid";

/// Sends requests to `Emulator::handle`. A dropped connection (599 +
/// `x-emulator-dropped`, the emulator's connection-drop fault) becomes
/// `TransportError::Network`, as a socket closed without a response would;
/// so does a request that cannot be built.
pub struct InProcessTransport(pub Emulator);

impl InProcessTransport {
    /// A Graph client for the emulator's app registration, through this
    /// transport, on `host`.
    pub fn client<'a, H: Host>(&'a self, host: &'a H) -> GraphClient<'a, InProcessTransport, H> {
        let creds = self.0.credentials();
        let settings =
            GraphSettings::new(&creds.tenant_id, &creds.client_id).with_bases(BASE, BASE);
        GraphClient::new(self, host, settings, Secret::new(creds.client_secret))
    }
}

impl Transport for InProcessTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request
            .url
            .strip_prefix(BASE)
            .unwrap_or(&request.url)
            .to_string();
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(path);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let built = builder.body(request.body.clone().unwrap_or_default().into_bytes());
        let Ok(http_request) = built else {
            return Err(TransportError::Network {
                url: request.url,
                reason: "request could not be built".into(),
            });
        };
        let response = self.0.handle(http_request).await;
        if response.status().as_u16() == DROPPED_STATUS
            && response.headers().contains_key(DROPPED_HEADER)
        {
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
