#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Encrypt, Decrypt and ReEncrypt with RSA `ENCRYPT_DECRYPT` keys as AWS's own clients call them,
//! against `nitro-kms-proxy --simulate`: boto3 for every RSA spec and both RSAES-OAEP algorithms
//! (round trips at the size limit, limit + 1 refused with AWS's message, ciphertexts made by
//! Python `cryptography` and OpenSSL with GetPublicKey's key decrypted here, ReEncrypt both ways,
//! every error row that applies, a policy denying `kms:Decrypt`: `tests/python/rsa_encrypt.py`),
//! and the AWS CLI once (`encrypt`, `decrypt` with `--encryption-algorithm`). Sources are named in
//! the script.

use nitro_kms_tests::proxy::{Sim, aws_output_json as ok};
use std::path::Path;

#[test]
fn boto3_rsa_encryption_of_every_spec_and_algorithm_round_trips_and_interoperates() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/rsa_encrypt.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rsa encrypt script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("rsa encrypt complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn the_aws_cli_encrypts_and_decrypts_with_an_rsa_key() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&[
        "create-key",
        "--key-spec",
        "RSA_3072",
        "--key-usage",
        "ENCRYPT_DECRYPT",
    ]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let arn = created["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    let plaintext = sim.dir.join("plaintext.txt");
    std::fs::write(&plaintext, b"hello from the aws cli").unwrap();
    let sealed = ok(&sim.aws(&[
        "encrypt",
        "--key-id",
        &key,
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--plaintext",
        &format!("fileb://{}", plaintext.display()),
    ]));
    assert_eq!(sealed["KeyId"], arn);
    assert_eq!(sealed["EncryptionAlgorithm"], "RSAES_OAEP_SHA_256");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let blob = b64
        .decode(sealed["CiphertextBlob"].as_str().unwrap())
        .unwrap();
    assert_eq!(blob.len(), 384, "raw OAEP ciphertext of a 3072-bit key");
    let blob_file = sim.dir.join("blob.bin");
    std::fs::write(&blob_file, &blob).unwrap();
    let opened = ok(&sim.aws(&[
        "decrypt",
        "--key-id",
        &key,
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--ciphertext-blob",
        &format!("fileb://{}", blob_file.display()),
    ]));
    assert_eq!(opened["KeyId"], arn);
    assert_eq!(opened["EncryptionAlgorithm"], "RSAES_OAEP_SHA_256");
    assert_eq!(
        b64.decode(opened["Plaintext"].as_str().unwrap()).unwrap(),
        b"hello from the aws cli"
    );
    let refused = sim.aws(&[
        "decrypt",
        "--ciphertext-blob",
        &format!("fileb://{}", blob_file.display()),
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(
            "An error occurred (InvalidCiphertextException) when calling the Decrypt operation"
        ),
        "{stderr}"
    );
    assert_eq!(sim.terminate(), Some(0));
}
