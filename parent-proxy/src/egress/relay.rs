//! One egress relay: the accept loop, and for each connection the CONNECT exchange, the
//! upstream connect and the byte pump.
//!
//! Every failure here is one connection's: it is answered (when there is still someone to answer),
//! counted in [`EgressMetrics`], logged with the requested name (never payload bytes), and the
//! connection is closed. Nothing a peer or an upstream does panics the relay or stops its
//! listener.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nitro_kms_wire::http_connect::{self, ConnectError, ConnectTarget, RelayStatus};
use nitro_kms_wire::transport::{Host, Listener, PeerAddr, Stream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::EgressSpec;
use crate::metrics::{EgressMetrics, EgressResult, Metrics};

/// Connections past `max-connections` that are still answered `503` (their head is read first,
/// so the answer is not lost to a reset); past these too, a connection is closed at once. Keeps
/// a flood from costing more than a few tasks.
const REFUSAL_SLOTS: usize = 16;

/// How long a refusal may take: writing the answer, then reading (and dropping) what the peer
/// still sends until it closes, so that closing does not reset the connection and destroy the
/// answer before the peer has read it.
const REFUSAL_LINGER: Duration = Duration::from_secs(2);

/// Most bytes read and dropped while lingering after a refusal.
const LINGER_MAX_BYTES: usize = 64 * 1024;

/// Buffer of each direction of a tunnel.
const COPY_BUFFER: usize = 16 * 1024;

/// What every connection of one relay shares.
struct Relay {
    spec: EgressSpec,
    metrics: Arc<Metrics>,
}

/// Serves `listener` until `shutdown` flips; then stops accepting and closes the tunnels.
///
/// Each connection runs in its own task, holding one of `max-connections` slots from accept to
/// close.
pub async fn serve(
    listener: Listener,
    spec: EgressSpec,
    metrics: Arc<Metrics>,
    shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(spec.max_connections.max(1)));
    let refusal_slots = Arc::new(Semaphore::new(REFUSAL_SLOTS));
    let relay = Arc::new(Relay { spec, metrics });
    let mut connections = JoinSet::new();
    let mut stop = shutdown;
    loop {
        tokio::select! {
            _ = crate::stopped(&mut stop) => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Per connection (or out of descriptors): the listener stays usable.
                        tracing::warn!(%error, "egress relay: accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                if let Ok(slot) = slots.clone().try_acquire_owned() {
                    connections.spawn(relay.clone().serve_connection(stream, peer, slot));
                } else if let Ok(slot) = refusal_slots.clone().try_acquire_owned() {
                    connections.spawn(relay.clone().refuse_over_limit(stream, peer, slot));
                } else {
                    drop(stream);
                    relay.metrics.egress.count(EgressResult::Limited);
                    tracing::warn!(%peer, "egress request refused: closed at once, \
                        max-connections relays and every refusal slot are busy");
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Dropping the set aborts the connections still open, which closes them.
}

/// Why a request head was not accepted (`400`).
#[derive(Debug, thiserror::Error)]
enum HeadError {
    /// Not complete in time.
    #[error("no complete request head within {0:?}")]
    Slow(Duration),
    /// Unreadable or not a valid CONNECT request.
    #[error(transparent)]
    Invalid(#[from] ConnectError),
}

/// Why no upstream connection was made (`502` or `504`).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The resolver failed (no such name, no DNS).
    #[error("cannot resolve the name: {0}")]
    Resolve(io::Error),
    /// The name resolved to no address.
    #[error("the name resolves to no address")]
    NoAddress,
    /// Every address refused or failed; the last one's error.
    #[error("cannot connect to {address}: {source}")]
    Connect {
        /// The last address tried.
        address: SocketAddr,
        /// Why it failed.
        source: io::Error,
    },
    /// Resolving and connecting did not finish within `connect-timeout-ms`.
    #[error("no connection within {0:?}")]
    TimedOut(Duration),
}

impl UpstreamError {
    /// The answer the enclave gets: `504` for a timeout, `502` otherwise.
    pub fn status(&self) -> RelayStatus {
        match self {
            UpstreamError::TimedOut(_) => RelayStatus::GatewayTimeout,
            _ => RelayStatus::BadGateway,
        }
    }
}

/// Why a tunnel ended other than by both sides closing.
#[derive(Debug, thiserror::Error)]
enum TunnelError {
    /// No byte either way for `idle-timeout-ms`.
    #[error("no bytes either way for {0:?}")]
    Idle(Duration),
    /// Reading or writing one direction failed (a reset, a vanished peer).
    #[error("{direction}: {source}")]
    Io {
        /// `enclave -> upstream` or `upstream -> enclave`.
        direction: &'static str,
        /// The error.
        source: io::Error,
    },
}

/// A connection's slot: counted in the active gauge while it lives. On drop the slot is freed
/// *before* the gauge goes down, so a gauge back at zero means every slot is free again.
struct Active {
    relay: Arc<Relay>,
    slot: Option<OwnedSemaphorePermit>,
}

impl Active {
    fn new(relay: Arc<Relay>, slot: OwnedSemaphorePermit) -> Self {
        relay.metrics.egress.active.fetch_add(1, Ordering::Relaxed);
        Active {
            relay,
            slot: Some(slot),
        }
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        drop(self.slot.take());
        self.relay
            .metrics
            .egress
            .active
            .fetch_sub(1, Ordering::Relaxed);
    }
}

impl Relay {
    /// One connection within the limit: CONNECT, allowlist, upstream, tunnel.
    async fn serve_connection(
        self: Arc<Self>,
        stream: Stream,
        peer: PeerAddr,
        slot: OwnedSemaphorePermit,
    ) {
        let _active = Active::new(self.clone(), slot);
        let metrics = &self.metrics.egress;
        let mut enclave = BufReader::new(stream);
        let target = match self.read_target(&mut enclave).await {
            Ok(target) => target,
            Err(error) => {
                metrics.count(EgressResult::BadRequest);
                tracing::warn!(%peer, %error, "egress request refused: 400 Bad Request");
                refuse(enclave, RelayStatus::BadRequest).await;
                return;
            }
        };
        if !self.spec.allow.allows(&target) {
            metrics.count(EgressResult::Refused);
            tracing::warn!(%peer, %target, allow = %self.spec.allow,
                "egress request refused: 403 Forbidden, destination not in the allowlist");
            refuse(enclave, RelayStatus::Forbidden).await;
            return;
        }
        let upstream = match connect_upstream(&target, self.spec.connect_timeout).await {
            Ok(upstream) => upstream,
            Err(error) => {
                let status = error.status();
                metrics.count(EgressResult::Failed);
                tracing::warn!(%peer, %target, %error, status = status.code(),
                    "egress request failed: no upstream connection");
                refuse(enclave, status).await;
                return;
            }
        };
        metrics.count(EgressResult::Relayed);
        let upstream_addr = upstream
            .peer_addr()
            .map_or_else(|_| "?".to_owned(), |a| a.to_string());
        if let Err(error) = answer(&mut enclave, RelayStatus::Established).await {
            tracing::info!(%peer, %target, %error, "egress tunnel closed: the enclave left before the answer");
            return;
        }
        tracing::info!(%peer, %target, upstream = %upstream_addr, "egress tunnel established");
        match tunnel(enclave, upstream, self.spec.idle_timeout, metrics).await {
            Ok((to_upstream, to_enclave)) => {
                tracing::info!(%peer, %target, to_upstream, to_enclave, "egress tunnel closed");
            }
            Err(error) => {
                tracing::warn!(%peer, %target, %error, "egress tunnel ended");
            }
        }
    }

    /// One connection past `max-connections`: its head is read (for the log, and so that the
    /// answer is not lost to a reset), then it gets `503`.
    async fn refuse_over_limit(
        self: Arc<Self>,
        stream: Stream,
        peer: PeerAddr,
        slot: OwnedSemaphorePermit,
    ) {
        let _active = Active::new(self.clone(), slot);
        let mut enclave = BufReader::new(stream);
        let target = match self.read_target(&mut enclave).await {
            Ok(target) => target.to_string(),
            Err(error) => format!("none ({error})"),
        };
        self.metrics.egress.count(EgressResult::Limited);
        tracing::warn!(%peer, %target, max_connections = self.spec.max_connections,
            "egress request refused: 503 Service Unavailable, max-connections relays are open");
        refuse(enclave, RelayStatus::ServiceUnavailable).await;
    }

    /// Reads and parses the CONNECT head within `head-timeout-ms`.
    async fn read_target(
        &self,
        enclave: &mut BufReader<Stream>,
    ) -> Result<ConnectTarget, HeadError> {
        let timeout = self.spec.head_timeout;
        let head = tokio::time::timeout(
            timeout,
            http_connect::read_head(enclave, http_connect::MAX_HEAD),
        )
        .await
        .map_err(|_| HeadError::Slow(timeout))??;
        Ok(http_connect::parse_request(&head)?)
    }
}

/// Writes `status`'s answer, within [`REFUSAL_LINGER`].
async fn answer(enclave: &mut BufReader<Stream>, status: RelayStatus) -> io::Result<()> {
    tokio::time::timeout(REFUSAL_LINGER, async {
        enclave.write_all(status.response()).await?;
        enclave.flush().await
    })
    .await
    .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the enclave does not read"))?
}

/// Answers `status` and closes: the answer, end of stream, then (for at most
/// [`REFUSAL_LINGER`]) reading and dropping what the peer still sends until it closes.
async fn refuse(mut enclave: BufReader<Stream>, status: RelayStatus) {
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        enclave.write_all(status.response()).await?;
        enclave.shutdown().await?;
        let mut sink = [0u8; 1024];
        let mut dropped = 0;
        while dropped < LINGER_MAX_BYTES {
            match enclave.read(&mut sink).await? {
                0 => break,
                n => dropped += n,
            }
        }
        Ok::<_, io::Error>(())
    })
    .await;
}

/// Resolves `target` (a name through the system resolver; an IP literal as it is) and connects
/// to its addresses in turn until one accepts, all within `timeout`. The stream has
/// `TCP_NODELAY`: KMS calls are small request/answer exchanges that Nagle would delay.
pub async fn connect_upstream(
    target: &ConnectTarget,
    timeout: Duration,
) -> Result<TcpStream, UpstreamError> {
    let attempt = async {
        let addresses: Vec<SocketAddr> = match &target.host {
            Host::Ip(ip) => vec![SocketAddr::new(*ip, target.port)],
            Host::Name(name) => tokio::net::lookup_host((name.as_str(), target.port))
                .await
                .map_err(UpstreamError::Resolve)?
                .collect(),
        };
        let mut last = UpstreamError::NoAddress;
        for address in addresses {
            let connected = match TcpStream::connect(address).await {
                Ok(stream) => stream.set_nodelay(true).map(|()| stream),
                Err(error) => Err(error),
            };
            match connected {
                Ok(stream) => return Ok(stream),
                Err(source) => last = UpstreamError::Connect { address, source },
            }
        }
        Err(last)
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or(Err(UpstreamError::TimedOut(timeout)))
}

/// The last time a byte moved through a tunnel, in milliseconds since it opened: one atomic, so
/// both directions (in one task) update it without a lock.
struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Resolves once nothing has moved for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = self.opened + last + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// Relays bytes both ways until both sides have closed (each end of stream is passed on as a
/// half-close), one direction fails, or nothing moves for `idle`. Returns the bytes relayed
/// each way (the metrics are updated as bytes move, so they are right even after a failure).
async fn tunnel(
    enclave: BufReader<Stream>,
    upstream: TcpStream,
    idle: Duration,
    metrics: &EgressMetrics,
) -> Result<(u64, u64), TunnelError> {
    let (from_enclave, to_enclave) = tokio::io::split(enclave);
    let (from_upstream, to_upstream) = upstream.into_split();
    let activity = Activity::new();
    let up = copy(
        from_enclave,
        to_upstream,
        &metrics.bytes_to_upstream,
        &activity,
        "enclave -> upstream",
    );
    let down = copy(
        from_upstream,
        to_enclave,
        &metrics.bytes_to_enclave,
        &activity,
        "upstream -> enclave",
    );
    tokio::select! {
        result = async { tokio::try_join!(up, down) } => result,
        () = activity.idle_for(idle) => Err(TunnelError::Idle(idle)),
    }
}

/// Copies `from` to `to` until `from` ends, then shuts `to` down (the half-close); counts each
/// chunk in `counter` once written.
async fn copy<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    mut from: R,
    mut to: W,
    counter: &AtomicU64,
    activity: &Activity,
    direction: &'static str,
) -> Result<u64, TunnelError> {
    let failed = |source| TunnelError::Io { direction, source };
    let mut buf = vec![0u8; COPY_BUFFER];
    let mut total = 0u64;
    loop {
        let n = from.read(&mut buf).await.map_err(failed)?;
        let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
            // The other side may already be gone; the other direction reports that.
            let _ = to.shutdown().await;
            return Ok(total);
        };
        activity.touch();
        to.write_all(chunk).await.map_err(failed)?;
        activity.touch();
        let n = chunk.len() as u64;
        counter.fetch_add(n, Ordering::Relaxed);
        total += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_failures_map_to_502_and_timeouts_to_504() {
        let refused = UpstreamError::Connect {
            address: SocketAddr::from(([127, 0, 0, 1], 1)),
            source: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        assert_eq!(refused.status(), RelayStatus::BadGateway);
        assert_eq!(UpstreamError::NoAddress.status(), RelayStatus::BadGateway);
        assert_eq!(
            UpstreamError::Resolve(io::Error::other("no such name")).status(),
            RelayStatus::BadGateway
        );
        assert_eq!(
            UpstreamError::TimedOut(Duration::from_secs(5)).status(),
            RelayStatus::GatewayTimeout
        );
    }

    #[tokio::test]
    async fn connecting_to_a_closed_port_fails_with_the_address_tried() {
        let port = {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap().port()
        };
        let target: ConnectTarget = format!("127.0.0.1:{port}").parse().unwrap();
        let error = connect_upstream(&target, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, UpstreamError::Connect { address, .. } if address.port() == port),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_name_is_resolved_and_each_address_tried_until_one_accepts() {
        // localhost may resolve to ::1 first, where nobody listens: the next address serves.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let target: ConnectTarget = format!("localhost:{port}").parse().unwrap();
        let stream = connect_upstream(&target, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(stream.nodelay().unwrap());
        assert_eq!(stream.peer_addr().unwrap().port(), port);
    }
}
