//! The relay's accept loop: one task per client connection, at most `max_connections` at once
//! (more are accepted and closed at once, and counted), each connected to the enclave
//! [`route`](super::route) picks within `connect_timeout` and then [`pipe`]d. An enclave that
//! cannot be reached in time closes the client connection: the proxy cannot answer HTTP inside a
//! TLS session it does not hold, and a closed connection is what every client retries.
//!
//! On shutdown the loop stops accepting and gives the open connections `drain` to finish (the
//! enclave closes idle keep-alive connections on its own shutdown), then drops them.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use nitro_kms_wire::transport::{self, Address, Listener, Stream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::pipe::{Counters, pipe};
use super::route::enclave_for_connection;
use crate::metrics::Metrics;
use crate::router::Router;

/// Default cap on open client connections (each holds two sockets and two 8 KiB buffers).
pub const DEFAULT_MAX_CONNECTIONS: usize = 16_384;

/// Default deadline for connecting to the enclave's HTTP endpoint.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long shutdown waits for open connections.
pub const DRAIN: Duration = Duration::from_secs(10);

/// What the relay needs.
#[derive(Debug)]
pub struct Relay {
    /// The enclaves' control links (who is up, who is caught up), for [`enclave_for_connection`].
    pub enclaves: Arc<Router>,
    /// Each enclave's HTTP endpoint, in `--enclave` order.
    pub targets: Vec<Address>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Client connections relayed at once.
    pub max_connections: usize,
    /// Deadline for reaching the enclave's HTTP endpoint.
    pub connect_timeout: Duration,
    /// How long shutdown waits for open connections.
    pub drain: Duration,
}

/// Relays every connection `listener` accepts until `shutdown` flips, then drains.
pub async fn serve(listener: Listener, relay: Arc<Relay>, shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = crate::stopped(&mut stop) => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let metrics = &relay.metrics.relay;
                metrics.accepted.fetch_add(1, Ordering::Relaxed);
                if connections.len() >= relay.max_connections {
                    // Closed at once: memory and sockets stay bounded whatever a client opens.
                    drop(stream);
                    let refused = metrics.refused.fetch_add(1, Ordering::Relaxed) + 1;
                    if refused.is_power_of_two() {
                        tracing::warn!(%peer, open = connections.len(), refused,
                            "connection refused: --max-connections are open");
                    }
                    continue;
                }
                connections.spawn(relay_one(stream, relay.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    let _ = tokio::time::timeout(relay.drain, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

/// One client connection: pick the enclave, connect, copy until done.
async fn relay_one(client: Stream, relay: Arc<Relay>) {
    let metrics = &relay.metrics.relay;
    let _open = OpenGuard::new(&metrics.open);
    let index = enclave_for_connection(&relay.enclaves);
    let Some(target) = relay.targets.get(index) else {
        return;
    };
    let enclave =
        match tokio::time::timeout(relay.connect_timeout, transport::connect(target)).await {
            Ok(Ok(stream)) => stream,
            failed => {
                let failures = metrics.connect_failures.fetch_add(1, Ordering::Relaxed) + 1;
                if failures.is_power_of_two() {
                    let error = match failed {
                        Ok(Err(e)) => e.to_string(),
                        _ => format!("no connection within {:?}", relay.connect_timeout),
                    };
                    tracing::warn!(enclave = index, %target, failures, %error,
                    "client connection closed: the enclave's HTTP endpoint is unreachable");
                }
                return;
            }
        };
    relay.enclaves.count_relayed(index);
    pipe(
        client,
        enclave,
        Counters {
            client_to_enclave: &metrics.bytes_client_to_enclave,
            enclave_to_client: &metrics.bytes_enclave_to_client,
        },
    )
    .await;
}

/// Counts one open connection for as long as it lives.
struct OpenGuard<'a>(&'a std::sync::atomic::AtomicU64);

impl<'a> OpenGuard<'a> {
    fn new(gauge: &'a std::sync::atomic::AtomicU64) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        OpenGuard(gauge)
    }
}

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
