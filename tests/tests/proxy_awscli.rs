#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real AWS CLI (from the test virtualenv) against `nitro-kms-proxy --simulate`: the seeds'
//! commands and their error cases, with AWS's error codes in the CLI's output.

use base64::Engine;
use nitro_kms_tests::proxy::{Sim, assert_aws_error as fails_with, aws_output_json as ok};
use serde_json::Value;

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[test]
fn the_aws_cli_drives_the_simulated_chain_through_the_seed_commands() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&["create-key", "--description", "cli test"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let arn = created["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(
        ok(&sim.aws(&[
            "create-alias",
            "--alias-name",
            "alias/cli",
            "--target-key-id",
            &key
        ])),
        Value::Null
    );

    // --key-spec
    let gdk = ok(&sim.aws(&[
        "generate-data-key",
        "--key-id",
        "alias/cli",
        "--key-spec",
        "AES_256",
    ]));
    assert_eq!(gdk["KeyId"], arn);
    assert_eq!(b64(gdk["Plaintext"].as_str().unwrap()).len(), 32);
    // --number-of-bytes
    let gdk64 = ok(&sim.aws(&[
        "generate-data-key",
        "--key-id",
        &key,
        "--number-of-bytes",
        "64",
    ]));
    assert_eq!(b64(gdk64["Plaintext"].as_str().unwrap()).len(), 64);
    // --encryption-context shorthand, then decrypt with the same context as JSON.
    let with_ctx = ok(&sim.aws(&[
        "generate-data-key",
        "--key-id",
        &arn,
        "--key-spec",
        "AES_128",
        "--encryption-context",
        "purpose=test,team=red",
    ]));
    let blob_file = sim.dir.join("ctx.blob");
    std::fs::write(
        &blob_file,
        b64(with_ctx["CiphertextBlob"].as_str().unwrap()),
    )
    .unwrap();
    let fileb = format!("fileb://{}", blob_file.display());
    let dec = ok(&sim.aws(&[
        "decrypt",
        "--ciphertext-blob",
        &fileb,
        "--encryption-context",
        r#"{"team":"red","purpose":"test"}"#,
    ]));
    assert_eq!(dec["Plaintext"], with_ctx["Plaintext"]);
    assert_eq!(dec["KeyId"], arn);
    // The wrong context is InvalidCiphertextException.
    let wrong = sim.aws(&[
        "decrypt",
        "--ciphertext-blob",
        &fileb,
        "--encryption-context",
        "purpose=other",
    ]);
    fails_with(&wrong, "InvalidCiphertextException", "Decrypt");

    // generate-data-key-without-plaintext, decrypted later.
    let without = ok(&sim.aws(&[
        "generate-data-key-without-plaintext",
        "--key-id",
        "alias/cli",
        "--key-spec",
        "AES_256",
    ]));
    assert!(without.get("Plaintext").is_none());
    std::fs::write(&blob_file, b64(without["CiphertextBlob"].as_str().unwrap())).unwrap();
    let later = ok(&sim.aws(&["decrypt", "--ciphertext-blob", &fileb]));
    assert_eq!(b64(later["Plaintext"].as_str().unwrap()).len(), 32);

    // encrypt / decrypt of a file.
    let plain_file = sim.dir.join("plain.txt");
    std::fs::write(&plain_file, b"hello from the aws cli").unwrap();
    let enc = ok(&sim.aws(&[
        "encrypt",
        "--key-id",
        &key,
        "--plaintext",
        &format!("fileb://{}", plain_file.display()),
    ]));
    std::fs::write(&blob_file, b64(enc["CiphertextBlob"].as_str().unwrap())).unwrap();
    let dec = ok(&sim.aws(&["decrypt", "--ciphertext-blob", &fileb]));
    assert_eq!(
        b64(dec["Plaintext"].as_str().unwrap()),
        b"hello from the aws cli"
    );

    // describe-key and list-aliases.
    let described = ok(&sim.aws(&["describe-key", "--key-id", "alias/cli"]));
    assert_eq!(described["KeyMetadata"]["Description"], "cli test");
    let aliases = ok(&sim.aws(&["list-aliases"]));
    assert_eq!(aliases["Aliases"][0]["AliasName"], "alias/cli");

    // The seeds' error cases.
    fails_with(
        &sim.aws(&[
            "generate-data-key",
            "--key-id",
            &key,
            "--key-spec",
            "AES_256",
            "--number-of-bytes",
            "32",
        ]),
        "ValidationException",
        "Please specify either number of bytes or key spec.",
    );
    fails_with(
        &sim.aws(&["generate-data-key", "--key-id", &key]),
        "ValidationException",
        "Please specify either number of bytes or key spec.",
    );
    fails_with(
        &sim.aws(&[
            "generate-data-key",
            "--key-id",
            &key,
            "--number-of-bytes",
            "1025",
        ]),
        "ValidationException",
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );
    fails_with(
        &sim.aws(&[
            "generate-data-key",
            "--key-id",
            "0b1c8a44-2b3c-4d5e-8f90-123456789abc",
            "--key-spec",
            "AES_256",
        ]),
        "NotFoundException",
        "Key 'arn:aws:kms:us-east-1:111122223333:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc' does not exist",
    );
    fails_with(
        &sim.aws(&[
            "generate-data-key",
            "--key-id",
            "alias/none",
            "--key-spec",
            "AES_256",
        ]),
        "NotFoundException",
        "Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found.",
    );
    ok(&sim.aws(&["disable-key", "--key-id", &key]));
    fails_with(
        &sim.aws(&[
            "generate-data-key",
            "--key-id",
            &key,
            "--key-spec",
            "AES_256",
        ]),
        "DisabledException",
        &format!("{arn} is disabled."),
    );
    assert_eq!(sim.terminate(), Some(0));
}
