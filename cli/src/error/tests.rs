//! Usage errors print as one line, whatever shape their message or clap's rendering has.

use super::*;

#[test]
fn a_message_of_several_lines_becomes_one() {
    assert_eq!(
        one_line(
            "Parameter validation failed:\nInvalid length for parameter KeyId, value: 0, valid min length: 1\n"
        ),
        "Parameter validation failed: Invalid length for parameter KeyId, value: 0, valid min length: 1"
    );
    assert_eq!(one_line("one line"), "one line");
}

#[test]
fn a_clap_error_keeps_its_error_line_and_names_the_command_to_ask_for_help() {
    let rendered = "error: unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a value, use '-- --bogus'\n\nUsage: nitro-kms attestation verify [OPTIONS] <FILE>\n\nFor more information, try '--help'.\n";
    assert_eq!(
        clap_usage_line(rendered),
        "unexpected argument '--bogus' found (see `nitro-kms attestation verify --help`)"
    );
    assert_eq!(
        clap_usage_line(
            "error: the following required arguments were not provided:\n  <FILE>\n\nUsage: nitro-kms attestation verify <FILE>\n"
        ),
        "the following required arguments were not provided: <FILE> (see `nitro-kms attestation verify --help`)"
    );
    assert_eq!(
        clap_usage_line("error: unrecognized subcommand 'x'\n\nUsage: nitro-kms <COMMAND>\n"),
        "unrecognized subcommand 'x' (see `nitro-kms --help`)"
    );
}

#[test]
fn exit_codes_are_the_aws_cli_v2s() {
    assert_eq!(CliError::Usage(String::new()).exit_code(), 252);
    assert_eq!(CliError::Other(String::new()).exit_code(), 255);
    assert_eq!(CliError::Check(String::new()).exit_code(), 1);
}
