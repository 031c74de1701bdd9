//! Two real `nitro-kms-enclave --simulate` processes on one simulated world — a leader and a read
//! replica — with the test playing their parent over the control link, the way the proxy does
//! for read replicas: it stores the sealed state with the real [`StateStore`], refuses the
//! replica's writes, sends the replica its first `Sync`, answers `PositionQuery`s, and relays
//! `Forward`s and `ForwardReply`s with the real [`ForwardRelay`].
//!
//! Unlike the proxy it is also a hostile parent on demand: it records every `Forward` the replica
//! sends and every `ForwardReply` the leader sends ([`ReplicaPair::forwards`],
//! [`ReplicaPair::replies`]), can write any frame to the leader and take the leader's answer for
//! itself ([`ReplicaPair::to_leader`]), and can rewrite the leader's replies before the replica
//! sees them ([`ReplicaPair::tamper`]). Clients reach each enclave's own HTTP endpoint (a Unix
//! socket) with signed requests ([`ReplicaPair::kms`]).

use std::collections::HashMap;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nitro_kms_parent_link::{ForwardRelay, REPLICA_WRITE_REFUSED, StateStore};
use nitro_kms_wire::transport::{self, Address};
use nitro_kms_wire::{
    Forward, ForwardReply, FramedReader, FramedWriter, Hello, Limits, Message, PersistAck,
    PersistAction, Position, Status, handshake,
};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

use crate::proxy::{HttpResponse, Signing, kms_headers, send};

/// Rewrites a leader's reply before the replica gets it.
pub type Tamper = Box<dyn FnMut(ForwardReply) -> ForwardReply + Send>;

/// What the parent's readers share with the test.
#[derive(Default)]
struct Shared {
    forwards: Mutex<Vec<Forward>>,
    replies: Mutex<Vec<ForwardReply>>,
    probes: Mutex<HashMap<u64, oneshot::Sender<ForwardReply>>>,
    tamper: Mutex<Option<Tamper>>,
}

/// The two enclaves and their test parent.
pub struct ReplicaPair {
    _tmp: tempfile::TempDir,
    /// The simulated world both enclaves run on (its `sealing.key` is the image's).
    pub world: PathBuf,
    /// The leader's HTTP endpoint.
    pub leader_http: PathBuf,
    /// The replica's HTTP endpoint.
    pub replica_http: PathBuf,
    children: Vec<Child>,
    logs: Vec<PathBuf>,
    leader_tx: mpsc::Sender<Message>,
    shared: Arc<Shared>,
}

impl ReplicaPair {
    /// Starts the leader, waits until it serves, then the replica, and waits until it serves.
    pub async fn start() -> ReplicaPair {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let world = tmp.path().join("world");
        let store = Arc::new(Mutex::new(
            StateStore::open(tmp.path().join("state")).unwrap_or_else(|e| panic!("store: {e}")),
        ));
        let relay = ForwardRelay::new();
        let shared = Arc::new(Shared::default());
        let mut children = Vec::new();
        let mut logs = Vec::new();
        let mut https = Vec::new();
        let mut leader_tx = None;
        for (index, replica) in [(0, false), (1, true)] {
            let (child, control, http, log) = spawn_enclave(tmp.path(), &world, index).await;
            children.push(child);
            logs.push(log);
            let tx = serve_parent(
                &control,
                replica,
                store.clone(),
                relay.clone(),
                shared.clone(),
            )
            .await;
            wait_healthy(&http, &logs).await;
            https.push(http);
            leader_tx.get_or_insert(tx);
        }
        let replica_http = https.pop().unwrap_or_default();
        let leader_http = https.pop().unwrap_or_default();
        ReplicaPair {
            _tmp: tmp,
            world,
            leader_http,
            replica_http,
            children,
            logs,
            leader_tx: leader_tx.unwrap_or_else(|| panic!("no leader")),
            shared,
        }
    }

    /// One signed KMS call (simulation key) on a fresh connection to `endpoint`.
    pub async fn kms(&self, endpoint: &Path, op: &str, body: serde_json::Value) -> HttpResponse {
        let endpoint = endpoint.to_path_buf();
        let op = op.to_owned();
        tokio::task::spawn_blocking(move || {
            let body = body.to_string().into_bytes();
            let headers = kms_headers("localhost", &op, &body, Some(&Signing::simulation()));
            let mut stream =
                UnixStream::connect(&endpoint).unwrap_or_else(|e| panic!("connect: {e}"));
            let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
            send(&mut stream, "POST", "/", &headers, &body).unwrap_or_else(|e| panic!("{op}: {e}"))
        })
        .await
        .unwrap_or_else(|e| panic!("client task: {e}"))
    }

    /// Every `Forward` the replica has sent so far.
    pub fn forwards(&self) -> Vec<Forward> {
        lock(&self.shared.forwards).clone()
    }

    /// Every `ForwardReply` the leader has sent to a forward of the replica so far (before any
    /// tampering).
    pub fn replies(&self) -> Vec<ForwardReply> {
        lock(&self.shared.replies).clone()
    }

    /// From now on the leader's replies pass through `tamper` on their way to the replica
    /// (`None`: relayed unchanged again).
    pub fn tamper(&self, tamper: Option<Tamper>) {
        *lock(&self.shared.tamper) = tamper;
    }

    /// Writes `forward` to the leader as the parent and returns the leader's answer to it.
    pub async fn to_leader(&self, forward: Forward) -> ForwardReply {
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.probes).insert(forward.id, tx);
        self.leader_tx
            .send(Message::Forward(forward))
            .await
            .unwrap_or_else(|e| panic!("leader connection: {e}"));
        tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .unwrap_or_else(|_| panic!("the leader did not answer: {}", self.log(0)))
            .unwrap_or_else(|e| panic!("probe: {e}"))
    }

    /// Enclave `index`'s log (0 is the leader).
    pub fn log(&self, index: usize) -> String {
        self.logs
            .get(index)
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default()
    }
}

impl Drop for ReplicaPair {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.start_kill();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts enclave `index` with its control socket and HTTP endpoint in `dir`; waits until it
/// listens. Returns the process, the control socket, the HTTP socket and the log.
async fn spawn_enclave(
    dir: &Path,
    world: &Path,
    index: usize,
) -> (Child, PathBuf, PathBuf, PathBuf) {
    let control = dir.join(format!("e{index}.sock"));
    let http = dir.join(format!("e{index}-http.sock"));
    let log = dir.join(format!("enclave-{index}.log"));
    let log_file = std::fs::File::create(&log).unwrap_or_else(|e| panic!("log: {e}"));
    let mut child = Command::new(crate::binary("nitro-kms-enclave"))
        .arg("--simulate")
        .arg("--state-dir")
        .arg(world)
        .arg("--listen")
        .arg(format!("unix://{}", control.display()))
        .arg("--http-listen")
        .arg(format!("unix://{}", http.display()))
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start nitro-kms-enclave: {e}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !control.exists() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "enclave {index} exited with {status}: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "enclave {index} did not listen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (child, control, http, log)
}

/// Waits until the HTTP endpoint at `http` answers `/healthz` with 200.
async fn wait_healthy(http: &Path, logs: &[PathBuf]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let path = http.to_path_buf();
        let healthy = tokio::task::spawn_blocking(move || {
            let mut stream = UnixStream::connect(&path).ok()?;
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let headers = [("host".to_owned(), "localhost".to_owned())];
            send(&mut stream, "GET", "/healthz", &headers, b"").ok()
        })
        .await
        .ok()
        .flatten()
        .is_some_and(|r| r.status == 200);
        if healthy {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "an enclave did not become healthy: {:?}",
            logs.iter()
                .map(|l| std::fs::read_to_string(l).unwrap_or_default())
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Connects to the enclave's control socket as its parent and serves it in a task (a replica is
/// sent `Sync` first); returns the connection's outgoing queue.
async fn serve_parent(
    control: &Path,
    replica: bool,
    store: Arc<Mutex<StateStore>>,
    relay: Arc<ForwardRelay>,
    shared: Arc<Shared>,
) -> mpsc::Sender<Message> {
    let mut stream = transport::connect(&Address::Unix(control.to_path_buf()))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let limits = handshake(&mut stream, &Hello::new(&Limits::default()))
        .await
        .unwrap_or_else(|e| panic!("hello: {e}"));
    let (read_half, write_half) = tokio::io::split(stream);
    let mut reader = FramedReader::new(read_half, &limits);
    let mut writer = FramedWriter::new(write_half, &limits);
    let (tx, mut rx) = mpsc::channel::<Message>(1024);
    tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            if writer.write_message(&message).await.is_err() {
                return;
            }
        }
    });
    if replica {
        let _ = tx.send(Message::Sync { id: 1 }).await;
    } else {
        relay.leader_connected(tx.clone());
    }
    let chunk = (limits.max_frame_len as usize).saturating_sub(256);
    let out = tx.clone();
    tokio::spawn(async move {
        while let Ok(Some(message)) = reader.read_message().await {
            let answer = match message {
                Message::Persist(p) => Some(Message::PersistAck(
                    if replica
                        && matches!(
                            p.action,
                            PersistAction::AppendJournal | PersistAction::WriteSnapshot
                        )
                    {
                        PersistAck {
                            id: p.id,
                            status: Status::INTERNAL_SERVER_ERROR,
                            total: 0,
                            payload: REPLICA_WRITE_REFUSED.as_bytes().to_vec(),
                        }
                    } else {
                        lock(&store).handle(&p, chunk)
                    },
                )),
                Message::Forward(forward) => {
                    lock(&shared.forwards).push(forward.clone());
                    relay.from_replica(forward, &out).await;
                    None
                }
                Message::ForwardReply(reply) => {
                    let probe = lock(&shared.probes).remove(&reply.id);
                    match probe {
                        Some(probe) => {
                            let _ = probe.send(reply);
                        }
                        None => {
                            lock(&shared.replies).push(reply.clone());
                            let reply = match lock(&shared.tamper).as_mut() {
                                Some(tamper) => tamper(reply),
                                None => reply,
                            };
                            relay.from_leader(reply);
                        }
                    }
                    None
                }
                Message::PositionQuery { id } => {
                    let (generation, sequence) = lock(&store).position().get().unwrap_or_default();
                    Some(Message::PositionReply {
                        id,
                        position: Position {
                            generation,
                            sequence,
                        },
                    })
                }
                Message::Ping { nonce } => Some(Message::Pong { nonce }),
                _ => None,
            };
            if let Some(answer) = answer
                && out.send(answer).await.is_err()
            {
                return;
            }
        }
    });
    tx
}
