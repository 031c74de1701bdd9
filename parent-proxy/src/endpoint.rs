//! The AWS KMS HTTP endpoint: KMS JSON 1.1 over HTTP/1.1 with keep-alive.
//!
//! `POST /` with `X-Amz-Target: TrentService.<Operation>` and a JSON body, signed with SigV4, is
//! authenticated ([`nitro_kms_api::sigv4`]), checked for a served target, and relayed to the enclave with
//! the verified principal; the enclave's JSON answer and status go back unchanged, with
//! `Content-Type: application/x-amz-json-1.1` and a fresh `x-amzn-RequestId` on every response
//! (errors included). `GET /healthz` says whether the enclave is reachable; `GET /metrics` is
//! Prometheus text.
//!
//! Bodies are limited (default 1 MiB: a 262144-byte attestation document is 349528 bytes of
//! base64, so a Recipient request fits with room to spare); the header read and the whole request
//! have deadlines, so a slow client holds a connection only so long.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use nitro_kms_api::{KmsError, Operation, http_endpoint};

use nitro_kms_api::sigv4::{self, AccessKeyStore, SignedRequest};

use crate::metrics::Metrics;
use crate::router::Router;

/// Default largest request body (shared with the enclave's endpoint).
pub const DEFAULT_MAX_BODY: usize = http_endpoint::DEFAULT_MAX_BODY;

/// What the endpoint needs.
pub struct Endpoint {
    /// The enclaves (one pool each) and which of them answers what.
    pub enclaves: Arc<Router>,
    /// Accepted access keys (what SigV4 signatures are verified against).
    pub access_keys: Arc<AccessKeyStore>,
    /// The region requests must be signed for.
    pub region: String,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Largest body.
    pub max_body: usize,
    /// Pool size per enclave (for /metrics).
    pub pool_size: usize,
    /// Deadline for a connection's request headers ([`HEADER_READ_TIMEOUT`] unless set).
    pub header_timeout: Duration,
    /// Deadline for a request's body once its headers are in ([`BODY_READ_TIMEOUT`] unless set).
    pub body_timeout: Duration,
    /// Client connections served at once; more are closed as soon as they are accepted
    /// ([`DEFAULT_MAX_CONNECTIONS`] unless set). Bounds memory: an idle connection costs ~21 KiB.
    pub max_connections: usize,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

fn response(status: u16, body: Vec<u8>, content_type: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = r.headers_mut();
    if let Ok(v) = content_type.parse() {
        headers.insert(hyper::header::CONTENT_TYPE, v);
    }
    if let Ok(v) = http_endpoint::request_id().parse() {
        headers.insert(http_endpoint::REQUEST_ID_HEADER, v);
    }
    r
}

fn kms_error(e: &KmsError) -> Response<Full<Bytes>> {
    let (status, body) = http_endpoint::error_answer(e);
    response(status, body, http_endpoint::KMS_JSON_CONTENT_TYPE)
}

impl Endpoint {
    /// Answers one HTTP request.
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        let path = req.uri().path().to_owned();
        match (req.method(), path.as_str()) {
            (&Method::GET, "/healthz") => {
                let up = self.enclaves.connected() > 0;
                let (status, text) = if up {
                    (200, "ok\n")
                } else {
                    (503, "enclave unreachable\n")
                };
                Ok(response(status, text.as_bytes().to_vec(), "text/plain"))
            }
            (&Method::GET, "/metrics") => {
                let mut text = self
                    .metrics
                    .render(self.enclaves.connected(), self.pool_size);
                self.metrics
                    .render_enclaves(&mut text, &self.enclaves.status());
                Ok(response(
                    200,
                    text.into_bytes(),
                    "text/plain; version=0.0.4",
                ))
            }
            (&Method::POST, _) => Ok(self.kms(req).await),
            _ => {
                self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                Ok(kms_error(&KmsError::unknown_operation()))
            }
        }
    }

    async fn kms(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let (parts, body) = req.into_parts();
        let read = tokio::time::timeout(
            self.body_timeout,
            Limited::new(body, self.max_body).collect(),
        );
        let body = match read.await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Err(_) => {
                self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                return kms_error(&KmsError::serialization(
                    "Request body was not received in time",
                ));
            }
            Ok(Err(_)) => {
                self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                return kms_error(&KmsError::serialization(format!(
                    "Request body is larger than the {}-byte limit",
                    self.max_body
                )));
            }
        };
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let signed = SignedRequest {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers,
            body: &body,
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let verified = match sigv4::verify(&signed, &self.access_keys, &self.region, now) {
            Ok(v) => v,
            Err(e) => {
                self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                tracing::info!(error = e.type_name(), "request refused before the enclave");
                return kms_error(&e);
            }
        };
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let op = match Operation::from_target(target) {
            Ok(op) => op,
            Err(e) => {
                self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                return kms_error(&e);
            }
        };
        self.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        let relayed = self
            .enclaves
            .call(op.name(), &verified.principal, body.to_vec())
            .await;
        self.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.metrics.record(op, relayed.status, started.elapsed());
        tracing::debug!(
            operation = op.name(),
            status = relayed.status,
            principal = %verified.principal,
            micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "answered"
        );
        // Operations without output answer an empty body, as AWS does.
        response(
            relayed.status,
            relayed.body,
            http_endpoint::KMS_JSON_CONTENT_TYPE,
        )
    }
}

/// Default cap on open client connections: 16,384 idle ones cost about 350 MiB.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16_384;

/// Deadline for receiving a request's body once its headers are in (slowloris protection).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Header read deadline for a connection (slowloris protection).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
