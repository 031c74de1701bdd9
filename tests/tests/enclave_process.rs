#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The enclave as a process: configuration errors, environment configuration, vsock listening
//! (bind only: vsock has no loopback here) and SIGTERM before any parent connects.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nitro_kms_tests::binary;

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn terminate(child: &mut std::process::Child) -> Option<i32> {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap().code()
}

#[test]
fn without_a_sealing_source_the_enclave_refuses_with_status_2() {
    let out = Command::new(binary("nitro-kms-enclave"))
        .args(["--listen", "unix:///tmp/never.sock"])
        .env_remove("NITRO_KMS_ENCLAVE_SIMULATE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--ephemeral-sealing-key"), "{stderr}");
}

#[test]
fn environment_variables_configure_the_enclave_and_sigterm_stops_it_before_any_parent() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("e.sock");
    let mut child = Command::new(binary("nitro-kms-enclave"))
        .env("NITRO_KMS_ENCLAVE_SIMULATE", "true")
        .env("NITRO_KMS_ENCLAVE_STATE_DIR", dir.path().join("world"))
        .env(
            "NITRO_KMS_ENCLAVE_LISTEN",
            format!("unix://{}", socket.display()),
        )
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&socket);
    // The simulated world was created where the environment said.
    assert!(dir.path().join("world/sealing.key").exists());
    assert_eq!(terminate(&mut child), Some(0));
}

#[test]
fn a_toml_file_configures_the_enclave() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("t.sock");
    let config = dir.path().join("enclave.toml");
    std::fs::write(
        &config,
        format!(
            "simulate = true\nstate_dir = \"{}\"\nlisten = \"unix://{}\"\nregion = \"eu-west-1\"\n",
            dir.path().join("world").display(),
            socket.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(binary("nitro-kms-enclave"))
        .arg("--config")
        .arg(&config)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&socket);
    assert_eq!(terminate(&mut child), Some(0));
}

#[test]
fn listening_on_vsock_binds_or_says_why_not() {
    // Bind only: a connect over vsock would leave this machine.
    let mut child = Command::new(binary("nitro-kms-enclave"))
        .args(["--ephemeral-sealing-key", "--listen", "vsock://ANY:47123"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    match child.try_wait().unwrap() {
        // Bound and waiting for a parent: SIGTERM stops it cleanly.
        None => assert_eq!(terminate(&mut child), Some(0)),
        // No vsock on this host: a clear error, status 1.
        Some(status) => {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            assert_eq!(status.code(), Some(1), "{stderr}");
            assert!(
                stderr.contains("cannot listen on vsock://ANY:47123"),
                "{stderr}"
            );
        }
    }
}
