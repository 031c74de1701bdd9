//! Parsing a key policy document into statements.

use serde_json::{Map, Value};

use super::condition::{Operator, SetOp, parse_operator};

/// Largest policy text (the KMS `Policy` member's maximum length).
pub const MAX_POLICY_LEN: usize = 32_768;
/// Most statements accepted in one policy.
const MAX_STATEMENTS: usize = 100;

/// Why a policy document was refused (rendered as `MalformedPolicyDocumentException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

fn bad(msg: impl Into<String>) -> PolicyError {
    PolicyError(msg.into())
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Grants.
    Allow,
    /// Refuses, whatever else allows.
    Deny,
}

/// Who a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principals {
    /// `"*"` or `{"AWS": "*"}`.
    Anyone,
    /// AWS principals: account ids, account roots, user/role ARNs.
    Aws(Vec<String>),
}

/// A list of patterns, possibly negated (`NotAction`, `NotResource`, `NotPrincipal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Matcher<T> {
    pub(crate) not: bool,
    pub(crate) items: T,
}

/// One condition: operator, key (lower-cased), policy values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub(crate) set: SetOp,
    pub(crate) op: Operator,
    pub(crate) if_exists: bool,
    pub(crate) key: String,
    pub(crate) values: Vec<String>,
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub(crate) effect: Effect,
    pub(crate) principal: Matcher<Principals>,
    pub(crate) action: Matcher<Vec<String>>,
    pub(crate) resource: Matcher<Vec<String>>,
    pub(crate) conditions: Vec<Condition>,
}

/// A parsed key policy. Keep the original text too: GetKeyPolicy returns it verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub(crate) statements: Vec<Statement>,
}

impl Policy {
    /// Parses a policy document, refusing anything outside the supported subset.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        if text.len() > MAX_POLICY_LEN {
            return Err(bad(format!(
                "Policy is {} bytes, over the {MAX_POLICY_LEN}-byte limit",
                text.len()
            )));
        }
        let value: Value =
            serde_json::from_str(text).map_err(|_| bad("The policy is not valid JSON."))?;
        let Value::Object(doc) = value else {
            return Err(bad("The policy must be a JSON object."));
        };
        for key in doc.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(bad(format!("Unknown policy element {key}.")));
            }
        }
        match doc.get("Version") {
            None => {}
            Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
            Some(_) => return Err(bad("The policy Version must be 2012-10-17 or 2008-10-17.")),
        }
        if doc.get("Id").is_some_and(|id| !id.is_string()) {
            return Err(bad("The policy Id must be a string."));
        }
        let statements: Vec<&Map<String, Value>> = match doc.get("Statement") {
            Some(Value::Object(s)) => vec![s],
            Some(Value::Array(items)) => items
                .iter()
                .map(|s| {
                    s.as_object()
                        .ok_or_else(|| bad("Each Statement must be a JSON object."))
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(bad(
                    "The policy must have a Statement (an object or an array).",
                ));
            }
        };
        if statements.is_empty() || statements.len() > MAX_STATEMENTS {
            return Err(bad(format!(
                "A policy needs 1 to {MAX_STATEMENTS} statements."
            )));
        }
        let statements = statements
            .into_iter()
            .map(parse_statement)
            .collect::<Result<_, _>>()?;
        Ok(Self { statements })
    }
}

fn parse_statement(s: &Map<String, Value>) -> Result<Statement, PolicyError> {
    for key in s.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(bad(format!("Unknown statement element {key}.")));
        }
    }
    if s.get("Sid").is_some_and(|v| !v.is_string()) {
        return Err(bad("Sid must be a string."));
    }
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(bad(format!("Invalid Effect {other}: use Allow or Deny."))),
        None => return Err(bad("Each statement needs an Effect.")),
    };
    let principal = exactly_one(s, "Principal", "NotPrincipal", parse_principals)?;
    let action = exactly_one(s, "Action", "NotAction", |v| {
        let actions = strings(v, "Action")?;
        for a in &actions {
            if a != "*" && !a.to_ascii_lowercase().starts_with("kms:") {
                return Err(bad(format!("Action {a} is not a KMS action.")));
            }
        }
        Ok(actions)
    })?;
    let resource = exactly_one(s, "Resource", "NotResource", |v| strings(v, "Resource"))?;
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(c) => parse_conditions(c)?,
    };
    Ok(Statement {
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn exactly_one<T>(
    s: &Map<String, Value>,
    name: &str,
    not_name: &str,
    parse: impl Fn(&Value) -> Result<T, PolicyError>,
) -> Result<Matcher<T>, PolicyError> {
    match (s.get(name), s.get(not_name)) {
        (Some(v), None) => Ok(Matcher {
            not: false,
            items: parse(v)?,
        }),
        (None, Some(v)) => Ok(Matcher {
            not: true,
            items: parse(v)?,
        }),
        _ => Err(bad(format!(
            "Each statement needs exactly one of {name} and {not_name}."
        ))),
    }
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, PolicyError> {
    let items = match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("{what} values must be strings.")))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(bad(format!(
                "{what} must be a string or an array of strings."
            )));
        }
    };
    if items.is_empty() {
        return Err(bad(format!("{what} must not be empty.")));
    }
    Ok(items)
}

fn parse_principals(v: &Value) -> Result<Principals, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principals::Anyone),
        Value::Object(m) => {
            let mut aws = Vec::new();
            for (kind, value) in m {
                match kind.as_str() {
                    "AWS" => aws.extend(strings(value, "Principal")?),
                    // Service and federated principals are valid but never a caller here.
                    "Service" | "Federated" | "CanonicalUser" => {
                        strings(value, "Principal")?;
                    }
                    other => {
                        return Err(bad(format!(
                            "Policy contains a statement with one or more invalid principals ({other})."
                        )));
                    }
                }
            }
            if aws.iter().any(|p| p == "*") {
                return Ok(Principals::Anyone);
            }
            for p in &aws {
                let account_id = p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit());
                if !account_id && !p.starts_with("arn:") {
                    return Err(bad(
                        "Policy contains a statement with one or more invalid principals.",
                    ));
                }
            }
            Ok(Principals::Aws(aws))
        }
        _ => Err(bad(
            "Policy contains a statement with one or more invalid principals.",
        )),
    }
}

fn parse_conditions(v: &Value) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(ops) = v else {
        return Err(bad("Condition must be an object."));
    };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let (set, op, if_exists) = parse_operator(op_name)
            .ok_or_else(|| bad(format!("Unsupported condition operator {op_name}.")))?;
        let Value::Object(keys) = keys else {
            return Err(bad(format!(
                "Condition {op_name} must map condition keys to values."
            )));
        };
        for (key, values) in keys {
            let values = match values {
                Value::Bool(b) => vec![b.to_string()],
                other => strings(other, "Condition value")?,
            };
            out.push(Condition {
                set,
                op,
                if_exists,
                key: key.to_ascii_lowercase(),
                values,
            });
        }
    }
    Ok(out)
}

/// The policy AWS KMS gives a key created without one, as GetKeyPolicy returns it: the account
/// root may do everything (on AWS, that delegates to IAM; here, every principal of the account).
pub fn default_policy(account: &str) -> String {
    format!(
        "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {{\n    \
         \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \
         \"AWS\" : \"arn:aws:iam::{account}:root\"\n    }},\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}"
    )
}
