//! Over real sockets: `serve` with a minimal hyper client, and the binary's first stdout line.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;

use entra_emulator::{Emulator, Faults};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::Value;

async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, Value), String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let mut builder = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let response = sender
        .send_request(
            builder
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

#[tokio::test(flavor = "current_thread")]
async fn serves_over_loopback_and_drops_connections_on_request() {
    let emu = Emulator::demo();
    let (addr, server) = emu.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let c = emu.credentials();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        c.client_id,
        percent_encoding::utf8_percent_encode(&c.client_secret, percent_encoding::NON_ALPHANUMERIC)
    );
    let (status, token) = request(
        addr,
        "POST",
        &format!("/{}/oauth2/v2.0/token", c.tenant_id),
        &[("content-type", "application/x-www-form-urlencoded")],
        &form,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let auth = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let (status, page) = request(
        addr,
        "GET",
        "/v1.0/users?$top=5",
        &[("authorization", &auth)],
        "",
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let next = page["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("http://{addr}/v1.0/users?")),
        "{next}"
    );
    emu.set_faults(Faults {
        drop_connections: 1,
        ..Faults::default()
    });
    assert!(
        request(addr, "GET", "/v1.0/users", &[("authorization", &auth)], "")
            .await
            .is_err()
    );
    assert_eq!(
        request(
            addr,
            "GET",
            "/v1.0/organization",
            &[("authorization", &auth)],
            ""
        )
        .await
        .unwrap()
        .0,
        200
    );
    server.abort();
}

#[test]
fn binary_prints_its_url_and_credentials_first() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_entra-emulator"))
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let info: Value = serde_json::from_str(&line).unwrap();
    assert!(info["url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let demo = Emulator::demo().credentials();
    assert_eq!(info["tenantId"], demo.tenant_id.as_str());
    assert_eq!(info["clientId"], demo.client_id.as_str());
    assert_eq!(info["clientSecret"], demo.client_secret.as_str());
}
