//! The control link's server: accepts the parent's connections and runs each one.
//!
//! The control link carries what only the parent can provide — storage of the sealed state
//! (`Persist`/`PersistAck`), AWS credentials for the seal root, `Sync`s on a read replica, and
//! liveness (`Ping`/`Pong`) — and no KMS requests: those arrive only at the enclave's HTTP
//! endpoint ([`crate::http`]), signed with SigV4 and verified in the enclave. A `Request` frame,
//! which would name its caller, closes its connection unanswered ([`connection`], issue 16).
//!
//! - [`serve`] is the accept loop: one task per connection, at most `max_connections` at once,
//!   until the shutdown signal flips; then it stops accepting, lets connections finish what they
//!   are doing (up to a grace period) and returns.
//! - [`connection`] is one connection: the Hello exchange, then a reader that handles the
//!   parent's frames and a writer task that sends the enclave's (`Persist`, `SyncAck`, `Pong`).
//!
//! The service may not be ready when the first connection arrives — its state is loaded *through*
//! that connection — so connections receive the service through a `watch` channel (a `Sync`'s
//! catch-up needs it).

pub mod connection;

use std::sync::Arc;
use std::time::Duration;

use nitro_kms_wire::Limits;
use nitro_kms_wire::transport::Listener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::context::ServiceSlot;
use crate::replica_forward::ReplicaForward;
use crate::sealed_credentials::Inbox;
use crate::storage::parent_link::ParentLink;
use crate::storage::read_replica::ReplicaSync;

/// How the server treats connections.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Frame and in-flight limits offered in our Hello.
    pub limits: Limits,
    /// Most parent connections served at once.
    pub max_connections: usize,
    /// Deadline of a forwarded request (a replica's mutation run on this leader).
    pub request_timeout: Duration,
    /// How long shutdown waits for connections to finish.
    pub shutdown_grace: Duration,
}

/// Accepts and serves connections until `shutdown` becomes true. `forward` is shared with the
/// HTTP endpoint (a replica's forwards go out, and their replies come in, on these connections).
pub async fn serve(
    listener: Listener,
    service: ServiceSlot,
    link: Arc<ParentLink>,
    sealed_credentials: Inbox,
    forward: Arc<ReplicaForward>,
    config: ServerConfig,
    shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut connections = JoinSet::new();
    let mut next_conn_id = 0u64;
    let replica = ReplicaSync::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!("nitro-kms-enclave: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    tracing::warn!(max_connections = config.max_connections, "nitro-kms-enclave: refusing connection from {peer}: {} connections open", config.max_connections);
                    drop(stream);
                    continue;
                };
                next_conn_id += 1;
                let conn = connection::Connection {
                    id: next_conn_id,
                    service: service.clone(),
                    link: link.clone(),
                    replica: replica.clone(),
                    sealed_credentials: sealed_credentials.clone(),
                    forward: forward.clone(),
                    config: config.clone(),
                    shutdown: shutdown.clone(),
                };
                connections.spawn(async move {
                    if let Err(e) = conn.run(stream).await {
                        tracing::info!("nitro-kms-enclave: connection from {peer} closed: {e}");
                    }
                    drop(permit);
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Drain: connections see the shutdown flag, stop reading, and close.
    let _ = tokio::time::timeout(config.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

pub use nitro_kms_wire::shutdown::stopped;
