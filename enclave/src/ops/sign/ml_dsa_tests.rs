//! Sign, Verify, GetPublicKey and DescribeKey with ML-DSA keys in process: each level signs RAW
//! messages with `ML_DSA_SHAKE_256` (FIPS 204 signature sizes), a flipped byte is
//! `KMSInvalidSignatureException`, another algorithm or `DIGEST` is `InvalidKeyUsageException`,
//! an `EXTERNAL_MU` of the wrong length is the digest-length `ValidationException` and a 64-byte
//! one is `UnsupportedOperationException` (aws-lc-rs cannot sign a caller's µ).

use nitro_kms_api::types::{KeySpec, KeyUsageType};
use serde_json::{Value, json};

use crate::test_support::{self, ADMIN, call, create_key};

fn b64(bytes: &[u8]) -> String {
    nitro_kms_api::blob::encode_base64(bytes)
}

fn body(key: &str, algorithm: &str, message: &[u8], message_type: &str) -> Value {
    json!({"KeyId": key, "SigningAlgorithm": algorithm, "Message": b64(message), "MessageType": message_type})
}

#[tokio::test]
async fn each_ml_dsa_level_signs_raw_and_verifies_and_refuses_a_flipped_byte() {
    let (svc, ..) = test_support::service().await;
    for (spec, sig_len, spki_len) in [
        ("ML_DSA_44", 2420, 1334),
        ("ML_DSA_65", 3309, 1974),
        ("ML_DSA_87", 4627, 2614),
    ] {
        let key = create_key(&svc, json!({"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"})).await;
        let (status, described) = call(&svc, ADMIN, "DescribeKey", json!({"KeyId": key})).await;
        assert_eq!(status, 200);
        assert_eq!(
            described["KeyMetadata"]["SigningAlgorithms"],
            json!(["ML_DSA_SHAKE_256"])
        );
        let message = vec![7u8; 4096];
        let (status, signed) = call(
            &svc,
            ADMIN,
            "Sign",
            body(&key, "ML_DSA_SHAKE_256", &message, "RAW"),
        )
        .await;
        assert_eq!(status, 200, "{spec}: {signed}");
        assert_eq!(signed["SigningAlgorithm"], "ML_DSA_SHAKE_256");
        let sig =
            nitro_kms_api::blob::decode_base64(signed["Signature"].as_str().unwrap()).unwrap();
        assert_eq!(sig.len(), sig_len, "{spec}");
        let mut verify = body(&key, "ML_DSA_SHAKE_256", &message, "RAW");
        verify["Signature"] = signed["Signature"].clone();
        let (status, answer) = call(&svc, ADMIN, "Verify", verify.clone()).await;
        assert_eq!(
            (status, answer["SignatureValid"].clone()),
            (200, json!(true))
        );
        let mut flipped = sig.clone();
        flipped[100] ^= 1;
        verify["Signature"] = json!(b64(&flipped));
        let (status, answer) = call(&svc, ADMIN, "Verify", verify).await;
        assert_eq!(status, 400);
        assert_eq!(answer, json!({"__type": "KMSInvalidSignatureException"}));
        let (status, public) = call(&svc, ADMIN, "GetPublicKey", json!({"KeyId": key})).await;
        assert_eq!(status, 200);
        assert_eq!(public["SigningAlgorithms"], json!(["ML_DSA_SHAKE_256"]));
        assert_eq!(public["KeySpec"], spec);
        let spki =
            nitro_kms_api::blob::decode_base64(public["PublicKey"].as_str().unwrap()).unwrap();
        assert_eq!(spki.len(), spki_len, "{spec}");
    }
}

#[tokio::test]
async fn ml_dsa_refuses_other_algorithms_digest_and_external_mu_with_aws_errors() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "ML_DSA_65", "KeyUsage": "SIGN_VERIFY"}),
    )
    .await;
    let expect = |answer: &Value, status: u16, got: u16, kind: &str, message: &str| {
        assert_eq!(got, status, "{answer}");
        assert_eq!(answer["__type"], kind, "{answer}");
        assert_eq!(answer["message"], message, "{answer}");
    };
    let (status, answer) = call(
        &svc,
        ADMIN,
        "Sign",
        body(&key, "ECDSA_SHA_256", b"m", "RAW"),
    )
    .await;
    expect(
        &answer,
        400,
        status,
        "InvalidKeyUsageException",
        "Algorithm ECDSA_SHA_256 is incompatible with key spec ML_DSA_65.",
    );
    let (status, answer) = call(
        &svc,
        ADMIN,
        "Sign",
        body(&key, "ML_DSA_SHAKE_256", &[0; 64], "DIGEST"),
    )
    .await;
    expect(
        &answer,
        400,
        status,
        "InvalidKeyUsageException",
        "MessageType DIGEST is incompatible with key spec ML_DSA_65.",
    );
    let (status, answer) = call(
        &svc,
        ADMIN,
        "Sign",
        body(&key, "ML_DSA_SHAKE_256", &[0; 63], "EXTERNAL_MU"),
    )
    .await;
    expect(
        &answer,
        400,
        status,
        "ValidationException",
        "Digest is invalid length for algorithm ML_DSA_SHAKE_256.",
    );
    let (status, answer) = call(
        &svc,
        ADMIN,
        "Sign",
        body(&key, "ML_DSA_SHAKE_256", &[0; 64], "EXTERNAL_MU"),
    )
    .await;
    expect(
        &answer,
        400,
        status,
        "UnsupportedOperationException",
        "MessageType EXTERNAL_MU is not supported by this key store.",
    );
    let ec = create_key(
        &svc,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    )
    .await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "Sign",
        body(&ec, "ML_DSA_SHAKE_256", b"m", "RAW"),
    )
    .await;
    expect(
        &answer,
        400,
        status,
        "InvalidKeyUsageException",
        "Algorithm ML_DSA_SHAKE_256 is incompatible with key spec ECC_NIST_P256.",
    );
}

#[tokio::test]
async fn an_ml_dsa_key_stored_without_material_is_invalid_state() {
    let (svc, ..) = test_support::service().await;
    let key_id = "0000cccc-0000-4000-8000-000000000000";
    test_support::store_key_without_material(
        &svc,
        key_id,
        KeySpec::MlDsa87,
        KeyUsageType::SignVerify,
    )
    .await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "Sign",
        body(key_id, "ML_DSA_SHAKE_256", b"m", "RAW"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "KMSInvalidStateException");
}
