#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `nitro-kms bench` against the simulated chain: it runs, counts, and reports in JSON. (Its
//! numbers are benchmarks, never assertions.)

use std::process::Command;

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::Sim;
use serde_json::Value;

/// `nitro-kms bench --endpoint-url SIM --json EXTRA`, signed with the simulation's keys.
fn bench_command(sim: &Sim, extra: &[&str]) -> Command {
    let mut command = Command::new(nitro_kms_tests::binary("nitro-kms"));
    command
        .args(["bench", "--endpoint-url", &sim.endpoint, "--json"])
        .args(extra)
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY);
    command
}

fn bench(sim: &Sim, extra: &[&str]) -> Value {
    json_of(&mut bench_command(sim, extra))
}

/// Runs a `nitro-kms bench --json` command that must succeed and returns its JSON.
fn json_of(command: &mut Command) -> Value {
    json_and_stderr(command).0
}

/// Runs a `nitro-kms bench --json` command that must succeed: its JSON and what it said on stderr.
fn json_and_stderr(command: &mut Command) -> (Value, String) {
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

/// `nitro-kms ARGS --endpoint-url SIM` (a KMS operation), which must succeed; its JSON answer.
fn kms(sim: &Sim, args: &[&str]) -> Value {
    let out = Command::new(nitro_kms_tests::binary("nitro-kms"))
        .args(args)
        .args(["--endpoint-url", &sim.endpoint, "--region", "us-east-1"])
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// The key IDs ListKeys shows, and the key alias/nitro-kms-bench points at (if any).
fn keys_and_bench_alias(sim: &Sim) -> (Vec<String>, Option<String>) {
    let keys = kms(sim, &["list-keys"])["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["KeyId"].as_str().unwrap().to_owned())
        .collect();
    let alias = kms(sim, &["list-aliases"])["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["AliasName"] == "alias/nitro-kms-bench")
        .map(|a| a["TargetKeyId"].as_str().unwrap().to_owned());
    (keys, alias)
}

#[test]
fn bench_without_key_id_uses_and_reuses_alias_nitro_kms_bench() {
    let sim = Sim::start(&[]);
    let (keys_before, alias_before) = keys_and_bench_alias(&sim);
    assert_eq!(alias_before, None);
    // A mistyped --recipient is refused before the bench touches the service's keys.
    let missing = sim.dir.join("no-such-world");
    let out = bench_command(
        &sim,
        &[
            "--requests",
            "5",
            "--recipient",
            &format!("simulated:{}", missing.display()),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(252),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(keys_and_bench_alias(&sim), (keys_before.clone(), None));
    let run = || json_and_stderr(&mut bench_command(&sim, &["--requests", "5"]));

    let (first, stderr) = run();
    let key_id = first["key_id"].as_str().unwrap().to_owned();
    assert_eq!(
        (first["requests"].as_u64(), first["errors"].as_u64()),
        (Some(5), Some(0))
    );
    assert!(
        stderr.contains(&format!(
            "bench: using key {key_id} (alias/nitro-kms-bench, created now)"
        )),
        "{stderr}"
    );
    let (second, stderr) = run();
    assert_eq!(second["key_id"], key_id.as_str());
    assert!(
        stderr.contains(&format!(
            "bench: using key {key_id} (alias/nitro-kms-bench, existing)"
        )),
        "{stderr}"
    );

    // Two runs, one key: the alias's, described as the bench's.
    let (keys_after, alias_after) = keys_and_bench_alias(&sim);
    let added: Vec<_> = keys_after
        .iter()
        .filter(|k| !keys_before.contains(k))
        .collect();
    assert_eq!(added, [&key_id]);
    assert_eq!(alias_after.as_deref(), Some(key_id.as_str()));
    let described = kms(&sim, &["describe-key", "--key-id", "alias/nitro-kms-bench"]);
    assert_eq!(
        described["KeyMetadata"]["Description"],
        "nitro-kms bench key"
    );

    // A key behind the alias that bench cannot use: one line, exit 252, the two ways out.
    kms(&sim, &["disable-key", "--key-id", &key_id]);
    let out = bench_command(&sim, &["--requests", "5"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(252), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for part in [
        "alias/nitro-kms-bench",
        key_id.as_str(),
        "Disabled",
        "--key-id",
        "delete-alias",
    ] {
        assert!(stderr.contains(part), "{part} not in: {stderr}");
    }
    // --key-id still picks any key, and says nothing about the alias.
    let (given, stderr) = json_and_stderr(&mut bench_command(
        &sim,
        &["--requests", "1", "--key-id", &keys_after[0]],
    ));
    assert_eq!(given["key_id"], keys_after[0].as_str());
    assert!(!stderr.contains("using key"), "{stderr}");
}

/// The stderr lines of a document-making progress report: `LABEL DONE/COUNT (P%)...`.
fn progress_lines<'a>(stderr: &'a str, label: &str) -> Vec<&'a str> {
    let prefix = format!("bench: {label} ");
    stderr
        .lines()
        .filter(|l| l.starts_with(&prefix) && l.contains('/') && l.contains("%)"))
        .collect()
}

#[test]
fn bench_recipient_reports_document_preparation_progress() {
    let sim = Sim::start(&[]);
    let recipient = format!("simulated:{}", sim.dir.display());
    // A timed run: a warm-up measures the rate, then it says how many documents it makes and
    // why, shows their progress (plain lines off a terminal), and how long preparing took.
    let (r, stderr) = json_and_stderr(&mut bench_command(
        &sim,
        &[
            "--concurrency",
            "2",
            "--duration",
            "1",
            "--recipient",
            &recipient,
        ],
    ));
    assert_eq!(r["operation"], "GenerateDataKey+Recipient(fresh document)");
    assert_eq!(r["errors"], 0, "{r}");
    assert!(!stderr.contains('\r'), "{stderr:?}");
    assert!(stderr.contains("bench: warm-up: 200 requests"), "{stderr}");
    let warm_up = progress_lines(&stderr, "warm-up documents");
    assert_eq!(
        warm_up.first(),
        Some(&"bench: warm-up documents 0/200 (0%)"),
        "{stderr}"
    );
    assert!(
        warm_up
            .last()
            .unwrap()
            .starts_with("bench: warm-up documents 200/200 (100%) in "),
        "{stderr}"
    );
    let making = stderr
        .lines()
        .find_map(|l| l.strip_prefix("bench: making "))
        .unwrap_or_else(|| panic!("no 'making N' line: {stderr}"));
    let (count, why) = making
        .split_once(" attestation documents ahead of the clock: ")
        .unwrap();
    assert!(
        why.contains("for 1 s at the") && why.contains("the warm-up measured"),
        "{why}"
    );
    let documents = progress_lines(&stderr, "documents");
    assert_eq!(
        documents.first().copied(),
        Some(format!("bench: documents 0/{count} (0%)").as_str())
    );
    assert!(
        documents
            .last()
            .unwrap()
            .starts_with(&format!("bench: documents {count}/{count} (100%) in ")),
        "{stderr}"
    );
    assert!(
        stderr.contains("bench: prepared in ") && stderr.contains("not part of the measured run"),
        "{stderr}"
    );

    // A counted run: one document per request, and it says so.
    let (r, stderr) = json_and_stderr(&mut bench_command(
        &sim,
        &["--requests", "20", "--recipient", &recipient],
    ));
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(20), Some(0)),
        "{r}"
    );
    assert!(
        stderr.contains(
            "bench: making 20 attestation documents ahead of the clock: one per request (--requests 20)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("warm-up"), "{stderr}");
    assert_eq!(
        progress_lines(&stderr, "documents")
            .last()
            .map(|l| l.starts_with("bench: documents 20/20 (100%)")),
        Some(true),
        "{stderr}"
    );
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

#[test]
fn bench_signs_verifies_and_macs_with_its_own_key_of_each_spec() {
    let sim = Sim::start(&[]);
    // (operation, --key-spec, the bench's alias for it, its algorithm, made now or reused)
    for (op, spec, alias, algorithm, how) in [
        (
            "Sign",
            "ECC_NIST_P256",
            "alias/nitro-kms-bench-sign-ecc-nist-p256",
            "ECDSA_SHA_256",
            "created now",
        ),
        (
            "Sign",
            "RSA_2048",
            "alias/nitro-kms-bench-sign-rsa-2048",
            "RSASSA_PSS_SHA_256",
            "created now",
        ),
        // Verify signs once before the clock starts, with the key Sign made.
        (
            "Verify",
            "ECC_NIST_P256",
            "alias/nitro-kms-bench-sign-ecc-nist-p256",
            "ECDSA_SHA_256",
            "existing",
        ),
        (
            "GenerateMac",
            "HMAC_256",
            "alias/nitro-kms-bench-mac-hmac-256",
            "HMAC_SHA_256",
            "created now",
        ),
    ] {
        let (r, stderr) = json_and_stderr(&mut bench_command(
            &sim,
            &[
                "--operation",
                op,
                "--key-spec",
                spec,
                "--concurrency",
                "2",
                "--requests",
                "20",
            ],
        ));
        assert_eq!(
            (r["requests"].as_u64(), r["errors"].as_u64()),
            (Some(20), Some(0)),
            "{op} {spec}: {r}"
        );
        assert_eq!(
            (&r["operation"], &r["key_spec"], &r["algorithm"]),
            (&op.into(), &spec.into(), &algorithm.into()),
            "{r}"
        );
        let key_id = r["key_id"].as_str().unwrap();
        assert!(
            stderr.contains(&format!("bench: using key {key_id} ({alias}, {how})")),
            "{stderr}"
        );
        let described = kms(&sim, &["describe-key", "--key-id", alias]);
        assert_eq!(described["KeyMetadata"]["KeyId"], key_id);
        assert_eq!(described["KeyMetadata"]["KeySpec"], spec);
    }
    // A spec the operation cannot use is refused before anything is sent.
    let out = bench_command(
        &sim,
        &[
            "--operation",
            "Sign",
            "--key-spec",
            "HMAC_256",
            "--requests",
            "1",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(252));
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
    // No --key-id: the first run creates the bench's key and alias, which the enclave persists
    // through the bench; the next runs reuse them.
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
    // The key and alias created went through the bench's state store.
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

#[test]
fn bench_mutations_each_change_the_store_once_per_request() {
    let sim = Sim::start(&[]);
    let (keys_before, _) = keys_and_bench_alias(&sim);
    let r = bench(
        &sim,
        &[
            "--operation",
            "CreateKey",
            "--concurrency",
            "2",
            "--requests",
            "10",
        ],
    );
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(10), Some(0)),
        "{r}"
    );
    let (keys_after, Some(bench_key)) = keys_and_bench_alias(&sim) else {
        panic!("no alias/nitro-kms-bench after a bench run");
    };
    // Ten keys made by the run, plus the bench's own key behind its alias.
    assert_eq!(keys_after.len(), keys_before.len() + 11, "{keys_after:?}");

    let r = bench(
        &sim,
        &[
            "--operation",
            "CreateAlias",
            "--concurrency",
            "3",
            "--requests",
            "12",
        ],
    );
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(12), Some(0)),
        "{r}"
    );
    let aliases = kms(&sim, &["list-aliases", "--key-id", &bench_key])["Aliases"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        aliases, 13,
        "a new alias per request, plus alias/nitro-kms-bench"
    );

    let r = bench(&sim, &["--operation", "TagResource", "--requests", "5"]);
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(5), Some(0)),
        "{r}"
    );
    let tags = kms(&sim, &["list-resource-tags", "--key-id", &bench_key]);
    assert_eq!(tags["Tags"][0]["TagKey"], "nitro-kms-bench", "{tags}");
    assert!(
        tags["Tags"][0]["TagValue"]
            .as_str()
            .unwrap()
            .ends_with("-4"),
        "the last request's value: {tags}"
    );
}
