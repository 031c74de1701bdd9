#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The whole `make demo` run at trace level leaks no secret into any log.
//!
//! The demo (scripts/demo.sh) drives the simulated chain with the real AWS CLI, boto3 and the
//! `nitro-kms` CLI: data keys in plaintext, a data key for an attested recipient, a Decrypt. It is
//! run here with `RUST_LOG=trace` and `DEMO_KEEP`, which keeps every file of the run. Then every
//! secret that went through the system is looked for in the logs of the proxy and the enclave
//! (the enclave's standard error goes to the proxy's log) in every form a careless log line would
//! print it: raw bytes, base64, lower- and upper-case hex, and Rust's `Debug` of a byte array.
//!
//! The secrets: every `Plaintext` the AWS CLI printed, the data key the application opened from
//! `CiphertextForRecipient`, the application's RSA private key, the enclave's sealing key, the
//! simulated NSM's private keys, and the caller's secret access key.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A secret and where it came from (for the failure message).
struct Secret {
    what: String,
    bytes: Vec<u8>,
}

/// Every way a log line could print `bytes`.
fn forms(bytes: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let debug_prefix = format!(
        "[{}",
        bytes
            .iter()
            .take(8)
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    vec![
        ("raw", bytes.to_vec()),
        ("base64", STANDARD.encode(bytes).into_bytes()),
        ("hex", hex::encode(bytes).into_bytes()),
        ("HEX", hex::encode_upper(bytes).into_bytes()),
        ("Debug", debug_prefix.into_bytes()),
    ]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() <= haystack.len() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The base64 values of `"Plaintext": "..."` lines in the demo's output.
fn printed_plaintexts(stdout: &str) -> Vec<Vec<u8>> {
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"Plaintext\": \""))
        .filter_map(|rest| rest.split('"').next())
        .map(|b64| STANDARD.decode(b64).unwrap())
        .collect()
}

/// The private keys of a directory (`*.key` files and PKCS#8 DER), whole and decoded from PEM.
fn private_keys(dir: &Path, what: &str) -> Vec<Secret> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with(".key") || name.ends_with(".pk8") || name.ends_with("-key.pem")) {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        // A PEM file: its DER body is the secret (the base64 lines would also be caught whole).
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .concat();
        let der = if text.starts_with("-----BEGIN") {
            STANDARD.decode(body).unwrap()
        } else {
            bytes
        };
        out.push(Secret {
            what: format!("{what} {name}"),
            bytes: der,
        });
    }
    out
}

#[test]
fn a_trace_level_demo_run_logs_no_plaintext_key_private_key_or_credential() {
    let kept = tempfile::tempdir().unwrap();
    let out = nitro_kms_tests::demo_script("demo.sh")
        .env("RUST_LOG", "trace")
        .env("DEMO_KEEP", kept.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut secrets: Vec<Secret> = printed_plaintexts(&stdout)
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| Secret {
            what: format!("Plaintext #{i} printed by the AWS CLI"),
            bytes,
        })
        .collect();
    assert!(
        secrets.len() >= 2,
        "the demo printed fewer plaintexts than it makes: {stdout}"
    );
    let opened = std::fs::read_to_string(kept.path().join("got")).unwrap();
    secrets.push(Secret {
        what: "the data key opened from CiphertextForRecipient".into(),
        bytes: STANDARD.decode(opened.trim()).unwrap(),
    });
    secrets.extend(private_keys(kept.path(), "application private key"));
    let world = private_keys(&kept.path().join("world"), "simulated world");
    assert!(
        world.iter().any(|s| s.what.ends_with("sealing.key")),
        "no sealing key in the simulated world"
    );
    secrets.extend(world);
    secrets.push(Secret {
        what: "the caller's secret access key".into(),
        bytes: nitro_kms_api::sigv4::SIMULATION_SECRET_ACCESS_KEY
            .as_bytes()
            .to_vec(),
    });

    // The scan itself works: the simulation prints its (public, fixed) credentials on standard
    // output on purpose, and the scan finds them there.
    let printed = std::fs::read(kept.path().join("proxy.out")).unwrap();
    let credential = secrets.last().unwrap();
    assert!(contains(&printed, &forms(&credential.bytes)[0].1));

    let log = std::fs::read(kept.path().join("proxy.log")).unwrap();
    // The scan must cover a real trace-level log: the proxy's per-request lines are debug level.
    let text = String::from_utf8_lossy(&log);
    for op in ["GenerateDataKey", "Decrypt"] {
        assert!(
            text.lines()
                .any(|l| l.contains("answered") && l.contains(op)),
            "no debug line for {op}: is RUST_LOG=trace reaching the proxy?\n{text}"
        );
    }
    assert!(contains(&log, b"nitro-kms-enclave: listening"));
    for secret in &secrets {
        assert!(
            secret.bytes.len() >= 16,
            "{} is too short to scan",
            secret.what
        );
        for (form, needle) in forms(&secret.bytes) {
            assert!(
                !contains(&log, &needle),
                "{} appears in the log as {form}",
                secret.what
            );
        }
    }
}
