//! Smoke tests against the in-process emulator crate.

use entra_connect::graph::{Deadline, GraphClient, GraphSettings, Secret};
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::ops::{lookup, OpError, UserRef};
use entra_emulator::Emulator;

#[path = "support/mod.rs"]
mod support;

struct InProcessTransport(Emulator);

impl Transport for InProcessTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request
            .url
            .strip_prefix("http://emu")
            .unwrap_or(&request.url)
            .to_string();
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(path);
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let req = builder
            .body(request.body.clone().unwrap_or_default().into_bytes())
            .unwrap();
        let resp = self.0.handle(req).await;
        if resp.status().as_u16() == 599 {
            return Err(TransportError::Network {
                url: request.url,
                reason: "dropped".into(),
            });
        }
        Ok(HttpResponse {
            status: resp.status().as_u16(),
            headers: resp
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                .collect(),
            body: String::from_utf8_lossy(resp.body()).into_owned(),
        })
    }
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_mail_lookup_reaches_emulator_as_one_equality() {
    let emu = Emulator::demo();
    let creds = emu.credentials();
    let transport = InProcessTransport(emu.clone());
    let host = support::TestHost::new();
    let settings = GraphSettings::new(&creds.tenant_id, &creds.client_id)
        .with_bases("http://emu", "http://emu");
    let client = GraphClient::new(
        &transport,
        &host,
        settings,
        Secret::new(creds.client_secret.clone()),
    );
    let hostile = "x' or 1 eq 1&$top=1#";
    let e = lookup(
        &client,
        &UserRef::Mail(hostile.into()),
        Deadline::after(host.now.get(), 25_000),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, OpError::NotFound { .. }), "{e:?}");
    let log = emu.request_log();
    let graph = log
        .iter()
        .find(|l| l.path.starts_with("/v1.0/users"))
        .expect("a users request");
    let query = graph.query.clone().unwrap_or_default();
    println!(
        "emulator received: {} {}?{}",
        graph.method, graph.path, query
    );
    match support::parse_filter(&query).unwrap() {
        support::Filter::Eq(prop, value) => {
            assert_eq!(prop, "mail");
            assert_eq!(value, hostile);
        }
        support::Filter::StartsWith(..) => panic!("expected an equality"),
    }
}
