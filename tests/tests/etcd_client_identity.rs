#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The enclave's etcd client identity (issue 19), the whole process: `--print-etcd-csr` in the
//! simulation prints a CSR for the key derived from the simulated sealing key (the same key every
//! time), and an enclave configured with `storage = "etcd"` and a certificate for another key
//! refuses to start, logging the CSR to sign.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateSigningRequestDer, pem::PemObject};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn print_csr(state_dir: &Path) -> Output {
    Command::new(nitro_kms_tests::binary("nitro-kms-enclave"))
        .args(["--simulate", "--state-dir"])
        .arg(state_dir)
        .arg("--print-etcd-csr")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The DER of the CSR in `pem`.
fn csr_der(pem: &str) -> Vec<u8> {
    CertificateSigningRequestDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .as_ref()
        .to_vec()
}

/// The SPKI of the etcd client key the enclave derives from the simulated sealing key in
/// `state_dir` (computed here independently, from the key file).
fn expected_spki(state_dir: &Path) -> Vec<u8> {
    let sealing = std::fs::read(state_dir.join("sealing.key")).unwrap();
    let seed =
        nitro_kms_crypto::hkdf_sha256(&sealing, b"", b"nitro-kms etcd client key v1", 32).unwrap();
    nitro_kms_crypto::etcd_client_key::derive_p256_client_key(seed.expose())
        .unwrap()
        .public_key_spki_der()
        .to_vec()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn print_etcd_csr_gives_the_same_derived_public_key_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let first = print_csr(dir.path());
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let second = print_csr(dir.path());
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let spki = expected_spki(dir.path());
    for out in [&first, &second] {
        let pem = text(&out.stdout);
        assert!(
            pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
            "{pem}"
        );
        assert!(
            contains(&csr_der(&pem), &spki),
            "the CSR does not carry the derived key"
        );
    }
    assert_eq!(text(&first.stderr), text(&second.stderr));
    assert!(
        text(&first.stderr).contains(&hex::encode(nitro_kms_crypto::sha256(&spki))),
        "{}",
        text(&first.stderr)
    );
}

#[test]
fn print_etcd_csr_outside_the_simulation_is_status_2() {
    let out = Command::new(nitro_kms_tests::binary("nitro-kms-enclave"))
        .args(["--ephemeral-sealing-key", "--print-etcd-csr"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("running enclave"),
        "{}",
        text(&out.stderr)
    );
}

/// Kills the enclave if the test ends before it exits.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn an_enclave_with_a_certificate_for_another_key_logs_its_csr_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let other = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["nitro-kms-enclave".to_owned()])
        .unwrap()
        .signed_by(&other, &issuer)
        .unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca_pem).unwrap();
    std::fs::write(dir.path().join("client.pem"), cert.pem()).unwrap();
    let log = dir.path().join("enclave.log");
    let state = dir.path().join("state");
    let child = Command::new(nitro_kms_tests::binary("nitro-kms-enclave"))
        .args(["--simulate", "--state-dir"])
        .arg(&state)
        .arg("--listen")
        .arg(format!(
            "unix://{}",
            dir.path().join("enclave.sock").display()
        ))
        .args([
            "--storage",
            "etcd",
            "--etcd-endpoints",
            "127.0.0.1:1",
            "--etcd-ca",
        ])
        .arg(dir.path().join("ca.pem"))
        .arg("--etcd-client-certificate")
        .arg(dir.path().join("client.pem"))
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stdout(Stdio::null())
        .stdin(Stdio::null())
        .env("RUST_LOG", "info")
        .spawn()
        .unwrap();
    let mut child = Guard(child);
    // A generous bound only so that a broken enclave cannot hang the suite.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the enclave did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(1), "{log}");
    let line = log
        .lines()
        .find(|l| l.contains("not for this enclave's etcd client key"))
        .unwrap_or_else(|| panic!("no error line: {log}"));
    assert!(line.contains("BEGIN CERTIFICATE REQUEST"), "{line}");
    let spki = expected_spki(&state);
    assert!(
        line.contains(&hex::encode(nitro_kms_crypto::sha256(&spki))),
        "{line}"
    );
    assert!(!log.contains("etcd client identity ok"), "{log}");
}
