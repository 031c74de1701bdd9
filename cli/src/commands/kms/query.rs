//! `--query EXPR`: a JMESPath expression applied to the answer before it is formatted, as the AWS
//! CLI applies it (so `--output text` and `table` format what the query selected).
//!
//! JMESPath is the `jmespath` crate (jmespath.rs, MIT, from the JMESPath project itself, the
//! implementation its compliance suite is run against): a query language has too many corners to
//! write by hand. Its objects are sorted maps, while the AWS CLI (Python dicts) keeps the answer's
//! key order, so objects in the result are put back in order: a multi-select hash
//! (`{Id: KeyId, State: KeyState}`) in the order the query names its keys, any other object in
//! the order its keys first appear in the answer (which is already in model order).

use std::collections::HashMap;

use jmespath::Expression;
use serde_json::{Map, Value};

use super::outcome::KmsOutcome;

/// Compiles `--query EXPR`; a malformed one is a usage error (one line, the AWS CLI's words),
/// found before anything is sent.
pub fn compile(expression: &str) -> Result<Expression<'static>, KmsOutcome> {
    jmespath::compile(expression).map_err(|e| {
        KmsOutcome::Usage(format!(
            "Bad value for --query {expression}: {}",
            e.reason.to_string().replace('\n', " ")
        ))
    })
}

/// The part of `answer` that `query` selects (`null` when it selects nothing).
pub fn apply(query: &Expression<'_>, answer: &Value) -> Result<Value, KmsOutcome> {
    let found = query
        .search(answer.clone())
        .map_err(|e| KmsOutcome::Other(format!("--query: {}", e.reason)))?;
    let found = serde_json::to_value(&*found)
        .map_err(|e| KmsOutcome::Other(format!("--query: cannot render the result: {e}")))?;
    let mut ranks = HashMap::new();
    rank_keys(answer, &mut ranks);
    Ok(reorder(found, &ranks, query.as_str()))
}

/// Every key of `v`, numbered in the order it first appears (depth first, document order).
fn rank_keys(v: &Value, ranks: &mut HashMap<String, usize>) {
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                let next = ranks.len();
                ranks.entry(k.clone()).or_insert(next);
                rank_keys(item, ranks);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| rank_keys(i, ranks)),
        _ => {}
    }
}

/// Where `key` is named as a multi-select hash key in `expression` (`{key: ...` or `, key:`).
fn hash_key_position(expression: &str, key: &str) -> Option<usize> {
    expression.match_indices(key).map(|(at, _)| at).find(|&at| {
        let before = expression[..at].trim_end().chars().last();
        let after = expression[at + key.len()..].trim_start().chars().next();
        matches!(before, Some('{') | Some(',')) && after == Some(':')
    })
}

/// `v` with its objects' keys in the AWS CLI's order (see the module's documentation).
fn reorder(v: Value, ranks: &HashMap<String, usize>, expression: &str) -> Value {
    match v {
        Value::Object(m) => {
            let from_query = m.keys().all(|k| hash_key_position(expression, k).is_some());
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by_key(|(k, _)| {
                if from_query {
                    hash_key_position(expression, k).unwrap_or(usize::MAX)
                } else {
                    ranks.get(k).copied().unwrap_or(usize::MAX)
                }
            });
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, item)| (k, reorder(item, ranks, expression)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|i| reorder(i, ranks, expression))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn query(expression: &str, answer: &Value) -> Value {
        let compiled = compile(expression).unwrap();
        apply(&compiled, answer).unwrap()
    }

    #[test]
    fn projections_select_as_the_aws_cli_does() {
        let answer =
            json!({"Keys": [{"KeyId": "a", "KeyArn": "x"}, {"KeyId": "b", "KeyArn": "y"}]});
        assert_eq!(query("Keys[].KeyId", &answer), json!(["a", "b"]));
        assert_eq!(query("Keys[0].KeyArn", &answer), json!("x"));
        assert_eq!(query("length(Keys)", &answer), json!(2));
    }

    #[test]
    fn a_query_that_selects_nothing_is_null() {
        assert_eq!(query("NoSuchMember", &json!({"Keys": []})), Value::Null);
    }

    #[test]
    fn objects_keep_the_answers_order_and_hashes_the_querys() {
        let answer = json!({"KeyMetadata": {"KeyId": "a", "Arn": "x", "Enabled": true}});
        let selected = query("KeyMetadata", &answer);
        let keys: Vec<&String> = selected.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["KeyId", "Arn", "Enabled"]);
        let hash = query("KeyMetadata.{Z: KeyId, A: Arn}", &answer);
        let keys: Vec<&String> = hash.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Z", "A"]);
    }

    #[test]
    fn a_malformed_query_is_a_one_line_usage_error() {
        match compile("Keys[") {
            Err(KmsOutcome::Usage(m)) => {
                assert!(m.starts_with("Bad value for --query Keys[: "), "{m}");
                assert!(!m.contains('\n'), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }
}
