#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `Recipient` through the AWS CLI v1 of the test virtualenv: it base64-encodes a blob inside a
//! structure once more than it is given, so the service receives base64 text, which it refuses
//! (as AWS KMS does) with a `ValidationException` saying the document was encoded twice and how
//! to send it; `AttestationDocument=fileb://...` arrives as the words themselves and keeps the
//! verifier's own reason. The forms the README gives instead work: the CLI v2 shorthand (base64
//! of the document) and `fileb://` through `nitro-kms`; boto3 is run by `proxy_boto3.rs`.

use std::path::Path;
use std::process::Output;

use nitro_kms_tests::proxy::Sim;

const REFUSED: &str = "An error occurred (ValidationException) when calling the GenerateDataKey \
                       operation: The attestation document in Recipient is not valid: ";

/// A document of the simulation's world for a fresh RSA key, written to `dir/doc.cose`.
fn document(sim: &Sim, dir: &Path) -> Vec<u8> {
    let key = nitro_kms_tests::rsa_key(dir, "app");
    let doc = dir.join("doc.cose");
    let state_dir = sim.dir.display().to_string();
    nitro_kms_tests::stdout_ok(&nitro_kms_tests::nitro_kms(&[
        "attestation",
        "simulate",
        "--state-dir",
        &state_dir,
        "--public-key",
        &key.spki_der.display().to_string(),
        "--out",
        &doc.display().to_string(),
    ]));
    std::fs::read(doc).unwrap()
}

fn gdk_args<'a>(key: &'a str, recipient: &'a str) -> [&'a str; 7] {
    [
        "generate-data-key",
        "--key-id",
        key,
        "--key-spec",
        "AES_256",
        "--recipient",
        recipient,
    ]
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn aws_cli_v1_recipient_is_refused_with_a_message_naming_the_double_encoding() {
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let doc = document(&sim, dir.path());
    let key = nitro_kms_tests::stdout_ok(&sim.nitro_kms(&[
        "create-key",
        "--query",
        "KeyMetadata.KeyId",
        "--output",
        "text",
    ]))
    .trim()
    .to_owned();
    let base64_form = format!(
        "KeyEncryptionAlgorithm=RSAES_OAEP_SHA_256,AttestationDocument={}",
        nitro_kms_tests::recipient::b64(&doc)
    );
    let fileb_form = format!(
        "KeyEncryptionAlgorithm=RSAES_OAEP_SHA_256,AttestationDocument=fileb://{}",
        dir.path().join("doc.cose").display()
    );

    // The CLI v1 answers a service error with 255 (the CLI v2 with 254).
    let out = sim.aws(&gdk_args(&key, &base64_form));
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains(REFUSED), "{message}");
    for expected in [
        "the document is base64 text",
        "base64-encoded twice, as the AWS CLI v1 does",
        "AWS CLI v2",
        "boto3",
        "--recipient",
    ] {
        assert!(message.contains(expected), "{expected:?} not in {message}");
    }
    assert!(out.stdout.is_empty());

    let out = sim.aws(&gdk_args(&key, &fileb_form));
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains(REFUSED), "{message}");
    assert!(!message.contains("base64 text"), "{message}");

    // The same forms through nitro-kms send the document's bytes: the answer is the envelope.
    for form in [&base64_form, &fileb_form] {
        let out = sim.nitro_kms(&gdk_args(&key, form));
        let answer: serde_json::Value =
            serde_json::from_str(&nitro_kms_tests::stdout_ok(&out)).unwrap();
        assert!(answer["CiphertextForRecipient"].is_string(), "{answer}");
        assert!(answer.get("Plaintext").is_none(), "{answer}");
    }
}
