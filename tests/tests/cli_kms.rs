#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `nitro-kms` KMS subcommands next to the real AWS CLI: the same skeletons, the same JSON
//! output keys, AWS's exit codes, and `--recipient simulated:DIR` as a drop-in for
//! kmstool-enclave-cli.

use std::process::{Command, Output};

use nitro_kms_api::Operation;
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::{REGION, Sim, venv};
use serde_json::Value;

fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// String values replaced by "" (botocore picks enum placeholders at random); keys, order and
/// types kept.
fn normalize(v: &Value) -> Value {
    match v {
        Value::String(_) => Value::String(String::new()),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}

/// Drops members of `ours` that the installed AWS CLI's (older) model does not have yet; returns
/// their paths so the test can show them.
fn prune(ours: &mut Value, theirs: &Value, path: &str, dropped: &mut Vec<String>) {
    if let (Value::Object(o), Value::Object(t)) = (&mut *ours, theirs) {
        let extra: Vec<String> = o.keys().filter(|k| !t.contains_key(*k)).cloned().collect();
        for k in extra {
            o.shift_remove(&k);
            dropped.push(format!("{path}.{k}"));
        }
        for (k, v) in o.iter_mut() {
            prune(v, &t[k], &format!("{path}.{k}"), dropped);
        }
    } else if let (Value::Array(o), Value::Array(t)) = (&mut *ours, theirs) {
        for (a, b) in o.iter_mut().zip(t) {
            prune(a, b, path, dropped);
        }
    }
}

fn nk(sim: Option<&Sim>, args: &[&str]) -> Output {
    let mut cmd = Command::new(nitro_kms_tests::binary("nitro-kms"));
    cmd.args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_DEFAULT_REGION", REGION);
    if let Some(sim) = sim {
        cmd.args(["--endpoint-url", &sim.endpoint]);
    }
    cmd.output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Operations of our model that the AWS CLI v1 in the test venv does not know yet (its bundled
/// model is older than the ML-KEM and key-last-usage additions to KMS).
const NEWER_THAN_THE_INSTALLED_CLI: &[&str] = &["encapsulate", "decapsulate", "get-key-last-usage"];

#[test]
fn every_input_skeleton_matches_the_aws_clis() {
    let aws = venv().join("bin/aws");
    for op in Operation::ALL {
        let name = kebab(op.name());
        let ours = nk(None, &[&name, "--generate-cli-skeleton"]);
        assert!(
            ours.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        let theirs = Command::new(&aws)
            .args(["kms", &name, "--generate-cli-skeleton"])
            .env("AWS_DEFAULT_REGION", REGION)
            .output()
            .unwrap();
        if !theirs.status.success()
            && NEWER_THAN_THE_INSTALLED_CLI.contains(&name.as_str())
            && String::from_utf8_lossy(&theirs.stderr).contains("Invalid choice")
        {
            // Loud, and only for the operations named: the venv's AWS CLI v1 predates them.
            eprintln!("{name}: not in the installed AWS CLI's model; compared with nothing");
            continue;
        }
        assert!(
            theirs.status.success(),
            "aws {name}: {}",
            String::from_utf8_lossy(&theirs.stderr)
        );
        let mut ours: Value = serde_json::from_slice(&ours.stdout).unwrap();
        let theirs: Value = serde_json::from_slice(&theirs.stdout).unwrap();
        let mut newer = Vec::new();
        prune(&mut ours, &theirs, &name, &mut newer);
        if !newer.is_empty() {
            eprintln!("{name}: members newer than the installed AWS CLI's model: {newer:?}");
        }
        assert_eq!(
            serde_json::to_string(&normalize(&ours)).unwrap(),
            serde_json::to_string(&normalize(&theirs)).unwrap(),
            "skeleton of {name}"
        );
    }
}

#[test]
fn output_keys_and_exit_codes_match_the_aws_cli() {
    let sim = Sim::start(&[]);
    let created = json(&nk(Some(&sim), &["create-key", "--description", "cli"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    // Same keys, same order, as the AWS CLI's output for the same call.
    let ours = json(&nk(
        Some(&sim),
        &[
            "generate-data-key",
            "--key-id",
            &key,
            "--key-spec",
            "AES_256",
            "--encryption-context",
            "a=1,b=2",
        ],
    ));
    let out = sim.aws(&[
        "generate-data-key",
        "--key-id",
        &key,
        "--key-spec",
        "AES_256",
        "--encryption-context",
        "a=1,b=2",
    ]);
    let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&ours), keys(&theirs));
    // Decrypt with the context as JSON, the blob from a file.
    let blob = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        ours["CiphertextBlob"].as_str().unwrap(),
    )
    .unwrap();
    let path = sim.dir.join("blob");
    std::fs::write(&path, blob).unwrap();
    let dec = json(&nk(
        Some(&sim),
        &[
            "decrypt",
            "--ciphertext-blob",
            &format!("fileb://{}", path.display()),
            "--encryption-context",
            r#"{"b":"2","a":"1"}"#,
        ],
    ));
    assert_eq!(dec["Plaintext"], ours["Plaintext"]);
    // --cli-input-json, overridden by an option.
    let input = sim.dir.join("input.json");
    std::fs::write(&input, format!(r#"{{"KeyId":"{key}","NumberOfBytes":16}}"#)).unwrap();
    let from_file = json(&nk(
        Some(&sim),
        &[
            "generate-data-key",
            "--cli-input-json",
            &format!("file://{}", input.display()),
            "--number-of-bytes",
            "24",
        ],
    ));
    assert_eq!(
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            from_file["Plaintext"].as_str().unwrap()
        )
        .unwrap()
        .len(),
        24
    );
    // Service error: 254 and AWS's line.
    let out = nk(
        Some(&sim),
        &[
            "generate-data-key",
            "--key-id",
            "alias/none",
            "--key-spec",
            "AES_256",
        ],
    );
    assert_eq!(out.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "An error occurred (NotFoundException) when calling the GenerateDataKey operation: Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found."
    ));
    // Usage errors before sending: 252.
    let out = nk(Some(&sim), &["generate-data-key", "--key-spec", "AES_256"]);
    assert_eq!(out.status.code(), Some(252));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the following arguments are required: --key-id")
    );
    let out = nk(
        Some(&sim),
        &[
            "generate-data-key",
            "--key-id",
            &key,
            "--number-of-bytes",
            "0",
        ],
    );
    assert_eq!(out.status.code(), Some(252));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Invalid value for parameter NumberOfBytes, value: 0, valid min value: 1")
    );
    // Text output: scalars on one line.
    let out = nk(
        Some(&sim),
        &["describe-key", "--key-id", &key, "--output", "text"],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("KEYMETADATA\t111122223333\t"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn recipient_simulated_prints_plaintext_as_the_aws_cli_would_without_sending_it() {
    let sim = Sim::start(&[]);
    let key = json(&nk(Some(&sim), &["create-key"]))["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let recipient = format!("simulated:{}", sim.dir.display());
    let gdk = json(&nk(
        Some(&sim),
        &[
            "generate-data-key",
            "--key-id",
            &key,
            "--key-spec",
            "AES_256",
            "--recipient",
            &recipient,
        ],
    ));
    assert!(gdk.get("CiphertextForRecipient").is_none());
    let plaintext = gdk["Plaintext"].as_str().unwrap().to_owned();
    assert_eq!(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &plaintext)
            .unwrap()
            .len(),
        32
    );
    let path = sim.dir.join("blob");
    std::fs::write(
        &path,
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            gdk["CiphertextBlob"].as_str().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let dec = json(&nk(
        Some(&sim),
        &[
            "decrypt",
            "--ciphertext-blob",
            &format!("fileb://{}", path.display()),
            "--recipient",
            &recipient,
        ],
    ));
    assert_eq!(dec["Plaintext"], plaintext);
}

/// The key structure of a JSON value (objects' keys in order, recursively; arrays by their first
/// element), without the values.
fn key_shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), key_shape(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().take(1).map(key_shape).collect()),
        _ => Value::Null,
    }
}

#[test]
fn json_output_has_the_aws_clis_keys_for_each_kind_of_call() {
    let sim = Sim::start(&[]);
    let key = json(&nk(Some(&sim), &["create-key"]))["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    for call in [
        vec![
            "create-alias",
            "--alias-name",
            "alias/shape",
            "--target-key-id",
            &key,
        ],
        vec![
            "tag-resource",
            "--key-id",
            &key,
            "--tags",
            "TagKey=a,TagValue=b",
        ],
    ] {
        // Operations without output print nothing, as the AWS CLI's do.
        let out = nk(Some(&sim), &call);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    let blob_path = sim.dir.join("enc.blob");
    let enc = json(&nk(
        Some(&sim),
        &["encrypt", "--key-id", &key, "--plaintext", "aGVsbG8="],
    ));
    std::fs::write(
        &blob_path,
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            enc["CiphertextBlob"].as_str().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let fileb = format!("fileb://{}", blob_path.display());
    let calls: Vec<Vec<&str>> = vec![
        vec!["create-key", "--description", "shape"],
        vec!["describe-key", "--key-id", &key],
        vec!["list-keys"],
        vec!["list-aliases"],
        vec!["list-resource-tags", "--key-id", &key],
        vec![
            "get-key-policy",
            "--key-id",
            &key,
            "--policy-name",
            "default",
        ],
        vec![
            "generate-data-key-without-plaintext",
            "--key-id",
            &key,
            "--number-of-bytes",
            "16",
        ],
        vec![
            "generate-data-key-pair-without-plaintext",
            "--key-id",
            &key,
            "--key-pair-spec",
            "ECC_NIST_P256",
        ],
        vec!["decrypt", "--ciphertext-blob", &fileb],
        vec![
            "re-encrypt",
            "--ciphertext-blob",
            &fileb,
            "--destination-key-id",
            &key,
        ],
        vec!["generate-random", "--number-of-bytes", "8"],
    ];
    for call in calls {
        let ours = json(&nk(Some(&sim), &call));
        let out = sim.aws(&call);
        assert!(
            out.status.success(),
            "aws {call:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(key_shape(&ours), key_shape(&theirs), "{call:?}");
    }
}

#[test]
fn table_and_text_output_are_the_aws_clis_byte_for_byte() {
    let sim = Sim::start(&[]);
    let key =
        json(&nk(Some(&sim), &["create-key", "--description", "tables"]))["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned();
    for call in [
        vec![
            "create-alias",
            "--alias-name",
            "alias/table",
            "--target-key-id",
            &key,
        ],
        vec![
            "tag-resource",
            "--key-id",
            &key,
            "--tags",
            "TagKey=a,TagValue=b",
            "TagKey=c,TagValue=d",
        ],
    ] {
        assert!(nk(Some(&sim), &call).status.success());
    }
    for call in [
        vec!["describe-key", "--key-id", &key],
        vec!["list-aliases"],
        vec!["list-keys"],
        vec!["list-resource-tags", "--key-id", &key],
        vec![
            "get-key-policy",
            "--key-id",
            &key,
            "--policy-name",
            "default",
        ],
    ] {
        for format in ["table", "text"] {
            let mut ours_args = call.clone();
            ours_args.extend(["--output", format]);
            let ours = nk(Some(&sim), &ours_args);
            let mut aws_args = call.clone();
            aws_args.extend(["--output", format]);
            let theirs = sim.aws(&aws_args);
            assert!(
                theirs.status.success(),
                "{}",
                String::from_utf8_lossy(&theirs.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&theirs.stdout),
                "{call:?} --output {format}"
            );
        }
    }
}

#[test]
fn profiles_in_the_shared_files_supply_credentials_and_region() {
    let sim = Sim::start(&[]);
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!(
            "[default]\naws_access_key_id = AKIAWRONGWRONGWRONG0\naws_secret_access_key = nope\n\n[sim]\naws_access_key_id = {SIMULATION_ACCESS_KEY_ID}\naws_secret_access_key = {SIMULATION_SECRET_ACCESS_KEY}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile sim]\nregion = us-east-1\n",
    )
    .unwrap();
    let run = |profile: &str| {
        Command::new(nitro_kms_tests::binary("nitro-kms"))
            .args([
                "generate-random",
                "--number-of-bytes",
                "4",
                "--profile",
                profile,
            ])
            .args(["--endpoint-url", &sim.endpoint])
            .env_clear()
            .env("HOME", home.path())
            .output()
            .unwrap()
    };
    let out = run("sim");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run("default");
    assert!(!out.status.success());
    // The default profile has no region in the config file: say so, as the AWS CLI does.
    assert!(String::from_utf8_lossy(&out.stderr).contains("You must specify a region"));
}
