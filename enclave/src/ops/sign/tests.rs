//! Sign, Verify and GetPublicKey in process: every signing key spec with each of its algorithms,
//! RAW and DIGEST, and the error rows with AWS's recorded texts (aws-kms-real-errors.txt:
//! `test_sign_verify[*]/bad-digest`, `/bad-signature`, `sign-invalid-key-id`).

use std::collections::BTreeMap;
use std::sync::Arc;

use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_crypto as crypto;
use serde_json::{Value, json};

use crate::keystore::{KeyStateRecord, Mutation, StoredKey};
use crate::service::Service;
use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

/// Every signing key spec with its algorithms and their digest lengths.
const SPECS: [(&str, &[(&str, usize)]); 7] = [
    (
        "RSA_2048",
        &[
            ("RSASSA_PSS_SHA_256", 32),
            ("RSASSA_PSS_SHA_384", 48),
            ("RSASSA_PSS_SHA_512", 64),
            ("RSASSA_PKCS1_V1_5_SHA_256", 32),
            ("RSASSA_PKCS1_V1_5_SHA_384", 48),
            ("RSASSA_PKCS1_V1_5_SHA_512", 64),
        ],
    ),
    ("RSA_3072", &[("RSASSA_PSS_SHA_384", 48)]),
    ("RSA_4096", &[("RSASSA_PKCS1_V1_5_SHA_512", 64)]),
    ("ECC_NIST_P256", &[("ECDSA_SHA_256", 32)]),
    ("ECC_NIST_P384", &[("ECDSA_SHA_384", 48)]),
    ("ECC_NIST_P521", &[("ECDSA_SHA_512", 64)]),
    ("ECC_SECG_P256K1", &[("ECDSA_SHA_256", 32)]),
];

fn b64(bytes: &[u8]) -> String {
    nitro_kms_api::blob::encode_base64(bytes)
}

fn unb64(value: &Value) -> Vec<u8> {
    nitro_kms_api::blob::decode_base64(value.as_str().unwrap()).unwrap()
}

async fn signing_key(svc: &Arc<Service>, spec: &str) -> String {
    create_key(svc, json!({"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"})).await
}

fn body(key: &str, algorithm: &str, message: &[u8], message_type: &str) -> Value {
    json!({"KeyId": key, "SigningAlgorithm": algorithm, "Message": b64(message), "MessageType": message_type})
}

fn digest(len: usize, message: &[u8]) -> Vec<u8> {
    use crypto::signing::DigestAlgorithm::{Sha256, Sha384, Sha512};
    match len {
        32 => Sha256.digest(message),
        48 => Sha384.digest(message),
        _ => Sha512.digest(message),
    }
}

#[tokio::test]
async fn every_spec_signs_raw_and_digest_and_verify_accepts_both_and_refuses_a_flipped_byte() {
    let (svc, ..) = test_support::service().await;
    let message = b"nitro-kms signs this";
    for (spec, algorithms) in SPECS {
        let key = signing_key(&svc, spec).await;
        let arn = svc.identity.key_arn(&key);
        for &(algorithm, digest_len) in algorithms {
            let (status, signed) =
                call(&svc, ADMIN, "Sign", body(&key, algorithm, message, "RAW")).await;
            assert_eq!(status, 200, "{spec} {algorithm}: {signed}");
            assert_eq!(signed["KeyId"], arn.as_str());
            assert_eq!(signed["SigningAlgorithm"], algorithm);
            let d = digest(digest_len, message);
            for (input, kind) in [(&message[..], "RAW"), (&d[..], "DIGEST")] {
                let mut verify = body(&key, algorithm, input, kind);
                verify["Signature"] = signed["Signature"].clone();
                let (status, answer) = call(&svc, ADMIN, "Verify", verify).await;
                assert_eq!(status, 200, "{spec} {algorithm} {kind}: {answer}");
                assert_eq!(
                    answer,
                    json!({"KeyId": arn, "SignatureValid": true, "SigningAlgorithm": algorithm})
                );
            }
            let (status, by_digest) =
                call(&svc, ADMIN, "Sign", body(&key, algorithm, &d, "DIGEST")).await;
            assert_eq!(status, 200, "{by_digest}");
            let mut flipped = unb64(&by_digest["Signature"]);
            let last = flipped.len() - 1;
            flipped[last] ^= 1;
            let mut verify = body(&key, algorithm, message, "RAW");
            verify["Signature"] = json!(b64(&flipped));
            let reply = svc
                .handle("Verify", ADMIN, verify.to_string().as_bytes())
                .await;
            assert_eq!(reply.status.code(), 400);
            assert_eq!(
                String::from_utf8(reply.body).unwrap(),
                r#"{"__type":"KMSInvalidSignatureException"}"#
            );
        }
    }
}

#[tokio::test]
async fn get_public_key_is_the_spki_of_the_signing_key_with_its_algorithms() {
    let (svc, ..) = test_support::service().await;
    let key = signing_key(&svc, "ECC_NIST_P384").await;
    let (status, answer) = call(&svc, ADMIN, "GetPublicKey", json!({"KeyId": key})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["KeySpec"], "ECC_NIST_P384");
    assert_eq!(answer["CustomerMasterKeySpec"], "ECC_NIST_P384");
    assert_eq!(answer["KeyUsage"], "SIGN_VERIFY");
    assert_eq!(answer["SigningAlgorithms"], json!(["ECDSA_SHA_384"]));
    assert_eq!(answer["KeyId"], svc.identity.key_arn(&key).as_str());
    // A P-384 SubjectPublicKeyInfo: 23 bytes of header, then the 97-byte uncompressed point.
    let spki = unb64(&answer["PublicKey"]);
    assert_eq!(spki.len(), 120);
    let (_, signed) = call(
        &svc,
        ADMIN,
        "Sign",
        body(&key, "ECDSA_SHA_384", b"m", "RAW"),
    )
    .await;
    crypto::verify_p384_sha384(
        &spki[23..],
        b"m",
        &unb64(&signed["Signature"]),
        crypto::SignatureEncoding::Asn1,
    )
    .unwrap();
}

#[tokio::test]
async fn a_digest_of_the_wrong_length_is_the_recorded_validation_error() {
    let (svc, ..) = test_support::service().await;
    let key = signing_key(&svc, "RSA_2048").await;
    for op in ["Sign", "Verify"] {
        let mut request = body(&key, "RSASSA_PSS_SHA_256", &[0; 31], "DIGEST");
        request["Signature"] = json!(b64(&[0; 256]));
        let (status, answer) = call(&svc, ADMIN, op, request).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "ValidationException");
        assert_eq!(
            answer["message"],
            "Digest is invalid length for algorithm RSASSA_PSS_SHA_256."
        );
    }
}

#[tokio::test]
async fn an_algorithm_of_another_spec_is_invalid_key_usage() {
    let (svc, ..) = test_support::service().await;
    let key = signing_key(&svc, "ECC_NIST_P256").await;
    for algorithm in ["ECDSA_SHA_384", "RSASSA_PSS_SHA_256"] {
        let (status, answer) = call(&svc, ADMIN, "Sign", body(&key, algorithm, b"m", "RAW")).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "InvalidKeyUsageException");
        assert_eq!(
            answer["message"],
            format!("Algorithm {algorithm} is incompatible with key spec ECC_NIST_P256.")
        );
    }
}

#[tokio::test]
async fn symmetric_and_hmac_keys_cannot_sign_nor_give_a_public_key() {
    let (svc, ..) = test_support::service().await;
    let symmetric = create_key(&svc, json!({})).await;
    let hmac = create_key(
        &svc,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )
    .await;
    for (key, usage, spec) in [
        (&symmetric, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT"),
        (&hmac, "GENERATE_VERIFY_MAC", "HMAC_256"),
    ] {
        let arn = svc.identity.key_arn(key);
        let (status, answer) =
            call(&svc, ADMIN, "Sign", body(key, "ECDSA_SHA_256", b"m", "RAW")).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "InvalidKeyUsageException");
        assert_eq!(
            answer["message"],
            format!("{arn} key usage is {usage} which is not valid for Sign.")
        );
        let (status, answer) = call(&svc, ADMIN, "GetPublicKey", json!({"KeyId": key})).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "UnsupportedOperationException");
        assert_eq!(
            answer["message"],
            format!("{arn} key spec is {spec} which is not valid for GetPublicKey.")
        );
    }
    let signer = signing_key(&svc, "ECC_NIST_P256").await;
    let (_, answer) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": signer, "Plaintext": b64(b"p")}),
    )
    .await;
    assert_eq!(
        answer["message"],
        format!(
            "{} key usage is SIGN_VERIFY which is not valid for Encrypt.",
            svc.identity.key_arn(&signer)
        )
    );
}

#[tokio::test]
async fn a_policy_denying_the_caller_refuses_each_operation_by_its_action() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY", "Policy": DENIES_ALICE}),
    )
    .await;
    let mut verify = body(&key, "ECDSA_SHA_256", b"m", "RAW");
    verify["Signature"] = json!(b64(&[0; 70]));
    for (op, request) in [
        ("Sign", body(&key, "ECDSA_SHA_256", b"m", "RAW")),
        ("Verify", verify),
        ("GetPublicKey", json!({"KeyId": key})),
    ] {
        let (status, answer) = call(&svc, ALICE, op, request).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "AccessDeniedException", "{op}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains(&format!("kms:{op}")),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn dry_run_checks_everything_then_answers_dry_run_operation() {
    let (svc, ..) = test_support::service().await;
    let key = signing_key(&svc, "ECC_SECG_P256K1").await;
    let mut request = body(&key, "ECDSA_SHA_256", b"m", "RAW");
    request["DryRun"] = json!(true);
    let (status, answer) = call(&svc, ADMIN, "Sign", request.clone()).await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("DryRunOperationException"))
    );
    request["SigningAlgorithm"] = json!("ECDSA_SHA_512");
    let (_, answer) = call(&svc, ADMIN, "Sign", request).await;
    assert_eq!(answer["__type"], "InvalidKeyUsageException");
}

#[tokio::test]
async fn a_disabled_signing_key_is_refused_with_disabled_exception() {
    let (svc, ..) = test_support::service().await;
    let key = signing_key(&svc, "ECC_NIST_P256").await;
    let (status, _) = call(&svc, ADMIN, "DisableKey", json!({"KeyId": key})).await;
    assert_eq!(status, 200);
    for (op, request) in [
        ("Sign", body(&key, "ECDSA_SHA_256", b"m", "RAW")),
        ("GetPublicKey", json!({"KeyId": key})),
    ] {
        let (status, answer) = call(&svc, ADMIN, op, request).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "DisabledException", "{op}");
    }
}

#[tokio::test]
async fn a_signing_key_stored_without_material_is_invalid_state() {
    let (svc, ..) = test_support::service().await;
    let key_id = "0000aaaa-0000-4000-8000-000000000000".to_owned();
    let stored = StoredKey {
        key_id: key_id.clone(),
        creation_date_ms: 0,
        description: String::new(),
        key_spec: KeySpec::EccNistP256,
        key_usage: KeyUsageType::SignVerify,
        state: KeyStateRecord::Enabled,
        policy: crate::policy::default_policy(&svc.identity.account),
        tags: BTreeMap::new(),
        material: None,
        rotation: Default::default(),
        import: None,
        multi_region: None,
    };
    super::super::commit::commit(&svc, Mutation::CreateKey(stored))
        .await
        .unwrap();
    for (op, request) in [
        ("Sign", body(&key_id, "ECDSA_SHA_256", b"m", "RAW")),
        ("GetPublicKey", json!({"KeyId": key_id})),
    ] {
        let (status, answer) = call(&svc, ADMIN, op, request).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "KMSInvalidStateException", "{op}");
        assert_eq!(
            answer["message"],
            format!(
                "{} has no key material: it was created before this service generated asymmetric keys. Create a new key.",
                svc.identity.key_arn(&key_id)
            )
        );
    }
}
