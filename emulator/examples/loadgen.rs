//! Loopback load generator: requests/second for user GET and user create.
//! Runs each phase for at most `--seconds` (default 3, capped at 10) and stops by itself.
//!
//! `cargo run --release -p entra-emulator --example loadgen -- --seconds 3 --connections 4`

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use entra_emulator::Emulator;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

async fn send(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: &str,
    body: String,
) -> u16 {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string())
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    match sender.send_request(request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let _ = response.into_body().collect().await;
            status
        }
        Err(_) => 0,
    }
}

async fn phase(
    name: &str,
    addr: SocketAddr,
    auth: String,
    connections: usize,
    seconds: u64,
    create: bool,
) {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let (done, failed, auth) = (done.clone(), failed.clone(), auth.clone());
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(conn);
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let status = if create {
                    let body = format!(
                        r#"{{"accountEnabled":true,"displayName":"Load {worker} {n}","mailNickname":"load{worker}x{n}","userPrincipalName":"load{worker}x{n}@contoso.example","passwordProfile":{{"password":"Lo4d!Gen-{n}x"}}}}"#
                    );
                    send(&mut sender, addr, "POST", "/v1.0/users", &auth, body).await
                } else {
                    send(&mut sender, addr, "GET", "/v1.0/users/adele.vance@contoso.example", &auth, String::new()).await
                };
                if status == 200 || status == 201 {
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let start = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let ok = done.load(Ordering::Relaxed);
    println!(
        "{name}: {ok} ok, {} failed in {elapsed:.2}s = {:.0} req/s",
        failed.load(Ordering::Relaxed),
        ok as f64 / elapsed
    );
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let seconds = arg("--seconds", 3).clamp(1, 10);
    let connections = arg("--connections", 4).clamp(1, 64) as usize;
    let emulator = Emulator::demo();
    let (addr, server) = emulator
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let c = emulator.credentials();
    // Mint a token in-process; the benchmark measures Graph calls.
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        c.client_id,
        percent_encoding::utf8_percent_encode(&c.client_secret, percent_encoding::NON_ALPHANUMERIC)
    );
    let response = emulator
        .handle(
            http::Request::builder()
                .method("POST")
                .uri(format!("/{}/oauth2/v2.0/token", c.tenant_id))
                .body(form.into_bytes())
                .unwrap(),
        )
        .await;
    let token: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    let auth = format!("Bearer {}", token["access_token"].as_str().unwrap());
    println!("loopback {addr}, {connections} keep-alive connections, {seconds}s per phase");
    phase(
        "GET /v1.0/users/{upn}",
        addr,
        auth.clone(),
        connections,
        seconds,
        false,
    )
    .await;
    emulator.clear_log();
    phase("POST /v1.0/users", addr, auth, connections, seconds, true).await;
    server.abort();
}
