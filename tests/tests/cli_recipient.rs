//! End-to-end: `nitro-kms recipient …` on real KMS envelopes and on envelopes it makes itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::process::Command;

use nitro_kms_tests::{nitro_kms, rsa_key, stdout_ok, vectors_dir};

fn cms(name: &str) -> String {
    vectors_dir().join("cms").join(name).display().to_string()
}

#[test]
fn recipient_inspect_prints_the_parts_of_the_real_kms_envelope() {
    let out = stdout_ok(&nitro_kms(&[
        "recipient",
        "inspect",
        &cms("kms_cms_input_ber.bin"),
    ]));
    let json: serde_json::Value = serde_json::from_str(&out).expect("inspect prints JSON");
    let expect = |file: &str| hex::encode(std::fs::read(cms(file)).expect("vector"));
    assert_eq!(
        json["encrypted_key"],
        expect("kms_cms_encrypted_key_out.bin")
    );
    assert_eq!(json["iv"], expect("kms_cms_iv_out.bin"));
    assert_eq!(json["ciphertext"], expect("kms_cms_ciphertext_out.bin"));
    assert_eq!(json["ski"].as_str().map(str::len), Some(64));
}

#[test]
fn recipient_decrypt_opens_the_enclaver_envelope_to_hello_world() {
    let out = stdout_ok(&nitro_kms(&[
        "recipient",
        "decrypt",
        &cms("enclaver_cms_hello_world.ber"),
        "--key",
        &cms("enclaver_cms_hello_world_rsa2048_pkcs8.der"),
    ]));
    // base64 of "Hello, World"
    assert_eq!(out.trim(), "SGVsbG8sIFdvcmxk");
}

#[test]
fn recipient_decrypt_accepts_a_base64_envelope_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = std::fs::read(cms("enclaver_cms_hello_world.ber")).expect("vector");
    let b64 = dir.path().join("env.b64");
    std::fs::write(
        &b64,
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, raw),
    )
    .expect("write");
    let out = stdout_ok(&nitro_kms(&[
        "recipient",
        "decrypt",
        b64.to_str().expect("utf-8 path"),
        "--key",
        &cms("enclaver_cms_hello_world_rsa2048_pkcs8.der"),
    ]));
    assert_eq!(out.trim(), "SGVsbG8sIFdvcmxk");
}

#[test]
fn recipient_encrypt_then_decrypt_round_trips_and_openssl_agrees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| dir.path().join(n).display().to_string();
    let key = rsa_key(dir.path(), "app");
    let pem = key.pem.display().to_string();
    let pk8 = key.pkcs8_der.display().to_string();
    let spki = key.spki_der.display().to_string();
    let data_key = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
    stdout_ok(&nitro_kms(&[
        "recipient",
        "encrypt",
        "--public-key",
        &spki,
        "--plaintext",
        data_key,
        "--out",
        &p("env.ber"),
    ]));
    let out = stdout_ok(&nitro_kms(&[
        "recipient",
        "decrypt",
        &p("env.ber"),
        "--key",
        &pk8,
    ]));
    assert_eq!(out.trim(), data_key);
    let ossl = Command::new("openssl")
        .args([
            "cms",
            "-decrypt",
            "-inform",
            "DER",
            "-in",
            &p("env.ber"),
            "-inkey",
            &pem,
        ])
        .output()
        .expect("openssl is required");
    assert!(
        ossl.status.success(),
        "{}",
        String::from_utf8_lossy(&ossl.stderr)
    );
    let expected =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data_key).expect("b64");
    assert_eq!(ossl.stdout, expected);
}

#[test]
fn recipient_decrypt_with_the_wrong_key_exits_1_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = rsa_key(dir.path(), "other").pkcs8_der;
    let out = nitro_kms(&[
        "recipient",
        "decrypt",
        &cms("enclaver_cms_hello_world.ber"),
        "--key",
        key.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot decrypt envelope"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn recipient_inspect_of_garbage_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("junk");
    std::fs::write(&f, [0x30, 0x80, 0x06]).expect("write");
    let out = nitro_kms(&["recipient", "inspect", f.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid envelope"));
}

#[test]
fn usage_errors_exit_252_like_the_aws_cli() {
    let out = nitro_kms(&["recipient", "decrypt"]);
    assert_eq!(out.status.code(), Some(252));
    let out = nitro_kms(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(252));
    let out = nitro_kms(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
}
