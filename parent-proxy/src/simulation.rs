//! `--simulate`: the whole chain on one machine. The proxy runs `nitro-kms-enclave --simulate`
//! (found beside its own executable) with its control link on a Unix socket in the state
//! directory ([`socket_path`]), trusting that simulated world's root, and its HTTP endpoint (the
//! one the proxy relays client connections to) on `enclave-http.sock` beside it
//! ([`http_socket_path`]); the settings that are the enclave's now (caller credentials, body
//! size, HTTP deadlines) are handed on as [`ChildConfig::extra_args`]. The proxy keeps it
//! running: when the child dies it is restarted (a WARN saying how it ended, `signal 9` or
//! `status 1`, and counted); on shutdown it gets SIGTERM, then SIGKILL after a grace period.

use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::exit_status::describe_exit;
use crate::metrics::Metrics;

/// How the enclave child is run.
#[derive(Debug, Clone)]
pub struct ChildConfig {
    /// The `nitro-kms-enclave` binary.
    pub binary: PathBuf,
    /// The simulated world (NSM state, sealing key; the proxy keeps the sealed state here too).
    pub state_dir: PathBuf,
    /// The Unix socket the child listens on.
    pub socket: PathBuf,
    /// Region and account of the keys.
    pub region: String,
    /// Account.
    pub account: String,
    /// The proxy's own `--log-format` (`text` or `json`), handed on so that the child's lines in
    /// the proxy's output have the same shape as the proxy's.
    pub log_format: String,
    /// More enclave flags, passed as they are: what the proxy's simulation-only flags
    /// (`--credentials`, `--max-body`, `--header-timeout-ms`, ...) translate to.
    pub extra_args: Vec<String>,
}

/// `nitro-kms-enclave` beside the running executable.
pub fn enclave_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let path = exe
        .parent()
        .map(|d| d.join("nitro-kms-enclave"))
        .ok_or("no directory for the executable")?;
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found (build the workspace)",
            path.display()
        ))
    }
}

fn spawn(config: &ChildConfig) -> std::io::Result<Child> {
    let _ = std::fs::remove_file(&config.socket);
    let http_socket = http_socket_path(&config.state_dir);
    let _ = std::fs::remove_file(&http_socket);
    Command::new(&config.binary)
        .arg("--simulate")
        .arg("--state-dir")
        .arg(&config.state_dir)
        .arg("--listen")
        .arg(format!("unix://{}", config.socket.display()))
        .arg("--http-listen")
        .arg(format!("unix://{}", http_socket.display()))
        .arg("--trust-simulated-root")
        .arg(config.state_dir.join("root.pem"))
        .args(["--region", &config.region, "--account", &config.account])
        .args(["--log-format", &config.log_format])
        .args(&config.extra_args)
        .kill_on_drop(true)
        .spawn()
}

fn terminate(child: &Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
}

/// How long after the child exits on its own the proxy waits before starting it again.
const RESTART_PAUSE: Duration = Duration::from_millis(500);

/// How long a stopping child has between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Runs and restarts the child until `shutdown` flips; then stops it.
///
/// An intended stop is not a failure and is not logged as one: the proxy's own "shutting down"
/// is the line that says so, and a clean end of the child is only a debug event. A child that
/// ends while the proxy is not stopping is a WARN with how it ended (`signal 9`, `status 1`).
pub async fn supervise(
    config: ChildConfig,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), String> {
    let mut first = true;
    loop {
        let mut child =
            spawn(&config).map_err(|e| format!("cannot start {}: {e}", config.binary.display()))?;
        if !first {
            metrics.enclave_restarts.fetch_add(1, Ordering::Relaxed);
        }
        first = false;
        tracing::info!(pid = child.id(), socket = %config.socket.display(), "enclave started");
        tokio::select! {
            biased;
            _ = crate::stopped(&mut shutdown) => {
                stop(&mut child).await;
                return Ok(());
            }
            status = child.wait() => {
                // A Ctrl-C on a terminal signals the whole process group, so the child may end
                // on it a moment before this process's own shutdown flag flips: wait for the
                // flag as long as a restart would wait anyway.
                let stopping = tokio::time::timeout(RESTART_PAUSE, crate::stopped(&mut shutdown))
                    .await
                    .is_ok();
                match status {
                    Ok(status) if stopping => log_stopped(status),
                    Ok(status) => tracing::warn!(status = %describe_exit(status),
                        "the enclave exited; restarting it"),
                    Err(e) => tracing::warn!(error = %e, "lost track of the enclave"),
                }
                if stopping {
                    return Ok(());
                }
            }
        }
    }
}

/// Stops the child on shutdown: SIGTERM, then SIGKILL after [`STOP_GRACE`].
async fn stop(child: &mut Child) {
    terminate(child);
    match tokio::time::timeout(STOP_GRACE, child.wait()).await {
        Ok(Ok(status)) => log_stopped(status),
        Ok(Err(e)) => tracing::warn!(error = %e, "lost track of the enclave while stopping it"),
        Err(_) => {
            tracing::warn!(grace = ?STOP_GRACE, "the enclave did not stop after SIGTERM; killing it");
            let _ = child.kill().await;
        }
    }
}

/// How a child asked to stop ended: a debug event when it exited 0, a WARN otherwise.
fn log_stopped(status: ExitStatus) {
    if status.success() {
        tracing::debug!(status = %describe_exit(status), "enclave stopped");
    } else {
        tracing::warn!(status = %describe_exit(status), "the enclave did not stop cleanly");
    }
}

/// Waits until the simulated enclave's HTTP endpoint answers `GET /healthz` with 200 (its
/// sealed state loaded: the whole chain serves), polling every 50 ms, at most `timeout`. The
/// only HTTP the proxy speaks, and only to its own simulated child, so that "ready" on standard
/// output means a first request is answered at once.
pub async fn wait_http_ready(http_socket: &Path, timeout: Duration) -> bool {
    let probe = async {
        loop {
            if healthz_ok(http_socket).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(timeout, probe).await.is_ok()
}

/// One `GET /healthz` on a fresh connection: whether the status line says 200.
async fn healthz_ok(http_socket: &Path) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::UnixStream::connect(http_socket).await else {
        return false;
    };
    let request = b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n";
    if stream.write_all(request).await.is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut head)).await;
    matches!(read, Ok(Ok(_))) && head.starts_with(b"HTTP/1.1 200")
}

/// The socket path used in `state_dir`.
pub fn socket_path(state_dir: &Path) -> PathBuf {
    state_dir.join("enclave.sock")
}

/// The socket of the enclave's own HTTP endpoint in `state_dir`: where the proxy relays client
/// connections (TLS or cleartext, SigV4 verified in the enclave).
pub fn http_socket_path(state_dir: &Path) -> PathBuf {
    state_dir.join("enclave-http.sock")
}
