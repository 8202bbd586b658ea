//! [`Transport`] over the runtime's global `fetch` (gloo-net).

use crate::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use gloo_net::http::{Method as FetchMethod, RequestBuilder};

/// Sends requests with the runtime's `fetch`. Forge routes it through its
/// egress proxy, so every Graph and login host must be listed under the
/// manifest's `permissions.external.fetch.backend`. Every failure to get a
/// response (including a refused egress) is a [`TransportError::Network`].
#[derive(Debug, Default, Clone, Copy)]
pub struct FetchTransport;

impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let network = |reason: String| TransportError::Network {
            url: request.url.clone(),
            reason,
        };
        let method = match request.method {
            Method::Get => FetchMethod::GET,
            Method::Post => FetchMethod::POST,
            Method::Put => FetchMethod::PUT,
            Method::Patch => FetchMethod::PATCH,
            Method::Delete => FetchMethod::DELETE,
        };
        let mut builder = RequestBuilder::new(&request.url).method(method);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let prepared = match &request.body {
            Some(body) => builder.body(body.clone()),
            None => builder.build(),
        }
        .map_err(|e| network(e.to_string()))?;
        let response = prepared.send().await.map_err(|e| network(e.to_string()))?;
        let headers = response.headers().entries().collect();
        let status = response.status();
        let body = response.text().await.map_err(|e| network(e.to_string()))?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}
