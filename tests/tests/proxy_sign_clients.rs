#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sign, Verify and GetPublicKey as AWS's own clients call them, against `nitro-kms-proxy
//! --simulate`: boto3 for every signing key spec and algorithm, each signature checked by Python
//! `cryptography` and OpenSSL with the public key GetPublicKey returns
//! (`tests/python/sign_verify.py`; Ed25519 pure and Ed25519ph in `tests/python/ed25519_sign.py`),
//! and the AWS CLI (`sign`, `verify`, `get-public-key`, the
//! KMSInvalidSignatureException of another message's signature). Sources: the model (Verify
//! fails rather than answering `SignatureValid: false`) and the recorded AWS errors
//! (`shared/spec/aws-kms-real-errors.txt`, `test_sign_verify[*]`).

use nitro_kms_tests::proxy::{Sim, aws_output_json as ok};
use std::path::Path;

/// Runs `tests/python/<script>` against a fresh simulation; it must succeed and print `done`.
fn run_script(script: &str, done: &str) {
    let sim = Sim::start(&[]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(script);
    let out = sim.python(&path, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(done), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn boto3_signatures_of_every_spec_verify_with_cryptography_openssl_and_kms() {
    run_script("sign_verify.py", "sign verify complete");
}

#[test]
fn boto3_ed25519_signatures_verify_with_cryptography_openssl_and_kms() {
    run_script("ed25519_sign.py", "ed25519 complete");
}

#[test]
fn the_aws_cli_signs_verifies_and_gets_the_public_key() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&[
        "create-key",
        "--key-spec",
        "ECC_NIST_P384",
        "--key-usage",
        "SIGN_VERIFY",
    ]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let arn = created["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    let public = ok(&sim.aws(&["get-public-key", "--key-id", &key]));
    assert_eq!(public["KeySpec"], "ECC_NIST_P384");
    assert_eq!(public["SigningAlgorithms"][0], "ECDSA_SHA_384");
    let message = sim.dir.join("message.txt");
    std::fs::write(&message, b"hello from the aws cli").unwrap();
    let message = format!("fileb://{}", message.display());
    let signed = ok(&sim.aws(&[
        "sign",
        "--key-id",
        &key,
        "--signing-algorithm",
        "ECDSA_SHA_384",
        "--message",
        &message,
    ]));
    assert_eq!(signed["KeyId"], arn);
    assert_eq!(signed["SigningAlgorithm"], "ECDSA_SHA_384");
    // The CLI prints blobs in base64; write the signature back as raw bytes for --signature.
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(signed["Signature"].as_str().unwrap())
        .unwrap();
    let sig_file = sim.dir.join("sig.bin");
    std::fs::write(&sig_file, &raw).unwrap();
    let signature = format!("fileb://{}", sig_file.display());
    let verified = ok(&sim.aws(&[
        "verify",
        "--key-id",
        &key,
        "--signing-algorithm",
        "ECDSA_SHA_384",
        "--message",
        &message,
        "--signature",
        &signature,
    ]));
    assert_eq!(verified["SignatureValid"], true);
    assert_eq!(verified["KeyId"], arn);
    let other = sim.dir.join("other.txt");
    std::fs::write(&other, b"another message").unwrap();
    let refused = sim.aws(&[
        "verify",
        "--key-id",
        &key,
        "--signing-algorithm",
        "ECDSA_SHA_384",
        "--message",
        &format!("fileb://{}", other.display()),
        "--signature",
        &signature,
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(
            "An error occurred (KMSInvalidSignatureException) when calling the Verify operation"
        ),
        "{stderr}"
    );
    assert_eq!(sim.terminate(), Some(0));
}
