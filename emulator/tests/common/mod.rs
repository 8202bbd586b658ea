//! What the emulator's test crates share: one request through
//! [`Emulator::handle`] (no socket), a client-credentials token, and Graph
//! and `/_emulator` control calls, each answered as a [`Reply`].
//!
//! Every file under `tests/` is its own crate and uses only some of these,
//! hence `dead_code` is allowed here.
#![allow(dead_code)]

use entra_emulator::Emulator;
use http::{HeaderMap, Request};
use serde_json::Value;

/// The scope an app asks for with the client-credentials grant.
pub const SCOPE: &str = "https://graph.microsoft.com/.default";

/// An answer: its status, headers, and body as JSON (`Null` when empty or
/// not JSON).
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `Retry-After` header, as sent.
    pub fn retry_after(&self) -> Option<&str> {
        self.headers.get("retry-after").map(|v| v.to_str().unwrap())
    }
}

/// Sends one request to the emulator, as its HTTP server would.
pub async fn send(
    emu: &Emulator,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Reply {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "emulator.test");
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let response = emu.handle(builder.body(body).unwrap()).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

/// An `application/x-www-form-urlencoded` body.
pub fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

/// A token request to `tenant` with these form fields.
pub async fn token_with(emu: &Emulator, tenant: &str, fields: &[(&str, &str)]) -> Reply {
    send(
        emu,
        "POST",
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[("content-type", "application/x-www-form-urlencoded")],
        form(fields),
    )
    .await
}

/// An access token for the seeded app (client credentials); panics unless
/// the emulator answers 200.
pub async fn token(emu: &Emulator) -> String {
    let c = emu.credentials();
    let r = token_with(
        emu,
        &c.tenant_id,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["access_token"].as_str().unwrap().to_string()
}

/// A Graph call under `/v1.0` with a bearer token and a JSON body.
pub async fn graph(
    emu: &Emulator,
    tok: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Reply {
    graph_h(emu, tok, method, path, body, &[]).await
}

/// [`graph`] with extra request headers.
pub async fn graph_h(
    emu: &Emulator,
    tok: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> Reply {
    let auth = format!("Bearer {tok}");
    let mut headers = vec![
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    let bytes = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    send(emu, method, &format!("/v1.0{path}"), &headers, bytes).await
}

/// A call to the emulator's control API, `/_emulator/{path}`.
pub async fn control(emu: &Emulator, method: &str, path: &str, body: Value) -> Reply {
    send(
        emu,
        method,
        &format!("/_emulator/{path}"),
        &[("content-type", "application/json")],
        serde_json::to_vec(&body).unwrap(),
    )
    .await
}
