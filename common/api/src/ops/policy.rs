//! Key policies: GetKeyPolicy, PutKeyPolicy and ListKeyPolicies.
//!
//! `PolicyName` is optional (default `default`; `AWS_RAM` is RAM's, read-only) and must match
//! Java's `[\w]+`; a policy is 1 to 131072 characters of tab, LF, CR and U+0020..U+00FF.

use serde::{Deserialize, Serialize};

use crate::json::{Kind, Member, Shape};
use crate::validate::{POLICY_NAME_PATTERN, POLICY_PATTERN, Validate, Violations};

/// Request of ListKeyPolicies. Every key has exactly one policy, `default`, so `Limit` and
/// `Marker` are validated but never split the one-name list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListKeyPoliciesRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Page size, 1 to 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `NextMarker` of a previous page (there never is one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Shape for ListKeyPoliciesRequest {
    const NAME: &'static str = "ListKeyPoliciesRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Limit", Kind::Integer),
        Member::new("Marker", Kind::String),
    ];
}

impl Validate for ListKeyPoliciesRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.pagination(self.limit, self.marker.as_deref());
    }
}

/// Response of ListKeyPolicies (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListKeyPoliciesResponse {
    /// Marker of the next page, when `Truncated` (never: one name fits any page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// The key's policy names: `["default"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_names: Option<Vec<String>>,
    /// Whether more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

impl Shape for ListKeyPoliciesResponse {
    const NAME: &'static str = "ListKeyPoliciesResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("NextMarker", Kind::String),
        Member::new("PolicyNames", Kind::List(&Kind::String)),
        Member::new("Truncated", Kind::Boolean),
    ];
}

/// The name of a key's own policy (the default `PolicyName`).
pub const DEFAULT_POLICY_NAME: &str = "default";

/// Model constraints of a `PolicyNameType` member.
fn check_policy_name(v: &mut Violations, name: Option<&str>) {
    v.str_len("policyName", name, 1, 128);
    v.pattern("policyName", name, POLICY_NAME_PATTERN);
}

/// Request of GetKeyPolicy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetKeyPolicyRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `default` (if absent) or `AWS_RAM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

impl Shape for GetKeyPolicyRequest {
    const NAME: &'static str = "GetKeyPolicyRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("PolicyName", Kind::String),
    ];
}

impl GetKeyPolicyRequest {
    /// The policy name with the default applied.
    pub fn policy_name(&self) -> &str {
        self.policy_name.as_deref().unwrap_or(DEFAULT_POLICY_NAME)
    }
}

impl Validate for GetKeyPolicyRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        check_policy_name(v, self.policy_name.as_deref());
    }
}

/// Response of GetKeyPolicy (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetKeyPolicyResponse {
    /// The policy document (JSON text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

impl Shape for GetKeyPolicyResponse {
    const NAME: &'static str = "GetKeyPolicyResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("Policy", Kind::String),
        Member::new("PolicyName", Kind::String),
    ];
}

/// Request of PutKeyPolicy (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutKeyPolicyRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `default` if absent; only `default` can be set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    /// The new policy document (JSON text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Skip the check that the policy does not lock the caller out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_policy_lockout_safety_check: Option<bool>,
}

impl Shape for PutKeyPolicyRequest {
    const NAME: &'static str = "PutKeyPolicyRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("PolicyName", Kind::String),
        Member::new("Policy", Kind::String),
        Member::new("BypassPolicyLockoutSafetyCheck", Kind::Boolean),
    ];
}

impl PutKeyPolicyRequest {
    /// The policy name with the default applied.
    pub fn policy_name(&self) -> &str {
        self.policy_name.as_deref().unwrap_or(DEFAULT_POLICY_NAME)
    }
}

impl Validate for PutKeyPolicyRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        check_policy_name(v, self.policy_name.as_deref());
        if v.not_null("policy", self.policy.is_some()) {
            v.str_len("policy", self.policy.as_deref(), 1, 131_072);
            v.pattern("policy", self.policy.as_deref(), POLICY_PATTERN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;

    #[test]
    fn get_key_policy_deserializes_and_defaults_the_name() {
        let req: GetKeyPolicyRequest = parse(br#"{"KeyId":"k"}"#).unwrap();
        assert_eq!(req.policy_name(), "default");
        let req: GetKeyPolicyRequest = parse(br#"{"KeyId":"k","PolicyName":"AWS_RAM"}"#).unwrap();
        assert_eq!(req.policy_name(), "AWS_RAM");
    }

    #[test]
    fn get_key_policy_rejects_a_bad_policy_name() {
        let err =
            parse::<GetKeyPolicyRequest>(br#"{"KeyId":"k","PolicyName":"my-policy"}"#).unwrap_err();
        assert_eq!(
            err.message(),
            r"1 validation error detected: Value 'my-policy' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w]+"
        );
    }

    #[test]
    fn put_key_policy_deserializes_a_boto3_body() {
        let body = serde_json::json!({"KeyId": "k", "PolicyName": "default", "Policy": POLICY});
        let req: PutKeyPolicyRequest = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(req.policy.as_deref(), Some(POLICY));
        assert_eq!(req.policy_name(), "default");
    }

    #[test]
    fn put_key_policy_requires_key_id_and_policy() {
        let err = parse::<PutKeyPolicyRequest>(b"{}").unwrap_err();
        assert_eq!(
            err.message(),
            "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'policy' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn list_key_policies_validates_limit_and_marker_as_the_model_says() {
        // Model: LimitType 1..=1000, MarkerType 1..=1024.
        let err = parse::<ListKeyPoliciesRequest>(br#"{"KeyId":"k","Limit":0}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
        let err = parse::<ListKeyPoliciesRequest>(br#"{"Limit":1001}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"
        );
    }

    #[test]
    fn list_key_policies_response_serializes_in_aws_order() {
        let response = ListKeyPoliciesResponse {
            next_marker: None,
            policy_names: Some(vec![DEFAULT_POLICY_NAME.to_owned()]),
            truncated: Some(false),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"PolicyNames":["default"],"Truncated":false}"#
        );
    }

    #[test]
    fn get_key_policy_response_serializes_in_aws_order() {
        let response = GetKeyPolicyResponse {
            policy: Some("{}".into()),
            policy_name: Some("default".into()),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"Policy":"{}","PolicyName":"default"}"#
        );
    }
}
