#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The README's "Quick start", run as a newcomer would paste it: every code block marked
//! `<!-- quick-start -->` is executed line by line with bash against a simulation started on a
//! fresh state directory and free ports, with `target/debug` on PATH; so the README cannot rot.
//! Beside it, the other first-ten-minutes promises: `make help` names every target, and
//! `nitro-kms-proxy` without arguments says how to start it.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The marker before a README code block the test runs.
const MARKER: &str = "<!-- quick-start";

/// The lines of every marked `sh` block of `readme`, in order (empty lines and `#` comments
/// dropped).
fn quick_start_lines(readme: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = readme;
    while let Some(at) = rest.find(MARKER) {
        rest = &rest[at..];
        let open = rest
            .find("```sh\n")
            .expect("a ```sh block after the marker")
            + 6;
        let close = rest[open..].find("```").expect("the block's end") + open;
        lines.extend(
            rest[open..close]
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
        rest = &rest[close..];
    }
    lines
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child stopped (SIGTERM, then SIGKILL after 10 s) when the test ends, however it ends.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `target/debug` (where the test's binaries are) first on PATH.
fn path_with_binaries() -> String {
    let bin = nitro_kms_tests::binary("nitro-kms-proxy");
    let dir = bin.parent().unwrap().display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

#[test]
fn the_readme_quick_start_runs_line_by_line_to_an_attested_data_key() {
    let readme = std::fs::read_to_string(nitro_kms_tests::workspace_root().join("README.md"))
        .expect("README.md");
    let lines = quick_start_lines(&readme);
    assert!(
        lines.iter().any(|l| l.contains("--print-env")) && lines.len() >= 6,
        "{lines:?}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let world = tmp.path().join("world");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let admin = format!("127.0.0.1:{}", free_port());
    let env = |command: &mut Command| {
        command
            .env("NITRO_KMS_SIM", &world)
            .env("NITRO_KMS_PROXY_LISTEN", &listen)
            .env("NITRO_KMS_PROXY_ADMIN_LISTEN", &admin)
            .env("HOME", tmp.path())
            .env("PATH", path_with_binaries())
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_CA_BUNDLE")
            .current_dir(&work);
    };

    // `make sim` in the first terminal: what it runs, on this test's world and ports.
    let log = std::fs::File::create(tmp.path().join("proxy.log")).unwrap();
    let mut proxy = Command::new(nitro_kms_tests::binary("nitro-kms-proxy"));
    env(&mut proxy);
    proxy
        .args(["--simulate", "--state-dir"])
        .arg(&world)
        .stdout(Stdio::piped())
        .stderr(log);
    let mut child = proxy.spawn().expect("nitro-kms-proxy");
    let stdout = child.stdout.take().unwrap();
    let proxy = Stopped(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("export ") {
                let _ = tx.send(line);
            }
        }
    });
    let printed = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            panic!(
                "the simulation printed no export line: {}",
                std::fs::read_to_string(tmp.path().join("proxy.log")).unwrap_or_default()
            )
        });
    assert!(
        printed.contains(&format!("AWS_ENDPOINT_URL=http://{listen} ")),
        "{printed}"
    );

    // `--print-env` while it runs: the same line, alone (comments aside), and nothing started.
    let mut print_env = Command::new(nitro_kms_tests::binary("nitro-kms-proxy"));
    env(&mut print_env);
    let out = print_env
        .args(["--simulate", "--state-dir"])
        .arg(&world)
        .arg("--print-env")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let exports: Vec<&str> = stdout.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(exports, [printed.as_str()], "{stdout}");

    // The second terminal: every line in one bash, stopping at the first that fails.
    let mut script = String::from("set -euo pipefail\n");
    for (n, line) in lines.iter().enumerate() {
        script.push_str(&format!("echo '+ line {}' >&2\n{line}\n", n + 1));
    }
    let mut bash = Command::new("bash");
    env(&mut bash);
    let mut run = bash
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while run.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = run.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = run.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "a quick-start line failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let json = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(work.join(name)).unwrap()).unwrap()
    };
    let data_key = json("data-key.json");
    let decrypted = json("decrypted.json");
    assert!(data_key["Plaintext"].is_string(), "{data_key}");
    assert!(data_key.get("CiphertextForRecipient").is_none());
    assert_eq!(decrypted["Plaintext"], data_key["Plaintext"]);
    assert!(work.join("pub.der").exists() && work.join("doc.cose").exists());
    drop(proxy);
}

#[test]
fn make_help_lists_every_phony_target_with_a_line() {
    let root = nitro_kms_tests::workspace_root();
    let makefile = std::fs::read_to_string(root.join("Makefile")).unwrap();
    let phony = makefile
        .lines()
        .find_map(|l| l.strip_prefix(".PHONY:"))
        .expect(".PHONY line");
    let out = Command::new("make")
        .args(["--no-print-directory", "-s", "help"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8(out.stdout).unwrap();
    for target in phony.split_whitespace() {
        let line = help
            .lines()
            .find(|l| l.split_whitespace().next() == Some(target))
            .unwrap_or_else(|| panic!("make help does not list {target}:\n{help}"));
        assert!(line.split_whitespace().count() > 2, "{line}");
    }
    assert!(help.contains("install"), "{help}");
}

#[test]
fn the_proxy_without_arguments_says_how_to_start_it() {
    let out = Command::new(nitro_kms_tests::binary("nitro-kms-proxy"))
        .env_remove("NITRO_KMS_PROXY_STATE_DIR")
        .env_remove("NITRO_KMS_PROXY_ENCLAVE")
        .current_dir(Path::new("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("--simulate --state-dir DIR")
            && stderr.contains("--enclave vsock://CID:PORT --state-dir DIR"),
        "{stderr}"
    );
}
