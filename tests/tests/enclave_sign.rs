#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Signing keys through the enclave's HTTP endpoint (the real simulated enclave): the rows of
//! `shared/spec/aws-kms-real-errors.txt` for Sign and Verify, with status, `__type` and message —
//! `test_sign_verify[*]/bad-digest` and `/bad-signature` (per recorded spec and algorithm),
//! `test_error_messaging_for_invalid_keys/sign-invalid-key-id`, `verify-invalid-key-id` and
//! `encrypt-invalid-key-id`. Signatures checked by outside tools (Python `cryptography`,
//! OpenSSL) are in `proxy_sign_clients.rs`; in-process cases in `enclave/src/ops/sign/tests.rs`.

use base64::Engine;
use nitro_kms_tests::enclave::{Enclave, key_arn};
use serde_json::{Value, json};

/// The recorded `test_sign_verify` cases: spec, algorithm, digest length.
const RECORDED: [(&str, &str, usize); 8] = [
    ("RSA_2048", "RSASSA_PSS_SHA_256", 32),
    ("RSA_2048", "RSASSA_PSS_SHA_384", 48),
    ("RSA_2048", "RSASSA_PSS_SHA_512", 64),
    ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_256", 32),
    ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512", 64),
    ("ECC_NIST_P256", "ECDSA_SHA_256", 32),
    ("ECC_SECG_P256K1", "ECDSA_SHA_256", 32),
    ("ECC_NIST_P384", "ECDSA_SHA_384", 48),
];

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn sign_body(key: &str, algorithm: &str, message: &[u8], message_type: &str) -> Value {
    json!({"KeyId": key, "SigningAlgorithm": algorithm, "Message": b64(message), "MessageType": message_type})
}

async fn create(enclave: &Enclave, body: Value) -> String {
    let reply = enclave.call("CreateKey", &body).await;
    reply.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned()
}

// test_sign_verify[*]/bad-digest and /bad-signature, for every recorded spec and algorithm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_sign_verify_rows_bad_digest_and_bad_signature() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    for (spec, algorithm, digest_len) in RECORDED {
        let key = create(
            &enclave,
            json!({"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"}),
        )
        .await;
        enclave
            .call(
                "Sign",
                &sign_body(&key, algorithm, &vec![7; digest_len + 1], "DIGEST"),
            )
            .await
            .assert_error(
                400,
                "ValidationException",
                &format!("Digest is invalid length for algorithm {algorithm}."),
            );
        let reply = enclave
            .call(
                "Sign",
                &sign_body(&key, algorithm, &vec![7; digest_len], "DIGEST"),
            )
            .await;
        let signature = reply.ok()["Signature"].as_str().unwrap().to_owned();
        let mut verify = sign_body(&key, algorithm, &vec![8; digest_len], "DIGEST");
        verify["Signature"] = json!(signature);
        enclave
            .call("Verify", &verify)
            .await
            .assert_error(400, "KMSInvalidSignatureException", "");
        verify["Message"] = json!(b64(&vec![7; digest_len]));
        let reply = enclave.call("Verify", &verify).await;
        assert_eq!(reply.ok()["SignatureValid"], true, "{spec} {algorithm}");
    }
}

// test_error_messaging_for_invalid_keys: sign-invalid-key-id (an HMAC key), verify-invalid-key-id
// (a symmetric key), encrypt-invalid-key-id (a signing key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_invalid_key_usage_rows() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let hmac = create(
        &enclave,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )
    .await;
    enclave
        .call("Sign", &sign_body(&hmac, "ECDSA_SHA_256", b"m", "RAW"))
        .await
        .assert_error(
            400,
            "InvalidKeyUsageException",
            &format!(
                "{} key usage is GENERATE_VERIFY_MAC which is not valid for Sign.",
                key_arn(&hmac)
            ),
        );
    let symmetric = enclave.create_key().await;
    let mut verify = sign_body(&symmetric, "ECDSA_SHA_256", b"m", "RAW");
    verify["Signature"] = json!(b64(&[1; 70]));
    enclave.call("Verify", &verify).await.assert_error(
        400,
        "InvalidKeyUsageException",
        &format!(
            "{} key usage is ENCRYPT_DECRYPT which is not valid for Verify.",
            key_arn(&symmetric)
        ),
    );
    let signer = create(
        &enclave,
        json!({"KeySpec": "ECC_NIST_P521", "KeyUsage": "SIGN_VERIFY"}),
    )
    .await;
    enclave
        .call("Encrypt", &json!({"KeyId": signer, "Plaintext": b64(b"p")}))
        .await
        .assert_error(
            400,
            "InvalidKeyUsageException",
            &format!(
                "{} key usage is SIGN_VERIFY which is not valid for Encrypt.",
                key_arn(&signer)
            ),
        );
}
