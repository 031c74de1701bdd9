//! Several real `nitro-kms-enclave --simulate` processes on one simulated world, behind one real
//! `nitro-kms-proxy` (`--enclave` repeated: the first is the leader, the others read replicas).
//!
//! Everything runs on Unix sockets and loopback TCP. The enclaves share the world directory, so
//! they share the sealing key, as enclaves of one image do on Nitro; the proxy keeps the sealed
//! state in its own directory and relays client connections to the enclaves' own HTTP endpoints
//! (`hN.sock`, given with `--enclave-http`), which accept the simulation's built-in access key.
//! Requests are made with the signed HTTP client of [`crate::proxy`], through the proxy
//! ([`Cluster::call`]) or straight to one enclave's endpoint ([`Cluster::call_enclave`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::proxy::{HttpResponse, Signing, get, kms_headers, send, try_kms_call};

/// A running proxy in front of several enclaves.
pub struct Cluster {
    tmp: tempfile::TempDir,
    /// The shared simulated world (`--state-dir` of every enclave).
    pub world: PathBuf,
    enclaves: Vec<Option<Child>>,
    proxy: Child,
    /// `host:port` of the proxy's KMS endpoint (the relay).
    pub authority: String,
    /// `host:port` of the proxy's admin port (its `/healthz` and `/metrics`).
    pub admin: String,
    /// The proxy's log (JSON lines).
    pub log: PathBuf,
}

impl Cluster {
    /// Starts `enclaves` enclaves on one fresh world and a proxy in front of them, with
    /// `proxy_extra` appended to the proxy's command line; returns once the proxy listens.
    ///
    /// The first enclave is started alone and waited for: it creates the world's simulated NSM
    /// and sealing key, which the others then read (starting them together would race on it).
    pub fn start(enclaves: usize, proxy_extra: &[&str]) -> Cluster {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let world = tmp.path().join("world");
        let mut cluster_enclaves = Vec::new();
        for index in 0..enclaves {
            cluster_enclaves.push(Some(start_enclave(tmp.path(), &world, index)));
        }
        let log = tmp.path().join("proxy.log");
        let log_file = std::fs::File::create(&log).unwrap_or_else(|e| panic!("log: {e}"));
        let mut command = Command::new(crate::binary("nitro-kms-proxy"));
        for index in 0..enclaves {
            command
                .arg("--enclave")
                .arg(enclave_address(tmp.path(), index))
                .arg("--enclave-http")
                .arg(enclave_http_address(tmp.path(), index));
        }
        let proxy = command
            .arg("--state-dir")
            .arg(tmp.path().join("state"))
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(["--log-format", "json"])
            .args(proxy_extra)
            .env("RUST_LOG", "info")
            .env_remove("NITRO_KMS_PROXY_ENCLAVE")
            .env_remove("NITRO_KMS_PROXY_ENCLAVE_HTTP")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start nitro-kms-proxy: {e}"));
        let mut cluster = Cluster {
            tmp,
            world,
            enclaves: cluster_enclaves,
            proxy,
            authority: String::new(),
            admin: String::new(),
            log,
        };
        (cluster.authority, cluster.admin) = cluster.wait_for_endpoint();
        cluster
    }

    /// Reads the endpoint and admin addresses (`host:port`) from the proxy's "KMS endpoint
    /// listening" log line.
    fn wait_for_endpoint(&mut self) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let found = self.log_text().lines().find_map(|line| {
                let entry: serde_json::Value = serde_json::from_str(line).ok()?;
                let fields = &entry["fields"];
                if fields["message"] != "KMS endpoint listening" {
                    return None;
                }
                let authority = |name: &str| {
                    fields[name]
                        .as_str()
                        .map(|url| url.trim_start_matches("http://").to_owned())
                };
                Some((authority("listen")?, authority("admin")?))
            });
            if let Some(found) = found {
                return found;
            }
            if let Ok(Some(status)) = self.proxy.try_wait() {
                panic!("the proxy exited with {status}: {}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "the proxy did not listen within 60 s: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// One signed KMS call (a fresh connection); panics only if the proxy is unreachable.
    pub fn call(&self, op: &str, body: &serde_json::Value) -> HttpResponse {
        try_kms_call(&self.authority, op, body).unwrap_or_else(|e| panic!("{op}: {e}"))
    }

    /// One signed KMS call straight to enclave `index`'s own HTTP endpoint (its Unix socket),
    /// bypassing the proxy: what that enclave itself answers.
    pub fn call_enclave(&self, index: usize, op: &str, body: &serde_json::Value) -> HttpResponse {
        let socket = self.tmp.path().join(format!("h{index}.sock"));
        let mut stream = std::os::unix::net::UnixStream::connect(&socket)
            .unwrap_or_else(|e| panic!("{}: {e}", socket.display()));
        let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
        let body = body.to_string().into_bytes();
        let headers = kms_headers("localhost", op, &body, Some(&Signing::simulation()));
        send(&mut stream, "POST", "/", &headers, &body)
            .unwrap_or_else(|e| panic!("{op} on enclave {index}: {e}"))
    }

    /// Calls `op` until it answers 200 (the leader may still be loading or restarting: its
    /// connections are closed unanswered until its endpoint is up), at most for 60 s; returns
    /// the answer.
    pub fn call_until_ok(&self, op: &str, body: &serde_json::Value) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let last = match try_kms_call(&self.authority, op, body) {
                Ok(r) if r.status == 200 => return r.json(),
                Ok(r) => format!("{} {}", r.status, r.json()),
                Err(e) => e.to_string(),
            };
            assert!(
                Instant::now() < deadline,
                "{op} still fails after 60 s: {last}\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The proxy's `/metrics` (admin port).
    pub fn metrics(&self) -> String {
        String::from_utf8_lossy(&get(&self.admin, "/metrics").body).into_owned()
    }

    /// The status of the proxy's `/healthz` (admin port): 200 while the leader's control link is
    /// up.
    pub fn healthz(&self) -> u16 {
        get(&self.admin, "/healthz").status
    }

    /// Client connections relayed to each enclave so far
    /// (`nitro_kms_enclave_relayed_connections_total`).
    pub fn connections_per_enclave(&self) -> Vec<u64> {
        let metrics = self.metrics();
        (0..self.enclaves.len())
            .map(|index| {
                metric(
                    &metrics,
                    &format!("nitro_kms_enclave_relayed_connections_total{{enclave=\"{index}\"}}"),
                )
            })
            .collect()
    }

    /// The value of the unlabelled proxy metric `name` (0 when absent).
    pub fn metric(&self, name: &str) -> u64 {
        metric(&self.metrics(), name)
    }

    /// Read replicas serving reads now (`nitro_kms_replicas_caught_up`).
    pub fn replicas_caught_up(&self) -> u64 {
        metric(&self.metrics(), "nitro_kms_replicas_caught_up")
    }

    /// Waits until `replicas` read replicas are caught up (at most 60 s).
    pub fn wait_caught_up(&self, replicas: u64) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.replicas_caught_up() < replicas {
            assert!(
                Instant::now() < deadline,
                "replicas not caught up after 60 s: {}\n{}",
                self.metrics(),
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs `request` (which asserts its own answer) until every enclave has been relayed at
    /// least one more client connection than before, or panics after `max` requests.
    pub fn until_every_enclave_served(&self, max: usize, mut request: impl FnMut(usize)) {
        let before = self.connections_per_enclave();
        for n in 0..max {
            request(n);
            if n % 8 == 7 {
                let now = self.connections_per_enclave();
                if now.iter().zip(&before).all(|(now, before)| now > before) {
                    return;
                }
            }
        }
        panic!(
            "after {max} requests not every enclave served one: {:?} -> {:?}\n{}",
            before,
            self.connections_per_enclave(),
            self.metrics()
        );
    }

    /// SIGKILLs enclave `index` (by its process id) and waits for it.
    pub fn kill_enclave(&mut self, index: usize) {
        if let Some(mut child) = self.enclaves.get_mut(index).and_then(Option::take) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts enclave `index` again on the same world and socket.
    pub fn restart_enclave(&mut self, index: usize) {
        self.kill_enclave(index);
        let slot = self
            .enclaves
            .get_mut(index)
            .unwrap_or_else(|| panic!("no enclave {index}"));
        *slot = Some(start_enclave(self.tmp.path(), &self.world, index));
    }

    /// The proxy's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Enclave `index`'s log so far.
    pub fn enclave_log(&self, index: usize) -> String {
        std::fs::read_to_string(enclave_log(self.tmp.path(), index)).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.proxy.kill();
        let _ = self.proxy.wait();
        for child in self.enclaves.iter_mut().filter_map(Option::as_mut) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The value of the sample `name` (with its labels) in Prometheus text; 0 when absent.
fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0)
}

fn enclave_address(dir: &Path, index: usize) -> String {
    format!("unix://{}", dir.join(format!("e{index}.sock")).display())
}

fn enclave_http_address(dir: &Path, index: usize) -> String {
    format!("unix://{}", dir.join(format!("h{index}.sock")).display())
}

fn enclave_log(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("enclave-{index}.log"))
}

/// Starts `nitro-kms-enclave --simulate` number `index` on `world` and waits until it listens.
fn start_enclave(dir: &Path, world: &Path, index: usize) -> Child {
    let socket = dir.join(format!("e{index}.sock"));
    let http_socket = dir.join(format!("h{index}.sock"));
    let _ = std::fs::remove_file(&socket);
    let _ = std::fs::remove_file(&http_socket);
    let log = enclave_log(dir, index);
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap_or_else(|e| panic!("log: {e}"));
    let mut child = Command::new(crate::binary("nitro-kms-enclave"))
        .arg("--simulate")
        .arg("--state-dir")
        .arg(world)
        .arg("--listen")
        .arg(enclave_address(dir, index))
        .arg("--http-listen")
        .arg(enclave_http_address(dir, index))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start nitro-kms-enclave: {e}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !socket.exists() || !http_socket.exists() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "enclave {index} exited with {status}: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "enclave {index} did not listen within 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}
