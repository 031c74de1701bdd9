//! The KMS subcommands: `nitro-kms generate-data-key --key-id ... --key-spec AES_256`, and every
//! other operation of the design, with the AWS CLI's option names, input forms and output.
//!
//! Options come from the embedded service model exactly as the AWS CLI derives them: one
//! `--kebab-name` per input member in model order, booleans as `--flag`/`--no-flag`, lists as
//! several values, maps and structures as JSON or shorthand (`K=V,K2=V2`), blobs as base64,
//! `fileb://` (raw file) or `file://` (text file); `--cli-input-json` (JSON or `file://`) supplies
//! members that options then override; `--generate-cli-skeleton [input|output]` prints the
//! skeleton. Globals: `--endpoint-url` (default `https://kms.REGION.amazonaws.com`), `--region`,
//! `--profile`, `--ca-bundle PEM`, `--output json|text|table`, and
//! `--recipient nsm|simulated:DIR` on GenerateDataKey, GenerateDataKeyPair, Decrypt and
//! GenerateRandom: the command
//! attests, sends the `Recipient`, opens `CiphertextForRecipient` and prints `Plaintext` as the AWS
//! CLI would have (the drop-in replacement for `kmstool-enclave-cli`).
//!
//! Exit status as the AWS CLI v2: 0, 252 for usage errors (before anything is sent), 254 for
//! service errors (`An error occurred (Type) when calling the Op operation: message`), 255 else.

use std::sync::Arc;

use base64::Engine;
use nitro_kms_api::Operation;
use nitro_kms_client::{ClientConfig, ClientError, Credentials, KmsClient};
use serde_json::{Map, Value};

use crate::model::{Shape, kebab, model};

/// How a KMS subcommand ended.
#[derive(Debug)]
pub enum KmsOutcome {
    /// Printed its output.
    Done,
    /// Usage error (252).
    Usage(String),
    /// Service error (254).
    Service(String),
    /// Anything else (255).
    Other(String),
}

/// The operation a subcommand name stands for (`generate-data-key`).
pub fn operation(name: &str) -> Option<Operation> {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| kebab(op.name()) == name)
}

/// Global options.
#[derive(Debug, Default)]
struct Globals {
    endpoint_url: Option<String>,
    region: Option<String>,
    profile: Option<String>,
    output: Option<String>,
    cli_input_json: Option<String>,
    skeleton: Option<String>,
    recipient: Option<String>,
    ca_bundle: Option<String>,
}

fn shape(name: &str) -> Result<&'static Shape, KmsOutcome> {
    model()
        .shape(name)
        .ok_or_else(|| KmsOutcome::Other(format!("model has no shape {name}")))
}

/// Runs `op` with the arguments after the subcommand name.
pub fn run(op: Operation, args: &[String]) -> KmsOutcome {
    match run_inner(op, args) {
        Ok(()) => KmsOutcome::Done,
        Err(e) => e,
    }
}

fn run_inner(op: Operation, args: &[String]) -> Result<(), KmsOutcome> {
    let def = model()
        .operations
        .get(op.name())
        .ok_or_else(|| KmsOutcome::Other(format!("model has no operation {op}")))?;
    let input = match &def.input {
        Some(r) => Some(shape(&r.shape)?),
        None => None,
    };
    let (globals, mut body) = parse(input, args)?;
    if let Some(kind) = &globals.skeleton {
        let which = if kind == "output" {
            &def.output
        } else {
            &def.input
        };
        let skeleton = match which {
            Some(r) => skeleton_of(&r.shape, kind == "output", "", &mut Vec::new())?,
            None => Value::Object(Map::new()),
        };
        print_json(&skeleton);
        return Ok(());
    }
    if let Some(base) = &globals.cli_input_json {
        let text = read_arg_text(base)?;
        let Value::Object(base) = serde_json::from_str::<Value>(&text)
            .map_err(|e| KmsOutcome::Usage(format!("--cli-input-json is not JSON: {e}")))?
        else {
            return Err(KmsOutcome::Usage(
                "--cli-input-json must be a JSON object".into(),
            ));
        };
        for (k, v) in base {
            body.entry(k).or_insert(v);
        }
    }
    if let Some(input) = input {
        for required in &input.required {
            if !body.contains_key(required) {
                return Err(KmsOutcome::Usage(format!(
                    "the following arguments are required: --{}",
                    kebab(required)
                )));
            }
        }
        check_minimums(input, &body)?;
    }
    let output = globals.output.clone().unwrap_or_else(|| "json".into());
    if !["json", "text", "table"].contains(&output.as_str()) {
        return Err(KmsOutcome::Usage(format!(
            "argument --output: Invalid choice '{output}', valid choices are: json | text | table"
        )));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| KmsOutcome::Other(e.to_string()))?;
    let response = runtime.block_on(call(op, &globals, Value::Object(body)))?;
    if let Some(mut v) = response {
        if let Some(out) = &def.output {
            v = in_model_order(v, &out.shape);
        }
        match output.as_str() {
            "text" => print!("{}", to_text(&v)),
            "table" => print!("{}", crate::table::render(op.name(), &v)),
            _ => print_json(&v),
        }
    }
    Ok(())
}

fn print_json(v: &Value) {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    if serde::Serialize::serialize(v, &mut ser).is_ok() {
        let _ = crate::output::line(&String::from_utf8_lossy(&out));
    }
}

/// Parses the arguments into globals and the request body.
fn parse(
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
            "endpoint-url" => g.endpoint_url = Some(value_of(&mut i, name)?),
            "region" => g.region = Some(value_of(&mut i, name)?),
            "profile" => g.profile = Some(value_of(&mut i, name)?),
            "output" => g.output = Some(value_of(&mut i, name)?),
            "cli-input-json" => g.cli_input_json = Some(value_of(&mut i, name)?),
            "ca-bundle" => g.ca_bundle = Some(value_of(&mut i, name)?),
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

/// `--recipient nsm` / `--recipient simulated:DIR` is our attestation shortcut; anything else is
/// the model's `Recipient` structure (JSON or shorthand).
fn is_recipient_shortcut(next: Option<&String>) -> bool {
    next.is_some_and(|v| v == "nsm" || v.starts_with("simulated:"))
}

fn find_member<'a>(
    input: &'a Shape,
    option: &str,
) -> Option<(&'a (String, crate::model::ShapeRef), bool)> {
    if let Some(m) = input.members.0.iter().find(|(n, _)| kebab(n) == option) {
        return Some((m, false));
    }
    let positive = option.strip_prefix("no-")?;
    let m = input.members.0.iter().find(|(n, _)| kebab(n) == positive)?;
    (model().shape(&m.1.shape)?.kind == "boolean").then_some((m, true))
}

fn read_arg_text(raw: &str) -> Result<String, KmsOutcome> {
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

/// The AWS CLI's client-side checks: minimum values and lengths (botocore's ParamValidator).
fn check_minimums(input: &Shape, body: &Map<String, Value>) -> Result<(), KmsOutcome> {
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

/// Re-orders a response the way botocore parses it: structure members in model order (what the
/// AWS CLI prints), anything unknown after them.
fn in_model_order(v: Value, shape_name: &str) -> Value {
    let Some(s) = model().shape(shape_name) else {
        return v;
    };
    match (s.kind.as_str(), v) {
        ("structure", Value::Object(mut m)) => {
            let mut out = Map::new();
            for (name, r) in &s.members.0 {
                if let Some(x) = m.remove(name) {
                    out.insert(name.clone(), in_model_order(x, &r.shape));
                }
            }
            out.extend(m);
            Value::Object(out)
        }
        ("list", Value::Array(items)) => {
            let member = s.member.as_ref().map(|m| m.shape.as_str()).unwrap_or("");
            Value::Array(
                items
                    .into_iter()
                    .map(|i| in_model_order(i, member))
                    .collect(),
            )
        }
        (_, v) => v,
    }
}

/// botocore's ArgumentGenerator: the sample input (or, with `names`, output) of a shape.
fn skeleton_of(
    name: &str,
    names: bool,
    member: &str,
    stack: &mut Vec<String>,
) -> Result<Value, KmsOutcome> {
    let s = shape(name)?;
    stack.push(name.to_owned());
    let v = match s.kind.as_str() {
        "structure" => {
            if stack.iter().filter(|n| *n == name).count() > 1 {
                Value::Object(Map::new())
            } else {
                let mut out = Map::new();
                for (m, r) in &s.members.0 {
                    out.insert(m.clone(), skeleton_of(&r.shape, names, m, stack)?);
                }
                Value::Object(out)
            }
        }
        "list" => {
            let m = s
                .member
                .as_ref()
                .map(|m| m.shape.clone())
                .unwrap_or_default();
            let label = if names { m.clone() } else { String::new() };
            Value::Array(vec![skeleton_of(&m, names, &label, stack)?])
        }
        "map" => {
            let v = s
                .value
                .as_ref()
                .map(|m| m.shape.clone())
                .unwrap_or_default();
            let mut out = Map::new();
            out.insert("KeyName".into(), skeleton_of(&v, names, "", stack)?);
            Value::Object(out)
        }
        "string" if names => Value::String(member.to_owned()),
        // botocore picks a random enum value; we pick the first, deterministically.
        "string" => Value::String(s.values.first().cloned().unwrap_or_default()),
        "integer" | "long" => Value::from(0),
        "boolean" => Value::Bool(true),
        "timestamp" => Value::String("1970-01-01T00:00:00".into()),
        _ => Value::Null,
    };
    stack.pop();
    Ok(v)
}

/// Credentials and region from the usual AWS places: options, environment, shared files.
fn settings(g: &Globals) -> Result<(String, String, Credentials), KmsOutcome> {
    let profile = g
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".into());
    let home = std::env::var("HOME").unwrap_or_default();
    let ini = |env: &str, default: &str, section: &str, key: &str| -> Option<String> {
        let path = std::env::var(env).unwrap_or_else(|_| format!("{home}/{default}"));
        let text = std::fs::read_to_string(path).ok()?;
        let mut current = String::new();
        for line in text.lines().map(str::trim) {
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                current = s.trim().to_owned();
            } else if current == section
                && let Some((k, v)) = line.split_once('=')
                && k.trim() == key
            {
                return Some(v.trim().to_owned());
            }
        }
        None
    };
    let config_section = if profile == "default" {
        "default".to_owned()
    } else {
        format!("profile {profile}")
    };
    let region = g
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .or_else(|| ini("AWS_CONFIG_FILE", ".aws/config", &config_section, "region"))
        .ok_or_else(|| KmsOutcome::Other("You must specify a region. You can also configure your region by running \"aws configure\".".into()))?;
    let endpoint = g
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_KMS").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| format!("https://kms.{region}.amazonaws.com"));
    let creds = match (
        std::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Ok(id), Ok(secret)) if g.profile.is_none() => {
            Credentials::new(&id, &secret, std::env::var("AWS_SESSION_TOKEN").ok())
        }
        _ => {
            let id = ini(
                "AWS_SHARED_CREDENTIALS_FILE",
                ".aws/credentials",
                &profile,
                "aws_access_key_id",
            );
            let secret = ini(
                "AWS_SHARED_CREDENTIALS_FILE",
                ".aws/credentials",
                &profile,
                "aws_secret_access_key",
            );
            match (id, secret) {
                (Some(id), Some(secret)) => Credentials::new(
                    &id,
                    &secret,
                    ini("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", &profile, "aws_session_token"),
                ),
                _ => return Err(KmsOutcome::Other("Unable to locate credentials. You can configure credentials by running \"aws configure\".".into())),
            }
        }
    };
    Ok((endpoint, region, creds))
}

async fn call(op: Operation, g: &Globals, body: Value) -> Result<Option<Value>, KmsOutcome> {
    let (endpoint, region, creds) = settings(g)?;
    let mut config = ClientConfig::new(&endpoint, &region, creds);
    if let Some(path) = g
        .ca_bundle
        .clone()
        .or_else(|| std::env::var("AWS_CA_BUNDLE").ok())
    {
        config.tls_roots_pem = Some(
            std::fs::read(&path)
                .map_err(|e| KmsOutcome::Other(format!("--ca-bundle {path}: {e}")))?,
        );
    }
    let mut client = KmsClient::new(config).map_err(|e| KmsOutcome::Other(e.to_string()))?;
    let service = |e: ClientError| match e {
        ClientError::Service(k) => KmsOutcome::Service(format!(
            "An error occurred ({}) when calling the {op} operation: {}",
            k.type_name(),
            k.message()
        )),
        other => KmsOutcome::Other(other.to_string()),
    };
    if let Some(recipient) = &g.recipient {
        if !matches!(
            op,
            Operation::GenerateDataKey | Operation::Decrypt | Operation::GenerateRandom
        ) {
            return Err(KmsOutcome::Usage(format!(
                "--recipient is not supported by {op}"
            )));
        }
        let nsm: Arc<dyn nitro_kms_attest::nsm::Nsm> = match recipient.strip_prefix("simulated:") {
            Some(dir) => Arc::new(
                nitro_kms_attest::nsm::simulated::SimulatedNsm::open(
                    nitro_kms_attest::nsm::simulated::SimulatedNsmConfig::new(dir),
                )
                .map_err(|e| KmsOutcome::Other(format!("simulated NSM in {dir}: {e}")))?,
            ),
            None => Arc::new(
                nitro_kms_attest::nsm::device::NsmDevice::open()
                    .map_err(|e| KmsOutcome::Other(format!("/dev/nsm: {e:?}")))?,
            ),
        };
        client = client
            .attested(nsm, nitro_kms_crypto::RsaKeySize::Rsa2048)
            .map_err(|e| KmsOutcome::Other(e.to_string()))?;
        let parse_err =
            |e: serde_json::Error| KmsOutcome::Usage(format!("invalid parameters: {e}"));
        let mut v = match op {
            Operation::GenerateDataKey => serde_json::to_value(
                client
                    .generate_data_key(&serde_json::from_value(body).map_err(parse_err)?)
                    .await
                    .map_err(service)?,
            ),
            Operation::GenerateDataKeyPair => serde_json::to_value(
                client
                    .generate_data_key_pair(&serde_json::from_value(body).map_err(parse_err)?)
                    .await
                    .map_err(service)?,
            ),
            Operation::Decrypt => serde_json::to_value(
                client
                    .decrypt(&serde_json::from_value(body).map_err(parse_err)?)
                    .await
                    .map_err(service)?,
            ),
            _ => serde_json::to_value(
                client
                    .generate_random(&serde_json::from_value(body).map_err(parse_err)?)
                    .await
                    .map_err(service)?,
            ),
        }
        .map_err(|e| KmsOutcome::Other(e.to_string()))?;
        // Printed as the AWS CLI prints an unattested answer.
        if let Value::Object(m) = &mut v {
            m.remove("CiphertextForRecipient");
        }
        return Ok(Some(v));
    }
    // The AWS CLI follows the pages of paginated operations unless a Marker was given, and
    // prints the merged result key alone.
    let result_key = match op {
        Operation::ListKeys => Some("Keys"),
        Operation::ListAliases => Some("Aliases"),
        Operation::ListResourceTags => Some("Tags"),
        _ => None,
    };
    let paginate = result_key.filter(|_| body.get("Marker").is_none());
    let mut body = body;
    let mut merged: Vec<Value> = Vec::new();
    loop {
        let answer = client
            .call_raw(op, body.to_string().into_bytes())
            .await
            .map_err(service)?;
        if answer.is_empty() {
            return Ok(None);
        }
        let page: Value = serde_json::from_slice(&answer)
            .map_err(|e| KmsOutcome::Other(format!("response is not JSON: {e}")))?;
        let Some(key) = paginate else {
            return Ok(Some(page));
        };
        if let Some(items) = page[key].as_array() {
            merged.extend(items.iter().cloned());
        }
        match page["NextMarker"].as_str() {
            Some(marker) if page["Truncated"] == Value::Bool(true) => {
                body["Marker"] = Value::String(marker.to_owned());
            }
            _ => {
                let mut out = Map::new();
                out.insert(key.to_owned(), Value::Array(merged));
                return Ok(Some(Value::Object(out)));
            }
        }
    }
}

/// The AWS CLI's text output: scalars of an object on one tab-separated line (keys sorted),
/// nested objects and lists on their own lines, named by their upper-cased key.
fn to_text(v: &Value) -> String {
    fn walk(label: Option<&str>, v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let scalars: Vec<String> = keys
                    .iter()
                    .filter(|k| !matches!(m[k.as_str()], Value::Object(_) | Value::Array(_)))
                    .map(|k| scalar(&m[k.as_str()]))
                    .collect();
                if !scalars.is_empty() {
                    if let Some(l) = label {
                        out.push_str(&l.to_uppercase());
                        out.push('\t');
                    }
                    out.push_str(&scalars.join("\t"));
                    out.push('\n');
                }
                for k in keys {
                    if matches!(m[k.as_str()], Value::Object(_) | Value::Array(_)) {
                        walk(Some(k), &m[k.as_str()], out);
                    }
                }
            }
            Value::Array(items) => {
                if items
                    .iter()
                    .all(|i| !matches!(i, Value::Object(_) | Value::Array(_)))
                {
                    if let Some(l) = label {
                        out.push_str(&l.to_uppercase());
                        out.push('\t');
                    }
                    out.push_str(&items.iter().map(scalar).collect::<Vec<_>>().join("\t"));
                    out.push('\n');
                } else {
                    for i in items {
                        walk(label, i, out);
                    }
                }
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
    fn scalar(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Bool(b) => {
                if *b {
                    "True".into()
                } else {
                    "False".into()
                }
            }
            Value::Null => "None".into(),
            other => other.to_string(),
        }
    }
    let mut out = String::new();
    walk(None, v, &mut out);
    out
}
