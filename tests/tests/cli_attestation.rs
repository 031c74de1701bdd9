//! End-to-end: `nitro-kms attestation …` on real Nitro documents and on simulated ones.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::PathBuf;

use nitro_kms_tests::{nitro_kms, rsa_key, stdout_ok, vectors_dir};
use serde_json::Value;

/// One real document from the manifest, with what it must decode to.
struct RealDoc {
    file: &'static str,
    at: u64,
    leaf_not_after: u64,
    module_id: &'static str,
    timestamp_ms: u64,
    pcr0: &'static str,
}

const REAL: [RealDoc; 3] = [
    RealDoc {
        file: "evervault_prod_with_nonce.cose",
        at: 1_665_651_482,
        leaf_not_after: 1_665_662_282, // 2022-10-13T11:58:02Z
        module_id: "i-020b6af9246d90e92-enc0183d09086c24190",
        timestamp_ms: 1_665_651_482_136,
        pcr0: "f4d48b81a460c9916d1e685119074bf24660afd3e34fae9fca0a0d28d9d5599936332687e6f66fc890ac8cf150142d8b",
    },
    RealDoc {
        file: "evervault_debug_mode.cose",
        at: 1_665_582_606,
        leaf_not_after: 1_665_593_394, // 2022-10-12T16:49:54Z
        module_id: "i-03ad7cdb817437eeb-enc0183cc7569b3f6e1",
        timestamp_ms: 1_665_582_606_081,
        pcr0: "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    },
    RealDoc {
        file: "anjuna_prod_with_rsa_public_key.cose",
        at: 1_616_602_241,
        leaf_not_after: 1_616_612_782, // 2021-03-24T19:06:22Z
        module_id: "i-0a6d65e7122308898-enc017846bcd2f820da",
        timestamp_ms: 1_616_602_241_734,
        pcr0: "672cd3c91b7ac756037d260051169c70b1de59c7a3a9a8253322c98763697891c722fec043cbf72a824ae5d5ac41fc41",
    },
];

fn doc_path(file: &str) -> String {
    vectors_dir()
        .join("attestation")
        .join(file)
        .display()
        .to_string()
}

#[test]
fn attestation_verify_prints_real_documents_as_json_against_the_aws_root() {
    for doc in &REAL {
        let at = doc.at.to_string();
        let out = stdout_ok(&nitro_kms(&[
            "attestation",
            "verify",
            &doc_path(doc.file),
            "--at",
            &at,
            "--max-age",
            "0",
        ]));
        let json: Value = serde_json::from_str(&out).expect("verify prints JSON");
        assert_eq!(json["module_id"], doc.module_id, "{}", doc.file);
        assert_eq!(json["timestamp"], doc.timestamp_ms, "{}", doc.file);
        assert_eq!(json["digest"], "SHA384");
        assert_eq!(json["pcrs"]["0"], doc.pcr0, "{}", doc.file);
        assert_eq!(json["pcrs"].as_object().map(|m| m.len()), Some(16));
        for field in ["public_key", "user_data", "nonce"] {
            assert!(json[field].is_null() || json[field].is_string(), "{field}");
        }
    }
}

#[test]
fn attestation_verify_fails_one_hour_after_leaf_expiry_with_one_line() {
    for doc in &REAL {
        let at = (doc.leaf_not_after + 3600).to_string();
        let out = nitro_kms(&[
            "attestation",
            "verify",
            &doc_path(doc.file),
            "--at",
            &at,
            "--max-age",
            "0",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", doc.file);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.to_lowercase().contains("expired"), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn attestation_verify_enforces_max_age() {
    let doc = &REAL[0];
    let at = (doc.at + 600).to_string();
    let out = nitro_kms(&[
        "attestation",
        "verify",
        &doc_path(doc.file),
        "--at",
        &at,
        "--max-age",
        "300",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let ok = nitro_kms(&[
        "attestation",
        "verify",
        &doc_path(doc.file),
        "--at",
        &at,
        "--max-age",
        "900",
    ]);
    stdout_ok(&ok);
}

struct Sim {
    dir: tempfile::TempDir,
}

impl Sim {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
    fn state(&self) -> String {
        self.path("state")
    }
    fn root_pem(&self) -> String {
        let pem = stdout_ok(&nitro_kms(&[
            "attestation",
            "simulated-root",
            "--state-dir",
            &self.state(),
        ]));
        let path = self.path("root.pem");
        std::fs::write(&path, pem).expect("write root");
        path
    }
}

#[test]
fn simulated_documents_verify_only_against_the_simulated_root() {
    let sim = Sim::new();
    let root = sim.root_pem();
    assert!(
        std::fs::read_to_string(&root)
            .expect("root")
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let doc = sim.path("doc.cose");
    stdout_ok(&nitro_kms(&[
        "attestation",
        "simulate",
        "--state-dir",
        &sim.state(),
        "--nonce",
        "bm9uY2U=",
        "--user-data",
        "aGk=",
        "--out",
        &doc,
    ]));
    let out = stdout_ok(&nitro_kms(&[
        "attestation",
        "verify",
        &doc,
        "--trust-simulated-root",
        &root,
    ]));
    let json: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["nonce"], "bm9uY2U=");
    assert_eq!(json["user_data"], "aGk=");
    assert!(json["public_key"].is_null());
    assert_eq!(
        json["pcrs"]["0"],
        "0".repeat(96),
        "no image: PCR0 zero like a debug-mode enclave"
    );

    // The embedded AWS root must refuse it.
    let refused = nitro_kms(&["attestation", "verify", &doc]);
    assert_eq!(refused.status.code(), Some(1));
    // So must another simulated world's root.
    let other = Sim::new();
    let other_root = other.root_pem();
    let refused = nitro_kms(&[
        "attestation",
        "verify",
        &doc,
        "--trust-simulated-root",
        &other_root,
    ]);
    assert_eq!(refused.status.code(), Some(1));
}

#[test]
fn simulate_binds_public_key_and_image_pcr0() {
    let sim = Sim::new();
    let root = sim.root_pem();
    let image = sim.path("enclave.img");
    std::fs::write(&image, b"pretend enclave image").expect("image");
    let spki = sim.path("pub.der");
    std::fs::write(&spki, [0x30, 0x03, 0x02, 0x01, 0x00]).expect("spki");
    let doc = sim.path("doc.cose");
    stdout_ok(&nitro_kms(&[
        "attestation",
        "simulate",
        "--state-dir",
        &sim.state(),
        "--public-key",
        &spki,
        "--image",
        &image,
        "--pcr",
        &format!("4={}", "ab".repeat(48)),
        "--out",
        &doc,
    ]));
    let out = stdout_ok(&nitro_kms(&[
        "attestation",
        "verify",
        &doc,
        "--trust-simulated-root",
        &root,
    ]));
    let json: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["public_key"], "MAMCAQA=");
    let pcr0 = std::process::Command::new("openssl")
        .args(["dgst", "-sha384", "-r", &image])
        .output()
        .expect("openssl is required");
    let pcr0 = String::from_utf8_lossy(&pcr0.stdout);
    assert_eq!(json["pcrs"]["0"].as_str(), pcr0.split_whitespace().next());
    assert_eq!(json["pcrs"]["4"], "ab".repeat(48));
}

#[test]
fn simulate_refuses_oversize_user_data() {
    let sim = Sim::new();
    let big = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![7u8; 1025]);
    let out = nitro_kms(&[
        "attestation",
        "simulate",
        "--state-dir",
        &sim.state(),
        "--user-data",
        &big,
        "--out",
        &sim.path("d"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!PathBuf::from(sim.path("d")).exists());
}

#[test]
fn recipient_encrypt_to_a_simulated_attestation_round_trips() {
    let sim = Sim::new();
    let root = sim.root_pem();
    let key = rsa_key(sim.dir.path(), "app");
    let doc = sim.path("doc.cose");
    stdout_ok(&nitro_kms(&[
        "attestation",
        "simulate",
        "--state-dir",
        &sim.state(),
        "--public-key",
        &key.spki_der.display().to_string(),
        "--out",
        &doc,
    ]));
    let data_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let envelope = sim.path("env.ber");
    stdout_ok(&nitro_kms(&[
        "recipient",
        "encrypt",
        "--attestation-document",
        &doc,
        "--trust-simulated-root",
        &root,
        "--plaintext",
        data_key,
        "--out",
        &envelope,
    ]));
    let out = stdout_ok(&nitro_kms(&[
        "recipient",
        "decrypt",
        &envelope,
        "--key",
        &key.pkcs8_der.display().to_string(),
    ]));
    assert_eq!(out.trim(), data_key);
    // Without trusting the simulated root, KMS must refuse to encrypt at all.
    let refused = nitro_kms(&[
        "recipient",
        "encrypt",
        "--attestation-document",
        &doc,
        "--plaintext",
        data_key,
        "--out",
        &sim.path("x"),
    ]);
    assert_eq!(refused.status.code(), Some(1));
}

#[test]
fn attestation_verify_accepts_a_base64_document_file() {
    let doc = &REAL[2];
    let raw = std::fs::read(doc_path(doc.file)).expect("vector");
    let dir = tempfile::tempdir().expect("tempdir");
    let b64 = dir.path().join("doc.b64");
    let text = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, raw);
    // Wrapped at 76 columns, as `base64` prints it.
    let wrapped: Vec<&str> = text
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    std::fs::write(&b64, wrapped.join("\n")).expect("write");
    let at = doc.at.to_string();
    let out = stdout_ok(&nitro_kms(&[
        "attestation",
        "verify",
        b64.to_str().expect("utf-8 path"),
        "--at",
        &at,
        "--max-age",
        "0",
    ]));
    let json: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["module_id"], doc.module_id);
    assert_eq!(
        json["public_key"].as_str().map(|k| k.len()),
        Some(392),
        "294-byte RSA SPKI in base64"
    );
}

#[test]
fn output_to_a_closed_pipe_is_not_a_crash() {
    // `nitro-kms ... | head -3`: the reader may be gone before we write. Deterministic here: the
    // pipe's read end is closed before the command starts.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let real = &REAL[0];
    let status = std::process::Command::new(nitro_kms_tests::binary("nitro-kms"))
        .args(["attestation", "verify"])
        .arg(vectors_dir().join("attestation").join(real.file))
        .args(["--at", &real.at.to_string(), "--max-age", "0"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}
