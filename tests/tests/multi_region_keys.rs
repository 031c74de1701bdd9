#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Multi-Region keys (issue 18 item 6): boto3 clients of two regions on one endpoint
//! (`tests/python/multi_region_keys.py`: replicate, describe in both regions, encrypt in one and
//! decrypt in the other, rotate on demand, update the primary region, the error rows and a policy
//! denying `kms:ReplicateKey`, a primary with replicas scheduled for deletion waiting in
//! `PendingReplicaDeletion` and cancelled); the AWS CLI's `replicate-key`. `CreateKey` with
//! `MultiRegion=true` through the AWS CLI (`--multi-region`) makes a primary key with AWS's `mrk-`
//! id (`mrk-` and 32 hex digits, as the model's examples show it), `MultiRegion: true` and a
//! `MultiRegionConfiguration` naming itself as the primary in its region with no replicas (the
//! model: `PrimaryKey` "includes the current KMS key if it is the primary key"); its ciphertexts
//! decrypt, and it is listed and described by its id and ARN.

use std::path::Path;

use nitro_kms_tests::proxy::{Sim, aws_output_json};

#[test]
fn the_aws_cli_creates_a_multi_region_primary_key_that_encrypts_and_decrypts() {
    let sim = Sim::start(&[]);
    let created = aws_output_json(&sim.aws(&["create-key", "--multi-region"]));
    let metadata = &created["KeyMetadata"];
    let key = metadata["KeyId"].as_str().unwrap().to_owned();
    let digits = key.strip_prefix("mrk-").unwrap();
    assert!(
        digits.len() == 32 && digits.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{key}");
    assert_eq!(metadata["Arn"], arn.as_str());
    assert_eq!(metadata["MultiRegion"], true);
    let described = aws_output_json(&sim.aws(&["describe-key", "--key-id", &arn]));
    let configuration = &described["KeyMetadata"]["MultiRegionConfiguration"];
    assert_eq!(configuration["MultiRegionKeyType"], "PRIMARY");
    assert_eq!(configuration["PrimaryKey"]["Arn"], arn.as_str());
    assert_eq!(configuration["PrimaryKey"]["Region"], "us-east-1");
    assert_eq!(configuration["ReplicaKeys"], serde_json::json!([]));

    let plain = sim.dir.join("plain.txt");
    std::fs::write(&plain, b"multi-region secret").unwrap();
    let encrypted = aws_output_json(&sim.aws(&[
        "encrypt",
        "--key-id",
        &key,
        "--plaintext",
        &format!("fileb://{}", plain.display()),
    ]));
    assert_eq!(encrypted["KeyId"], arn.as_str());
    use base64::Engine;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(encrypted["CiphertextBlob"].as_str().unwrap())
        .unwrap();
    let blob_file = sim.dir.join("blob.bin");
    std::fs::write(&blob_file, &blob).unwrap();
    let decrypted = aws_output_json(&sim.aws(&[
        "decrypt",
        "--ciphertext-blob",
        &format!("fileb://{}", blob_file.display()),
    ]));
    assert_eq!(decrypted["KeyId"], arn.as_str());
    let opened = base64::engine::general_purpose::STANDARD
        .decode(decrypted["Plaintext"].as_str().unwrap())
        .unwrap();
    assert_eq!(opened, b"multi-region secret");

    let single = aws_output_json(&sim.aws(&["create-key"]));
    assert_eq!(single["KeyMetadata"]["MultiRegion"], false);
    assert!(single["KeyMetadata"]["MultiRegionConfiguration"].is_null());
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn boto3_clients_of_two_regions_replicate_describe_and_decrypt_across_regions() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/multi_region_keys.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "multi-region script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("multi-region keys complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn the_aws_cli_replicates_a_multi_region_key_into_another_region() {
    let sim = Sim::start(&[]);
    let created = aws_output_json(&sim.aws(&["create-key", "--multi-region"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let replicated = aws_output_json(&sim.aws(&[
        "replicate-key",
        "--key-id",
        &key,
        "--replica-region",
        "eu-west-1",
        "--description",
        "cli replica",
    ]));
    let metadata = &replicated["ReplicaKeyMetadata"];
    assert_eq!(
        metadata["Arn"],
        format!("arn:aws:kms:eu-west-1:111122223333:key/{key}").as_str()
    );
    assert_eq!(metadata["Description"], "cli replica");
    assert_eq!(
        metadata["MultiRegionConfiguration"]["MultiRegionKeyType"],
        "REPLICA"
    );
    let described = aws_output_json(&sim.aws(&["describe-key", "--key-id", &key]));
    assert_eq!(
        described["KeyMetadata"]["MultiRegionConfiguration"]["ReplicaKeys"][0]["Region"],
        "eu-west-1"
    );
    assert_eq!(sim.terminate(), Some(0));
}
