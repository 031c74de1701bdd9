#![allow(clippy::unwrap_used, clippy::expect_used)]
//! DeriveSharedSecret end to end. boto3 against `nitro-kms-proxy --simulate` for every
//! KEY_AGREEMENT curve, each secret equal to OpenSSL's `pkeyutl -derive` and Python
//! `cryptography`'s exchange, with every error row that applies and a policy denying
//! `kms:DeriveSharedSecret` (`tests/python/derive_shared_secret.py`); the AWS CLI
//! (`derive-shared-secret`) once; and a `Recipient` through the real simulated enclave, whose
//! `CiphertextForRecipient` decrypts to the secret a plain call returns, and a policy allowing
//! `kms:DeriveSharedSecret` only under `kms:RecipientAttestation:ImageSha384` admits that image only. Sources: the model
//! (`SharedSecret` is absent when `CiphertextForRecipient` is present) and the recorded AWS
//! errors (`shared/spec/aws-kms-real-errors.txt`, `test_derive_shared_secret/*`).

use nitro_kms_attest::recipient;
use nitro_kms_crypto::key_agreement::{self, AgreementCurve};
use nitro_kms_tests::enclave::{ALICE, Enclave, key_arn};
use nitro_kms_tests::proxy::{Sim, aws_output_json as ok};
use nitro_kms_tests::recipient::{app, b64, recipient_member};
use serde_json::json;
use std::path::Path;

/// A KEY_AGREEMENT key made by `create_key` (the CreateKey request body); its id.
async fn agreement_key(enclave: &Enclave, create_key: serde_json::Value) -> String {
    let created = enclave.call("CreateKey", &create_key).await;
    created.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A peer's private key and its public key (DER SubjectPublicKeyInfo) on `curve`.
fn peer(curve: AgreementCurve) -> (nitro_kms_crypto::SecretBytes, Vec<u8>) {
    let private = key_agreement::generate_agreement_key(curve).unwrap();
    let public = key_agreement::agreement_public_key(curve, private.expose()).unwrap();
    (private, public)
}

#[test]
fn boto3_secrets_of_every_curve_equal_openssl_and_cryptography() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/derive_shared_secret.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "derive script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("derive shared secret complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn the_aws_cli_derives_the_secret_the_peer_derives() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&[
        "create-key",
        "--key-spec",
        "ECC_NIST_P256",
        "--key-usage",
        "KEY_AGREEMENT",
    ]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let public = ok(&sim.aws(&["get-public-key", "--key-id", &key]));
    assert_eq!(public["KeyAgreementAlgorithms"], json!(["ECDH"]));
    use base64::Engine;
    let kms_public = base64::engine::general_purpose::STANDARD
        .decode(public["PublicKey"].as_str().unwrap())
        .unwrap();
    let (peer, peer_public) = peer(AgreementCurve::P256);
    let peer_file = sim.dir.join("peer.der");
    std::fs::write(&peer_file, &peer_public).unwrap();
    let derived = ok(&sim.aws(&[
        "derive-shared-secret",
        "--key-id",
        &key,
        "--key-agreement-algorithm",
        "ECDH",
        "--public-key",
        &format!("fileb://{}", peer_file.display()),
    ]));
    assert_eq!(derived["KeyId"], created["KeyMetadata"]["Arn"]);
    assert_eq!(derived["KeyAgreementAlgorithm"], "ECDH");
    let secret = base64::engine::general_purpose::STANDARD
        .decode(derived["SharedSecret"].as_str().unwrap())
        .unwrap();
    let expected =
        key_agreement::derive_shared_secret(AgreementCurve::P256, peer.expose(), &kms_public)
            .unwrap();
    assert_eq!(secret, expected.expose());
    assert_eq!(sim.terminate(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_gets_the_secret_only_in_ciphertext_for_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let enclave = Enclave::start(&world, &dir.path().join("parent"), &[]).await;
    let key = agreement_key(
        &enclave,
        json!({"KeySpec": "ECC_NIST_P384", "KeyUsage": "KEY_AGREEMENT"}),
    )
    .await;
    let (peer, peer_public) = peer(AgreementCurve::P384);
    let app = app(&world, b"enclave image A", 0);
    let request =
        json!({"KeyId": key, "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(&peer_public)});
    let mut with_recipient = request.clone();
    with_recipient["Recipient"] = recipient_member(&app.document);

    let wrapped = enclave.call("DeriveSharedSecret", &with_recipient).await;
    let body = wrapped.ok().clone();
    assert!(body.get("SharedSecret").is_none(), "{body}");
    assert_eq!(body["KeyId"], key_arn(&key));
    assert_eq!(body["KeyAgreementAlgorithm"], "ECDH");
    assert_eq!(body["KeyOrigin"], "AWS_KMS");
    let unwrapped = recipient::decrypt(&wrapped.blob("CiphertextForRecipient"), &app.key).unwrap();

    let plain = enclave.call("DeriveSharedSecret", &request).await;
    assert!(plain.ok().get("CiphertextForRecipient").is_none());
    assert_eq!(unwrapped.expose(), plain.blob("SharedSecret"));
    let public = enclave
        .call("GetPublicKey", &json!({"KeyId": key}))
        .await
        .blob("PublicKey");
    let expected =
        key_agreement::derive_shared_secret(AgreementCurve::P384, peer.expose(), &public).unwrap();
    assert_eq!(unwrapped.expose(), expected.expose());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_conditioned_on_the_recipient_image_admits_only_that_image() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let enclave = Enclave::start(&world, &dir.path().join("parent"), &[]).await;
    let good = app(&world, b"enclave image A", 0);
    let other = app(&world, b"enclave image B", 0);
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Administer", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": ["kms:Describe*", "kms:Get*", "kms:Put*"], "Resource": "*"},
        {"Sid": "OnlyImageA", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "kms:DeriveSharedSecret", "Resource": "*",
         "Condition": {"StringEqualsIgnoreCase":
             {"kms:RecipientAttestation:ImageSha384": good.pcr0_hex}}}]});
    let key = agreement_key(
        &enclave,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT",
                "Policy": policy.to_string(), "BypassPolicyLockoutSafetyCheck": true}),
    )
    .await;
    let (_, peer_public) = peer(AgreementCurve::P256);
    let request = |document: Option<&[u8]>| {
        let mut body =
            json!({"KeyId": key, "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(&peer_public)});
        if let Some(document) = document {
            body["Recipient"] = recipient_member(document);
        }
        body
    };
    let admitted = enclave
        .call("DeriveSharedSecret", &request(Some(&good.document)))
        .await;
    recipient::decrypt(&admitted.blob("CiphertextForRecipient"), &good.key).unwrap();
    let denied = format!(
        "User: {ALICE} is not authorized to perform: kms:DeriveSharedSecret on resource: {} because no resource-based policy allows the kms:DeriveSharedSecret action",
        key_arn(&key)
    );
    for body in [request(Some(&other.document)), request(None)] {
        enclave
            .call("DeriveSharedSecret", &body)
            .await
            .assert_error(400, "AccessDeniedException", &denied);
    }
}
