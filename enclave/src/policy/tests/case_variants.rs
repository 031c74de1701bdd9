//! Encryption-context keys that differ only in case (issue 15, item 3).
//!
//! AWS matches the key part of `kms:EncryptionContext:<key>` without regard to case, but the
//! context's own keys are case-sensitive, so `{"tenant": .., "Tenant": ..}` is a valid context with
//! two keys that one condition key names. Every test below reads three contexts — the key as the
//! policy spells it, a case variant alone, and both together — under an `Allow` statement and a
//! `Deny` statement with the same condition. The rule they pin: a `Deny` applies when the
//! condition holds for any of the named keys' values, an `Allow` only when it holds for every one,
//! so adding a case variant never turns a `Deny` off nor an `Allow` on.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{ALICE, ctx, policy};
use crate::policy::{Decision, Policy};

/// `[(key, value)]` as an encryption context.
fn context(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn decision(p: &Policy, pairs: &[(&str, &str)]) -> Decision {
    let mut c = ctx(ALICE, "kms:Decrypt");
    c.encryption_context = context(pairs);
    p.evaluate(&c)
}

/// A policy whose only statement allows everything under `condition` (e.g.
/// `"StringEquals":{"kms:EncryptionContext:tenant":"alice"}`).
fn allow_under(condition: &str) -> Policy {
    policy(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{{{condition}}}}}"#
    ))
}

/// A policy that allows everything and denies everything under `condition`.
fn deny_under(condition: &str) -> Policy {
    policy(&format!(
        r#"[{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}},
            {{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{{{condition}}}}}]"#
    ))
}

/// The three contexts: `tenant` alone, `Tenant` alone, both.
fn three<'a>(tenant: &'a str, variant: &'a str) -> [Vec<(&'static str, &'a str)>; 3] {
    [
        vec![("tenant", tenant)],
        vec![("Tenant", variant)],
        vec![("tenant", tenant), ("Tenant", variant)],
    ]
}

/// Whether the `Allow` statement under `condition` allows each of the three contexts.
fn allowed(condition: &str, tenant: &str, variant: &str) -> [bool; 3] {
    let p = allow_under(condition);
    three(tenant, variant).map(|pairs| match decision(&p, &pairs) {
        Decision::Allow => true,
        Decision::ImplicitDeny => false,
        Decision::ExplicitDeny => panic!("no Deny statement in {condition}"),
    })
}

/// Whether the `Deny` statement under `condition` denies each of the three contexts.
fn denied(condition: &str, tenant: &str, variant: &str) -> [bool; 3] {
    let p = deny_under(condition);
    three(tenant, variant).map(|pairs| match decision(&p, &pairs) {
        Decision::ExplicitDeny => true,
        Decision::Allow => false,
        Decision::ImplicitDeny => panic!("the Allow statement is unconditional"),
    })
}

/// `"OPERATOR":{"kms:EncryptionContext:tenant":VALUE}`.
fn on_tenant(operator: &str, value: &str) -> String {
    format!(r#""{operator}":{{"kms:EncryptionContext:tenant":"{value}"}}"#)
}

/// Positive operators that match the value `alice` (and not `bob`).
const MATCHING_ALICE: [(&str, &str); 3] = [
    ("StringEquals", "alice"),
    ("StringEqualsIgnoreCase", "ALICE"),
    ("StringLike", "al?c*"),
];

/// Negated operators that hold for `bob` (and not for `alice`).
const NOT_MATCHING_ALICE: [(&str, &str); 3] = [
    ("StringNotEquals", "alice"),
    ("StringNotEqualsIgnoreCase", "ALICE"),
    ("StringNotLike", "al?c*"),
];

#[test]
fn the_issue_s_deny_on_string_not_equals_is_not_switched_off_by_a_case_variant() {
    let p = deny_under(&on_tenant("StringNotEquals", "alice"));
    assert_eq!(decision(&p, &[("tenant", "bob")]), Decision::ExplicitDeny);
    assert_eq!(
        decision(&p, &[("tenant", "bob"), ("Tenant", "alice")]),
        Decision::ExplicitDeny,
        "on 3ba6dd6 the case variant turned the Deny off"
    );
    assert_eq!(decision(&p, &[("tenant", "alice")]), Decision::Allow);
}

#[test]
fn positive_string_operators_deny_if_any_case_variant_matches_and_allow_only_if_every_one_does() {
    for (op, value) in MATCHING_ALICE {
        let c = on_tenant(op, value);
        // tenant=alice, Tenant=bob: the key alone matches, the variant alone does not.
        assert_eq!(allowed(&c, "alice", "bob"), [true, false, false], "{op}");
        assert_eq!(denied(&c, "alice", "bob"), [true, false, true], "{op}");
        // tenant=bob, Tenant=alice: the key part matches case-insensitively (as AWS documents),
        // so the variant alone matches; together, one reading does not.
        assert_eq!(allowed(&c, "bob", "alice"), [false, true, false], "{op}");
        assert_eq!(denied(&c, "bob", "alice"), [false, true, true], "{op}");
    }
}

#[test]
fn negated_string_operators_deny_if_any_case_variant_differs_and_allow_only_if_every_one_does() {
    for (op, value) in NOT_MATCHING_ALICE {
        let c = on_tenant(op, value);
        assert_eq!(allowed(&c, "alice", "bob"), [false, true, false], "{op}");
        assert_eq!(denied(&c, "alice", "bob"), [false, true, true], "{op}");
        assert_eq!(allowed(&c, "bob", "alice"), [true, false, false], "{op}");
        assert_eq!(denied(&c, "bob", "alice"), [true, false, true], "{op}");
    }
}

#[test]
fn set_operators_read_each_case_variant_as_its_own_single_value() {
    // kms:EncryptionContext:<key> is single-valued: with a set operator each reading is a set of
    // one value, so ForAnyValue and ForAllValues settle as the bare operator does.
    for set in ["ForAnyValue:", "ForAllValues:"] {
        for (op, value) in MATCHING_ALICE {
            let c = on_tenant(&format!("{set}{op}"), value);
            assert_eq!(
                allowed(&c, "alice", "bob"),
                [true, false, false],
                "{set}{op}"
            );
            assert_eq!(denied(&c, "alice", "bob"), [true, false, true], "{set}{op}");
            assert_eq!(
                allowed(&c, "bob", "alice"),
                [false, true, false],
                "{set}{op}"
            );
            assert_eq!(denied(&c, "bob", "alice"), [false, true, true], "{set}{op}");
        }
        for (op, value) in NOT_MATCHING_ALICE {
            let c = on_tenant(&format!("{set}{op}"), value);
            assert_eq!(
                allowed(&c, "alice", "bob"),
                [false, true, false],
                "{set}{op}"
            );
            assert_eq!(denied(&c, "alice", "bob"), [false, true, true], "{set}{op}");
            assert_eq!(
                allowed(&c, "bob", "alice"),
                [true, false, false],
                "{set}{op}"
            );
            assert_eq!(denied(&c, "bob", "alice"), [true, false, true], "{set}{op}");
        }
    }
    // With no key of that name in any case: ForAllValues holds, ForAnyValue does not (IAM's rule).
    let all = allow_under(&on_tenant("ForAllValues:StringEquals", "alice"));
    let any = allow_under(&on_tenant("ForAnyValue:StringEquals", "alice"));
    assert_eq!(decision(&all, &[("other", "x")]), Decision::Allow);
    assert_eq!(decision(&any, &[("other", "x")]), Decision::ImplicitDeny);
}

#[test]
fn if_exists_operators_judge_every_present_case_variant() {
    let c = on_tenant("StringEqualsIfExists", "alice");
    assert_eq!(allowed(&c, "alice", "bob"), [true, false, false]);
    assert_eq!(denied(&c, "alice", "bob"), [true, false, true]);
    assert_eq!(allowed(&c, "bob", "alice"), [false, true, false]);
    assert_eq!(denied(&c, "bob", "alice"), [false, true, true]);
    let c = on_tenant("StringNotEqualsIfExists", "alice");
    assert_eq!(allowed(&c, "alice", "bob"), [false, true, false]);
    assert_eq!(denied(&c, "alice", "bob"), [false, true, true]);
    assert_eq!(allowed(&c, "bob", "alice"), [true, false, false]);
    assert_eq!(denied(&c, "bob", "alice"), [true, false, true]);
    // Absent in every case: IfExists holds.
    let p = allow_under(&c);
    assert_eq!(decision(&p, &[("other", "alice")]), Decision::Allow);
    assert_eq!(decision(&p, &[]), Decision::Allow);
}

#[test]
fn null_sees_a_key_present_in_any_case() {
    // The key is present whether spelled as in the policy, as a variant, or both.
    let c = on_tenant("Null", "true");
    assert_eq!(allowed(&c, "alice", "bob"), [false, false, false]);
    assert_eq!(denied(&c, "alice", "bob"), [false, false, false]);
    let c = on_tenant("Null", "false");
    assert_eq!(allowed(&c, "alice", "bob"), [true, true, true]);
    assert_eq!(denied(&c, "alice", "bob"), [true, true, true]);
    // Absent in every case.
    assert_eq!(
        decision(&deny_under(&on_tenant("Null", "true")), &[("other", "x")]),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decision(&allow_under(&on_tenant("Null", "false")), &[("other", "x")]),
        Decision::ImplicitDeny
    );
}

#[test]
fn encryption_context_keys_stay_case_sensitive() {
    // kms:EncryptionContextKeys is the list of the context's keys, exactly as spelled: AWS's
    // advice for a case-sensitive check of a key.
    let any = r#""ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"tenant"}"#;
    assert_eq!(allowed(any, "alice", "bob"), [true, false, true]);
    assert_eq!(denied(any, "alice", "bob"), [true, false, true]);
    let all = r#""ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"tenant"}"#;
    assert_eq!(allowed(all, "alice", "bob"), [true, false, false]);
    assert_eq!(denied(all, "alice", "bob"), [true, false, false]);
    // With kms:EncryptionContext:tenant, both key and value are checked case-sensitively.
    let both = r#""ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"tenant"},
                  "StringEquals":{"kms:EncryptionContext:tenant":"alice"}"#;
    assert_eq!(allowed(both, "alice", "alice"), [true, false, false]);
}

#[test]
fn each_condition_of_a_deny_may_be_met_by_a_different_case_variant() {
    // Stricter than picking one reading for the whole statement: a multi-valued reading of the
    // request would meet both conditions, so the Deny applies.
    let c = r#""StringEquals":{"kms:EncryptionContext:tenant":"alice"},
               "StringLike":{"kms:EncryptionContext:TENANT":"b*"}"#;
    assert_eq!(denied(c, "alice", "bob"), [false, false, true]);
    assert_eq!(allowed(c, "alice", "bob"), [false, false, false]);
}

#[test]
fn non_ascii_letters_are_compared_exactly_in_the_key_part() {
    // Only ASCII case is folded: `Ü` and `ü` name different keys, so a variant in a non-ASCII
    // letter is another key, which the condition does not see.
    let p = deny_under(r#""StringNotEquals":{"kms:EncryptionContext:tenantü":"alice"}"#);
    assert_eq!(decision(&p, &[("tenantü", "alice")]), Decision::Allow);
    assert_eq!(
        decision(&p, &[("tenantü", "alice"), ("TENANTÜ", "bob")]),
        Decision::Allow
    );
    assert_eq!(
        decision(&p, &[("tenantü", "alice"), ("TENANTü", "bob")]),
        Decision::ExplicitDeny
    );
}

/// Every operator the policy language has for strings, with its prefixes and suffix, and `Null`.
fn operators() -> Vec<String> {
    let mut out = vec!["Null".to_owned()];
    for set in ["", "ForAnyValue:", "ForAllValues:"] {
        for base in [
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ] {
            for suffix in ["", "IfExists"] {
                out.push(format!("{set}{base}{suffix}"));
            }
        }
    }
    out
}

proptest! {
    #[test]
    fn adding_a_case_variant_never_turns_a_deny_off_nor_an_allow_on(
        op in prop::sample::select(operators()),
        policy_value in prop::sample::select(vec!["alice", "ALICE", "a*", "true", "false"]),
        base in prop::collection::btree_map(
            prop::sample::select(vec!["tenant", "Tenant", "TENANT", "other"]),
            prop::sample::select(vec!["alice", "Alice", "bob"]),
            1..4,
        ),
        variant in prop::sample::select(vec!["tenant", "Tenant", "TENANT", "tEnAnT"]),
        variant_value in prop::sample::select(vec!["alice", "Alice", "bob"]),
    ) {
        // Only adding a key can be judged (replacing a value makes a different request), and
        // only a case variant of a key already there: adding the first spelling legitimately
        // turns an absent key present.
        prop_assume!(!base.contains_key(variant));
        prop_assume!(base.keys().any(|k| k.eq_ignore_ascii_case("tenant")));
        let condition = on_tenant(&op, policy_value);
        let before: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, *v)).collect();
        let mut after = before.clone();
        after.push((variant, variant_value));
        let deny = deny_under(&condition);
        if decision(&deny, &before) == Decision::ExplicitDeny {
            prop_assert_eq!(decision(&deny, &after), Decision::ExplicitDeny, "{}", condition);
        }
        let allow = allow_under(&condition);
        if decision(&allow, &after) == Decision::Allow {
            prop_assert_eq!(decision(&allow, &before), Decision::Allow, "{}", condition);
        }
    }
}
