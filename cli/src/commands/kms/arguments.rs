//! The arguments of a KMS subcommand, parsed from the service model as the AWS CLI parses them.
//!
//! One `--kebab-name` per input member in model order, booleans as `--flag`/`--no-flag`, lists as
//! several values (or one JSON list), maps and structures as JSON or shorthand (`K=V,K2=V2`),
//! blobs as base64, `fileb://` (raw file) or `file://` (text file). The global options (settings,
//! `--cli-input-json`, `--generate-cli-skeleton`, `--recipient`) are collected beside the body.
//! The AWS CLI's client-side checks (required members, minimums) are here too: they fail before
//! anything is sent.

use base64::Engine;
use nitro_kms_attest::nsm::source::{NsmSource, NsmSourceError};
use serde_json::{Map, Value};

use super::outcome::KmsOutcome;
use super::settings::SettingsOptions;
use crate::model::{Shape, ShapeRef, kebab, model};

/// The global options of a KMS subcommand: everything that is not a member of the request.
#[derive(Debug, Default)]
pub struct Globals {
    /// Where and how to call, and how to print: `--endpoint-url`, `--region`, `--profile`,
    /// `--ca-bundle`, `--service-pcr`, `--service-root`, `--trust-simulated-root`, `--output`.
    pub settings: SettingsOptions,
    /// `--cli-input-json`: JSON (or `file://`) supplying members the options override.
    pub cli_input_json: Option<String>,
    /// `--query EXPR`: the JMESPath expression applied to the answer before it is printed.
    pub query: Option<String>,
    /// `--generate-cli-skeleton [input|output]`: print this skeleton instead of calling.
    pub skeleton: Option<String>,
    /// `--recipient nsm|simulated:DIR`, as given: attest the call (checked against the operation
    /// before it is parsed, so an unsupported operation is named first).
    pub recipient: Option<String>,
}

/// The model's shape `name`; a missing one is a broken model, not a usage error.
pub fn shape(name: &str) -> Result<&'static Shape, KmsOutcome> {
    model()
        .shape(name)
        .ok_or_else(|| KmsOutcome::Other(format!("model has no shape {name}")))
}

/// Parses the arguments into globals and the request body.
pub fn parse(
    input: Option<&Shape>,
    args: &[String],
) -> Result<(Globals, Map<String, Value>), KmsOutcome> {
    let mut g = Globals::default();
    let mut body = Map::new();
    let mut i = 0;
    let value_of = |i: &mut usize, name: &str| -> Result<String, KmsOutcome> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| KmsOutcome::Usage(format!("argument --{name}: expected one argument")))
    };
    while i < args.len() {
        let arg = &args[i];
        let Some(name) = arg.strip_prefix("--") else {
            return Err(KmsOutcome::Usage(format!("Unknown options: {arg}")));
        };
        match name {
            "endpoint-url" => g.settings.endpoint_url = Some(value_of(&mut i, name)?),
            "region" => g.settings.region = Some(value_of(&mut i, name)?),
            "profile" => g.settings.profile = Some(value_of(&mut i, name)?),
            "output" => g.settings.output = Some(value_of(&mut i, name)?),
            "cli-input-json" => g.cli_input_json = Some(value_of(&mut i, name)?),
            "query" => g.query = Some(value_of(&mut i, name)?),
            "ca-bundle" => g.settings.ca_bundle = Some(value_of(&mut i, name)?),
            "service-pcr" => g.settings.service_pcrs.push(value_of(&mut i, name)?),
            "service-root" => g.settings.service_root = Some(value_of(&mut i, name)?),
            "trust-simulated-root" => {
                g.settings.trust_simulated_root = Some(value_of(&mut i, name)?)
            }
            "recipient"
                if !has_member(input, "Recipient") || is_recipient_shortcut(args.get(i + 1)) =>
            {
                g.recipient = Some(value_of(&mut i, name)?)
            }
            "generate-cli-skeleton" => {
                let next = args.get(i + 1).map(String::as_str);
                g.skeleton = Some(match next {
                    Some("input") | Some("output") => {
                        i += 1;
                        next.unwrap_or("input").to_owned()
                    }
                    _ => "input".to_owned(),
                });
            }
            _ => {
                let input =
                    input.ok_or_else(|| KmsOutcome::Usage(format!("Unknown options: {arg}")))?;
                let (member, negated) = find_member(input, name)
                    .ok_or_else(|| KmsOutcome::Usage(format!("Unknown options: {arg}")))?;
                let member_shape = shape(&member.1.shape)?;
                let value = if member_shape.kind == "boolean" {
                    Value::Bool(!negated)
                } else if member_shape.kind == "list" {
                    let mut values = Vec::new();
                    while let Some(next) = args.get(i + 1).filter(|a| !a.starts_with("--")) {
                        values.push(next.clone());
                        i += 1;
                    }
                    if values.is_empty() {
                        return Err(KmsOutcome::Usage(format!(
                            "argument {arg}: expected at least one argument"
                        )));
                    }
                    list_value(member_shape, &values, arg)?
                } else {
                    let raw = value_of(&mut i, name)?;
                    convert(member_shape, &raw, arg)?
                };
                body.insert(member.0.clone(), value);
            }
        }
        i += 1;
    }
    Ok((g, body))
}

fn has_member(input: Option<&Shape>, name: &str) -> bool {
    input.is_some_and(|s| s.members.0.iter().any(|(n, _)| n == name))
}

/// `--recipient nsm` / `--recipient simulated:...` is our attestation shortcut; anything else is
/// the model's `Recipient` structure (JSON or shorthand). A malformed shortcut (`simulated:`
/// without a directory) is still ours, so it is refused by name instead of parsed as shorthand.
fn is_recipient_shortcut(next: Option<&String>) -> bool {
    next.is_some_and(|v| !matches!(NsmSource::parse(v), Err(NsmSourceError::Unknown(_))))
}

fn find_member<'a>(input: &'a Shape, option: &str) -> Option<(&'a (String, ShapeRef), bool)> {
    if let Some(m) = input.members.0.iter().find(|(n, _)| kebab(n) == option) {
        return Some((m, false));
    }
    let positive = option.strip_prefix("no-")?;
    let m = input.members.0.iter().find(|(n, _)| kebab(n) == positive)?;
    (model().shape(&m.1.shape)?.kind == "boolean").then_some((m, true))
}

/// The text of an argument: itself, or the contents of the file a `file://` prefix names.
pub fn read_arg_text(raw: &str) -> Result<String, KmsOutcome> {
    match raw.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            KmsOutcome::Usage(format!(
                "Error parsing parameter: Unable to load paramfile {raw}: {e}"
            ))
        }),
        None => Ok(raw.to_owned()),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One value of a member, from its command-line text.
fn convert(s: &Shape, raw: &str, arg: &str) -> Result<Value, KmsOutcome> {
    match s.kind.as_str() {
        "blob" => {
            if let Some(path) = raw.strip_prefix("fileb://") {
                let bytes = std::fs::read(path).map_err(|e| {
                    KmsOutcome::Usage(format!(
                        "Error parsing parameter '{arg}': Unable to load paramfile {raw}: {e}"
                    ))
                })?;
                return Ok(Value::String(b64(&bytes)));
            }
            let text = read_arg_text(raw)?;
            if raw.starts_with("file://") {
                return Ok(Value::String(b64(text.as_bytes())));
            }
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| KmsOutcome::Usage(format!("Invalid base64: \"{text}\"")))?;
            Ok(Value::String(text.trim().to_owned()))
        }
        "string" => Ok(Value::String(read_arg_text(raw)?)),
        "integer" | "long" => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| KmsOutcome::Usage(format!("argument {arg}: invalid int value: '{raw}'"))),
        "boolean" => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(KmsOutcome::Usage(format!(
                "argument {arg}: invalid boolean value: '{raw}'"
            ))),
        },
        "map" | "structure" => {
            let text = read_arg_text(raw)?;
            if text.trim_start().starts_with('{') {
                return serde_json::from_str(&text).map_err(|e| {
                    KmsOutcome::Usage(format!(
                        "Error parsing parameter '{arg}': Invalid JSON: {e}"
                    ))
                });
            }
            shorthand(s, &text, arg)
        }
        _ => Ok(Value::String(raw.to_owned())),
    }
}

/// `K=V,K2=V2` for maps and structures (structure members typed by their shapes).
fn shorthand(s: &Shape, text: &str, arg: &str) -> Result<Value, KmsOutcome> {
    let mut out = Map::new();
    for pair in text.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(|| {
            KmsOutcome::Usage(format!(
                "Error parsing parameter '{arg}': Expected: '=', received: 'EOF' for input:\n{text}"
            ))
        })?;
        let value = if s.kind == "structure" {
            let member =
                s.members.0.iter().find(|(n, _)| n == k).ok_or_else(|| {
                    KmsOutcome::Usage(format!("Unknown parameter in {arg}: \"{k}\""))
                })?;
            convert(shape(&member.1.shape)?, v, arg)?
        } else {
            Value::String(v.to_owned())
        };
        out.insert(k.to_owned(), value);
    }
    Ok(Value::Object(out))
}

fn list_value(s: &Shape, values: &[String], arg: &str) -> Result<Value, KmsOutcome> {
    if values.len() == 1 && values[0].trim_start().starts_with('[') {
        return serde_json::from_str(&values[0]).map_err(|e| {
            KmsOutcome::Usage(format!(
                "Error parsing parameter '{arg}': Invalid JSON: {e}"
            ))
        });
    }
    let member = s
        .member
        .as_ref()
        .ok_or_else(|| KmsOutcome::Other("list without member".into()))?;
    let member_shape = shape(&member.shape)?;
    values
        .iter()
        .map(|v| convert(member_shape, v, arg))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// The AWS CLI's client-side check that every required member is given.
pub fn check_required(input: &Shape, body: &Map<String, Value>) -> Result<(), KmsOutcome> {
    for required in &input.required {
        if !body.contains_key(required) {
            return Err(KmsOutcome::Usage(format!(
                "the following arguments are required: --{}",
                kebab(required)
            )));
        }
    }
    Ok(())
}

/// The AWS CLI's client-side checks: minimum values and lengths (botocore's ParamValidator).
pub fn check_minimums(input: &Shape, body: &Map<String, Value>) -> Result<(), KmsOutcome> {
    for (name, r) in &input.members.0 {
        let Some(value) = body.get(name) else {
            continue;
        };
        let Some(min) = shape(&r.shape)?.min else {
            continue;
        };
        let problem = match value {
            Value::Number(n) if n.as_i64().is_some_and(|n| n < min) => Some(format!(
                "Invalid value for parameter {name}, value: {n}, valid min value: {min}"
            )),
            Value::String(t) if (t.len() as i64) < min && shape(&r.shape)?.kind == "string" => {
                Some(format!(
                    "Invalid length for parameter {name}, value: {}, valid min length: {min}",
                    t.len()
                ))
            }
            _ => None,
        };
        if let Some(p) = problem {
            return Err(KmsOutcome::Usage(format!(
                "Parameter validation failed:\n{p}"
            )));
        }
    }
    Ok(())
}
