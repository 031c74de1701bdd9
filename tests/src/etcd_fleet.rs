//! A fleet of enclaves on one etcd cluster (issue 19), for the failover, member-loss and
//! partition tests: a real N-member TLS etcd ([`TestCluster`]), enclaves whose worlds share one
//! sealing key (as every enclave of one image does on Nitro), the one etcd client certificate the
//! operator issues for the key they all derive from it, and each enclave started with
//! `--storage etcd` — directly, or through its own HTTP CONNECT relay ([`ConnectRelay`], the
//! parent's egress relay a test can cut).
//!
//! Who leads is read where an operator reads it: each enclave's `/metrics`
//! (`nitro_kms_store_leader`). Enclaves can be killed (SIGKILL, nothing flushed) and restarted on
//! their world. Every method takes `&self`, so load tasks can call enclaves while the test kills
//! one. Everything started is stopped when the fleet is dropped; when the test is failing, the
//! tail of every enclave's log is printed first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nitro_kms_etcd::testing::TestCluster;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::connect_relay::ConnectRelay;
use crate::enclave::{Enclave, Reply};
use crate::etcd_store::{derived_client_spki, etcd_available, storage_args, world};

/// The message a follower answers writes with starts so (docs/horizontal-scale.md).
pub const FOLLOWER_MESSAGE: &str = "nitro-kms: this enclave is a follower; the leader is ";

/// The longest a fleet test may take, start to end (its waits are bounded one by one too).
pub const TEST_BOUND: Duration = Duration::from_secs(90);

/// Largest `/metrics` answer read (a few KiB in practice).
const MAX_METRICS: usize = 1 << 20;

/// How a [`Fleet`] is made.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Each enclave reaches etcd through its own [`ConnectRelay`] (`--etcd-relay`), else by
    /// direct TCP (the simulation allows it).
    pub relays: bool,
    /// `--etcd-lease-ttl-secs`: short, so that failover tests stay short.
    pub lease_ttl_secs: u64,
    /// `--etcd-timeout-ms`, when not the enclave's default.
    pub timeout_ms: Option<u64>,
    /// The key prefix in etcd.
    pub prefix: String,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            relays: false,
            lease_ttl_secs: 2,
            timeout_ms: None,
            prefix: "/fleet/".into(),
        }
    }
}

/// One enclave's place in the fleet: what it is started with, and the process when it runs.
struct Slot {
    world: PathBuf,
    parent: PathBuf,
    args: Vec<String>,
    relay: Option<ConnectRelay>,
    running: Mutex<Option<Arc<Enclave>>>,
    starts: Mutex<u32>,
}

/// The fleet; see the module docs.
pub struct Fleet {
    // Dropped in this order: enclaves (and their relays), then etcd, then the directory.
    slots: Vec<Slot>,
    cluster: tokio::sync::Mutex<TestCluster>,
    lease_ttl: Duration,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("enclaves", &self.slots.len())
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// Starts a `members`-member etcd cluster and `enclaves` enclaves on it (one after the other:
    /// the first finds an empty store, wins the election and writes its first snapshot; the
    /// others follow it). `None`, after a loud line, when there is no etcd binary.
    ///
    /// # Panics
    /// If anything fails to start: a broken test setup, said with the logs.
    pub async fn start(enclaves: usize, members: usize, opts: FleetOptions) -> Option<Fleet> {
        if !etcd_available() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("fleet setup: {e}"));
        let etcd_dir = dir.path().join("etcd");
        std::fs::create_dir_all(&etcd_dir).unwrap_or_else(|e| panic!("fleet setup: {e}"));
        let cluster = TestCluster::start(members, &etcd_dir)
            .await
            .unwrap_or_else(|e| panic!("fleet setup: etcd: {e}"));
        let first = world(&dir.path().join("world-0"), None);
        // The operator's step: the CSR the enclave prints is for the key its sealing key derives;
        // the certificate the cluster's CA issues for that key serves every enclave of the fleet.
        check_csr(&first);
        let shared = storage_args(&cluster, &first, &opts.prefix, opts.lease_ttl_secs);
        let mut slots = Vec::with_capacity(enclaves);
        for i in 0..enclaves {
            let w = if i == 0 {
                first.clone()
            } else {
                world(&dir.path().join(format!("world-{i}")), Some(&first))
            };
            let mut args = shared.clone();
            if let Some(ms) = opts.timeout_ms {
                args.extend(["--etcd-timeout-ms".to_owned(), ms.to_string()]);
            }
            let relay = if opts.relays {
                let relay = ConnectRelay::start().await;
                args.extend(["--etcd-relay".to_owned(), relay.address()]);
                Some(relay)
            } else {
                None
            };
            slots.push(Slot {
                world: w,
                parent: dir.path().join(format!("parent-{i}")),
                args,
                relay,
                running: Mutex::new(None),
                starts: Mutex::new(0),
            });
        }
        let fleet = Fleet {
            slots,
            cluster: tokio::sync::Mutex::new(cluster),
            lease_ttl: Duration::from_secs(opts.lease_ttl_secs),
            dir,
        };
        for i in 0..enclaves {
            fleet.restart_enclave(i).await;
        }
        Some(fleet)
    }

    /// How many enclaves the fleet has (running or not).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the fleet has no enclave at all.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The lease TTL the enclaves campaign with.
    pub fn lease_ttl(&self) -> Duration {
        self.lease_ttl
    }

    /// Enclave `i`, while it runs.
    pub fn enclave(&self, i: usize) -> Option<Arc<Enclave>> {
        self.slots
            .get(i)
            .and_then(|slot| lock(&slot.running).clone())
    }

    /// The indices of the enclaves that run.
    pub fn running(&self) -> Vec<usize> {
        (0..self.slots.len())
            .filter(|i| self.enclave(*i).is_some())
            .collect()
    }

    /// Sends `op` with `body` to enclave `i` as ALICE; status 0 when it does not run.
    pub async fn call(&self, i: usize, op: &str, body: &Value) -> Reply {
        match self.enclave(i) {
            Some(enclave) => enclave.call(op, body).await,
            None => Reply {
                status: 0,
                body: Value::String(format!("enclave {i} does not run")),
            },
        }
    }

    /// Sends a write to whoever leads (by `/metrics`; every running enclave in turn while none
    /// says so), again and again while the answer is retryable ([`is_retryable`]: the follower
    /// error, `DependencyTimeoutException`, no answer), until `within` has passed. Returns the
    /// enclave that answered last and its answer. An answer that was not retryable is final,
    /// whatever it is.
    pub async fn write(&self, op: &str, body: &Value, within: Duration) -> (usize, Reply) {
        let deadline = Instant::now() + within;
        let mut turn = 0usize;
        loop {
            let target = match self.leader().await {
                Some(i) => i,
                None => {
                    let running = self.running();
                    turn = turn.wrapping_add(1);
                    running
                        .get(turn % running.len().max(1))
                        .copied()
                        .unwrap_or(0)
                }
            };
            let reply = self.call(target, op, body).await;
            if !is_retryable(&reply) || Instant::now() >= deadline {
                return (target, reply);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The key ids enclave `i` lists (`ListKeys`, one page of up to 1000), in the order listed.
    ///
    /// # Panics
    /// If the enclave does not answer with the list.
    pub async fn key_ids(&self, i: usize) -> Vec<String> {
        let reply = self.call(i, "ListKeys", &json!({"Limit": 1000})).await;
        let keys = reply.ok()["Keys"].as_array().cloned().unwrap_or_default();
        keys.iter()
            .filter_map(|k| k["KeyId"].as_str().map(str::to_owned))
            .collect()
    }

    /// The aliases enclave `i` lists that point at a key (`ListAliases`, up to 1000): name to
    /// target key id.
    ///
    /// # Panics
    /// If the enclave does not answer with the list.
    pub async fn aliases(&self, i: usize) -> BTreeMap<String, String> {
        let reply = self.call(i, "ListAliases", &json!({"Limit": 1000})).await;
        let aliases = reply.ok()["Aliases"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        aliases
            .iter()
            .filter_map(|a| {
                Some((
                    a["AliasName"].as_str()?.to_owned(),
                    a["TargetKeyId"].as_str()?.to_owned(),
                ))
            })
            .collect()
    }

    /// Waits (at most `timeout`) until every running enclave describes `key_id`: the followers
    /// have applied the write that made it. `false` if one has not by then.
    pub async fn wait_everywhere(&self, key_id: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let mut missing = false;
            for i in self.running() {
                let reply = self.call(i, "DescribeKey", &json!({"KeyId": key_id})).await;
                missing |= reply.status != 200;
            }
            if !missing {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates a key described `description` through whoever leads ([`Fleet::write`]) and
    /// returns its id.
    ///
    /// # Panics
    /// If no leader acknowledged it within `within`.
    pub async fn create_key(&self, description: &str, within: Duration) -> String {
        let (i, created) = self
            .write("CreateKey", &json!({"Description": description}), within)
            .await;
        match created.ok()["KeyMetadata"]["KeyId"].as_str() {
            Some(id) => id.to_owned(),
            None => panic!(
                "CreateKey through enclave {i}: no key id in {}",
                created.body
            ),
        }
    }

    /// Asserts that enclave `i` answers a write (a tag on `key_id`) with the follower error.
    ///
    /// # Panics
    /// If it answers anything else.
    pub async fn assert_follower_refuses(&self, i: usize, key_id: &str) {
        let body = json!({"KeyId": key_id, "Tags": [{"TagKey": "follower", "TagValue": "no"}]});
        let refused = self.call(i, "TagResource", &body).await;
        assert!(
            is_follower_error(&refused),
            "a write to enclave {i}, a follower: {} {}",
            refused.status,
            refused.body
        );
    }

    /// Enclave `i`'s `/metrics` text (`None` when it does not run or does not answer).
    pub async fn metrics(&self, i: usize) -> Option<String> {
        let enclave = self.enclave(i)?;
        let fetched = tokio::time::timeout(
            Duration::from_secs(5),
            http_get(&enclave.http_socket, "/metrics"),
        )
        .await;
        match fetched {
            Ok(Some((200, body))) => Some(body),
            _ => None,
        }
    }

    /// A gauge or counter of enclave `i`'s `/metrics`.
    pub async fn metric(&self, i: usize, name: &str) -> Option<f64> {
        let text = self.metrics(i).await?;
        metric_value(&text, name)
    }

    /// The running enclaves whose `/metrics` say they lead (`nitro_kms_store_leader 1`).
    pub async fn leaders(&self) -> Vec<usize> {
        let mut leaders = Vec::new();
        for i in self.running() {
            if self.metric(i, "nitro_kms_store_leader").await == Some(1.0) {
                leaders.push(i);
            }
        }
        leaders
    }

    /// The enclave that leads, when exactly one says it does.
    pub async fn leader(&self) -> Option<usize> {
        match self.leaders().await.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Waits until exactly one enclave leads (at most `timeout`), and returns it.
    pub async fn wait_leader(&self, timeout: Duration) -> Option<usize> {
        self.wait_leader_other_than(None, timeout).await
    }

    /// Waits until exactly one enclave leads and it is not `old` (at most `timeout`).
    pub async fn wait_leader_other_than(
        &self,
        old: Option<usize>,
        timeout: Duration,
    ) -> Option<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.leader().await
                && Some(i) != old
            {
                return Some(i);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills enclave `i` at once (SIGKILL: nothing flushed, its lease left to expire) and waits
    /// until the process is dead.
    pub async fn kill_enclave(&self, i: usize) {
        let Some(enclave) = self
            .slots
            .get(i)
            .and_then(|slot| lock(&slot.running).take())
        else {
            return;
        };
        if let Some(pid) = enclave.pid() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while is_alive(pid) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        // Callers that still hold the enclave drop the last handle; the harness reaps it then.
        drop(enclave);
    }

    /// (Re)starts enclave `i` on its world with its flags and waits until it answers (it loads
    /// the newest state from etcd first). The previous run's log is kept beside the new one.
    ///
    /// # Panics
    /// If it does not start.
    pub async fn restart_enclave(&self, i: usize) {
        let Some(slot) = self.slots.get(i) else {
            panic!("no enclave {i} in the fleet");
        };
        self.kill_enclave(i).await;
        let run = {
            let mut starts = lock(&slot.starts);
            *starts += 1;
            *starts
        };
        let log = slot.world.join("enclave.log");
        if run > 1 {
            let _ = std::fs::rename(&log, slot.world.join(format!("enclave.log.{}", run - 1)));
        }
        let args: Vec<&str> = slot.args.iter().map(String::as_str).collect();
        let enclave = Enclave::start(&slot.world, &slot.parent, &args).await;
        *lock(&slot.running) = Some(Arc::new(enclave));
    }

    /// The relay in front of enclave `i` (with [`FleetOptions::relays`]).
    pub fn relay(&self, i: usize) -> &ConnectRelay {
        match self.slots.get(i).and_then(|slot| slot.relay.as_ref()) {
            Some(relay) => relay,
            None => panic!("enclave {i} has no relay (FleetOptions::relays)"),
        }
    }

    /// Kills etcd member `m` (SIGKILL).
    ///
    /// # Panics
    /// If it cannot be stopped.
    pub async fn stop_member(&self, m: usize) {
        self.cluster
            .lock()
            .await
            .stop_member(m)
            .unwrap_or_else(|e| panic!("stop etcd member {m}: {e}"));
    }

    /// Restarts etcd member `m` on its data and waits until it serves (a quorum must be back).
    ///
    /// # Panics
    /// If it does not come back.
    pub async fn start_member(&self, m: usize) {
        self.cluster
            .lock()
            .await
            .start_member(m)
            .await
            .unwrap_or_else(|e| panic!("start etcd member {m}: {e}"));
    }

    /// The last lines of every enclave's log (every run), for failure messages.
    pub fn log_tails(&self) -> String {
        let mut out = String::new();
        for (i, slot) in self.slots.iter().enumerate() {
            let Ok(entries) = std::fs::read_dir(&slot.world) else {
                continue;
            };
            let mut logs: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("enclave.log"))
                })
                .collect();
            logs.sort();
            for log in logs {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                let tail = lines[lines.len().saturating_sub(40)..].join("\n");
                out.push_str(&format!(
                    "--- enclave {i}: {} (last 40 lines)\n{tail}\n",
                    log.display()
                ));
            }
        }
        out
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.log_tails());
        }
        for slot in &self.slots {
            if let Some(enclave) = lock(&slot.running).take()
                && let Some(pid) = enclave.pid()
            {
                // The harness's Child kills on drop, but only with its last handle: do it now.
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
    }
}

/// Runs a fleet test's `scenario`, failing it if it takes more than [`TEST_BOUND`] (dropping
/// it then stops everything it started).
///
/// # Panics
/// When the bound passes.
pub async fn bounded<F: std::future::Future<Output = ()>>(scenario: F) {
    if tokio::time::timeout(TEST_BOUND, scenario).await.is_err() {
        panic!("the fleet test took more than {TEST_BOUND:?}");
    }
}

/// Whether a write's answer says "try again" (the write did not happen, or is undecided): no
/// answer, the follower error, or `DependencyTimeoutException` (etcd unreachable or without a
/// quorum).
pub fn is_retryable(reply: &Reply) -> bool {
    reply.status == 0 || is_follower_error(reply) || is_dependency_timeout(reply)
}

/// The follower's answer to a write: 500 `KMSInternalException` naming the leader.
pub fn is_follower_error(reply: &Reply) -> bool {
    reply.status == 500
        && reply.error_type() == "KMSInternalException"
        && reply.message().starts_with(FOLLOWER_MESSAGE)
}

/// 500 `DependencyTimeoutException`: etcd did not answer in time.
pub fn is_dependency_timeout(reply: &Reply) -> bool {
    reply.status == 500 && reply.error_type() == "DependencyTimeoutException"
}

/// The value of metric `name` in Prometheus text.
pub fn metric_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (metric, value) = line.split_once(' ')?;
            (metric == name).then(|| value.trim().parse().ok())?
        })
}

/// Checks that the CSR `nitro-kms-enclave --print-etcd-csr` prints for `world` is for the key the
/// tests' certificate is issued for (the SPKI appears verbatim in the CSR's DER).
fn check_csr(world: &Path) {
    use base64::Engine;
    let out = std::process::Command::new(crate::binary("nitro-kms-enclave"))
        .args(["--simulate", "--state-dir"])
        .arg(world)
        .arg("--print-etcd-csr")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("fleet setup: --print-etcd-csr: {e}"));
    let pem = crate::stdout_ok(&out);
    let b64: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .unwrap_or_else(|e| panic!("fleet setup: the CSR is not PEM: {e}: {pem}"));
    let spki = derived_client_spki(world);
    assert!(
        der.windows(spki.len()).any(|w| w == spki.as_slice()),
        "fleet setup: the enclave's CSR is not for the key derived from its sealing key"
    );
}

/// Whether process `pid` still runs (a zombie does not: it only waits to be reaped).
fn is_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// `GET path` on the enclave's HTTP endpoint (unauthenticated, as `/metrics` is): status and
/// body, or `None` when it does not answer.
async fn http_get(socket: &Path, path: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::UnixStream::connect(socket).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    stream
        .take(MAX_METRICS as u64)
        .read_to_end(&mut answer)
        .await
        .ok()?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
