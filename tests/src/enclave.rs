//! A real `nitro-kms-enclave --simulate` process and a test parent talking frames to it.
//!
//! [`Enclave::start`] spawns the binary on a Unix socket (vsock has no loopback here), connects,
//! does the Hello, and plays the parent: it relays requests ([`Enclave::call`]) and stores the
//! enclave's sealed state with the real parent's [`StateStore`] in `parent_dir`, so restart tests see
//! exactly what the real parent would keep. [`Parent::fail_persist`] makes every storage request
//! fail, to test that a mutation whose persist fails changes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_wire::transport::{self, Address};
use nitro_kms_wire::{
    FramedReader, FramedWriter, Hello, Limits, Message, PersistAck, Request, Response, handshake,
};
use serde_json::Value;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

/// The account the test enclaves own keys in.
pub const ACCOUNT: &str = "111122223333";
/// Their region.
pub const REGION: &str = "us-east-1";
/// A caller of that account (allowed by the default key policy).
pub const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
/// A caller of another account.
pub const MALLORY: &str = "arn:aws:iam::444455556666:user/mallory";

/// What the enclave answered: HTTP status and the JSON body (`Null` for an empty body).
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
}

impl Reply {
    /// The `__type` of an error reply.
    pub fn error_type(&self) -> &str {
        self.body["__type"].as_str().unwrap_or("")
    }

    /// The `message` of an error reply (empty when absent, as for InvalidCiphertextException).
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }

    /// Asserts an error reply of `error_type` with status `status` and exactly `message`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, error_type: &str, message: &str) {
        assert_eq!(
            (self.status, self.error_type(), self.message()),
            (status, error_type, message),
            "reply: {}",
            self.body
        );
    }

    /// Asserts success and returns the body.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "reply: {}", self.body);
        &self.body
    }

    /// A base64 member of a successful reply, decoded.
    #[track_caller]
    pub fn blob(&self, member: &str) -> Vec<u8> {
        use base64::Engine;
        let text = self.ok()[member]
            .as_str()
            .unwrap_or_else(|| panic!("no {member} in {}", self.body));
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_else(|e| panic!("{member} is not base64: {e}"))
    }
}

/// The test parent's storage switches.
#[derive(Debug, Default)]
pub struct Parent {
    /// When set, every `Persist` is answered with a failure.
    pub fail_persist: AtomicBool,
    /// How many `Persist` requests were answered with a failure, so a test can wait for the
    /// enclave to have met one instead of guessing how long that takes.
    pub refused: AtomicU64,
}

/// A running enclave process and the parent connection to it.
pub struct Enclave {
    child: Child,
    /// The simulated world (NSM state, sealing key).
    pub world: PathBuf,
    /// Where the parent keeps the sealed state.
    pub parent_dir: PathBuf,
    /// The enclave's stderr.
    pub log: PathBuf,
    /// The Unix socket the enclave listens on (for tests that open their own connections).
    pub socket: PathBuf,
    /// Storage switches.
    pub parent: Arc<Parent>,
    tx: mpsc::Sender<Message>,
    pending: Arc<Mutex<HashMap<u64, oneshot::Sender<Response>>>>,
    next_id: AtomicU64,
}

impl Enclave {
    /// Starts an enclave on `world` with its sealed state in `parent_dir`, trusting the world's
    /// simulated root, and connects to it. `extra` is appended to the command line.
    pub async fn start(world: &Path, parent_dir: &Path, extra: &[&str]) -> Enclave {
        match Self::try_start(world, parent_dir, extra).await {
            Ok(e) => e,
            Err(why) => panic!("enclave did not start: {why}"),
        }
    }

    /// Like [`Enclave::start`], but returns the enclave's exit status and log when it refuses to
    /// start (for the tampered-state tests).
    pub async fn try_start(
        world: &Path,
        parent_dir: &Path,
        extra: &[&str],
    ) -> Result<Enclave, String> {
        Self::try_start_with(world, parent_dir, extra, Arc::default()).await
    }

    /// Like [`Enclave::try_start`], with the parent's storage switches given (already set).
    pub async fn try_start_with(
        world: &Path,
        parent_dir: &Path,
        extra: &[&str],
        parent: Arc<Parent>,
    ) -> Result<Enclave, String> {
        std::fs::create_dir_all(world).map_err(|e| e.to_string())?;
        let socket = world.join(format!("enclave-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&socket);
        let log = world.join("enclave.log");
        let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let mut child = Command::new(crate::binary("nitro-kms-enclave"))
            .arg("--simulate")
            .arg("--state-dir")
            .arg(world)
            .arg("--listen")
            .arg(format!("unix://{}", socket.display()))
            .arg("--trust-simulated-root")
            .arg(world.join("root.pem"))
            .args(["--region", REGION, "--account", ACCOUNT])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| e.to_string())?;
        // Wait for the socket (or for the process to give up).
        let mut waited = Duration::ZERO;
        while !socket.exists() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("exited with {status}: {}", read(&log)));
            }
            if waited > Duration::from_secs(20) {
                return Err(format!("no socket after 20 s: {}", read(&log)));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += Duration::from_millis(20);
        }
        let address: Address = format!("unix://{}", socket.display())
            .parse()
            .map_err(|e| format!("{e}"))?;
        // The socket file appears at bind(), a moment before listen(): retry a refused connect.
        let mut attempts = 0;
        let mut stream = loop {
            match transport::connect(&address).await {
                Ok(s) => break s,
                Err(e) if attempts < 100 => {
                    attempts += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => return Err(format!("cannot connect: {e}: {}", read(&log))),
            }
        };
        let limits = handshake(&mut stream, &Hello::new(&Limits::default()))
            .await
            .map_err(|e| e.to_string())?;
        let (read_half, write_half) = tokio::io::split(stream);
        let mut reader = FramedReader::new(read_half, &limits);
        let mut writer = FramedWriter::new(write_half, &limits);
        let (tx, mut rx) = mpsc::channel::<Message>(1024);
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if writer.write_message(&m).await.is_err() {
                    return;
                }
            }
        });
        let pending: Arc<Mutex<HashMap<u64, oneshot::Sender<Response>>>> = Arc::default();
        let mut store = StateStore::open(parent_dir).map_err(|e| e.to_string())?;
        let chunk = limits.max_frame_len as usize - 256;
        {
            let pending = pending.clone();
            let parent = parent.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Ok(Some(message)) = reader.read_message().await {
                    match message {
                        Message::Response(r) => {
                            if let Some(waiter) = lock(&pending).remove(&r.id) {
                                let _ = waiter.send(r);
                            }
                        }
                        Message::Persist(p) => {
                            let ack = if parent.fail_persist.load(Ordering::SeqCst) {
                                parent.refused.fetch_add(1, Ordering::SeqCst);
                                PersistAck::failed(p.id, "the test parent refuses to store")
                            } else {
                                store.handle(&p, chunk)
                            };
                            let _ = tx.send(Message::PersistAck(ack)).await;
                        }
                        _ => {}
                    }
                }
                // The connection is gone: fail every call still waiting.
                lock(&pending).clear();
            });
        }
        let enclave = Enclave {
            child,
            world: world.to_owned(),
            parent_dir: parent_dir.to_owned(),
            log,
            socket,
            parent,
            tx,
            pending,
            next_id: AtomicU64::new(1),
        };
        // Ready once a request gets through (requests wait while the state loads).
        // (A test may set a tiny request deadline; retry timeouts while the state loads.)
        let mut probe = enclave
            .call_as(ALICE, "ListKeys", &serde_json::json!({}))
            .await;
        for _ in 0..200 {
            if probe.error_type() != "DependencyTimeoutException" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            probe = enclave
                .call_as(ALICE, "ListKeys", &serde_json::json!({}))
                .await;
        }
        if probe.status != 200 {
            let mut enclave = enclave;
            let status = enclave.wait_exit().await;
            return Err(format!("{status:?}: {}", read(&enclave.log)));
        }
        Ok(enclave)
    }

    /// Sends `op` with `body` as [`ALICE`].
    pub async fn call(&self, op: &str, body: &Value) -> Reply {
        self.call_as(ALICE, op, body).await
    }

    /// Sends `op` with `body` as `caller`.
    pub async fn call_as(&self, caller: &str, op: &str, body: &Value) -> Reply {
        self.call_raw(caller, op, body.to_string().into_bytes())
            .await
    }

    /// Sends raw payload bytes.
    pub async fn call_raw(&self, caller: &str, op: &str, payload: Vec<u8>) -> Reply {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        let request = Message::Request(Request {
            id,
            op: op.to_owned(),
            caller: caller.to_owned(),
            payload,
        });
        if self.tx.send(request).await.is_err() {
            return Reply {
                status: 0,
                body: Value::String("connection closed".into()),
            };
        }
        match tokio::time::timeout(Duration::from_secs(30), rx).await {
            Ok(Ok(r)) => Reply {
                status: r.status.code(),
                body: if r.payload.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(&r.payload).unwrap_or_else(|e| {
                        panic!(
                            "{op}: reply is not JSON ({e}): {:?}",
                            String::from_utf8_lossy(&r.payload)
                        )
                    })
                },
            },
            _ => Reply {
                status: 0,
                body: Value::String("no reply".into()),
            },
        }
    }

    /// Creates a symmetric key and returns its id.
    pub async fn create_key(&self) -> String {
        let reply = self.call("CreateKey", &serde_json::json!({})).await;
        reply.ok()["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Kills the process at once (SIGKILL) and waits for it.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }

    /// Sends SIGTERM and waits; returns the exit code.
    pub async fn terminate(mut self) -> Option<i32> {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        self.wait_exit().await
    }

    async fn wait_exit(&mut self) -> Option<i32> {
        match tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await {
            Ok(Ok(status)) => status.code(),
            _ => None,
        }
    }

    /// The enclave's process id (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The enclave's log so far.
    pub fn log_text(&self) -> String {
        read(&self.log)
    }
}

/// A temporary simulated world and parent directory for an [`Enclave`], removed on drop.
pub struct Dirs {
    _tmp: tempfile::TempDir,
    /// The simulated world (the `world` argument of [`Enclave::start`]).
    pub world: PathBuf,
    /// The parent's sealed-state directory (its `parent_dir`).
    pub parent: PathBuf,
}

impl Dirs {
    /// Fresh, empty directories.
    pub fn new() -> Dirs {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        Dirs {
            world: tmp.path().join("world"),
            parent: tmp.path().join("parent"),
            _tmp: tmp,
        }
    }
}

impl Default for Dirs {
    fn default() -> Self {
        Self::new()
    }
}

/// `arn:aws:kms:us-east-1:111122223333:key/ID`.
pub fn key_arn(key_id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}")
}

/// `arn:aws:kms:us-east-1:111122223333:alias/NAME` (`name` without `alias/`).
pub fn alias_arn(name: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/{name}")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
