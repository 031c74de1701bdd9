#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Imported key material through the enclave's own HTTP endpoint (the real binary), the wrapping
//! done by OpenSSL exactly as AWS's "Importing key material" guide shows it: RSAES_OAEP_SHA_256
//! with `openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256
//! -pkeyopt rsa_mgf1_md:sha256`, and RSA_AES_KEY_WRAP_SHA_256 with `openssl enc
//! -id-aes256-wrap-pad` for the material plus `pkeyutl` for the AES key. Then Encrypt/Decrypt
//! work; after DeleteImportedKeyMaterial the SAME bytes re-imported open the old ciphertext (the
//! blob format does not allow checking a ciphertext made outside with AES-GCM); other material is
//! IncorrectKeyMaterialException. Recorded messages (shared/spec/aws-kms-real-errors.txt):
//! test_import_key_symmetric (`is pending import.`, `A validTo date must be set ...`),
//! test_get_parameters_for_import (`origin is AWS_KMS which is not valid for this operation.`).

use std::path::Path;
use std::process::Command;

use base64::Engine;
use nitro_kms_tests::enclave::{Dirs, Enclave, key_arn};
use nitro_kms_tests::proxy::{Sim, aws_output_json};
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// OAEP-SHA-256 encryption of `input` to the DER public key `public`, by OpenSSL.
fn oaep_sha256(dir: &Path, public: &Path, input: &Path, name: &str) -> Vec<u8> {
    let out = dir.join(name);
    openssl(&[
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-keyform",
        "DER",
        "-in",
        input.to_str().unwrap(),
        "-inkey",
        public.to_str().unwrap(),
        "-out",
        out.to_str().unwrap(),
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
        "-pkeyopt",
        "rsa_mgf1_md:sha256",
    ]);
    std::fs::read(out).unwrap()
}

/// GetParametersForImport for `key`: the token and the public key written to `dir/pub.der`.
async fn parameters(
    enclave: &Enclave,
    dir: &Path,
    key: &str,
    algorithm: &str,
) -> (String, std::path::PathBuf) {
    let reply = enclave
        .call(
            "GetParametersForImport",
            &json!({"KeyId": key, "WrappingAlgorithm": algorithm, "WrappingKeySpec": "RSA_2048"}),
        )
        .await;
    assert_eq!(reply.ok()["KeyId"], key_arn(key));
    assert!(reply.ok()["ParametersValidTo"].as_f64().is_some());
    let public = dir.join("pub.der");
    std::fs::write(&public, reply.blob("PublicKey")).unwrap();
    (
        reply.ok()["ImportToken"].as_str().unwrap().to_owned(),
        public,
    )
}

/// Wraps the material in `dir/mat` with RSAES_OAEP_SHA_256 and imports it into `key`.
async fn import_oaep(enclave: &Enclave, dir: &Path, key: &str) -> Value {
    let (token, public) = parameters(enclave, dir, key, "RSAES_OAEP_SHA_256").await;
    let wrapped = oaep_sha256(dir, &public, &dir.join("mat"), "mat.enc");
    enclave
        .call(
            "ImportKeyMaterial",
            &json!({"KeyId": key, "ImportToken": token, "EncryptedKeyMaterial": b64(&wrapped),
                    "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}),
        )
        .await
        .body
}

async fn create_external(enclave: &Enclave) -> String {
    let reply = enclave
        .call("CreateKey", &json!({"Origin": "EXTERNAL"}))
        .await;
    let meta = &reply.ok()["KeyMetadata"];
    assert_eq!(
        (&meta["Origin"], &meta["KeyState"], &meta["Enabled"]),
        (&json!("EXTERNAL"), &json!("PendingImport"), &json!(false))
    );
    meta["KeyId"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn material_wrapped_by_openssl_imports_and_the_same_material_reopens_old_ciphertexts() {
    let dirs = Dirs::new();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let key = create_external(&enclave).await;
    let plaintext = json!({"KeyId": key, "Plaintext": "aGVsbG8="});
    enclave.call("Encrypt", &plaintext).await.assert_error(
        400,
        "KMSInvalidStateException",
        &format!("{} is pending import.", key_arn(&key)),
    );
    std::fs::write(dir.join("mat"), rand_bytes(32)).unwrap();
    let imported = import_oaep(&enclave, dir, &key).await;
    assert_eq!(imported["KeyId"], key_arn(&key), "{imported}");
    let encrypted = enclave.call("Encrypt", &plaintext).await;
    let blob = json!({"CiphertextBlob": encrypted.ok()["CiphertextBlob"]});
    assert_eq!(
        enclave.call("Decrypt", &blob).await.ok()["Plaintext"],
        "aGVsbG8="
    );

    let deleted = enclave
        .call("DeleteImportedKeyMaterial", &json!({"KeyId": key}))
        .await;
    assert_eq!(deleted.ok()["KeyMaterialId"], imported["KeyMaterialId"]);
    enclave.call("Decrypt", &blob).await.assert_error(
        400,
        "KMSInvalidStateException",
        &format!("{} is pending import.", key_arn(&key)),
    );
    let same = std::fs::read(dir.join("mat")).unwrap();
    std::fs::write(dir.join("mat"), rand_bytes(32)).unwrap();
    let other = import_oaep(&enclave, dir, &key).await;
    assert_eq!(other["__type"], "IncorrectKeyMaterialException", "{other}");
    std::fs::write(dir.join("mat"), same).unwrap();
    let again = import_oaep(&enclave, dir, &key).await;
    assert_eq!(again["KeyMaterialId"], imported["KeyMaterialId"], "{again}");
    assert_eq!(
        enclave.call("Decrypt", &blob).await.ok()["Plaintext"],
        "aGVsbG8="
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_aes_key_wrap_by_openssl_imports_and_error_rows_answer_as_aws() {
    let dirs = Dirs::new();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let key = create_external(&enclave).await;
    let (token, public) = parameters(&enclave, dir, &key, "RSA_AES_KEY_WRAP_SHA_256").await;
    // AWS's guide: a 256-bit AES key wraps the material (RFC 5649), the RSA key wraps the AES key.
    let aes = rand_bytes(32);
    std::fs::write(dir.join("aes"), &aes).unwrap();
    std::fs::write(dir.join("mat"), rand_bytes(32)).unwrap();
    let kwp = dir.join("mat.kwp");
    openssl(&[
        "enc",
        "-id-aes256-wrap-pad",
        "-K",
        &hex::encode(&aes),
        "-iv",
        "A65959A6",
        "-in",
        dir.join("mat").to_str().unwrap(),
        "-out",
        kwp.to_str().unwrap(),
    ]);
    let mut wrapped = oaep_sha256(dir, &public, &dir.join("aes"), "aes.enc");
    wrapped.extend_from_slice(&std::fs::read(kwp).unwrap());
    let body = |token: &str, material: &[u8], model: &str| {
        json!({"KeyId": key, "ImportToken": token, "EncryptedKeyMaterial": b64(material),
               "ExpirationModel": model})
    };
    enclave
        .call(
            "ImportKeyMaterial",
            &body(&token, &wrapped, "KEY_MATERIAL_EXPIRES"),
        )
        .await
        .assert_error(
            400,
            "ValidationException",
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        );
    let mut tampered = base64::engine::general_purpose::STANDARD
        .decode(&token)
        .unwrap();
    tampered[30] ^= 1;
    let reply = enclave
        .call(
            "ImportKeyMaterial",
            &body(&b64(&tampered), &wrapped, "KEY_MATERIAL_DOES_NOT_EXPIRE"),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "InvalidImportTokenException")
    );
    let mut broken = wrapped.clone();
    broken[0] ^= 1;
    enclave
        .call(
            "ImportKeyMaterial",
            &body(&token, &broken, "KEY_MATERIAL_DOES_NOT_EXPIRE"),
        )
        .await
        .assert_error(400, "InvalidCiphertextException", "");
    enclave
        .call(
            "ImportKeyMaterial",
            &body(&token, &wrapped, "KEY_MATERIAL_DOES_NOT_EXPIRE"),
        )
        .await
        .ok();
    let described = enclave.call("DescribeKey", &json!({"KeyId": key})).await;
    let meta = &described.ok()["KeyMetadata"];
    assert_eq!(
        (&meta["KeyState"], &meta["ExpirationModel"]),
        (&json!("Enabled"), &json!("KEY_MATERIAL_DOES_NOT_EXPIRE"))
    );
    enclave
        .call("Encrypt", &json!({"KeyId": key, "Plaintext": "aGk="}))
        .await
        .ok();

    let native = enclave.create_key().await;
    enclave
        .call(
            "GetParametersForImport",
            &json!({"KeyId": native, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
        )
        .await
        .assert_error(
            400,
            "UnsupportedOperationException",
            &format!("{} origin is AWS_KMS which is not valid for this operation.", key_arn(&native)),
        );
}

fn rand_bytes(n: usize) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(["rand", &n.to_string()])
        .output()
        .expect("openssl rand");
    assert_eq!(out.stdout.len(), n);
    out.stdout
}

#[test]
fn boto3_imports_material_wrapped_by_cryptography_and_the_aws_cli_gets_parameters() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/import_key_material.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "import script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("import key material complete"), "{stdout}");
    let created = aws_output_json(&sim.aws(&["create-key", "--origin", "EXTERNAL"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let params = aws_output_json(&sim.aws(&[
        "get-parameters-for-import",
        "--key-id",
        &key,
        "--wrapping-algorithm",
        "RSAES_OAEP_SHA_1",
        "--wrapping-key-spec",
        "RSA_4096",
    ]));
    assert!(params["KeyId"].as_str().unwrap().ends_with(&key));
    let public = base64::engine::general_purpose::STANDARD
        .decode(params["PublicKey"].as_str().unwrap())
        .unwrap();
    // A DER SubjectPublicKeyInfo of a 4096-bit RSA key is 550 bytes.
    assert_eq!(public.len(), 550);
    assert!(params["ImportToken"].as_str().is_some());
    assert_eq!(sim.terminate(), Some(0));
}
