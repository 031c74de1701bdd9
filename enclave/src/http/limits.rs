//! The deadlines and caps of the enclave's HTTP endpoint: what bounds the time and memory a
//! client (authenticated or not) can make it spend. The defaults here are what the
//! configuration (`crate::config`) falls back to: `--http-max-connections`,
//! `--http-header-timeout-ms`, `--http-body-timeout-ms`.

use std::time::Duration;

/// Default cap on the HTTP endpoint's open client connections (an idle one costs ~21 KiB).
pub const DEFAULT_HTTP_MAX_CONNECTIONS: usize = 4096;

/// Deadline for a connection's first byte and request headers (slowloris protection).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Deadline for a request's body once its headers are in and authenticated.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest request head hyper buffers (request line and headers). A SigV4 request's head is about
/// 1 KiB (the `Authorization` header is at most 4 KiB); this is all an unauthenticated client can
/// make a connection hold.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// The endpoint's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Largest request body (`--max-body`).
    pub max_body: usize,
    /// Client connections served at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Deadline for the first byte and the request headers.
    pub header_timeout: Duration,
    /// Deadline for the body of an authenticated request.
    pub body_timeout: Duration,
    /// Deadline of the operation itself (waiting for the service to be ready counts against it).
    pub request_timeout: Duration,
    /// How long shutdown waits for requests being answered.
    pub drain: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_body: nitro_kms_api::http_endpoint::DEFAULT_MAX_BODY,
            max_connections: DEFAULT_HTTP_MAX_CONNECTIONS,
            header_timeout: HEADER_READ_TIMEOUT,
            body_timeout: BODY_READ_TIMEOUT,
            request_timeout: Duration::from_secs(10),
            drain: Duration::from_secs(10),
        }
    }
}
