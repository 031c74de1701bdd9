//! A real `nitro-kms-enclave --simulate` process, a test parent on its control link, and a signed
//! HTTP client of its KMS endpoint.
//!
//! [`Enclave::start`] spawns the binary with its control link on a Unix socket (vsock has no
//! loopback here) and its KMS endpoint on another (`--http-listen unix://...`, cleartext, as the
//! simulation allows), with `--credentials` holding an access key for every test principal
//! ([`principals`]). The harness plays the parent on the control link, and only there: it does
//! the Hello and stores the enclave's sealed state with the real parent's [`StateStore`] in
//! `parent_dir`, so restart tests see exactly what the real parent would keep;
//! [`Parent::fail_persist`] makes every storage request fail, to test that a mutation whose
//! persist fails changes nothing.
//!
//! KMS requests ([`Enclave::call`], [`Enclave::call_as`], [`Enclave::call_raw`]) go to the HTTP
//! endpoint, signed with SigV4 by the caller's key ([`signed_http`]): the enclave believes only
//! callers it authenticated (issue 16) and refuses `Request` frames on the control link, so the
//! harness cannot name a caller, only sign as one of the table's principals.

pub mod principals;
pub mod signed_http;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_wire::transport::{self, Address};
use nitro_kms_wire::{FramedReader, FramedWriter, Hello, Limits, Message, PersistAck, handshake};
use serde_json::Value;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// The account the test enclaves own keys in.
pub const ACCOUNT: &str = "111122223333";
/// Their region.
pub const REGION: &str = "us-east-1";
pub use principals::{ALICE, BOB, KEY_ADMIN, MALLORY};
use signed_http::SignedHttp;

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
    /// The Unix socket of the enclave's control link (for tests that open their own parent
    /// connections).
    pub socket: PathBuf,
    /// The Unix socket of the enclave's KMS HTTP endpoint (`--http-listen`; cleartext, SigV4).
    pub http_socket: PathBuf,
    /// Storage switches.
    pub parent: Arc<Parent>,
    /// Keeps the harness's control-link connection (its writer task) open.
    _control: mpsc::Sender<Message>,
    http: SignedHttp,
}

impl Enclave {
    /// Starts an enclave on `world` with its sealed state in `parent_dir`, trusting the world's
    /// simulated root, connects to its control link, and waits until a signed request is
    /// answered. `extra` is appended to the command line (not `--http-listen` nor
    /// `--credentials`: the harness gives those).
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
        let http_socket = world.join(format!("http-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&http_socket);
        let credentials = world.join("test-principals.toml");
        principals::write_credentials_file(&credentials).map_err(|e| e.to_string())?;
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
            .arg("--http-listen")
            .arg(format!("unix://{}", http_socket.display()))
            .arg("--credentials")
            .arg(&credentials)
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
        let mut store = StateStore::open(parent_dir).map_err(|e| e.to_string())?;
        let chunk = limits.max_frame_len as usize - 256;
        {
            let parent = parent.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Ok(Some(message)) = reader.read_message().await {
                    if let Message::Persist(p) = message {
                        let ack = if parent.fail_persist.load(Ordering::SeqCst) {
                            parent.refused.fetch_add(1, Ordering::SeqCst);
                            PersistAck::failed(p.id, "the test parent refuses to store")
                        } else {
                            store.handle(&p, chunk)
                        };
                        let _ = tx.send(Message::PersistAck(ack)).await;
                    }
                }
            });
        }
        let mut enclave = Enclave {
            child,
            world: world.to_owned(),
            parent_dir: parent_dir.to_owned(),
            log,
            socket,
            http: SignedHttp::new(&http_socket, REGION),
            http_socket,
            parent,
            _control: tx,
        };
        // Ready once a signed request gets through: the HTTP socket may appear after the control
        // one, and requests wait (within their deadline) while the state loads through the
        // control link. A test may set a tiny request deadline, and a state the parent cannot
        // deliver yet is retried: keep probing for up to 60 s while the process runs.
        let started = std::time::Instant::now();
        loop {
            let probe = enclave
                .call_as(ALICE, "ListKeys", &serde_json::json!({}))
                .await;
            if probe.status == 200 {
                return Ok(enclave);
            }
            let waiting = probe.status == 0 || probe.error_type() == "DependencyTimeoutException";
            let exited = matches!(enclave.child.try_wait(), Ok(Some(_)));
            if !waiting || exited || started.elapsed() > Duration::from_secs(60) {
                let status = enclave.wait_exit().await;
                return Err(format!(
                    "{status:?} (last probe: {} {}): {}",
                    probe.status,
                    probe.body,
                    read(&enclave.log)
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends `op` with `body` as [`ALICE`].
    pub async fn call(&self, op: &str, body: &Value) -> Reply {
        self.call_as(ALICE, op, body).await
    }

    /// Sends `op` with `body` as `caller`, which must be one of the test principals
    /// ([`principals::PRINCIPALS`]).
    pub async fn call_as(&self, caller: &str, op: &str, body: &Value) -> Reply {
        self.call_raw(caller, op, body.to_string().into_bytes())
            .await
    }

    /// Sends raw payload bytes as `caller` (a test principal): `POST /` with
    /// `X-Amz-Target: TrentService.<op>`, signed with `caller`'s key. Status 0 when no answer
    /// came (the enclave is gone, or 30 s passed).
    ///
    /// # Panics
    /// If `caller` is not in [`principals::PRINCIPALS`], or the answer is not JSON.
    #[track_caller]
    pub fn call_raw(
        &self,
        caller: &str,
        op: &str,
        payload: Vec<u8>,
    ) -> impl std::future::Future<Output = Reply> + '_ {
        let key = principals::principal(caller);
        let op = op.to_owned();
        async move {
            let sent = self.http.call(key, &op, &payload);
            match tokio::time::timeout(Duration::from_secs(30), sent).await {
                Ok(Ok(answer)) => Reply {
                    status: answer.status,
                    body: if answer.body.is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
                            panic!(
                                "{op}: reply is not JSON ({e}): {:?}",
                                String::from_utf8_lossy(&answer.body)
                            )
                        })
                    },
                },
                Ok(Err(e)) => Reply {
                    status: 0,
                    body: Value::String(e),
                },
                Err(_) => Reply {
                    status: 0,
                    body: Value::String("no reply".into()),
                },
            }
        }
    }

    /// Closes the kept-alive HTTP connections the harness is not using (for tests of the
    /// endpoint's connection cap).
    pub fn close_idle_connections(&self) {
        self.http.forget_connections();
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
