//! Multi-Region keys (issue 18): ReplicateKey and UpdatePrimaryRegion.
//!
//! Member names, required members and limits are the model's (`kms-service-2.json`):
//! `ReplicaRegion` and `PrimaryRegion` are `RegionType` (1 to 32 characters, pattern
//! `^([a-z]+-){2,3}\d+$`); ReplicateKey's `Policy`, `Description` and `Tags` have CreateKey's
//! limits and rules (same shapes), so a replica can be given anything a new key can.

use serde::{Deserialize, Serialize};

use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::types::{KeyMetadata, Tag, check_tag_list, check_tag_rules};
use crate::validate::{POLICY_PATTERN, Pattern, Validate, Violations};

/// `RegionType`: two or three groups of lower-case letters each followed by `-`, then digits
/// (`us-east-1`, `us-gov-west-1`).
pub const REGION_PATTERN: Pattern = Pattern {
    source: r"^([a-z]+-){2,3}\d+$",
    matches: |s| {
        let parts: Vec<&str> = s.split('-').collect();
        let Some((last, words)) = parts.split_last() else {
            return false;
        };
        (2..=3).contains(&words.len())
            && words
                .iter()
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
            && !last.is_empty()
            && last.bytes().all(|b| b.is_ascii_digit())
    },
};

/// Checks a `RegionType` member: required, 1 to 32 characters, [`REGION_PATTERN`].
fn check_region(v: &mut Violations, path: &str, value: Option<&str>) {
    if v.not_null(path, value.is_some()) {
        v.str_len(path, value, 1, 32);
        v.pattern(path, value, REGION_PATTERN);
    }
}

/// Request of ReplicateKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReplicateKeyRequest {
    /// The multi-Region primary key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The region of the new replica (`eu-west-1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_region: Option<String>,
    /// The replica's key policy; AWS's default key policy if absent (not the primary's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Skip the check that the policy does not lock the caller out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_policy_lockout_safety_check: Option<bool>,
    /// The replica's description (empty if absent; not the primary's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The replica's tags (none if absent; not the primary's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

impl Shape for ReplicateKeyRequest {
    const NAME: &'static str = "ReplicateKeyRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("ReplicaRegion", Kind::String),
        Member::new("Policy", Kind::String),
        Member::new("BypassPolicyLockoutSafetyCheck", Kind::Boolean),
        Member::new("Description", Kind::String),
        Member::new("Tags", Kind::List(&Kind::Structure(Tag::MEMBERS))),
    ];
}

impl Validate for ReplicateKeyRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        check_region(v, "replicaRegion", self.replica_region.as_deref());
        v.str_len("policy", self.policy.as_deref(), 1, 131_072);
        v.pattern("policy", self.policy.as_deref(), POLICY_PATTERN);
        v.str_len("description", self.description.as_deref(), 0, 8192);
        check_tag_list("tags", self.tags.as_deref(), v);
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        match &self.tags {
            Some(tags) => check_tag_rules(tags),
            None => Ok(()),
        }
    }
}

/// Response of ReplicateKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReplicateKeyResponse {
    /// The new replica, as DescribeKey shows it in its region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_key_metadata: Option<KeyMetadata>,
    /// The replica's key policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_policy: Option<String>,
    /// The replica's tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_tags: Option<Vec<Tag>>,
}

impl Shape for ReplicateKeyResponse {
    const NAME: &'static str = "ReplicateKeyResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("ReplicaKeyMetadata", Kind::Structure(KeyMetadata::MEMBERS)),
        Member::new("ReplicaPolicy", Kind::String),
        Member::new("ReplicaTags", Kind::List(&Kind::Structure(Tag::MEMBERS))),
    ];
}

/// Request of UpdatePrimaryRegion (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdatePrimaryRegionRequest {
    /// The current primary key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The region of the replica that becomes the primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
}

impl Shape for UpdatePrimaryRegionRequest {
    const NAME: &'static str = "UpdatePrimaryRegionRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("PrimaryRegion", Kind::String),
    ];
}

impl Validate for UpdatePrimaryRegionRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        check_region(v, "primaryRegion", self.primary_region.as_deref());
    }
}

#[cfg(test)]
mod tests;
