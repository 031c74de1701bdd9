//! Tags: TagResource, UntagResource and ListResourceTags.
//!
//! Tag keys are 1 to 128 characters and values 0 to 256 (model constraints, rendered at
//! `tags.<n>.member.tagKey` as recorded from AWS); duplicate keys, more than 50 tags and keys
//! starting with `aws:` are `TagException`s (recorded texts).

use serde::{Deserialize, Serialize};

use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::types::{Tag, check_tag_list, check_tag_rules};
use crate::validate::{Validate, Violations};

/// Request of TagResource (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagResourceRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Tags to add or overwrite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

impl Shape for TagResourceRequest {
    const NAME: &'static str = "TagResourceRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Tags", Kind::List(&Kind::Structure(Tag::MEMBERS))),
    ];
}

impl Validate for TagResourceRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null("tags", self.tags.is_some()) {
            check_tag_list("tags", self.tags.as_deref(), v);
        }
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        check_tag_rules(self.tags.as_deref().unwrap_or_default())
    }
}

/// Request of UntagResource (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UntagResourceRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Keys of the tags to remove.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_keys: Option<Vec<String>>,
}

impl Shape for UntagResourceRequest {
    const NAME: &'static str = "UntagResourceRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("TagKeys", Kind::List(&Kind::String)),
    ];
}

impl Validate for UntagResourceRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null("tagKeys", self.tag_keys.is_some()) {
            for (index, key) in self
                .tag_keys
                .as_deref()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                v.str_len(&format!("tagKeys.{}.member", index + 1), Some(key), 1, 128);
            }
        }
    }
}

/// Request of ListResourceTags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListResourceTagsRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `NextMarker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Shape for ListResourceTagsRequest {
    const NAME: &'static str = "ListResourceTagsRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Limit", Kind::Integer),
        Member::new("Marker", Kind::String),
    ];
}

impl Validate for ListResourceTagsRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.pagination(self.limit, self.marker.as_deref());
    }
}

/// Response of ListResourceTags (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListResourceTagsResponse {
    /// Marker of the next page, when `Truncated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// The page of tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// Whether more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

impl Shape for ListResourceTagsResponse {
    const NAME: &'static str = "ListResourceTagsResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("NextMarker", Kind::String),
        Member::new("Tags", Kind::List(&Kind::Structure(Tag::MEMBERS))),
        Member::new("Truncated", Kind::Boolean),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn tag_resource_deserializes_a_boto3_body() {
        let req: TagResourceRequest = parse(
            br#"{"KeyId":"k","Tags":[{"TagKey":"env","TagValue":"prod"},{"TagKey":"empty","TagValue":""}]}"#,
        )
        .unwrap();
        assert_eq!(
            req.tags.unwrap(),
            [Tag::new("env", "prod"), Tag::new("empty", "")]
        );
    }

    #[test]
    fn tag_resource_rejects_duplicates_and_reserved_keys_with_recorded_texts() {
        let err = parse::<TagResourceRequest>(
            br#"{"KeyId":"k","Tags":[{"TagKey":"a","TagValue":"1"},{"TagKey":"a","TagValue":"1"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.type_name(), "TagException");
        assert_eq!(err.message(), "Duplicate tag keys");
        let err = parse::<TagResourceRequest>(
            br#"{"KeyId":"k","Tags":[{"TagKey":"aws:owner","TagValue":"x"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.message(), "Tags beginning with aws: are reserved");
    }

    #[test]
    fn tag_resource_renders_the_second_tag_path() {
        let err = parse::<TagResourceRequest>(
            br#"{"KeyId":"k","Tags":[{"TagKey":"a","TagValue":"1"},{"TagKey":"","TagValue":"2"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value '' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn tag_resource_requires_key_id_and_tags() {
        assert_eq!(
            parse::<TagResourceRequest>(b"{}").unwrap_err().message(),
            "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'tags' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn untag_resource_deserializes_and_checks_tag_keys() {
        let req: UntagResourceRequest =
            parse(br#"{"KeyId":"k","TagKeys":["env","team"]}"#).unwrap();
        assert_eq!(req.tag_keys.unwrap(), ["env", "team"]);
        let long = "t".repeat(129);
        let err = parse::<UntagResourceRequest>(
            format!(r#"{{"KeyId":"k","TagKeys":["{long}"]}}"#).as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            format!(
                "1 validation error detected: Value '{long}' at 'tagKeys.1.member' failed to satisfy constraint: Member must have length less than or equal to 128"
            )
        );
    }

    #[test]
    fn list_resource_tags_deserializes_and_serializes_in_aws_order() {
        let req: ListResourceTagsRequest = parse(br#"{"KeyId":"k","Limit":5}"#).unwrap();
        assert_eq!(req.limit, Some(5));
        let response = ListResourceTagsResponse {
            next_marker: Some("m".into()),
            tags: Some(vec![Tag::new("env", "prod")]),
            truncated: Some(true),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"NextMarker":"m","Tags":[{"TagKey":"env","TagValue":"prod"}],"Truncated":true}"#
        );
    }
}
