//! One KMS subcommand, from its arguments to its printed answer: parse the options, print the
//! help or the skeleton if asked, merge `--cli-input-json`, check the request as the AWS CLI
//! does, call, and print the answer (what `--query` selects of it) in the `--output` format
//! through [`crate::output`].

use nitro_kms_api::Operation;
use serde_json::{Map, Value};

use super::arguments::{self, shape};
use super::call::{call, in_model_order};
use super::help;
use super::outcome::KmsOutcome;
use super::query;
use super::settings;
use super::skeleton::skeleton_of;
use crate::model::{kebab, model};
use crate::output::{self, JsonStyle};

/// The operation a subcommand name stands for (`generate-data-key`).
pub fn operation(name: &str) -> Option<Operation> {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| kebab(op.name()) == name)
}

/// For a subcommand name that is a KMS operation of the model this service does not serve
/// (`enable-key-rotation`), the usage error naming it; `None` for any other name (clap's to
/// refuse). The AWS CLI would send it and get `UnsupportedOperationException`; refusing it here
/// says the same before anything is sent.
pub fn not_served(name: &str) -> Option<String> {
    model()
        .operations
        .keys()
        .find(|op| kebab(op) == name)
        .map(|op| {
            format!(
                "{name}: this service does not support the KMS operation {op}; \
                 `nitro-kms --help` lists the ones it does"
            )
        })
}

/// Runs `op` with the arguments after the subcommand name.
pub fn run(op: Operation, args: &[String]) -> KmsOutcome {
    match run_inner(op, args) {
        Ok(()) => KmsOutcome::Done,
        Err(e) => e,
    }
}

/// A failure to write stdout (a closed pipe is not one: [`crate::output`] drops it).
fn stdout_error(e: std::io::Error) -> KmsOutcome {
    KmsOutcome::Other(format!("cannot write to stdout: {e}"))
}

fn run_inner(op: Operation, args: &[String]) -> Result<(), KmsOutcome> {
    let def = model()
        .operations
        .get(op.name())
        .ok_or_else(|| KmsOutcome::Other(format!("model has no operation {op}")))?;
    if help::wants_help(args) {
        return output::write(&help::operation_help(op)?).map_err(stdout_error);
    }
    let input = match &def.input {
        Some(r) => Some(shape(&r.shape)?),
        None => None,
    };
    let (globals, mut body) = arguments::parse(input, args)?;
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
        output::print_json(&skeleton, JsonStyle::AwsCli).map_err(stdout_error)?;
        return Ok(());
    }
    if let Some(base) = &globals.cli_input_json {
        let text = arguments::read_arg_text(base)?;
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
        arguments::check_required(input, &body)?;
        arguments::check_minimums(input, &body)?;
    }
    let format = settings::output_format(&globals.settings)?;
    let query = globals.query.as_deref().map(query::compile).transpose()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| KmsOutcome::Other(e.to_string()))?;
    let response = runtime.block_on(call(op, &globals, Value::Object(body)))?;
    // An answer without a body is the empty object to the AWS CLI: `--query` still applies to
    // it (`enable-key --query KeyId` prints `null`), and an empty object prints nothing.
    let mut v = match response {
        Some(v) => v,
        None => Value::Object(Map::new()),
    };
    if let Some(out) = &def.output {
        v = in_model_order(v, &out.shape);
    }
    if let Some(q) = &query {
        v = query::apply(q, &v)?;
    }
    if v != Value::Object(Map::new()) {
        output::print_response(format, op.name(), &v).map_err(stdout_error)?;
    }
    Ok(())
}
