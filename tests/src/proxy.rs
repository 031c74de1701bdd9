//! A real `nitro-kms-proxy --simulate` (which runs the real enclave) and ways to talk to it: the
//! AWS CLI and boto3 from the test virtualenv (`make test-venv`, under `target/test-venv`), and a
//! small signed HTTP/1.1 client for the cases no SDK will produce (bad signatures, old dates).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nitro_kms_api::sigv4::{
    SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, SignedRequest, SigningKey, sign_request,
};

/// The region of the simulation.
pub const REGION: &str = "us-east-1";

/// The test virtualenv (awscli, boto3, cryptography, asn1crypto), made by `make test-venv`.
///
/// # Panics
/// If it is missing: `make test` creates it; a bare `cargo test` needs `make test-venv` first.
pub fn venv() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-venv");
    assert!(
        dir.join("bin/aws").exists() && dir.join("bin/python").exists(),
        "{} has no aws/python: run `make test-venv` (make test does)",
        dir.display()
    );
    dir
}

/// The JSON the AWS CLI printed for a call that must succeed (`Null` when it printed nothing, as
/// for an operation without output); panics with the CLI's stderr otherwise.
#[track_caller]
pub fn aws_output_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "aws failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("aws printed no JSON: {e}"))
    }
}

/// Asserts that an AWS CLI call failed with AWS's error `code` and a message containing `message`,
/// as the CLI prints them (`An error occurred (CODE) when calling ...: MESSAGE`).
#[track_caller]
pub fn assert_aws_error(out: &Output, code: &str, message: &str) {
    assert!(!out.status.success(), "expected {code}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("An error occurred ({code})")),
        "expected {code}: {stderr}"
    );
    assert!(stderr.contains(message), "expected {message:?}: {stderr}");
}

/// `aws kms ARGS --endpoint-url ENDPOINT --region us-east-1` from the virtualenv, with the
/// simulation's keys, no shared AWS files and a clean environment (`--output json` unless ARGS
/// choose an output): add options or `HOME`, then run it.
pub fn aws_kms_command(endpoint: &str, args: &[&str]) -> Command {
    aws_command("kms", endpoint, args)
}

/// `aws SERVICE ARGS ...` as [`aws_kms_command`] runs `aws kms` (`sts` for
/// `get-caller-identity`, which the endpoint answers too).
pub fn aws_command(service: &str, endpoint: &str, args: &[&str]) -> Command {
    let venv = venv();
    let mut command = Command::new(venv.join("bin/aws"));
    command
        .arg(service)
        .args(args)
        .args(["--endpoint-url", endpoint, "--region", REGION])
        .args(if args.contains(&"--output") {
            &[][..]
        } else {
            &["--output", "json"][..]
        })
        .env_clear()
        .env("PATH", venv.join("bin"))
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    command
}

/// `nitro-kms ARGS --endpoint-url ENDPOINT` with the simulation's keys and region and no shared
/// AWS files or profile: add options or environment (wrong credentials), then run it.
pub fn nitro_kms_command(endpoint: &str, args: &[&str]) -> Command {
    let mut command = Command::new(crate::binary("nitro-kms"));
    command
        .args(args)
        .args(["--endpoint-url", endpoint])
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    command
}

/// A running simulated chain.
pub struct Sim {
    child: Child,
    /// `http://127.0.0.1:PORT`: the relay (`--listen`) to the enclave's own endpoint.
    pub endpoint: String,
    /// `host:port` of the proxy's admin port (`--admin-listen`: its own `/healthz`, `/metrics`).
    pub admin: String,
    /// The simulated world (and sealed state).
    pub dir: PathBuf,
    /// The proxy's stderr log file.
    pub log: PathBuf,
    tmp: Option<tempfile::TempDir>,
}

impl Sim {
    /// Starts `nitro-kms-proxy --simulate` on a free loopback port and waits for "ready".
    pub fn start(extra: &[&str]) -> Sim {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        Sim::start_in(tmp, extra)
    }

    /// Like [`Sim::start`], on the world (and sealed state) already in `tmp`: what a restarted
    /// proxy sees after [`Sim::crash`]. Each start logs to its own file.
    pub fn start_in(tmp: tempfile::TempDir, extra: &[&str]) -> Sim {
        let dir = tmp.path().join("world");
        let log = std::iter::once("proxy.log".to_owned())
            .chain((2..).map(|n| format!("proxy-{n}.log")))
            .map(|name| tmp.path().join(name))
            .find(|p| !p.exists())
            .unwrap_or_else(|| panic!("no log name"));
        let log_file = std::fs::File::create(&log).unwrap_or_else(|e| panic!("log: {e}"));
        let mut child = Command::new(crate::binary("nitro-kms-proxy"))
            .arg("--simulate")
            .arg("--state-dir")
            .arg(&dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(["--admin-listen", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start nitro-kms-proxy: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut endpoint = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("endpoint: ") {
                    endpoint = Some(url.to_owned());
                }
                if let (Some(admin), Some(endpoint)) = (line.strip_prefix("admin: "), &endpoint) {
                    let _ = tx.send((
                        endpoint.clone(),
                        admin.trim_start_matches("http://").to_owned(),
                    ));
                }
            }
        });
        let (endpoint, admin) = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(urls) => urls,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "the simulation did not become ready: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        Sim {
            child,
            endpoint,
            admin,
            dir,
            log,
            tmp: Some(tmp),
        }
    }

    /// The proxy's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILLs the proxy (as a crash would, mid-whatever it was doing), then its enclave child,
    /// which a killed proxy cannot stop, both by process id; returns the directory holding the
    /// world and sealed state for [`Sim::start_in`].
    pub fn crash(mut self) -> tempfile::TempDir {
        let children = child_pids(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in children {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            // Reaped by init (or left a zombie): wait until it runs no more, so that the next
            // start owns the state alone.
            let deadline = Instant::now() + Duration::from_secs(10);
            while is_running(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        self.tmp.take().unwrap_or_else(|| panic!("already crashed"))
    }

    /// `host:port` of the endpoint.
    pub fn authority(&self) -> &str {
        self.endpoint.trim_start_matches("http://")
    }

    /// `GET path` on a fresh connection to the proxy's admin port: its own `/healthz` (the
    /// leader's control link) and `/metrics` (connections, bytes, links, sealed state, egress).
    pub fn admin_get(&self, path: &str) -> HttpResponse {
        get(&self.admin, path)
    }

    /// The proxy's `/metrics` text (admin port).
    pub fn admin_metrics(&self) -> String {
        String::from_utf8_lossy(&self.admin_get("/metrics").body).into_owned()
    }

    /// `GET path` on a fresh connection to the service port, relayed to the enclave, which
    /// answers it: its `/healthz` and its per-operation `/metrics`.
    pub fn service_get(&self, path: &str) -> HttpResponse {
        get(self.authority(), path)
    }

    /// The enclave's `/metrics` text (service port).
    pub fn service_metrics(&self) -> String {
        String::from_utf8_lossy(&self.service_get("/metrics").body).into_owned()
    }

    /// `nitro-kms service verify` of `https_url` (this enclave's TLS endpoint, directly or through
    /// a relay) against this world's simulated root: the attested CA, written to
    /// `DIR/service-ca.pem`, for `AWS_CA_BUNDLE` / `--ca-bundle` / boto3's `verify=`.
    ///
    /// # Panics
    /// If the check fails: these tests need an enclave whose identity verifies.
    pub fn verified_ca(&self, https_url: &str) -> PathBuf {
        let ca = self.dir.join("service-ca.pem");
        let out = Command::new(crate::binary("nitro-kms"))
            .args(["service", "verify", "--endpoint-url", https_url])
            .arg("--trust-simulated-root")
            .arg(self.dir.join("root.pem"))
            .arg("--ca-out")
            .arg(&ca)
            .output()
            .unwrap_or_else(|e| panic!("cannot run nitro-kms: {e}"));
        assert!(
            out.status.success(),
            "service verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ca
    }

    /// Runs `aws kms ARGS --endpoint-url ...` from the virtualenv with the simulation's keys
    /// (`--output json` unless ARGS choose an output).
    pub fn aws(&self, args: &[&str]) -> Output {
        aws_kms_command(&self.endpoint, args)
            .env("HOME", &self.dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run aws: {e}"))
    }

    /// `nitro-kms ARGS --endpoint-url ...` with the simulation's keys ([`nitro_kms_command`]).
    pub fn nitro_kms_command(&self, args: &[&str]) -> Command {
        let mut command = nitro_kms_command(&self.endpoint, args);
        command.env("HOME", &self.dir);
        command
    }

    /// Runs `nitro-kms ARGS --endpoint-url ...` with the simulation's keys ([`Sim::nitro_kms_command`]).
    pub fn nitro_kms(&self, args: &[&str]) -> Output {
        self.nitro_kms_command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run nitro-kms: {e}"))
    }

    /// Runs a Python script from the virtualenv with the endpoint and keys in its environment.
    pub fn python(&self, script: &Path, args: &[&str]) -> Output {
        let venv = venv();
        Command::new(venv.join("bin/python"))
            .arg(script)
            .args(args)
            .env("HOME", &self.dir)
            .env("NITRO_KMS_ENDPOINT", &self.endpoint)
            .env("NITRO_KMS_STATE_DIR", &self.dir)
            .env("NITRO_KMS_CLI", crate::binary("nitro-kms"))
            .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
            .env("AWS_DEFAULT_REGION", REGION)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .unwrap_or_else(|e| panic!("cannot run python: {e}"))
    }

    /// SIGKILLs the simulated enclave (the proxy's child), as a crash would.
    pub fn kill_enclave(&self) {
        let pattern = format!(
            "nitro-kms-enclave --simulate --state-dir {}",
            self.dir.display()
        );
        let status = Command::new("pkill")
            .args(["-KILL", "-f", &pattern])
            .status()
            .unwrap_or_else(|e| panic!("pkill: {e}"));
        assert!(status.success(), "no enclave process matched {pattern}");
    }

    /// The proxy's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits; returns the exit code.
    pub fn terminate(self) -> Option<i32> {
        self.terminate_with_log().0
    }

    /// Like [`Sim::terminate`], and returns the proxy's whole log too (its file goes with the
    /// simulation's directory): what the shutdown logged.
    pub fn terminate_with_log(mut self) -> (Option<i32>, String) {
        let code = self.stop_with_sigterm();
        (code, self.log_text())
    }

    fn stop_with_sigterm(&mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The JSON body of a 200 answer (`Null` when empty); panics with the body otherwise.
    #[track_caller]
    pub fn ok_json(&self) -> serde_json::Value {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        self.json()
    }
}

/// How to sign a request.
#[derive(Debug, Clone)]
pub struct Signing {
    /// Access key id.
    pub access_key_id: String,
    /// Secret.
    pub secret: String,
    /// Request time (Unix seconds).
    pub at: i64,
    /// Region in the scope.
    pub region: String,
}

impl Signing {
    /// The simulation's key, now.
    pub fn simulation() -> Signing {
        Signing {
            access_key_id: SIMULATION_ACCESS_KEY_ID.into(),
            secret: SIMULATION_SECRET_ACCESS_KEY.into(),
            at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
            region: REGION.into(),
        }
    }
}

/// Headers of a KMS request for `op` and `body`, signed (or not, with `None`).
pub fn kms_headers(
    authority: &str,
    op: &str,
    body: &[u8],
    signing: Option<&Signing>,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("host".to_owned(), authority.to_owned()),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
        ("x-amz-target".to_owned(), format!("TrentService.{op}")),
    ];
    if let Some(s) = signing {
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: headers.clone(),
            body,
        };
        let key = SigningKey {
            access_key_id: &s.access_key_id,
            secret_access_key: &s.secret,
            session_token: None,
        };
        let signed = sign_request(&req, &key, &s.region, s.at)
            .unwrap_or_else(|e| panic!("cannot sign: {e}"));
        headers.extend(signed.into_pairs());
    }
    headers
}

/// Sends one request on `stream` (keep-alive; TCP to the proxy, or a Unix socket to the
/// enclave's own endpoint) and reads the response.
pub fn send<S: Read + Write>(
    stream: &mut S,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    // One write: an endpoint that refuses a request from its headers alone may close the
    // connection before reading the body, and a second write would then fail.
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request)?;
    read_response(stream)
}

fn read_response<S: Read>(stream: &mut S) -> std::io::Result<HttpResponse> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        buf.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    stream.read_exact(&mut body)?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// `GET path` on a fresh connection to `authority` (`host:port`).
///
/// # Panics
/// If the connection or the exchange fails.
pub fn get(authority: &str, path: &str) -> HttpResponse {
    let mut stream =
        TcpStream::connect(authority).unwrap_or_else(|e| panic!("GET {path} on {authority}: {e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let host = [("host".to_owned(), authority.to_owned())];
    send(&mut stream, "GET", path, &host, b"")
        .unwrap_or_else(|e| panic!("GET {path} on {authority}: {e}"))
}

/// One signed KMS call on a fresh connection.
pub fn kms_call(sim: &Sim, op: &str, body: &serde_json::Value) -> HttpResponse {
    try_kms_call(sim.authority(), op, body).unwrap_or_else(|e| panic!("{op}: {e}"))
}

/// One signed KMS call on a fresh connection to `authority` (`host:port`), with connection
/// errors returned instead of panicking (for tests that kill the proxy under their clients).
pub fn try_kms_call(
    authority: &str,
    op: &str,
    body: &serde_json::Value,
) -> std::io::Result<HttpResponse> {
    let body = body.to_string().into_bytes();
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let headers = kms_headers(authority, op, &body, Some(&Signing::simulation()));
    send(&mut stream, "POST", "/", &headers, &body)
}

/// Every key id ListKeys shows (following `NextMarker`, pages of 1000).
pub fn list_key_ids(sim: &Sim) -> std::collections::BTreeSet<String> {
    let mut ids = std::collections::BTreeSet::new();
    let mut body = serde_json::json!({"Limit": 1000});
    for _ in 0..100 {
        let r = kms_call(sim, "ListKeys", &body);
        assert_eq!(r.status, 200, "{}: {}", r.json(), sim.log_text());
        let page = r.json();
        ids.extend(
            page["Keys"]
                .as_array()
                .unwrap_or_else(|| panic!("no Keys in {page}"))
                .iter()
                .filter_map(|k| Some(k["KeyId"].as_str()?.to_owned())),
        );
        match page["NextMarker"].as_str() {
            Some(marker) if page["Truncated"] == true => body["Marker"] = marker.into(),
            _ => return ids,
        }
    }
    panic!("more than 100 pages of keys")
}

/// Whether process `pid` exists and is not a zombie.
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')?
                .1
                .split_whitespace()
                .next()
                .map(str::to_owned)
        })
        .is_some_and(|state| state != "Z")
}

/// Ids of the processes whose parent is `pid` (from `/proc`).
pub fn child_pids(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            // /proc/P/stat: "P (comm) S PPID ..."; comm may hold spaces, so split after ')'.
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|stat| {
                    let rest = stat.rsplit_once(')')?.1.to_owned();
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// Resident memory of process `pid` in KiB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or_else(|| panic!("no VmRSS for process {pid}"))
}
