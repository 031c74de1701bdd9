//! [`EtcdClient`]: the requests, failover between endpoints, timeouts and statistics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};

use crate::json::{self, Lines};
use crate::pool::{self, Pool, Sender};
use crate::{
    Connect, Endpoint, EtcdError, Lease, RangeRequest, RangeResponse, Tls, Txn, TxnResponse,
    WatchStream,
};

/// Idle connections kept per endpoint.
const MAX_IDLE_PER_ENDPOINT: usize = 4;

/// How the client reaches the cluster.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The members' client endpoints (at least one), tried round-robin on failure.
    pub endpoints: Vec<Endpoint>,
    /// TLS on top of the transport.
    pub tls: Tls,
    /// Bound on one attempt of one request on one endpoint (connect included).
    pub request_timeout: Duration,
    /// Bound on opening a connection (transport + TLS + HTTP handshake).
    pub connect_timeout: Duration,
    /// Largest answer (or one watch object) accepted, in bytes.
    pub max_response: usize,
}

/// A snapshot of the client's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Requests made (each counted once, whatever the endpoints tried).
    pub requests: u64,
    /// Requests that failed.
    pub errors: u64,
    /// The last successful round trip, in microseconds.
    pub last_round_trip_us: u64,
    /// The endpoint requests go to first (the last one that answered).
    pub endpoint: Endpoint,
}

struct Inner {
    options: ClientOptions,
    connect: Arc<dyn Connect>,
    pool: Pool,
    current: AtomicUsize,
    requests: AtomicU64,
    errors: AtomicU64,
    last_round_trip_us: AtomicU64,
}

/// An etcd v3 client over the JSON gateway; cheap to clone (clones share connections).
#[derive(Clone)]
pub struct EtcdClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EtcdClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdClient")
            .field("endpoints", &self.inner.options.endpoints)
            .finish()
    }
}

/// How an answer's body is read.
#[derive(Clone, Copy)]
enum Read {
    /// All of it.
    Whole,
    /// Only its first newline-separated object (a streamed answer).
    FirstObject,
}

/// One attempt's failure.
enum Failure {
    /// Try the next endpoint.
    Retry(String),
    /// Give up with this error.
    Final(EtcdError),
}

impl EtcdClient {
    /// A client for `options.endpoints`, reaching them with `connect`. No connection is made yet.
    pub fn new(options: ClientOptions, connect: Arc<dyn Connect>) -> Result<Self, EtcdError> {
        if options.endpoints.is_empty() {
            return Err(EtcdError::Config("no etcd endpoint".into()));
        }
        if options.max_response == 0 {
            return Err(EtcdError::Config("max_response is 0".into()));
        }
        if options.request_timeout.is_zero() || options.connect_timeout.is_zero() {
            return Err(EtcdError::Config("a timeout is 0".into()));
        }
        let pool = Pool::new(options.endpoints.len(), MAX_IDLE_PER_ENDPOINT);
        Ok(EtcdClient {
            inner: Arc::new(Inner {
                options,
                connect,
                pool,
                current: AtomicUsize::new(0),
                requests: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                last_round_trip_us: AtomicU64::new(0),
            }),
        })
    }

    /// Reads a key or range (linearizable: served after the leader confirms it is current).
    pub async fn range(&self, req: RangeRequest) -> Result<RangeResponse, EtcdError> {
        let body = self
            .call("/v3/kv/range", json::encode_range(&req), Read::Whole)
            .await?;
        json::decode_range(&body)
    }

    /// Puts `value` at `key` (attached to `lease` if given); returns the revision it made.
    pub async fn put(
        &self,
        key: Vec<u8>,
        value: Vec<u8>,
        lease: Option<i64>,
    ) -> Result<i64, EtcdError> {
        let body = self
            .call(
                "/v3/kv/put",
                json::encode_put(&key, &value, lease),
                Read::Whole,
            )
            .await?;
        json::decode_put(&body)
    }

    /// Runs an atomic transaction.
    pub async fn txn(&self, txn: Txn) -> Result<TxnResponse, EtcdError> {
        let body = self
            .call("/v3/kv/txn", json::encode_txn(&txn), Read::Whole)
            .await?;
        json::decode_txn(&body)
    }

    /// Grants a lease of `ttl_secs` seconds.
    pub async fn lease_grant(&self, ttl_secs: i64) -> Result<Lease, EtcdError> {
        let body = self
            .call(
                "/v3/lease/grant",
                json::encode_lease_grant(ttl_secs),
                Read::Whole,
            )
            .await?;
        json::decode_lease_grant(&body)
    }

    /// Renews lease `id` once: the TTL it has now, or None when it has expired or was revoked.
    pub async fn lease_keep_alive(&self, id: i64) -> Result<Option<i64>, EtcdError> {
        let body = self
            .call(
                "/v3/lease/keepalive",
                json::encode_lease_id(id),
                Read::FirstObject,
            )
            .await?;
        json::decode_keepalive(&body)
    }

    /// Revokes lease `id` (its keys are deleted).
    pub async fn lease_revoke(&self, id: i64) -> Result<(), EtcdError> {
        let body = self
            .call("/v3/lease/revoke", json::encode_lease_id(id), Read::Whole)
            .await?;
        json::decode_revoke(&body)
    }

    /// Compacts the history up to `revision` (watches from before it then see
    /// [`crate::WatchBatch::compact_revision`]).
    pub async fn compact(&self, revision: i64) -> Result<(), EtcdError> {
        let body = self
            .call(
                "/v3/kv/compaction",
                json::encode_compaction(revision),
                Read::Whole,
            )
            .await?;
        json::decode_revoke(&body)
    }

    /// Watches `key` (or `[key, range_end)`) from `start_revision` (0: from now), on a connection
    /// of its own.
    pub async fn watch(
        &self,
        key: Vec<u8>,
        range_end: Option<Vec<u8>>,
        start_revision: i64,
    ) -> Result<WatchStream, EtcdError> {
        let body = json::encode_watch(&key, range_end.as_deref(), start_revision);
        let inner = &self.inner;
        inner.requests.fetch_add(1, Ordering::Relaxed);
        let count = inner.options.endpoints.len();
        let start = inner.current.load(Ordering::Relaxed);
        let mut causes = Vec::new();
        for step in 0..count {
            let index = (start + step) % count;
            let endpoint = &inner.options.endpoints[index];
            let attempt = async {
                let sender = self.open(index).await.map_err(Failure::Retry)?;
                self.send(sender, endpoint, "/v3/watch", body.clone()).await
            };
            match tokio::time::timeout(inner.options.request_timeout, attempt).await {
                Err(_) => causes.push(format!("{endpoint}: timed out")),
                Ok(Err(Failure::Retry(cause))) => causes.push(cause),
                Ok(Err(Failure::Final(e))) => return Err(self.failed(e)),
                Ok(Ok((sender, response))) => {
                    inner.current.store(index, Ordering::Relaxed);
                    tracing::debug!(%endpoint, "etcd watch opened");
                    return Ok(WatchStream::new(
                        sender,
                        response.into_body(),
                        inner.options.max_response,
                    ));
                }
            }
        }
        Err(self.failed(EtcdError::Unavailable(causes.join("; "))))
    }

    /// The client's counters.
    pub fn stats(&self) -> Stats {
        let inner = &self.inner;
        let endpoints = &inner.options.endpoints;
        let current = inner.current.load(Ordering::Relaxed) % endpoints.len();
        Stats {
            requests: inner.requests.load(Ordering::Relaxed),
            errors: inner.errors.load(Ordering::Relaxed),
            last_round_trip_us: inner.last_round_trip_us.load(Ordering::Relaxed),
            endpoint: endpoints[current].clone(),
        }
    }

    fn failed(&self, error: EtcdError) -> EtcdError {
        self.inner.errors.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%error, "etcd request failed");
        error
    }

    /// A new connection to endpoint `index`, bounded by `connect_timeout`.
    async fn open(&self, index: usize) -> Result<Sender, String> {
        let inner = &self.inner;
        let endpoint = &inner.options.endpoints[index];
        match tokio::time::timeout(
            inner.options.connect_timeout,
            pool::open(inner.connect.as_ref(), &inner.options.tls, endpoint),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(format!("{endpoint}: connect timed out")),
        }
    }

    /// Sends `POST path` on `sender`; a 200's response (with its connection), or why not.
    async fn send(
        &self,
        mut sender: Sender,
        endpoint: &Endpoint,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(Sender, hyper::Response<Incoming>), Failure> {
        let io = |e: hyper::Error| Failure::Retry(format!("{endpoint}: {e}"));
        sender.ready().await.map_err(io)?;
        let request = hyper::Request::post(path)
            .header(hyper::header::HOST, endpoint.to_string())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Failure::Final(EtcdError::Config(e.to_string())))?;
        let response = sender.send_request(request).await.map_err(io)?;
        let status = response.status().as_u16();
        if status == 200 {
            return Ok((sender, response));
        }
        let limit = self.inner.options.max_response;
        let (body, _) = read_whole(response.into_body(), limit)
            .await
            .unwrap_or_default();
        match status {
            502..=504 => Err(Failure::Retry(format!("{endpoint}: HTTP {status}"))),
            _ => Err(Failure::Final(json::decode_error(status, &body))),
        }
    }

    /// One request, tried on each endpoint once from the last good one; the 200 answer's body.
    async fn call(
        &self,
        path: &'static str,
        body: Vec<u8>,
        read: Read,
    ) -> Result<Vec<u8>, EtcdError> {
        let inner = &self.inner;
        inner.requests.fetch_add(1, Ordering::Relaxed);
        let count = inner.options.endpoints.len();
        let start = inner.current.load(Ordering::Relaxed);
        let mut causes = Vec::new();
        let mut all_timeouts = true;
        for step in 0..count {
            let index = (start + step) % count;
            let endpoint = &inner.options.endpoints[index];
            let began = Instant::now();
            let attempt = self.attempt(index, path, body.clone(), read);
            match tokio::time::timeout(inner.options.request_timeout, attempt).await {
                Err(_) => causes.push(format!("{endpoint}: timed out")),
                Ok(Err(Failure::Retry(cause))) => {
                    all_timeouts = false;
                    causes.push(cause);
                }
                Ok(Err(Failure::Final(e))) => {
                    inner.current.store(index, Ordering::Relaxed);
                    return Err(self.failed(e));
                }
                Ok(Ok(answer)) => {
                    let micros = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
                    inner.last_round_trip_us.store(micros, Ordering::Relaxed);
                    if inner.current.swap(index, Ordering::Relaxed) != index {
                        tracing::info!(%endpoint, path, "etcd requests now go to this endpoint");
                    }
                    return Ok(answer);
                }
            }
            tracing::debug!(%endpoint, path, cause = causes.last().map(String::as_str), "etcd attempt failed");
        }
        Err(self.failed(if all_timeouts {
            EtcdError::Timeout
        } else {
            EtcdError::Unavailable(causes.join("; "))
        }))
    }

    /// One attempt on endpoint `index`, on an idle or new connection.
    async fn attempt(
        &self,
        index: usize,
        path: &str,
        body: Vec<u8>,
        read: Read,
    ) -> Result<Vec<u8>, Failure> {
        let inner = &self.inner;
        let endpoint = &inner.options.endpoints[index];
        let sender = match inner.pool.take(index) {
            Some(sender) => sender,
            None => self.open(index).await.map_err(Failure::Retry)?,
        };
        let (sender, response) = self.send(sender, endpoint, path, body).await?;
        let limit = inner.options.max_response;
        let answer = match read {
            Read::Whole => read_whole(response.into_body(), limit).await,
            Read::FirstObject => read_first_object(response.into_body(), limit).await,
        };
        match answer {
            Ok((bytes, ended)) => {
                if ended {
                    inner.pool.give_back(index, sender);
                }
                Ok(bytes)
            }
            Err(ReadError::TooLarge) => Err(Failure::Final(EtcdError::TooLarge { limit })),
            Err(ReadError::Io(e)) => Err(Failure::Retry(format!("{endpoint}: {e}"))),
        }
    }
}

enum ReadError {
    TooLarge,
    Io(String),
}

/// The whole body, at most `limit` bytes; `true`: the body ended (the connection is reusable).
async fn read_whole(body: Incoming, limit: usize) -> Result<(Vec<u8>, bool), ReadError> {
    let collected = http_body_util::Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                ReadError::TooLarge
            } else {
                ReadError::Io(e.to_string())
            }
        })?;
    Ok((collected.to_bytes().to_vec(), true))
}

/// The first newline-separated object of a streamed body (or the whole body if it ends first).
async fn read_first_object(mut body: Incoming, limit: usize) -> Result<(Vec<u8>, bool), ReadError> {
    let mut lines = Lines::new(limit);
    loop {
        match body.frame().await {
            None => return Ok((lines.finish().unwrap_or_default(), true)),
            Some(Err(e)) => return Err(ReadError::Io(e.to_string())),
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                let objects = lines.push(&data).map_err(|_| ReadError::TooLarge)?;
                if let Some(first) = objects.into_iter().next() {
                    return Ok((first, false));
                }
            }
        }
    }
}
