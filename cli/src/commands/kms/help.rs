//! `nitro-kms --help`'s list of KMS operations and `nitro-kms <op> help` (or `--help`): what the
//! AWS CLI's `aws kms <op> help` shows, from the same service model — the operation's description,
//! its options with their types, whether they are required and their constraints (min, max,
//! enum), and the global options this command takes.

use nitro_kms_api::Operation;

use super::arguments::shape;
use super::call::takes_recipient;
use super::doc_text::{first_sentence, paragraphs, wrap};
use super::outcome::KmsOutcome;
use crate::model::{Shape, kebab, model};

/// Columns the help text is wrapped to.
const WIDTH: usize = 79;

/// Whether the arguments after an operation's name ask for its help: `help` as the first (the
/// AWS CLI's form) or `--help` anywhere.
pub fn wants_help(args: &[String]) -> bool {
    args.first().is_some_and(|a| a == "help") || args.iter().any(|a| a == "--help")
}

/// The KMS operations this CLI knows, one line each (name and the first sentence of the
/// model's documentation), sorted by name: the part of `nitro-kms --help` the KMS subcommands
/// add, since they are not clap subcommands.
pub fn operation_list() -> String {
    let mut ops: Vec<(String, String)> = Operation::ALL
        .iter()
        .map(|op| {
            let doc = model()
                .operations
                .get(op.name())
                .and_then(|d| d.documentation.as_deref())
                .unwrap_or("");
            (kebab(op.name()), first_sentence(doc))
        })
        .collect();
    ops.sort();
    let width = ops.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::from(
        "KMS operations (`nitro-kms <operation> help` shows an operation's options):\n",
    );
    for (name, line) in ops {
        out.push_str(&format!("  {name:width$}  {line}\n"));
    }
    out
}

/// The global options, as (synopsis, description); `--recipient` only where it applies.
fn global_options(op: Operation) -> Vec<(&'static str, &'static str)> {
    let mut g = vec![
        (
            "--endpoint-url (string)",
            "Where to send the request (else AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, or \
             https://kms.REGION.amazonaws.com).",
        ),
        (
            "--region (string)",
            "The region to sign for (else AWS_REGION, AWS_DEFAULT_REGION or the profile's).",
        ),
        (
            "--profile (string)",
            "The profile of the shared AWS files to take credentials and region from.",
        ),
        (
            "--output (string)",
            "The output format: json (the default) | text | table.",
        ),
        (
            "--query (string)",
            "A JMESPath query applied to the answer before it is formatted, as the AWS CLI does.",
        ),
        (
            "--cli-input-json (string)",
            "The request as JSON (or file://PATH); options given beside it override its members.",
        ),
        (
            "--generate-cli-skeleton (string)",
            "Print a sample request (input, the default) or answer (output) instead of calling.",
        ),
        (
            "--ca-bundle (string)",
            "A PEM file of TLS roots to trust instead of the built-in ones (else AWS_CA_BUNDLE).",
        ),
        (
            "--service-pcr (string)",
            "N=HEX, repeatable: trust the endpoint only as an attested nitro-kms enclave with \
             these PCRs (checked in the TLS handshake).",
        ),
        (
            "--service-root (string)",
            "A PEM attestation root the service's documents must chain to (default: AWS Nitro).",
        ),
        (
            "--trust-simulated-root (string)",
            "A simulated NSM's root PEM, for the local simulation.",
        ),
    ];
    if takes_recipient(op) {
        g.push((
            "--recipient (string)",
            "nsm | simulated:DIR: attest the call, send the Recipient, open \
             CiphertextForRecipient and print the plaintext as the AWS CLI prints an \
             unattested answer.",
        ));
    }
    g
}

/// A shape's type as the help names it: `string`, `list of string`, `map`, ...
fn type_name(s: &Shape) -> Result<String, KmsOutcome> {
    Ok(match (s.kind.as_str(), &s.member) {
        ("list", Some(m)) => format!("list of {}", shape(&m.shape)?.kind),
        (kind, _) => kind.to_owned(),
    })
}

/// A shape's constraints: min and max (values for numbers, lengths or items otherwise) and its
/// enum values (a list's, its members').
fn constraints(s: &Shape) -> Result<Vec<String>, KmsOutcome> {
    let mut out = Vec::new();
    let what = match s.kind.as_str() {
        "integer" | "long" => "value",
        "list" => "items",
        _ => "length",
    };
    if let Some(min) = s.min {
        out.push(format!("min {what}: {min}"));
    }
    if let Some(max) = s.max {
        out.push(format!("max {what}: {max}"));
    }
    let values = match &s.member {
        Some(m) if s.kind == "list" => &shape(&m.shape)?.values,
        _ => &s.values,
    };
    if !values.is_empty() {
        out.push(format!("possible values: {}", values.join(" | ")));
    }
    Ok(out)
}

/// `nitro-kms <op> help`: the operation's description, options and global options.
pub fn operation_help(op: Operation) -> Result<String, KmsOutcome> {
    let def = model()
        .operations
        .get(op.name())
        .ok_or_else(|| KmsOutcome::Other(format!("model has no operation {op}")))?;
    let name = kebab(op.name());
    let mut out = format!("{name}\n\nDESCRIPTION\n");
    for p in paragraphs(def.documentation.as_deref().unwrap_or("")) {
        out.push_str(&wrap(&p, "  ", WIDTH));
        out.push('\n');
    }
    let input = match &def.input {
        Some(r) => Some(shape(&r.shape)?),
        None => None,
    };
    out.push_str(&format!("SYNOPSIS\n  nitro-kms {name}\n"));
    let members = input.map(|s| s.members.0.as_slice()).unwrap_or_default();
    let required = |m: &str| input.is_some_and(|s| s.required.iter().any(|r| r == m));
    for (member, r) in members {
        let flag = option_flag(member, shape(&r.shape)?);
        if required(member) {
            out.push_str(&format!("    {flag} <value>\n"));
        } else {
            out.push_str(&format!("    [{flag}{}]\n", value_hint(shape(&r.shape)?)));
        }
    }
    out.push_str("\nOPTIONS\n");
    if members.is_empty() {
        out.push_str("  None\n\n");
    }
    for (member, r) in members {
        let s = shape(&r.shape)?;
        let need = if required(member) {
            "required"
        } else {
            "optional"
        };
        out.push_str(&format!(
            "  {} ({}) [{need}]\n",
            option_flag(member, s),
            type_name(s)?
        ));
        let limits = constraints(s)?;
        if !limits.is_empty() {
            out.push_str(&wrap(&limits.join("; "), "      ", WIDTH));
        }
        if let Some(first) = r
            .documentation
            .as_deref()
            .and_then(|d| paragraphs(d).into_iter().next())
        {
            out.push_str(&wrap(&first, "      ", WIDTH));
        }
        out.push_str(&parts_and_syntax(s)?);
        out.push('\n');
    }
    out.push_str("GLOBAL OPTIONS\n");
    for (flag, text) in global_options(op) {
        out.push_str(&format!("  {flag}\n"));
        out.push_str(&wrap(text, "      ", WIDTH));
        out.push('\n');
    }
    Ok(out)
}

/// For an option whose value has parts, what `aws kms <op> help` shows under it: the members of a
/// structure (a list's structure, a map's key and value) one level deep with their types
/// (`AttestationDocument -> (blob)`), then the shorthand syntax (`K=type,K2=type`, ` ...` for a
/// list). A list of scalars shows its syntax only; a scalar, nothing.
fn parts_and_syntax(s: &Shape) -> Result<String, KmsOutcome> {
    let item = match (s.kind.as_str(), &s.member) {
        ("list", Some(m)) => shape(&m.shape)?,
        _ => s,
    };
    let repeat = if s.kind == "list" { " ..." } else { "" };
    let mut parts: Vec<(String, String)> = Vec::new();
    match item.kind.as_str() {
        "structure" => {
            for (name, r) in &item.members.0 {
                parts.push((name.clone(), type_name(shape(&r.shape)?)?));
            }
        }
        "map" => {
            for (name, r) in [("key", &item.key), ("value", &item.value)] {
                let kind = match r {
                    Some(r) => type_name(shape(&r.shape)?)?,
                    None => "string".to_owned(),
                };
                parts.push((name.to_owned(), kind));
            }
        }
        _ if s.kind == "list" => {
            return Ok(format!(
                "      Syntax:\n        {0} {0} ...\n",
                type_name(item)?
            ));
        }
        _ => return Ok(String::new()),
    }
    let mut out = String::new();
    for (name, kind) in &parts {
        out.push_str(&format!("      {name} -> ({kind})\n"));
    }
    let shorthand = if item.kind == "map" {
        let value = parts.get(1).map_or("string", |(_, kind)| kind.as_str());
        format!("KeyName1={value},KeyName2={value}")
    } else {
        parts
            .iter()
            .map(|(name, kind)| format!("{name}={kind}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&format!(
        "      Shorthand Syntax:\n        {shorthand}{repeat}\n"
    ));
    Ok(out)
}

/// `--key-id`, or `--dry-run | --no-dry-run` for a boolean.
fn option_flag(member: &str, s: &Shape) -> String {
    let flag = kebab(member);
    if s.kind == "boolean" {
        format!("--{flag} | --no-{flag}")
    } else {
        format!("--{flag}")
    }
}

/// ` <value>` after an optional option that takes one (booleans take none).
fn value_hint(s: &Shape) -> &'static str {
    if s.kind == "boolean" { "" } else { " <value>" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn help_is_asked_by_a_leading_help_or_help_option_anywhere() {
        assert!(wants_help(&args(&["help"])));
        assert!(wants_help(&args(&["--key-id", "k", "--help"])));
        assert!(!wants_help(&args(&["--key-id", "help"])));
        assert!(!wants_help(&args(&[])));
    }

    #[test]
    fn the_operation_list_has_every_served_operation_with_its_first_sentence() {
        let list = operation_list();
        for op in Operation::ALL {
            assert!(list.contains(&format!("  {} ", kebab(op.name()))), "{op}");
        }
        assert!(
            list.lines()
                .any(|l| l.starts_with("  generate-data-key ") && l.ends_with('.')),
            "{list}"
        );
        assert!(!list.contains("<p>") && !list.contains("<code>"), "{list}");
    }

    #[test]
    fn operation_help_shows_types_requirements_and_constraints() {
        let help = operation_help(Operation::GenerateDataKey).unwrap();
        assert!(
            help.starts_with("generate-data-key\n\nDESCRIPTION\n"),
            "{help}"
        );
        assert!(help.contains("  --key-id (string) [required]\n"), "{help}");
        assert!(help.contains("min length: 1; max length: 2048"), "{help}");
        assert!(
            help.contains(
                "  --number-of-bytes (integer) [optional]\n      min value: 1; max value: 1024"
            ),
            "{help}"
        );
        assert!(
            help.contains("possible values: AES_256 | AES_128"),
            "{help}"
        );
        assert!(
            help.contains("  --dry-run | --no-dry-run (boolean) [optional]"),
            "{help}"
        );
        assert!(
            help.contains("  --grant-tokens (list of string) [optional]"),
            "{help}"
        );
        for global in [
            "--endpoint-url",
            "--region",
            "--output",
            "--query",
            "--recipient",
        ] {
            assert!(
                help.contains(&format!("\n  {global} (string)\n")),
                "{global}"
            );
        }
        assert!(!help.contains("<p>"), "{help}");
    }

    #[test]
    fn options_with_parts_show_their_members_types_and_shorthand() {
        let help = operation_help(Operation::GenerateDataKey).unwrap();
        let recipient = help
            .split("\n  --recipient (structure) [optional]\n")
            .nth(1)
            .unwrap_or_else(|| panic!("no --recipient option: {help}"));
        for expected in [
            "      KeyEncryptionAlgorithm -> (string)\n",
            "      AttestationDocument -> (blob)\n",
            "      Shorthand Syntax:\n        KeyEncryptionAlgorithm=string,AttestationDocument=blob\n",
        ] {
            assert!(recipient.contains(expected), "{expected:?} not in {help}");
        }
        assert!(
            help.contains("      Syntax:\n        string string ...\n"),
            "{help}"
        );
        assert!(
            help.contains(
                "      key -> (string)\n      value -> (string)\n      Shorthand Syntax:\n        KeyName1=string,KeyName2=string\n"
            ),
            "{help}"
        );
        let create = operation_help(Operation::CreateKey).unwrap();
        assert!(
            create.contains(
                "      TagKey -> (string)\n      TagValue -> (string)\n      Shorthand Syntax:\n        TagKey=string,TagValue=string ...\n"
            ),
            "{create}"
        );
    }

    #[test]
    fn recipient_is_a_global_option_only_where_it_applies() {
        let help = operation_help(Operation::ListKeys).unwrap();
        assert!(!help.contains("--recipient"), "{help}");
        assert!(help.contains("--limit (integer) [optional]"), "{help}");
    }
}
