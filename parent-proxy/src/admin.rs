//! The proxy's own HTTP endpoint, `--admin-listen` (default `127.0.0.1:9601`): `GET /healthz`
//! (200 when the leader's control link is connected, 503 otherwise) and `GET /metrics`
//! (Prometheus text, [`crate::metrics`]). Anything else is 404.
//!
//! It is separate from `--listen` because that port is now the enclave's: every byte a client
//! sends there is relayed, so `/healthz` and `/metrics` on the service port are answered by the
//! enclave itself (its readiness and its per-operation counts). This one says what only the
//! parent knows: connections, bytes, the control links, the sealed state it stores, the egress
//! relays. Nothing secret is on either page; keep this one on loopback anyway.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use nitro_kms_wire::transport::Listener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::metrics::Metrics;
use crate::router::Router;

/// Default admin address.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:9601";

/// Admin connections served at once; more are closed at once (a monitoring scraper needs one).
const MAX_CONNECTIONS: usize = 64;

/// Deadline for an admin request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// What the admin pages read.
#[derive(Debug)]
pub struct Admin {
    /// The enclaves' control links.
    pub enclaves: Arc<Router>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Control-link connections kept per enclave (shown in `/metrics`).
    pub pool_size: usize,
}

impl Admin {
    /// Answers one admin request.
    pub fn answer(&self, method: &Method, path: &str) -> Response<Full<Bytes>> {
        match (method, path) {
            (&Method::GET, "/healthz") => {
                if self.enclaves.leader_connected() {
                    text(StatusCode::OK, "ok\n".into())
                } else {
                    text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "enclave unreachable\n".into(),
                    )
                }
            }
            (&Method::GET, "/metrics") => {
                let page = self.metrics.render(&self.enclaves.status(), self.pool_size);
                let mut response = text(StatusCode::OK, page);
                response.headers_mut().insert(
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
                );
                response
            }
            _ => text(StatusCode::NOT_FOUND, "not found\n".into()),
        }
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    response
}

/// Serves the admin pages on `listener` until `shutdown` flips.
pub async fn serve(listener: Listener, admin: Arc<Admin>, shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = crate::stopped(&mut stop) => break,
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                if connections.len() >= MAX_CONNECTIONS {
                    continue;
                }
                let admin = admin.clone();
                let mut stop = shutdown.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let answer = admin.answer(req.method(), req.uri().path());
                        async move { Ok::<_, Infallible>(answer) }
                    });
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(HEADER_TIMEOUT)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = crate::stopped(&mut stop) => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

#[cfg(test)]
mod tests;
