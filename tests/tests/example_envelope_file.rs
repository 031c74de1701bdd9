#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The example enclave application (`examples/envelope-file`) against the simulated chain:
//! encrypt a file with an attested data key, decrypt it later with an attested Decrypt.

use std::process::Command;

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::{Sim, kms_call};
use serde_json::json;

#[test]
fn envelope_file_round_trips_a_file_through_attested_data_keys() {
    let sim = Sim::start(&[]);
    let key = kms_call(&sim, "CreateKey", &json!({})).json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    kms_call(
        &sim,
        "CreateAlias",
        &json!({"AliasName": "alias/files", "TargetKeyId": key}),
    );
    let input = sim.dir.join("report.txt");
    let secret = b"quarterly numbers nobody on the parent may read".repeat(100);
    std::fs::write(&input, &secret).unwrap();
    let sealed = sim.dir.join("report.enc");
    let back = sim.dir.join("report.back");
    let recipient = format!("simulated:{}", sim.dir.display());
    let run = |args: &[&str]| {
        Command::new(nitro_kms_tests::binary("envelope-file"))
            .args(args)
            .args(["--endpoint-url", &sim.endpoint, "--recipient", &recipient])
            .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .unwrap()
    };
    let out = run(&[
        "encrypt",
        input.to_str().unwrap(),
        sealed.to_str().unwrap(),
        "--key-id",
        "alias/files",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = std::fs::read(&sealed).unwrap();
    assert!(
        !stored
            .windows(20)
            .any(|w| secret.windows(20).any(|s| s == w)),
        "plaintext leaked"
    );
    assert!(sim.dir.join("report.enc.key").exists());
    let out = run(&["decrypt", sealed.to_str().unwrap(), back.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&back).unwrap(), secret);
    // Renamed, the file no longer matches the encryption context its key was bound to.
    let moved = sim.dir.join("other.enc");
    std::fs::copy(&sealed, &moved).unwrap();
    std::fs::copy(
        sim.dir.join("report.enc.key"),
        sim.dir.join("other.enc.key"),
    )
    .unwrap();
    let out = run(&["decrypt", moved.to_str().unwrap(), back.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("InvalidCiphertextException"));
}
