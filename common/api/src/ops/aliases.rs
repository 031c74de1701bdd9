//! Aliases: CreateAlias, UpdateAlias, DeleteAlias and ListAliases.
//!
//! Alias names are 1 to 256 characters of `^[a-zA-Z0-9:/_-]+$` (model constraints) and must
//! start with `alias/` (a service rule, recorded: `Alias must start with the prefix "alias/".
//! Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`).

use serde::{Deserialize, Serialize};

use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::key_id::{ALIAS_PREFIX, RESERVED_ALIAS_PREFIX};
use crate::types::AliasListEntry;
use crate::validate::{Validate, Violations};

/// The service rule every alias-naming request applies after the model constraints.
fn check_alias_prefix(alias_name: Option<&str>) -> Result<(), KmsError> {
    match alias_name {
        Some(name) if !name.starts_with(ALIAS_PREFIX) => Err(KmsError::alias_prefix_required()),
        _ => Ok(()),
    }
}

/// Request of CreateAlias (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateAliasRequest {
    /// The new alias name (`alias/...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_name: Option<String>,
    /// The key it points at (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_key_id: Option<String>,
}

impl Shape for CreateAliasRequest {
    const NAME: &'static str = "CreateAliasRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("AliasName", Kind::String),
        Member::new("TargetKeyId", Kind::String),
    ];
}

impl Validate for CreateAliasRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.alias_name("aliasName", self.alias_name.as_deref(), true);
        v.key_id("targetKeyId", self.target_key_id.as_deref(), true);
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        check_alias_prefix(self.alias_name.as_deref())?;
        match self.alias_name.as_deref() {
            Some(name) if name.starts_with(RESERVED_ALIAS_PREFIX) => {
                Err(KmsError::reserved_alias_name(name))
            }
            _ => Ok(()),
        }
    }
}

/// Request of UpdateAlias (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateAliasRequest {
    /// The alias to repoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_name: Option<String>,
    /// The key it should point at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_key_id: Option<String>,
}

impl Shape for UpdateAliasRequest {
    const NAME: &'static str = "UpdateAliasRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("AliasName", Kind::String),
        Member::new("TargetKeyId", Kind::String),
    ];
}

impl Validate for UpdateAliasRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.alias_name("aliasName", self.alias_name.as_deref(), true);
        v.key_id("targetKeyId", self.target_key_id.as_deref(), true);
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        check_alias_prefix(self.alias_name.as_deref())
    }
}

/// Request of DeleteAlias (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteAliasRequest {
    /// The alias to delete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_name: Option<String>,
}

impl Shape for DeleteAliasRequest {
    const NAME: &'static str = "DeleteAliasRequest";
    const MEMBERS: &'static [Member] = &[Member::new("AliasName", Kind::String)];
}

impl Validate for DeleteAliasRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.alias_name("aliasName", self.alias_name.as_deref(), true);
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        check_alias_prefix(self.alias_name.as_deref())
    }
}

/// Request of ListAliases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAliasesRequest {
    /// Only aliases of this key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `NextMarker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Shape for ListAliasesRequest {
    const NAME: &'static str = "ListAliasesRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Limit", Kind::Integer),
        Member::new("Marker", Kind::String),
    ];
}

impl Validate for ListAliasesRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), false);
        v.pagination(self.limit, self.marker.as_deref());
    }
}

/// Response of ListAliases (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAliasesResponse {
    /// The page of aliases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<AliasListEntry>>,
    /// Marker of the next page, when `Truncated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// Whether more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

impl Shape for ListAliasesResponse {
    const NAME: &'static str = "ListAliasesResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new(
            "Aliases",
            Kind::List(&Kind::Structure(AliasListEntry::MEMBERS)),
        ),
        Member::new("NextMarker", Kind::String),
        Member::new("Truncated", Kind::Boolean),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KmsErrorType;
    use crate::blob::Timestamp;
    use crate::json::parse;

    const PREFIX_MESSAGE: &str = "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html";

    #[test]
    fn create_alias_deserializes_a_boto3_body() {
        let req: CreateAliasRequest = parse(
            br#"{"AliasName":"alias/my-app","TargetKeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}"#,
        )
        .unwrap();
        assert_eq!(req.alias_name.as_deref(), Some("alias/my-app"));
    }

    #[test]
    fn create_alias_without_prefix_matches_recorded_text() {
        let err = parse::<CreateAliasRequest>(br#"{"AliasName":"my-app","TargetKeyId":"k"}"#)
            .unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::Validation);
        assert_eq!(err.message(), PREFIX_MESSAGE);
    }

    #[test]
    fn update_and_delete_alias_require_the_prefix_too() {
        let err = parse::<UpdateAliasRequest>(br#"{"AliasName":"my-app","TargetKeyId":"k"}"#)
            .unwrap_err();
        assert_eq!(err.message(), PREFIX_MESSAGE);
        let err = parse::<DeleteAliasRequest>(br#"{"AliasName":"my-app"}"#).unwrap_err();
        assert_eq!(err.message(), PREFIX_MESSAGE);
        assert!(parse::<DeleteAliasRequest>(br#"{"AliasName":"alias/my-app"}"#).is_ok());
        assert!(
            parse::<UpdateAliasRequest>(br#"{"AliasName":"alias/a","TargetKeyId":"k"}"#).is_ok()
        );
    }

    #[test]
    fn create_alias_checks_the_pattern_before_the_prefix() {
        let err = parse::<CreateAliasRequest>(br#"{"AliasName":"alias/my app","TargetKeyId":"k"}"#)
            .unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'alias/my app' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        );
        let long = format!("alias/{}", "a".repeat(251));
        let err = parse::<CreateAliasRequest>(
            format!(r#"{{"AliasName":"{long}","TargetKeyId":"k"}}"#).as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            format!(
                "1 validation error detected: Value '{long}' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256"
            )
        );
    }

    #[test]
    fn create_alias_requires_both_members() {
        let err = parse::<CreateAliasRequest>(b"{}").unwrap_err();
        assert_eq!(
            err.message(),
            "2 validation errors detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null; Value null at 'targetKeyId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn create_alias_rejects_the_reserved_aws_namespace() {
        let err = parse::<CreateAliasRequest>(br#"{"AliasName":"alias/aws/s3","TargetKeyId":"k"}"#)
            .unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::InvalidAliasName);
    }

    #[test]
    fn list_aliases_deserializes_and_checks_pagination() {
        let req: ListAliasesRequest =
            parse(br#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","Limit":10}"#).unwrap();
        assert_eq!(req.limit, Some(10));
        assert_eq!(
            parse::<ListAliasesRequest>(br#"{"Limit":0,"Marker":""}"#)
                .unwrap_err()
                .message(),
            "2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn list_aliases_response_serializes_in_aws_order() {
        let response = ListAliasesResponse {
            aliases: Some(vec![AliasListEntry {
                alias_arn: Some("arn:aws:kms:us-east-1:111122223333:alias/a".into()),
                alias_name: Some("alias/a".into()),
                creation_date: Some(Timestamp::from_epoch_millis(1_700_000_000_500)),
                last_updated_date: Some(Timestamp::from_epoch_millis(1_700_000_000_500)),
                target_key_id: Some("k".into()),
            }]),
            next_marker: None,
            truncated: Some(false),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"Aliases":[{"AliasArn":"arn:aws:kms:us-east-1:111122223333:alias/a","AliasName":"alias/a","CreationDate":1.7000000005E9,"LastUpdatedDate":1.7000000005E9,"TargetKeyId":"k"}],"Truncated":false}"#
        );
    }
}
