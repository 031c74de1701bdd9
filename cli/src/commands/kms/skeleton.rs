//! `--generate-cli-skeleton [input|output]`: the sample request (or answer) of an operation, as
//! the AWS CLI prints it.

use serde_json::{Map, Value};

use super::arguments::shape;
use super::outcome::KmsOutcome;

/// botocore's ArgumentGenerator: the sample input (or, with `names`, output) of a shape.
pub fn skeleton_of(
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
