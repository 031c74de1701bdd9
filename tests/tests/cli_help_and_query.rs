#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `nitro-kms --help` lists the KMS operations, `nitro-kms <op> help` shows an operation's
//! options as `aws kms <op> help` does, and `--query` selects what the AWS CLI selects: the same
//! stdout as `aws kms ... --query` against the same simulation.

use std::process::{Command, Output};

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::{REGION, Sim};

/// `nitro-kms ARGS` with the simulation's keys (and its endpoint, when given).
fn nk(sim: Option<&Sim>, args: &[&str]) -> Output {
    let mut cmd = Command::new(nitro_kms_tests::binary("nitro-kms"));
    cmd.args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    if let Some(sim) = sim {
        cmd.args(["--endpoint-url", &sim.endpoint]);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn top_level_help_lists_the_kms_operations_and_the_other_commands() {
    for flag in ["--help", "help"] {
        let help = stdout(&nk(None, &[flag]));
        for command in [
            "attestation",
            "recipient",
            "service",
            "credentials",
            "bench",
        ] {
            assert!(help.contains(&format!("  {command} ")), "{flag}: {help}");
        }
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with("generate-data-key "))
            .unwrap_or_else(|| panic!("{flag}: no generate-data-key line: {help}"));
        assert!(
            line.ends_with("Returns a unique symmetric data key for use outside of KMS."),
            "{line}"
        );
        assert!(help.contains("  list-keys "), "{help}");
        assert!(!help.contains("<p>"), "{help}");
    }
}

#[test]
fn operation_help_is_shown_in_every_aws_cli_form() {
    let forms: [&[&str]; 4] = [
        &["generate-data-key", "--help"],
        &["generate-data-key", "help"],
        &["help", "generate-data-key"],
        &["generate-data-key", "--key-id", "alias/x", "--help"],
    ];
    let first = stdout(&nk(None, forms[0]));
    for form in &forms[1..] {
        assert_eq!(stdout(&nk(None, form)), first, "{form:?}");
    }
    for expected in [
        "generate-data-key\n\nDESCRIPTION\n  Returns a unique symmetric data key",
        "\n  --key-id (string) [required]\n      min length: 1; max length: 2048\n",
        "\n  --key-spec (string) [optional]\n      possible values: AES_256 | AES_128\n",
        "\n  --number-of-bytes (integer) [optional]\n      min value: 1; max value: 1024\n",
        "\n  --query (string)\n",
        "\n  --recipient (string)\n",
        "\n  --endpoint-url (string)\n",
    ] {
        assert!(first.contains(expected), "{expected:?} not in:\n{first}");
    }
}

#[test]
fn options_with_parts_show_their_members_and_shorthand_as_the_aws_cli() {
    let help = stdout(&nk(None, &["generate-data-key", "help"]));
    for expected in [
        "\n  --recipient (structure) [optional]\n",
        "\n      KeyEncryptionAlgorithm -> (string)\n      AttestationDocument -> (blob)\n",
        "\n      Shorthand Syntax:\n        KeyEncryptionAlgorithm=string,AttestationDocument=blob\n",
        "\n      Syntax:\n        string string ...\n",
    ] {
        assert!(help.contains(expected), "{expected:?} not in:\n{help}");
    }
    let help = stdout(&nk(None, &["tag-resource", "--help"]));
    assert!(
        help.contains("      TagKey -> (string)\n      TagValue -> (string)\n      Shorthand Syntax:\n        TagKey=string,TagValue=string ...\n"),
        "{help}"
    );
}

#[test]
fn query_on_an_answer_without_a_body_is_the_aws_clis() {
    let sim = Sim::start(&[]);
    let created = nk(
        Some(&sim),
        &[
            "create-key",
            "--query",
            "KeyMetadata.KeyId",
            "--output",
            "text",
        ],
    );
    let key_id = stdout(&created).trim().to_owned();
    for query in ["KeyId", "length(@)", "@"] {
        for output in ["json", "text", "table"] {
            let args = [
                "enable-key",
                "--key-id",
                &key_id,
                "--query",
                query,
                "--output",
                output,
            ];
            let theirs = sim.aws(&args);
            let ours = nk(Some(&sim), &args);
            assert_eq!(ours.status.code(), Some(0), "{args:?}");
            assert_eq!(ours.status.code(), theirs.status.code(), "{args:?}");
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&theirs.stdout),
                "{args:?}"
            );
        }
    }
}

#[test]
fn usage_errors_exit_252_with_one_line() {
    for args in [
        &["list-keys", "--no-such-option", "x"][..],
        &[
            "list-keys",
            "--query",
            "Keys[",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ][..],
    ] {
        let out = nk(None, args);
        assert_eq!(out.status.code(), Some(252), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn query_output_is_the_aws_clis() {
    let sim = Sim::start(&[]);
    let created = sim.aws(&[
        "create-key",
        "--query",
        "KeyMetadata.KeyId",
        "--output",
        "text",
    ]);
    assert!(created.status.success(), "{created:?}");
    let key_id = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(!key_id.is_empty());
    let cases: [&[&str]; 10] = [
        &["list-keys", "--query", "Keys[].KeyId"],
        &["list-keys", "--query", "Keys[].KeyId", "--output", "text"],
        &[
            "describe-key",
            "--key-id",
            &key_id,
            "--query",
            "KeyMetadata.KeyState",
            "--output",
            "text",
        ],
        &[
            "describe-key",
            "--key-id",
            &key_id,
            "--query",
            "KeyMetadata.KeyState",
        ],
        &[
            "describe-key",
            "--key-id",
            &key_id,
            "--query",
            "KeyMetadata.{State: KeyState, Id: KeyId, On: Enabled}",
        ],
        &[
            "describe-key",
            "--key-id",
            &key_id,
            "--query",
            "NoSuchMember",
        ],
        &[
            "describe-key",
            "--key-id",
            &key_id,
            "--query",
            "NoSuchMember",
            "--output",
            "text",
        ],
        &["list-keys", "--query", "length(Keys)"],
        &["list-keys", "--query", "Keys[].KeyId", "--output", "table"],
        &[
            "describe-key",
            "--key-id",
            &key_id,
            "--query",
            "KeyMetadata.{Id: KeyId, State: KeyState}",
            "--output",
            "table",
        ],
    ];
    for args in cases {
        let theirs = sim.aws(args);
        let ours = nk(Some(&sim), args);
        assert_eq!(
            ours.status.code(),
            theirs.status.code(),
            "{args:?}: ours {} theirs {}",
            String::from_utf8_lossy(&ours.stderr),
            String::from_utf8_lossy(&theirs.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{args:?}"
        );
    }
}
