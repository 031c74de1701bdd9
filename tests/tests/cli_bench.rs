#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `nitro-kms bench` against the simulated chain: it runs, counts, and reports in JSON. (Its
//! numbers are benchmarks, never assertions.)

use std::process::Command;

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::Sim;
use serde_json::Value;

fn bench(sim: &Sim, extra: &[&str]) -> Value {
    json_of(
        Command::new(nitro_kms_tests::binary("nitro-kms"))
            .args(["bench", "--endpoint-url", &sim.endpoint, "--json"])
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY),
    )
}

/// Runs a `nitro-kms bench --json` command that must succeed and returns its JSON.
fn json_of(command: &mut Command) -> Value {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bench_reports_counts_percentiles_and_connections_in_json() {
    let sim = Sim::start(&[]);
    for op in [
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "Decrypt",
    ] {
        let r = bench(
            &sim,
            &["--operation", op, "--concurrency", "4", "--requests", "200"],
        );
        assert_eq!(r["operation"], op);
        assert_eq!(r["requests"], 200);
        assert_eq!(r["errors"], 0);
        for field in [
            "requests_per_second",
            "p50_ms",
            "p90_ms",
            "p99_ms",
            "p999_ms",
        ] {
            assert!(r[field].as_f64().unwrap() > 0.0, "{field}: {r}");
        }
        assert!(r["p50_ms"].as_f64() <= r["p99_ms"].as_f64());
        assert!(r["connections"].as_u64().unwrap() <= 4, "{r}");
    }
    let recipient = format!("simulated:{}", sim.dir.display());
    let r = bench(
        &sim,
        &[
            "--concurrency",
            "2",
            "--requests",
            "20",
            "--recipient",
            &recipient,
        ],
    );
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(20), Some(0)),
        "{r}"
    );
    let r = bench(
        &sim,
        &[
            "--concurrency",
            "2",
            "--requests",
            "20",
            "--recipient",
            &recipient,
            "--reuse-document",
        ],
    );
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(20), Some(0)),
        "{r}"
    );
}

/// An enclave started alone (control link and HTTP endpoint on Unix sockets), killed when
/// dropped: the bench is its only parent.
struct LoneEnclave {
    child: std::process::Child,
    socket: std::path::PathBuf,
    http: std::path::PathBuf,
    world: std::path::PathBuf,
}

impl Drop for LoneEnclave {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lone_enclave(dir: &std::path::Path) -> LoneEnclave {
    let world = dir.join("world");
    std::fs::create_dir_all(&world).unwrap();
    let socket = dir.join("enclave.sock");
    let http = dir.join("enclave-http.sock");
    let child = Command::new(nitro_kms_tests::binary("nitro-kms-enclave"))
        .arg("--simulate")
        .arg("--state-dir")
        .arg(&world)
        .arg("--listen")
        .arg(format!("unix://{}", socket.display()))
        .arg("--http-listen")
        .arg(format!("unix://{}", http.display()))
        .arg("--trust-simulated-root")
        .arg(world.join("root.pem"))
        .args(["--region", "us-east-1", "--account", "111122223333"])
        .stderr(std::fs::File::create(dir.join("enclave.log")).unwrap())
        .spawn()
        .unwrap();
    for _ in 0..500 {
        if socket.exists() && http.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    LoneEnclave {
        child,
        socket,
        http,
        world,
    }
}

/// `nitro-kms bench --enclave` against the lone enclave's HTTP endpoint, the bench its parent on
/// the control link (`--control`, `--state-dir`).
fn bench_alone(enclave: &LoneEnclave, parent: &std::path::Path, extra: &[&str]) -> Value {
    json_of(
        Command::new(nitro_kms_tests::binary("nitro-kms"))
            .arg("bench")
            .arg("--enclave")
            .arg(format!("unix://{}", enclave.http.display()))
            .arg("--control")
            .arg(format!("unix://{}", enclave.socket.display()))
            .arg("--state-dir")
            .arg(parent)
            .arg("--json")
            .args(extra),
    )
}

#[test]
fn bench_drives_the_enclave_alone_at_its_http_endpoint_and_serves_its_persists() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = lone_enclave(dir.path());
    let parent = dir.path().join("parent");
    // No --key-id: the bench creates the key, which the enclave persists through the bench.
    for op in [
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "Decrypt",
    ] {
        let r = bench_alone(
            &enclave,
            &parent,
            &["--operation", op, "--concurrency", "8", "--requests", "300"],
        );
        assert_eq!(r["target"], "enclave");
        assert_eq!(r["operation"], op);
        assert_eq!(
            (r["requests"].as_u64(), r["errors"].as_u64()),
            (Some(300), Some(0)),
            "{r}"
        );
    }
    // The keys created went through the bench's state store.
    assert!(
        std::fs::metadata(parent.join("keystore.journal"))
            .map(|m| m.len() > 0)
            .unwrap_or(false)
            || parent.join("keystore.snapshot").exists()
    );
    let recipient = format!("simulated:{}", enclave.world.display());
    let r = bench_alone(
        &enclave,
        &parent,
        &[
            "--concurrency",
            "4",
            "--requests",
            "40",
            "--recipient",
            &recipient,
        ],
    );
    assert_eq!(r["operation"], "GenerateDataKey+Recipient(fresh document)");
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(40), Some(0)),
        "{r}"
    );
}

#[test]
fn bench_counts_recipient_answers_from_an_untrusted_root_as_errors() {
    // A document from another simulated world: the enclave refuses it, and every request is an
    // error the bench reports (with the first one's text), not a success.
    let dir = tempfile::tempdir().unwrap();
    let enclave = lone_enclave(dir.path());
    let stranger = dir.path().join("stranger");
    std::fs::create_dir_all(&stranger).unwrap();
    let recipient = format!("simulated:{}", stranger.display());
    // Make that other world (its own root): the CLI refuses a directory that holds none.
    nitro_kms_attest::nsm::source::NsmSource::parse(&recipient)
        .unwrap()
        .open()
        .unwrap();
    let r = bench_alone(
        &enclave,
        &dir.path().join("parent"),
        &[
            "--concurrency",
            "2",
            "--requests",
            "6",
            "--recipient",
            &recipient,
        ],
    );
    assert_eq!(r["errors"], 6, "{r}");
    assert!(
        r["first_error"]
            .as_str()
            .unwrap()
            .contains("The attestation document in Recipient is not valid"),
        "{r}"
    );
}

#[test]
fn bench_attests_inline_over_http_and_opens_every_answer() {
    let sim = Sim::start(&[]);
    let recipient = format!("simulated:{}", sim.dir.display());
    let r = bench(
        &sim,
        &[
            "--concurrency",
            "2",
            "--requests",
            "10",
            "--recipient",
            &recipient,
            "--attest-inline",
        ],
    );
    assert_eq!(r["operation"], "GenerateDataKey+Recipient(attested inline)");
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(10), Some(0)),
        "{r}"
    );
}

#[test]
fn bench_refuses_a_state_directory_another_parent_holds() {
    // Like the proxy (issue 15, item 5), the bench as an enclave's parent takes the state
    // directory's lock: two parents on one directory would overwrite each other's sealed state.
    let dir = tempfile::tempdir().unwrap();
    let _held = nitro_kms_parent_link::StateDirLock::acquire(dir.path()).unwrap();
    let out = Command::new(nitro_kms_tests::binary("nitro-kms"))
        .arg("bench")
        .arg("--enclave")
        .arg(format!(
            "unix://{}",
            dir.path().join("no-enclave-http.sock").display()
        ))
        .arg("--control")
        .arg(format!(
            "unix://{}",
            dir.path().join("no-enclave.sock").display()
        ))
        .arg("--state-dir")
        .arg(dir.path())
        .args(["--json", "--requests", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("in use by process {}", std::process::id())),
        "{stderr}"
    );
}

#[test]
fn bench_measures_the_simulations_enclave_at_its_own_endpoint_past_the_proxy() {
    // The proxy stays the enclave's parent (its control link); the bench signs with the
    // simulation key and talks to the enclave's own HTTP endpoint, not to the proxy.
    let sim = Sim::start(&[]);
    let http = sim.dir.join("enclave-http.sock");
    let r = json_of(
        Command::new(nitro_kms_tests::binary("nitro-kms"))
            .arg("bench")
            .arg("--enclave")
            .arg(format!("unix://{}", http.display()))
            .args(["--json", "--concurrency", "2", "--requests", "40"]),
    );
    assert_eq!(r["target"], "enclave");
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(40), Some(0)),
        "{r}"
    );
    assert_eq!(sim.terminate(), Some(0));
}
