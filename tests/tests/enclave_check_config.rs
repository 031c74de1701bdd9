#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `nitro-kms-enclave --check-config FILE [--production]`, the whole process: the deploy example
//! passes, a file an image must not have fails with one line per problem, an unparseable file is
//! status 2; nothing is started (no socket, no NSM: this host has none and it still says `ok`).
//! And the enclave's `--log-format json` writes one JSON object a line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/enclave.toml.example")
}

fn enclave(args: &[&str]) -> Output {
    Command::new(nitro_kms_tests::binary("nitro-kms-enclave"))
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_deploy_example_is_fit_for_an_enclave_image() {
    let path = example();
    let path = path.to_str().unwrap();
    for production in [false, true] {
        let mut args = vec!["--check-config", path];
        if production {
            args.push("--production");
        }
        let out = enclave(&args);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        assert!(stdout.starts_with("ok "), "{stdout}");
        assert!(stdout.contains("listen vsock://ANY:5000"), "{stdout}");
        assert_eq!(
            stdout.contains("fit for an enclave image"),
            production,
            "{stdout}"
        );
        // It starts nothing: no log line about an NSM or a listener.
        assert!(
            !text(&out.stderr).contains("listening"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_simulation_file_is_refused_for_an_image_with_one_line_per_problem() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim.toml");
    std::fs::write(
        &file,
        "listen = \"unix:///tmp/enclave.sock\"\nsimulate = true\nstate_dir = \"/tmp/world\"\n\
         trust_simulated_root = \"/tmp/world/root.pem\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    // A valid simulation...
    let out = enclave(&["--check-config", path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // ...that no image may have.
    let out = enclave(&["--check-config", path, "--production"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    for key in ["simulate", "state_dir", "trust_simulated_root"] {
        assert!(
            lines.iter().any(|l| l.starts_with(path)
                && l.contains(&format!("`{key}` must not be set in an enclave image"))),
            "{key}: {stderr}"
        );
    }
    assert!(
        stderr.contains("an enclave can only be reached over vsock"),
        "{stderr}"
    );
    assert!(stderr.contains("no `seal_root`"), "{stderr}");
    assert_eq!(lines.len(), 5, "{stderr}");
    assert!(!text(&out.stdout).contains("ok "), "{}", text(&out.stdout));
}

#[test]
fn what_the_enclave_refuses_at_start_up_is_status_1_and_an_unparseable_file_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let refused = dir.path().join("refused.toml");
    std::fs::write(&refused, "ephemeral_sealing_key = true\naccount = \"12\"\n").unwrap();
    let out = enclave(&["--check-config", refused.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--account must be 12 digits"),
        "{}",
        text(&out.stderr)
    );

    for (name, body, words) in [
        ("broken.toml", "listen = = \"x\"\n", "config file"),
        ("unknown.toml", "simulte = true\n", "simulte"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, body).unwrap();
        let out = enclave(&["--check-config", file.to_str().unwrap(), "--production"]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(words),
            "{name}: {}",
            text(&out.stderr)
        );
    }
    let missing = dir.path().join("missing.toml");
    let out = enclave(&["--check-config", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    // --production means nothing without --check-config: a usage error.
    let out = enclave(&["--production"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Every line of `stderr` is a JSON object with a level and a message; the messages.
fn json_messages(stderr: &str) -> Vec<(String, String)> {
    stderr
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            let level = v["level"]
                .as_str()
                .unwrap_or_else(|| panic!("no level: {line}"));
            let message = v["fields"]["message"]
                .as_str()
                .unwrap_or_else(|| panic!("no message: {line}"));
            (level.to_owned(), message.to_owned())
        })
        .collect()
}

#[test]
fn log_format_json_writes_one_json_object_a_line() {
    // A configuration error: one ERROR line, then status 2.
    let out = enclave(&[
        "--log-format",
        "json",
        "--ephemeral-sealing-key",
        "--account",
        "12",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let messages = json_messages(&text(&out.stderr));
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].0, "ERROR");
    assert!(
        messages[0]
            .1
            .starts_with("nitro-kms-enclave: --account must be 12 digits")
    );

    // A running enclave: every start-up line is JSON, up to "listening" (it then waits for the
    // parent, so it is killed).
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("enclave.sock");
    let log = dir.path().join("enclave.log");
    let mut child = Command::new(nitro_kms_tests::binary("nitro-kms-enclave"))
        .args([
            "--log-format",
            "json",
            "--ephemeral-sealing-key",
            "--listen",
        ])
        .arg(format!("unix://{}", socket.display()))
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let stderr = loop {
        let stderr = std::fs::read_to_string(&log).unwrap();
        if stderr.contains("listening on") || started.elapsed() > Duration::from_secs(30) {
            break stderr;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the enclave exited with {status}: {stderr}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    let messages = json_messages(&stderr);
    assert!(
        messages.iter().any(|(level, m)| level == "INFO"
            && m.starts_with("nitro-kms-enclave: listening on unix://")),
        "{stderr}"
    );
    assert!(
        messages
            .iter()
            .any(|(level, m)| level == "WARN" && m.contains("ephemeral sealing key")),
        "{stderr}"
    );
}
