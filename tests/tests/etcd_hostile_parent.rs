#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A hostile parent and the etcd store (issue 19), the whole process. The parent carries every
//! byte between the enclave and etcd, so it can point the enclave at an etcd of its own or replay
//! a session it recorded; TLS ends in the enclave with the etcd cluster's CA as its only root, so
//! both fail at the handshake: the enclave never serves from such a store and says why in one
//! clear log line. A client certificate for another key makes it refuse to start.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nitro_kms_etcd::testing::{TestCluster, another_ca_client_tls};
use nitro_kms_tests::etcd_store::{etcd_available, storage_args, world};

/// Kills the enclave when the test ends, also on panic.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a simulated enclave on `world` with the etcd flags `args`, its stderr in `log`.
fn spawn_enclave(world: &Path, args: &[String], log: &Path) -> Guard {
    let child = Command::new(nitro_kms_tests::binary("nitro-kms-enclave"))
        .args(["--simulate", "--state-dir"])
        .arg(world)
        .arg("--listen")
        .arg(format!("unix://{}", world.join("enclave.sock").display()))
        .arg("--http-listen")
        .arg(format!("unix://{}", world.join("http.sock").display()))
        .args(args)
        .args(["--etcd-timeout-ms", "1000"])
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()))
        .stdout(Stdio::null())
        .stdin(Stdio::null())
        .env("RUST_LOG", "info")
        .spawn()
        .unwrap();
    Guard(child)
}

/// Waits (bounded, only so a broken enclave cannot hang the suite) for a log line with every one
/// of `needles`, and returns it with the whole log.
fn wait_line(log: &Path, needles: &[&str]) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| needles.iter().all(|n| l.contains(n))) {
            eprintln!("the enclave's line: {line}");
            return (line.to_owned(), text);
        }
        assert!(
            Instant::now() < deadline,
            "no line with {needles:?}: {text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The enclave does not serve: no KMS endpoint answers on its HTTP socket.
fn assert_not_serving(world: &Path, log: &str) {
    let answered =
        std::os::unix::net::UnixStream::connect(world.join("http.sock")).and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(2)))?;
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
            let mut answer = Vec::new();
            s.read_to_end(&mut answer)?;
            Ok(answer)
        });
    if let Ok(answer) = answered {
        assert!(
            !answer.starts_with(b"HTTP/1.1 200"),
            "served while its store is not etcd's: {} / {log}",
            String::from_utf8_lossy(&answer)
        );
    }
}

#[test]
fn an_etcd_with_a_certificate_from_another_ca_is_refused_at_the_handshake() {
    if !etcd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd_dir = dir.path().join("etcd");
    std::fs::create_dir_all(&etcd_dir).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cluster = runtime.block_on(TestCluster::start(1, &etcd_dir)).unwrap();
    let w = world(&dir.path().join("world"), None);
    let args = storage_args(&cluster, &w, "/hostile/", 2);
    // The parent's etcd has a server certificate of its own CA: the enclave's measured CA is
    // another one (here: the enclave is given a CA that did not sign the cluster).
    let (other_ca, _) = another_ca_client_tls().unwrap();
    std::fs::write(w.join("etcd-ca.pem"), other_ca).unwrap();
    let log = dir.path().join("enclave.log");
    let _enclave = spawn_enclave(&w, &args, &log);
    let (line, text) = wait_line(&log, &["etcd", "TLS"]);
    assert!(line.contains("invalid peer certificate"), "{line}");
    assert_not_serving(&w, &text);
    assert!(!text.contains("leader"), "{text}");
}

/// A TCP relay in front of one etcd member that records what the member sends, then, once told
/// to, answers every new connection with those recorded bytes instead (a replay).
struct RecordingRelay {
    port: u16,
    recorded: Arc<Mutex<Vec<u8>>>,
    replay: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl RecordingRelay {
    fn to(upstream: u16) -> RecordingRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let relay = RecordingRelay {
            port,
            recorded: Arc::default(),
            replay: Arc::default(),
            stop: Arc::default(),
        };
        let (recorded, replay, stop) = (
            relay.recorded.clone(),
            relay.replay.clone(),
            relay.stop.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                if replay.load(Ordering::SeqCst) {
                    let bytes = recorded.lock().unwrap().clone();
                    std::thread::spawn(move || replay_to(client, &bytes));
                } else if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) {
                    let recorded = recorded.clone();
                    std::thread::spawn(move || record(client, server, &recorded));
                }
            }
        });
        relay
    }
}

impl Drop for RecordingRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Pipes both ways, keeping a copy of what the server sends.
fn record(client: TcpStream, server: TcpStream, recorded: &Mutex<Vec<u8>>) {
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut s_write);
        let _ = s_write.shutdown(std::net::Shutdown::Write);
    });
    let (mut s_read, mut c_write) = (server, client);
    let mut buffer = [0u8; 16 << 10];
    while let Ok(n) = s_read.read(&mut buffer) {
        if n == 0 {
            break;
        }
        recorded.lock().unwrap().extend_from_slice(&buffer[..n]);
        if c_write.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = c_write.shutdown(std::net::Shutdown::Write);
}

/// Reads the client's first flight, answers with the recorded server bytes, drains the rest.
fn replay_to(mut client: TcpStream, bytes: &[u8]) {
    let mut buffer = [0u8; 16 << 10];
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    if client.read(&mut buffer).is_ok_and(|n| n > 0) {
        let _ = client.write_all(bytes);
    }
    while client.read(&mut buffer).is_ok_and(|n| n > 0) {}
}

#[test]
fn a_replayed_etcd_tls_session_is_refused_and_nothing_is_served_from_it() {
    if !etcd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd_dir = dir.path().join("etcd");
    std::fs::create_dir_all(&etcd_dir).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cluster = runtime.block_on(TestCluster::start(1, &etcd_dir)).unwrap();
    let relay = RecordingRelay::to(cluster.endpoints()[0].port);
    // A real session through the parent's relay, recorded: a client of the cluster's CA reads.
    let through_relay = nitro_kms_etcd::EtcdClient::new(
        nitro_kms_etcd::ClientOptions {
            endpoints: vec![format!("127.0.0.1:{}", relay.port).parse().unwrap()],
            tls: nitro_kms_etcd::Tls::Rustls(cluster.client_tls()),
            request_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            max_response: 1 << 20,
        },
        Arc::new(nitro_kms_etcd::TcpConnect),
    )
    .unwrap();
    runtime
        .block_on(through_relay.range(nitro_kms_etcd::RangeRequest {
            key: b"/hostile/head".to_vec(),
            ..Default::default()
        }))
        .unwrap();
    assert!(!relay.recorded.lock().unwrap().is_empty());
    relay.replay.store(true, Ordering::SeqCst);

    // The enclave is pointed at the relay, which now replays that session to it.
    let w = world(&dir.path().join("world"), None);
    let mut args = storage_args(&cluster, &w, "/hostile/", 2);
    let at = args.iter().position(|a| a == "--etcd-endpoints").unwrap();
    args[at + 1] = format!("127.0.0.1:{}", relay.port);
    let log = dir.path().join("enclave.log");
    let _enclave = spawn_enclave(&w, &args, &log);
    let (line, text) = wait_line(&log, &["etcd", "TLS:"]);
    assert!(
        line.contains(&format!("127.0.0.1:{}", relay.port)),
        "{line}"
    );
    assert_not_serving(&w, &text);
    assert!(!text.contains("leader"), "{text}");
}

#[test]
fn a_client_certificate_for_another_fleets_key_stops_the_enclave_with_its_csr() {
    if !etcd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd_dir = dir.path().join("etcd");
    std::fs::create_dir_all(&etcd_dir).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cluster = runtime.block_on(TestCluster::start(1, &etcd_dir)).unwrap();
    // A genuine certificate of the cluster's CA, but for another fleet's derived key.
    let other: PathBuf = world(&dir.path().join("other"), None);
    storage_args(&cluster, &other, "/hostile/", 2);
    let w = world(&dir.path().join("world"), None);
    let args = storage_args(&cluster, &w, "/hostile/", 2);
    std::fs::copy(other.join("etcd-client.pem"), w.join("etcd-client.pem")).unwrap();
    let log = dir.path().join("enclave.log");
    let mut enclave = spawn_enclave(&w, &args, &log);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = enclave.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the enclave did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(1), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("BEGIN CERTIFICATE REQUEST"))
        .unwrap_or_else(|| panic!("no CSR line: {text}"));
    assert!(
        line.contains("not for this enclave's etcd client key"),
        "{line}"
    );
}
