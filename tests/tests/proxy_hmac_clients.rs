#![allow(clippy::unwrap_used, clippy::expect_used)]
//! GenerateMac and VerifyMac as AWS's own clients call them, against `nitro-kms-proxy
//! --simulate`: boto3 for every HMAC key spec (`tests/python/hmac_macs.py`) and the AWS CLI
//! (`generate-mac`, `verify-mac`, the KMSInvalidMacException of another message's MAC).
//! Sources: the model (`VerifyMac` fails rather than answering `MacValid: false`) and the recorded
//! AWS errors (`shared/spec/aws-kms-real-errors.txt`, `test_invalid_verify_mac`).

use std::path::Path;
use std::process::Output;

use nitro_kms_tests::proxy::Sim;
use serde_json::Value;

fn ok(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "aws failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn boto3_generates_and_verifies_macs_for_every_hmac_spec() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/hmac_macs.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hmac script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("hmac macs complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn the_aws_cli_generates_and_verifies_a_mac() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&[
        "create-key",
        "--key-spec",
        "HMAC_384",
        "--key-usage",
        "GENERATE_VERIFY_MAC",
    ]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let arn = created["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    let message = sim.dir.join("message.txt");
    std::fs::write(&message, b"hello from the aws cli").unwrap();
    let message = format!("fileb://{}", message.display());
    let made = ok(&sim.aws(&[
        "generate-mac",
        "--key-id",
        &key,
        "--mac-algorithm",
        "HMAC_SHA_384",
        "--message",
        &message,
    ]));
    assert_eq!(made["KeyId"], arn);
    assert_eq!(made["MacAlgorithm"], "HMAC_SHA_384");
    // The CLI prints blobs in base64; write the MAC back as raw bytes for --mac.
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(made["Mac"].as_str().unwrap())
        .unwrap();
    assert_eq!(raw.len(), 48);
    let mac_file = sim.dir.join("mac.bin");
    std::fs::write(&mac_file, &raw).unwrap();
    let mac = format!("fileb://{}", mac_file.display());
    let verified = ok(&sim.aws(&[
        "verify-mac",
        "--key-id",
        &key,
        "--mac-algorithm",
        "HMAC_SHA_384",
        "--message",
        &message,
        "--mac",
        &mac,
    ]));
    assert_eq!(verified["MacValid"], true);
    assert_eq!(verified["KeyId"], arn);
    let other = sim.dir.join("other.txt");
    std::fs::write(&other, b"another message").unwrap();
    let refused = sim.aws(&[
        "verify-mac",
        "--key-id",
        &key,
        "--mac-algorithm",
        "HMAC_SHA_384",
        "--message",
        &format!("fileb://{}", other.display()),
        "--mac",
        &mac,
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(
            "An error occurred (KMSInvalidMacException) when calling the VerifyMac operation"
        ),
        "{stderr}"
    );
    assert_eq!(sim.terminate(), Some(0));
}
