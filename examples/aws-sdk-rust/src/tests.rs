//! The command line of the example.

use super::*;

fn argv(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

#[test]
fn key_id_and_recipient_are_read_in_any_order() {
    for args in [
        [
            "--key-id",
            "alias/app",
            "--recipient",
            "simulated:/tmp/world",
        ],
        [
            "--recipient",
            "simulated:/tmp/world",
            "--key-id",
            "alias/app",
        ],
    ] {
        let parsed = parse_args(&argv(&args)).unwrap();
        assert_eq!(parsed.key_id, "alias/app");
        assert_eq!(parsed.recipient, NsmSource::Simulated("/tmp/world".into()));
    }
    let device = parse_args(&argv(&["--key-id", "k", "--recipient", "nsm"])).unwrap();
    assert_eq!(device.recipient, NsmSource::Device);
}

#[test]
fn a_missing_option_or_value_is_the_usage() {
    for args in [
        &[][..],
        &["--key-id", "k"][..],
        &["--recipient", "nsm"][..],
        &["--key-id", "k", "--recipient"][..],
        &["--key-id", "k", "--recipient", "nsm", "--endpoint-url", "x"][..],
    ] {
        assert_eq!(
            parse_args(&argv(args)).err().as_deref(),
            Some(USAGE),
            "{args:?}"
        );
    }
}

#[test]
fn a_recipient_that_names_no_nsm_says_what_is_expected() {
    let err = parse_args(&argv(&["--key-id", "k", "--recipient", "/dev/nsm"]))
        .err()
        .unwrap();
    assert!(
        err.starts_with("--recipient: expected `nsm` or `simulated:DIR`"),
        "{err}"
    );
}
