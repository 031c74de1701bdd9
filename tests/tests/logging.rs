#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What the simulated chain writes to standard error, read as an operator or a log collector
//! would: `--log-format json` makes every line of both processes (the proxy and the enclave it
//! runs) a JSON object; text has colour codes only on a terminal, and not with `NO_COLOR`; an
//! intended shutdown (SIGTERM to the proxy, or a terminal's Ctrl-C to both processes) is one INFO
//! line per process and no warning; an enclave killed under the proxy is logged as `signal 9`.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nitro_kms_tests::proxy::{Sim, child_pids, kms_call};
use serde_json::{Value, json};

/// Polls the simulation's log until `line_matches` holds for one of its lines, at most 60 s.
fn wait_for_line(sim: &Sim, what: &str, line_matches: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = sim.log_text();
        if let Some(line) = log.lines().find(|l| line_matches(l)) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no {what} in the log within 60 s:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The one process the proxy runs: the simulated enclave.
fn enclave_pid(sim: &Sim) -> u32 {
    match child_pids(sim.pid()).as_slice() {
        [pid] => *pid,
        other => panic!("the proxy runs {other:?}, not one enclave"),
    }
}

#[test]
fn json_log_format_makes_every_line_of_both_processes_json() {
    let sim = Sim::start(&["--log-format", "json"]);
    let created = kms_call(&sim, "CreateKey", &json!({}));
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let (code, log) = sim.terminate_with_log();
    assert_eq!(code, Some(0), "{log}");

    let mut targets = Vec::new();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\nwhole log:\n{log}"));
        assert!(event["level"].is_string(), "no level: {line}");
        assert!(event["fields"]["message"].is_string(), "no message: {line}");
        targets.push(event["target"].as_str().unwrap_or_default().to_owned());
    }
    assert!(
        targets.iter().any(|t| t.starts_with("nitro_kms_proxy")),
        "no line from the proxy: {targets:?}"
    );
    assert!(
        targets.iter().any(|t| t.starts_with("nitro_kms_enclave")),
        "no line from the enclave: {targets:?}"
    );
}

#[test]
fn sigterm_logs_one_info_shutdown_line_and_no_reconnect_warning() {
    let sim = Sim::start(&[]);
    let (code, log) = sim.terminate_with_log();
    assert_eq!(code, Some(0), "{log}");
    assert_one_quiet_shutdown(&log);
}

#[test]
fn ctrl_c_to_the_process_group_logs_one_info_shutdown_line_per_process_and_no_warning() {
    // A terminal's Ctrl-C (`make sim`) signals the whole foreground process group: the proxy and
    // its enclave get SIGINT at once, so the enclave may close its links before the proxy knows
    // it is stopping.
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("proxy.log");
    let mut command = Command::new(nitro_kms_tests::binary("nitro-kms-proxy"));
    command
        .arg("--simulate")
        .arg("--state-dir")
        .arg(dir.path().join("world"))
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(File::create(&log_path).unwrap());
    let mut group = ProcessGroup(command.spawn().unwrap());
    let stdout = group.0.stdout.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line == "nitro-kms simulation ready" {
                let _ = ready_tx.send(());
            }
        }
    });
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        ready_rx.recv_timeout(Duration::from_secs(60)).is_ok(),
        "not ready within 60 s:\n{}",
        log()
    );

    group.signal("-INT");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = group.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after Ctrl-C:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{}", log());
    assert_one_quiet_shutdown(&log());
}

/// The proxy started in its own process group, which is SIGKILLed if the test ends early.
struct ProcessGroup(Child);

impl ProcessGroup {
    /// Sends `signal` (`-INT`, `-KILL`) to every process of the group.
    fn signal(&self, signal: &str) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args([signal, "--", &group]).status();
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            self.signal("-KILL");
            let _ = self.0.wait();
        }
    }
}

/// An intended shutdown in a text log: one INFO `shutting down` line from the proxy and one
/// from the enclave, and from the first of them on no WARN or ERROR (no "reconnecting").
fn assert_one_quiet_shutdown(log: &str) {
    let shutdown_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("shutting down"))
        .collect();
    let from = |target: &str| {
        shutdown_lines
            .iter()
            .filter(|l| l.contains(" INFO ") && l.contains(&format!(" {target}: ")))
            .count()
    };
    assert_eq!(from("nitro_kms_proxy"), 1, "{log}");
    assert_eq!(from("nitro_kms_enclave"), 1, "{log}");
    assert_eq!(shutdown_lines.len(), 2, "{log}");

    let after_shutdown = log
        .split_once("shutting down")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    for line in after_shutdown.lines() {
        assert!(
            !line.contains(" WARN ") && !line.contains(" ERROR "),
            "a warning while shutting down: {line}\nwhole log:\n{log}"
        );
    }
    assert!(!log.contains("reconnecting"), "{log}");
}

#[test]
fn colour_codes_are_not_written_when_stderr_is_not_a_terminal() {
    // Sim's standard error is a file.
    let sim = Sim::start(&[]);
    let (code, log) = sim.terminate_with_log();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains(" INFO "), "{log}");
    assert!(!log.contains("\x1b["), "colour codes in a file:\n{log:?}");
}

/// The enclave's standard error when it refuses to start without a seal root (one ERROR line),
/// on a terminal: `script` gives the process a pseudo-terminal and copies what it writes.
fn enclave_error_on_a_terminal(no_color: Option<&str>) -> String {
    let enclave = nitro_kms_tests::binary("nitro-kms-enclave");
    let mut command = Command::new("script");
    command
        .args(["-q", "-e", "-c"])
        .arg(format!("'{}'", enclave.display()))
        .arg("/dev/null")
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG");
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("script (util-linux) is needed for this test: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("ERROR"), "no log line: {text:?}");
    text
}

#[test]
fn colour_codes_are_written_on_a_terminal_unless_no_color_is_set() {
    assert!(enclave_error_on_a_terminal(None).contains("\x1b["));
    let plain = enclave_error_on_a_terminal(Some("1"));
    assert!(
        !plain.contains("\x1b["),
        "colour despite NO_COLOR: {plain:?}"
    );
}

#[test]
fn killed_enclave_is_logged_as_signal_9() {
    let sim = Sim::start(&[]);
    let enclave = enclave_pid(&sim);
    let killed = Command::new("kill")
        .args(["-KILL", &enclave.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let line = wait_for_line(&sim, "restart line", |l| {
        l.contains("the enclave exited; restarting it")
    });
    assert!(line.contains(" WARN "), "{line}");
    assert!(line.contains("status=signal 9"), "{line}");
    assert!(!line.contains("ExitStatus"), "{line}");
    // The restarted enclave comes back, and the proxy still stops cleanly.
    wait_for_line(&sim, "second enclave", |l| {
        l.contains("enclave started") && !l.contains(&format!("pid={enclave} "))
    });
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn json_log_format_writes_a_start_up_error_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(nitro_kms_tests::binary("nitro-kms-proxy"))
        .args([
            "--simulate",
            "--enclave",
            "unix:///nowhere.sock",
            "--state-dir",
        ])
        .arg(dir.path())
        .args(["--log-format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let event: Value = serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(event["level"], "ERROR", "{stderr}");
    let message = event["fields"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("exclude --simulate"), "{stderr}");
}
