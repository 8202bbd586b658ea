//! Serving the emulator over HTTP/1.1: a hyper accept loop (so a dropped-connection
//! fault can close the socket without a response) and an axum `Router` for embedding.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::dispatch::Outcome;
use crate::Emulator;

/// Largest request body accepted over the network.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug)]
struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedConnection {}

/// A body that fails at once: the closest a `Router` can get to dropping a connection.
struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = DroppedConnection;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, DroppedConnection>>> {
        Poll::Ready(Some(Err(DroppedConnection)))
    }
}

async fn collect<B>(request: http::Request<B>) -> Option<http::Request<Vec<u8>>>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = request.into_parts();
    let limited = http_body_util::Limited::new(body, MAX_BODY);
    let bytes = limited.collect().await.ok()?.to_bytes();
    Some(http::Request::from_parts(parts, bytes.to_vec()))
}

fn too_large() -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(Vec::new());
    *r.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
    r
}

pub(crate) async fn serve(
    emulator: Emulator,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let emulator = emulator.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let emulator = emulator.clone();
                    async move {
                        let Some(request) = collect(request).await else {
                            return Ok(too_large().map(|b| Full::new(Bytes::from(b))));
                        };
                        match emulator.process_delayed(request).await {
                            Outcome::Respond(response) => {
                                Ok(response.map(|b| Full::new(Bytes::from(b))))
                            }
                            Outcome::Drop => Err(DroppedConnection),
                        }
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((local, handle))
}

pub(crate) fn router(emulator: Emulator) -> axum::Router {
    axum::Router::new().fallback(move |request: axum::extract::Request| {
        let emulator = emulator.clone();
        async move {
            let Some(request) = collect(request).await else {
                return Ok::<_, Infallible>(too_large().map(axum::body::Body::from));
            };
            Ok(match emulator.process_delayed(request).await {
                Outcome::Respond(response) => response.map(axum::body::Body::from),
                Outcome::Drop => http::Response::new(axum::body::Body::new(FailingBody)),
            })
        }
    })
}
