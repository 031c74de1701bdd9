#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `nitro-kms` binary's errors for the mistakes a newcomer makes first, each one line and with
//! the AWS CLI's exit code for a usage error (252), before any request is sent: a
//! `--recipient simulated:DIR` with no simulated world there (it is not created), `--recipient nsm`
//! outside a Nitro enclave (for the KMS subcommands and `bench`, the commands that open the NSM),
//! and key files accepted as PEM as well as DER.

use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use nitro_kms_crypto::{RsaKeySize, RsaPrivateKey};

/// Runs `nitro-kms` with credentials and an endpoint nothing listens on: an error that comes
/// before any request cannot be a connection error.
fn nitro_kms(args: &[&str]) -> Output {
    Command::new(nitro_kms_tests::binary("nitro-kms"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap()
}

/// Standard error as text, asserted to be one line.
fn one_line_stderr(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).trim_end().to_owned();
    assert!(!text.contains('\n'), "more than one line: {text}");
    assert!(!text.contains("{ "), "a Debug value: {text}");
    text
}

/// `der` as PEM with `label` (RFC 7468: base64 in 64-character lines).
fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[test]
fn a_simulated_dir_without_a_world_is_refused_before_any_request_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-world");
    let recipient = format!("simulated:{}", missing.display());
    let out = nitro_kms(&[
        "generate-data-key",
        "--key-id",
        "alias/app",
        "--key-spec",
        "AES_256",
        "--recipient",
        &recipient,
    ]);
    assert_eq!(out.status.code(), Some(252));
    let message = one_line_stderr(&out);
    let expected = format!(
        "no simulated world at {0}: run `nitro-kms-proxy --simulate --state-dir {0}` first",
        missing.display()
    );
    assert!(message.contains(&expected), "{message}");
    assert!(!missing.exists(), "the world must not be created");
}

#[test]
fn nsm_outside_an_enclave_says_so_in_one_line() {
    if Path::new("/dev/nsm").exists() {
        return; // inside a Nitro enclave: nothing to refuse
    }
    // The commands that open the NSM: the KMS subcommands and `bench`.
    let commands: [&[&str]; 2] = [
        &["generate-random", "--number-of-bytes", "8"],
        &["bench", "--key-id", "alias/app", "--requests", "1"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--endpoint-url", "http://127.0.0.1:9", "--recipient", "nsm"]);
        let out = nitro_kms(&args);
        assert_eq!(out.status.code(), Some(252), "{command:?}");
        let message = one_line_stderr(&out);
        assert!(
            message.contains(
                "not inside a Nitro enclave (no /dev/nsm); use --recipient simulated:DIR for local development"
            ),
            "{command:?}: {message}"
        );
    }
}

#[test]
fn recipient_keys_are_read_as_pem_or_der() {
    let dir = tempfile::tempdir().unwrap();
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let files = [
        ("pub.der", key.public_key_spki_der().to_vec()),
        (
            "pub.pem",
            pem("PUBLIC KEY", key.public_key_spki_der()).into_bytes(),
        ),
        ("key.der", key.pkcs8_der().expose().to_vec()),
        (
            "key.pem",
            pem("PRIVATE KEY", key.pkcs8_der().expose()).into_bytes(),
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let path = |name: &str| dir.path().join(name).display().to_string();
    for public in ["pub.der", "pub.pem"] {
        let envelope = path(&format!("{public}.env"));
        let out = nitro_kms(&[
            "recipient",
            "encrypt",
            "--public-key",
            &path(public),
            "--plaintext",
            "aGVsbG8=",
            "--out",
            &envelope,
        ]);
        assert!(out.status.success(), "{}", one_line_stderr(&out));
        for private in ["key.der", "key.pem"] {
            let out = nitro_kms(&["recipient", "decrypt", &envelope, "--key", &path(private)]);
            assert!(out.status.success(), "{}", one_line_stderr(&out));
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "aGVsbG8=");
        }
    }
    // A public key where the private one belongs: one line naming both, exit 252.
    let out = nitro_kms(&[
        "recipient",
        "decrypt",
        &path("pub.pem.env"),
        "--key",
        &path("pub.pem"),
    ]);
    assert_eq!(out.status.code(), Some(252));
    let message = one_line_stderr(&out);
    assert!(
        message.contains("a PEM `PUBLIC KEY`, expected `PRIVATE KEY`"),
        "{message}"
    );
}
