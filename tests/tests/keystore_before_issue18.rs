#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 18 item 9, last clause: a sealed state written by main before issue 18 (the simulated
//! world in `tests/fixtures/keystore_before_issue18/`, made by that commit's binaries as its
//! README says) opens under today's binaries: every key, alias, policy, tag and state is still
//! there, and every ciphertext the old build made decrypts to its plaintext.
//!
//! The fixture is copied first: a start compacts the state into a fresh snapshot, which must not
//! change the committed files.

use std::path::{Path, PathBuf};

use nitro_kms_tests::proxy::{Sim, aws_output_json as ok};
use serde_json::{Value, json};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keystore_before_issue18")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_keystore_written_before_issue_18_opens_with_every_key_alias_and_ciphertext() {
    let expected: Value =
        serde_json::from_slice(&std::fs::read(fixture().join("expected.json")).unwrap()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture().join("world"), &tmp.path().join("world"));
    let sim = Sim::start_in(tmp, &[]);

    for (name, key) in expected["keys"].as_object().unwrap() {
        let key_id = key["KeyId"].as_str().unwrap();
        let meta = ok(&sim.aws(&["describe-key", "--key-id", key_id]))["KeyMetadata"].clone();
        assert_eq!(meta["Description"], key["Description"], "key {name}");
        assert_eq!(meta["KeyState"], key["KeyState"], "key {name}");
        assert_eq!(meta["CreationDate"], key["CreationDate"], "key {name}");
        let alias = key["Alias"].as_str().unwrap();
        let by_alias = ok(&sim.aws(&["describe-key", "--key-id", alias]));
        assert_eq!(by_alias["KeyMetadata"]["KeyId"], json!(key_id), "{alias}");
        if let Some(tags) = key.get("Tags") {
            let listed = ok(&sim.aws(&["list-resource-tags", "--key-id", key_id]));
            assert_eq!(
                listed["Tags"],
                json!([{"TagKey": "team", "TagValue": tags["team"]}]),
                "key {name}"
            );
        }
        if let Some(policy) = key.get("Policy") {
            let got = ok(&sim.aws(&["get-key-policy", "--key-id", key_id]));
            assert_eq!(got["Policy"], *policy, "key {name}");
        }
    }

    // The disabled key's ciphertext opens once it is enabled again.
    let disabled = expected["keys"]["b"]["KeyId"].as_str().unwrap();
    ok(&sim.aws(&["enable-key", "--key-id", disabled]));
    let dir = tempfile::tempdir().unwrap();
    for (i, c) in expected["ciphertexts"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let blob = dir.path().join(format!("blob{i}"));
        let bytes = nitro_kms_api::blob::decode_base64(c["ciphertext"].as_str().unwrap()).unwrap();
        std::fs::write(&blob, bytes).unwrap();
        let blob_arg = format!("fileb://{}", blob.display());
        let context = c["context"].to_string();
        let mut args = vec!["decrypt", "--ciphertext-blob", &blob_arg];
        if c["context"].as_object().is_some_and(|m| !m.is_empty()) {
            args.extend(["--encryption-context", &context]);
        }
        let opened = ok(&sim.aws(&args));
        let plaintext =
            nitro_kms_api::blob::decode_base64(opened["Plaintext"].as_str().unwrap()).unwrap();
        let want = match c.get("plaintext") {
            Some(text) => text.as_str().unwrap().as_bytes().to_vec(),
            None => {
                nitro_kms_api::blob::decode_base64(c["plaintext_b64"].as_str().unwrap()).unwrap()
            }
        };
        assert_eq!(plaintext, want, "ciphertext {i}");
        assert!(
            opened["KeyId"]
                .as_str()
                .unwrap()
                .ends_with(c["key_id"].as_str().unwrap()),
            "ciphertext {i}: {opened}"
        );
    }
}
