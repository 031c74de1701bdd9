#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `make cluster-demo` (scripts/cluster_demo.sh, issue 19) runs to its end: three simulated
//! parents and enclaves on a three-member etcd cluster, writes through the leader, reads through
//! the followers, the follower's retryable error, a kill -9 of the leader and a new one — and it
//! ends with `cluster-demo: ok` and leaves nothing behind: no process started under its
//! temporary directory still runs, and the directory (sockets, etcd data, worlds) is gone.
//!
//! The script is bounded here (it gets SIGTERM, which runs its cleanup, past the deadline) and
//! skipped loudly when etcd is not installed.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the whole demo may take (debug binaries, 2 shared cores: it takes ~30 s).
const DEADLINE: Duration = Duration::from_secs(240);

/// The pids of running processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&cmdline).contains(needle)
        {
            found.push(format!("{name}: {}", String::from_utf8_lossy(&cmdline)));
        }
    }
    found
}

#[test]
fn the_cluster_demo_ends_ok_and_leaves_no_process_or_socket_behind() {
    if !nitro_kms_tests::etcd_store::etcd_available() {
        return;
    }
    // The script's temporary directory lives in here, so that what it leaves is easy to find.
    let tmp = tempfile::tempdir().unwrap();
    let tmp_path = tmp.path().display().to_string();
    let out_path = tmp.path().join("demo.out");
    let err_path = tmp.path().join("demo.err");
    let mut child = nitro_kms_tests::demo_script("cluster_demo.sh")
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            // SIGTERM runs the script's cleanup; SIGKILL only if that hangs too.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let grace = Instant::now();
            while child.try_wait().unwrap().is_none() && grace.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(200));
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the cluster demo did not end within {DEADLINE:?}:\n{}\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default(),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap();
    let stderr = std::fs::read_to_string(&err_path).unwrap();
    assert!(
        status.success(),
        "the cluster demo failed ({status}):\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.trim_end().ends_with("cluster-demo: ok"),
        "the demo did not end with its ok line:\n{stdout}"
    );
    assert!(
        stdout.contains("this enclave is a follower"),
        "the follower's error was not shown:\n{stdout}"
    );
    assert!(
        stdout.contains("leads after"),
        "no failover time printed:\n{stdout}"
    );

    let left = processes_mentioning(&tmp_path);
    assert!(left.is_empty(), "processes left running: {left:#?}");
    let files: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "demo.out" && name != "demo.err")
        .collect();
    assert!(
        files.is_empty(),
        "the demo left files (sockets, data) behind: {files:?}"
    );
}
