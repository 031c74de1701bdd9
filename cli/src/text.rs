//! `--output text`, laid out as the AWS CLI lays it out: the KMS subcommands' answers as
//! tab-separated lines (the sibling of [`crate::table`] for `--output table`).

use serde_json::Value;

/// The AWS CLI's text output: scalars of an object on one tab-separated line (keys sorted),
/// nested objects and lists on their own lines, named by their upper-cased key.
pub fn render(v: &Value) -> String {
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
