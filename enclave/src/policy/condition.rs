//! Condition operators and wildcard matching.

/// How a condition compares strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compare {
    /// Exact, case-sensitive.
    Equals,
    /// Exact, ASCII case-insensitive.
    EqualsIgnoreCase,
    /// `*` and `?` wildcards, case-sensitive.
    Like,
    /// `true`/`false`, case-insensitive.
    Bool,
}

/// A condition operator: comparison, negation, set prefix, `IfExists`, or `Null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    /// A comparison, possibly negated.
    Compare {
        /// How to compare.
        compare: Compare,
        /// `StringNot...`.
        negated: bool,
    },
    /// `Null`: `true` means the key must be absent, `false` that it must be present.
    Null,
}

/// `ForAnyValue:` / `ForAllValues:` / neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    /// No prefix: single-valued semantics.
    Single,
    /// At least one request value must satisfy the operator.
    ForAnyValue,
    /// Every request value must satisfy it (true for an absent or empty key).
    ForAllValues,
}

/// Parses an operator name like `ForAllValues:StringEqualsIgnoreCaseIfExists`.
pub(crate) fn parse_operator(name: &str) -> Option<(SetOp, Operator, bool)> {
    let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
        (SetOp::ForAnyValue, r)
    } else if let Some(r) = name.strip_prefix("ForAllValues:") {
        (SetOp::ForAllValues, r)
    } else {
        (SetOp::Single, name)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    let cmp = |compare, negated| Operator::Compare { compare, negated };
    let op = match base {
        "StringEquals" => cmp(Compare::Equals, false),
        "StringNotEquals" => cmp(Compare::Equals, true),
        "StringEqualsIgnoreCase" => cmp(Compare::EqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => cmp(Compare::EqualsIgnoreCase, true),
        "StringLike" => cmp(Compare::Like, false),
        "StringNotLike" => cmp(Compare::Like, true),
        "Bool" => cmp(Compare::Bool, false),
        "Null" if !if_exists && set == SetOp::Single => Operator::Null,
        _ => return None,
    };
    Some((set, op, if_exists))
}

fn compare_one(compare: Compare, request: &str, policy: &str) -> bool {
    match compare {
        Compare::Equals => request == policy,
        Compare::EqualsIgnoreCase | Compare::Bool => request.eq_ignore_ascii_case(policy),
        Compare::Like => glob(policy, request, false),
    }
}

/// Whether one request value satisfies the (possibly negated) comparison against the policy's
/// values: positive operators need one policy value to match, negated ones need none to.
fn satisfies(compare: Compare, negated: bool, request: &str, policy: &[String]) -> bool {
    let any = policy.iter().any(|p| compare_one(compare, request, p));
    any != negated
}

/// Evaluates one condition against the request's values for its key (`None`: key absent).
pub(crate) fn evaluate(
    set: SetOp,
    op: Operator,
    if_exists: bool,
    request: Option<&[String]>,
    policy: &[String],
) -> bool {
    let (compare, negated) = match op {
        Operator::Null => {
            let absent = request.is_none_or(|v| v.is_empty());
            return policy
                .iter()
                .any(|p| p.eq_ignore_ascii_case(if absent { "true" } else { "false" }));
        }
        Operator::Compare { compare, negated } => (compare, negated),
    };
    let values = match request {
        Some(v) if !v.is_empty() => v,
        // Absent key: IfExists passes; ForAllValues over nothing is true; ForAnyValue over nothing
        // is false; a single-valued negated operator is true, a positive one false (IAM rules).
        _ => {
            return if_exists
                || match set {
                    SetOp::ForAllValues => true,
                    SetOp::ForAnyValue => false,
                    SetOp::Single => negated,
                };
        }
    };
    match set {
        SetOp::ForAllValues => values
            .iter()
            .all(|v| satisfies(compare, negated, v, policy)),
        SetOp::ForAnyValue => values
            .iter()
            .any(|v| satisfies(compare, negated, v, policy)),
        // Single-valued keys have one value here (`kms:EncryptionContext:<key>` with case-variant
        // keys is judged one value at a time by the caller, per the statement's effect). Only a
        // multi-valued key without a set operator (`kms:EncryptionContextKeys`) has several:
        // treat them like ForAnyValue for positive operators and ForAllValues for negated ones.
        SetOp::Single if negated => values
            .iter()
            .all(|v| satisfies(compare, negated, v, policy)),
        SetOp::Single => values
            .iter()
            .any(|v| satisfies(compare, negated, v, policy)),
    }
}

/// Wildcard match: `*` any run of characters, `?` exactly one. Linear in practice: the classic
/// greedy algorithm that backtracks only to the last `*`, never recursively.
pub(crate) fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let norm = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (norm(pattern), norm(text));
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A simple recursive reference matcher, for the property test only.
    fn reference(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => reference(&p[1..], t) || (!t.is_empty() && reference(p, &t[1..])),
            (Some('?'), Some(_)) => reference(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => reference(&p[1..], &t[1..]),
            _ => false,
        }
    }

    #[test]
    fn glob_matches_wildcards() {
        assert!(glob("kms:Generate*", "kms:GenerateDataKey", false));
        assert!(glob("kms:*", "kms:Decrypt", false));
        assert!(!glob("kms:GenerateDataKey*", "kms:Decrypt", false));
        assert!(glob(
            "kms:GENERATEDATAKEY*",
            "kms:GenerateDataKeyWithoutPlaintext",
            true
        ));
        assert!(glob("a?c", "abc", false) && !glob("a?c", "ac", false));
        assert!(glob("*", "", false) && !glob("?", "", false));
    }

    #[test]
    fn operators_parse_with_prefixes_and_suffixes() {
        assert_eq!(
            parse_operator("ForAllValues:StringEqualsIgnoreCaseIfExists"),
            Some((
                SetOp::ForAllValues,
                Operator::Compare {
                    compare: Compare::EqualsIgnoreCase,
                    negated: false
                },
                true
            ))
        );
        assert_eq!(
            parse_operator("Null"),
            Some((SetOp::Single, Operator::Null, false))
        );
        assert_eq!(parse_operator("NumericEquals"), None);
        assert_eq!(parse_operator("NullIfExists"), None);
    }

    proptest! {
        #[test]
        fn glob_agrees_with_the_reference(p in "[ab*?]{0,8}", t in "[ab]{0,10}") {
            let (pc, tc): (Vec<char>, Vec<char>) = (p.chars().collect(), t.chars().collect());
            prop_assert_eq!(glob(&p, &t, false), reference(&pc, &tc));
        }
    }
}
