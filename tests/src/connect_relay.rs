//! An HTTP CONNECT relay on loopback: what the parent's egress relay does for an enclave that
//! reaches etcd (issue 19), small enough for a test to cut at will.
//!
//! It accepts `CONNECT host:port` (loopback targets only: the tests' etcd members), answers
//! `200`, and pipes bytes both ways; the TLS inside the tunnel is the enclave's and etcd's, the
//! relay sees only ciphertext. [`ConnectRelay::pause`] is "stop its relay": every open tunnel is
//! dropped and every new CONNECT is refused with `503` until [`ConnectRelay::resume`] — a parent
//! cut off from etcd (or one that chose to cut its enclave off). Everything stops when it is
//! dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_wire::http_connect::{self, ConnectTarget, RelayStatus};
use nitro_kms_wire::transport::Host;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How long a client has to send its CONNECT head (a test relay's only deadline).
const HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// The relay's switch and the tunnels it has open, under one lock so that a tunnel is either
/// registered before a pause (and dropped by it) or refused after it.
#[derive(Default)]
struct Tunnels {
    paused: bool,
    open: Vec<JoinHandle<()>>,
}

/// A running relay; see the module docs.
pub struct ConnectRelay {
    address: SocketAddr,
    tunnels: Arc<Mutex<Tunnels>>,
    accept: JoinHandle<()>,
}

impl std::fmt::Debug for ConnectRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectRelay")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl ConnectRelay {
    /// Listens on a free loopback port (on the current tokio runtime) and relays from now on.
    pub async fn start() -> ConnectRelay {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("connect relay bind: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("connect relay address: {e}"));
        let tunnels = Arc::new(Mutex::new(Tunnels::default()));
        let accept = tokio::spawn(accept_loop(listener, tunnels.clone()));
        ConnectRelay {
            address,
            tunnels,
            accept,
        }
    }

    /// The relay's address as the enclave's `--etcd-relay` takes it (`tcp://127.0.0.1:PORT`).
    pub fn address(&self) -> String {
        format!("tcp://{}", self.address)
    }

    /// Drops every open tunnel and refuses new ones with `503` until [`ConnectRelay::resume`].
    /// When it returns, no tunnel is left: nothing more reaches etcd through this relay.
    pub async fn pause(&self) {
        let open = {
            let mut tunnels = lock(&self.tunnels);
            tunnels.paused = true;
            std::mem::take(&mut tunnels.open)
        };
        for tunnel in open {
            tunnel.abort();
            let _ = tunnel.await;
        }
    }

    /// Relays again.
    pub fn resume(&self) {
        lock(&self.tunnels).paused = false;
    }
}

impl Drop for ConnectRelay {
    fn drop(&mut self) {
        self.accept.abort();
        let mut tunnels = lock(&self.tunnels);
        tunnels.paused = true;
        for tunnel in tunnels.open.drain(..) {
            tunnel.abort();
        }
    }
}

fn lock(tunnels: &Mutex<Tunnels>) -> std::sync::MutexGuard<'_, Tunnels> {
    tunnels.lock().unwrap_or_else(|e| e.into_inner())
}

async fn accept_loop(listener: TcpListener, tunnels: Arc<Mutex<Tunnels>>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let mut guard = lock(&tunnels);
        if guard.paused {
            drop(guard);
            tokio::spawn(refuse(client, RelayStatus::ServiceUnavailable));
            continue;
        }
        guard.open.retain(|t| !t.is_finished());
        guard.open.push(tokio::spawn(tunnel(client)));
    }
}

/// Answers `status` and closes.
async fn refuse(mut client: TcpStream, status: RelayStatus) {
    let _ = client.write_all(status.response()).await;
    let _ = client.shutdown().await;
}

/// Whether the relay may dial `target`: loopback only (the tests' etcd members).
fn allowed(target: &ConnectTarget) -> bool {
    match &target.host {
        Host::Ip(ip) => ip.is_loopback(),
        Host::Name(name) => name == "localhost",
    }
}

/// One CONNECT: the head (bounded in size and time), the upstream connection, the pipe.
async fn tunnel(client: TcpStream) {
    let mut client = BufReader::new(client);
    let head = tokio::time::timeout(
        HEAD_DEADLINE,
        http_connect::read_head(&mut client, http_connect::MAX_HEAD),
    )
    .await;
    let Ok(Ok(head)) = head else {
        return refuse(client.into_inner(), RelayStatus::BadRequest).await;
    };
    let target = match http_connect::parse_request(&head) {
        Ok(target) if allowed(&target) => target,
        Ok(_) => return refuse(client.into_inner(), RelayStatus::Forbidden).await,
        Err(_) => return refuse(client.into_inner(), RelayStatus::BadRequest).await,
    };
    let Ok(mut upstream) = TcpStream::connect(target.to_string()).await else {
        return refuse(client.into_inner(), RelayStatus::BadGateway).await;
    };
    if client
        .get_mut()
        .write_all(RelayStatus::Established.response())
        .await
        .is_err()
    {
        return;
    }
    // The BufReader passes on whatever the client sent after its head (its TLS hello).
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
