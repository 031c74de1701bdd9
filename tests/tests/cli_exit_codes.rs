#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `nitro-kms` ends as the AWS CLI v2 does: every error the service answers exits 254 with the
//! AWS CLI's line (`An error occurred (Type) when calling the Op operation: message`, the same
//! text the test virtualenv's `aws` prints for the same call), every usage error exits 252 with
//! exactly one line before anything is sent, and a refused connection exits 255, as `aws` does.
//!
//! The exit codes are the AWS CLI v2's documented ones; the virtualenv's CLI v1 answers a service
//! error with 255, so only its text is compared, and its status only where the two versions agree
//! (a refused connection).

use std::process::Output;

use nitro_kms_tests::proxy::{Sim, nitro_kms_command};

/// Where nothing listens (port 1 on loopback): a usage error must come before any connection,
/// or it would be a refused connection (255) instead.
const NOBODY: &str = "http://127.0.0.1:1";

/// `nitro-kms ARGS` with credentials and a region, against [`NOBODY`].
fn offline(args: &[&str]) -> Output {
    nitro_kms_command(NOBODY, args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The one non-empty line of standard error, asserted to be the only one.
fn one_line(out: &Output, what: &str) -> String {
    let text = stderr(out);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{what}: not one line: {text:?}");
    lines[0].to_owned()
}

/// A key of the simulation, and one disabled.
fn keys(sim: &Sim) -> (String, String) {
    let create = |sim: &Sim| {
        let out = sim.nitro_kms(&[
            "create-key",
            "--query",
            "KeyMetadata.KeyId",
            "--output",
            "text",
        ]);
        nitro_kms_tests::stdout_ok(&out).trim().to_owned()
    };
    let (key, disabled) = (create(sim), create(sim));
    nitro_kms_tests::stdout_ok(&sim.nitro_kms(&["disable-key", "--key-id", &disabled]));
    (key, disabled)
}

#[test]
fn every_service_error_exits_254_with_the_aws_clis_line() {
    let sim = Sim::start(&[]);
    let (key, disabled) = keys(&sim);
    nitro_kms_tests::stdout_ok(&sim.nitro_kms(&[
        "create-alias",
        "--alias-name",
        "alias/taken",
        "--target-key-id",
        &key,
    ]));
    let garbage = nitro_kms_tests::recipient::b64(&[7u8; 64]);
    // (error type, operation, arguments); a bad enum value is the service's to refuse, as with
    // the AWS CLI, which does not check enums.
    let cases: [(&str, &str, Vec<&str>); 6] = [
        (
            "NotFoundException",
            "DescribeKey",
            vec!["describe-key", "--key-id", "alias/nope"],
        ),
        (
            "ValidationException",
            "GenerateDataKey",
            vec![
                "generate-data-key",
                "--key-id",
                &key,
                "--key-spec",
                "AES_512",
            ],
        ),
        (
            "AlreadyExistsException",
            "CreateAlias",
            vec![
                "create-alias",
                "--alias-name",
                "alias/taken",
                "--target-key-id",
                &key,
            ],
        ),
        (
            "DisabledException",
            "Encrypt",
            vec!["encrypt", "--key-id", &disabled, "--plaintext", "aGk="],
        ),
        (
            "InvalidCiphertextException",
            "Decrypt",
            vec!["decrypt", "--ciphertext-blob", &garbage],
        ),
        (
            "NotFoundException",
            "ListResourceTags",
            vec!["list-resource-tags", "--key-id", "alias/nope"],
        ),
    ];
    for (error, op, args) in &cases {
        let out = sim.nitro_kms(args);
        assert_eq!(out.status.code(), Some(254), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        let line = one_line(&out, error);
        let prefix = format!("An error occurred ({error}) when calling the {op} operation: ");
        assert!(line.starts_with(&prefix), "{args:?}: {line}");
    }
    // The same text as the AWS CLI's, an empty line first included.
    for (_, _, args) in &cases[..2] {
        assert_eq!(
            stderr(&sim.nitro_kms(args)),
            stderr(&sim.aws(args)),
            "{args:?}"
        );
    }
    // Wrong credentials are service errors too.
    for (variable, value, error) in [
        (
            "AWS_ACCESS_KEY_ID",
            "AKIAWRONGWRONGWRONG1",
            "UnrecognizedClientException",
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wrong",
            "InvalidSignatureException",
        ),
    ] {
        let out = sim
            .nitro_kms_command(&["list-keys"])
            .env(variable, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(254), "{variable}: {}", stderr(&out));
        let line = one_line(&out, error);
        assert!(
            line.starts_with(&format!(
                "An error occurred ({error}) when calling the ListKeys operation: "
            )),
            "{line}"
        );
    }
}

#[test]
fn every_usage_error_exits_252_with_one_line_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-file");
    let unreadable = format!("fileb://{}", missing.display());
    let unreadable_json = format!("file://{}", missing.display());
    let kms_cases: [(&[&str], &str); 10] = [
        (
            &["describe-key"],
            "the following arguments are required: --key-id",
        ),
        (
            &["describe-key", "--key-id", "k", "--bogus"],
            "Unknown options: --bogus",
        ),
        (&["list-keys", "--limit", "many"], "invalid int value"),
        (&["list-keys", "--output", "yaml"], "Invalid choice 'yaml'"),
        (&["encrypt", "--encryption-context", "{bad"], "Invalid JSON"),
        (
            &["encrypt", "--encryption-context", "a"],
            "Expected: '=', received: 'EOF' for input: a",
        ),
        (
            &["encrypt", "--key-id", "k", "--plaintext", &unreadable],
            "Unable to load paramfile",
        ),
        (
            &["list-keys", "--cli-input-json", &unreadable_json],
            "Unable to load paramfile",
        ),
        (
            &["describe-key", "--key-id", ""],
            "Parameter validation failed: Invalid length for parameter KeyId",
        ),
        (
            &["encrypt", "--key-id", "k", "--plaintext", "!!"],
            "Invalid base64",
        ),
    ];
    for (args, expected) in kms_cases {
        // `encrypt` cases add to a complete request: only their own option is wrong.
        let mut args = args.to_vec();
        if args[0] == "encrypt" && !args.contains(&"--key-id") {
            args.extend(["--key-id", "k", "--plaintext", "aGk="]);
        }
        let out = offline(&args);
        assert_eq!(out.status.code(), Some(252), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        let line = one_line(&out, expected);
        assert!(line.starts_with("nitro-kms: error: "), "{args:?}: {line}");
        assert!(line.contains(expected), "{args:?}: {line}");
    }
    // The other commands' usage errors (clap's) are one line too, naming where help is.
    let other_cases: [(&[&str], &str); 3] = [
        (
            &["attestation", "verify"],
            "required arguments were not provided: <FILE> (see `nitro-kms attestation verify --help`)",
        ),
        (
            &["attestation", "verify", "doc", "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (
            &["no-such-command"],
            "unrecognized subcommand 'no-such-command'",
        ),
    ];
    for (args, expected) in other_cases {
        let out = nitro_kms_tests::nitro_kms(args);
        assert_eq!(out.status.code(), Some(252), "{args:?}: {}", stderr(&out));
        let line = one_line(&out, expected);
        assert!(line.contains(expected), "{args:?}: {line}");
    }
}

#[test]
fn a_refused_connection_exits_255_as_the_aws_cli() {
    let theirs = nitro_kms_tests::proxy::aws_kms_command(NOBODY, &["list-keys"])
        .output()
        .unwrap();
    assert_eq!(theirs.status.code(), Some(255), "{}", stderr(&theirs));
    let ours = offline(&["list-keys"]);
    assert_eq!(ours.status.code(), Some(255), "{}", stderr(&ours));
    assert!(one_line(&ours, "refused").contains("127.0.0.1:1"));
}
