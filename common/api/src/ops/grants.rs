//! Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant (issue 18).
//!
//! Member names, lengths, patterns and enums are the model's (`kms-service-2.json`):
//! `GranteePrincipal`/`RetiringPrincipal` are `PrincipalIdType` (1 to 256, `^[\w+=,.@:/-]+$`),
//! `Name` is `GrantNameType` (1 to 256, the alias name pattern), `GrantId` 1 to 128, `GrantToken`
//! 1 to 8192, `Operations` values of [`GrantOperation`]. The service principal members
//! (`GranteeServicePrincipal`, `RetiringServicePrincipal`) are declared and checked as the model
//! says; no AWS service calls this service, so a grant naming one authorizes no caller here.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::blob::Timestamp;
use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::ops::data_key::{ENCRYPTION_CONTEXT, GRANT_TOKENS};
use crate::types::kms_enum::{KmsEnum, UnknownEnumValue, kms_enum};
use crate::validate::{ALIAS_NAME_PATTERN, Pattern, Validate, Violations};

use std::fmt;
use std::str::FromStr;

use serde::{Deserializer, Serializer};

kms_enum! {
    /// An operation a grant allows (the model's `GrantOperation`).
    GrantOperation("GrantOperation") {
        /// Decrypt.
        Decrypt = "Decrypt",
        /// Encrypt.
        Encrypt = "Encrypt",
        /// GenerateDataKey.
        GenerateDataKey = "GenerateDataKey",
        /// GenerateDataKeyWithoutPlaintext.
        GenerateDataKeyWithoutPlaintext = "GenerateDataKeyWithoutPlaintext",
        /// ReEncrypt from this key.
        ReEncryptFrom = "ReEncryptFrom",
        /// ReEncrypt to this key.
        ReEncryptTo = "ReEncryptTo",
        /// Sign.
        Sign = "Sign",
        /// Verify.
        Verify = "Verify",
        /// GetPublicKey.
        GetPublicKey = "GetPublicKey",
        /// CreateGrant.
        CreateGrant = "CreateGrant",
        /// RetireGrant.
        RetireGrant = "RetireGrant",
        /// DescribeKey.
        DescribeKey = "DescribeKey",
        /// GenerateDataKeyPair.
        GenerateDataKeyPair = "GenerateDataKeyPair",
        /// GenerateDataKeyPairWithoutPlaintext.
        GenerateDataKeyPairWithoutPlaintext = "GenerateDataKeyPairWithoutPlaintext",
        /// GenerateMac.
        GenerateMac = "GenerateMac",
        /// VerifyMac.
        VerifyMac = "VerifyMac",
        /// DeriveSharedSecret.
        DeriveSharedSecret = "DeriveSharedSecret",
        /// Encapsulate.
        Encapsulate = "Encapsulate",
        /// Decapsulate.
        Decapsulate = "Decapsulate",
    }
    accepted [
        Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncryptFrom,
        ReEncryptTo, Sign, Verify, GetPublicKey, CreateGrant, RetireGrant, DescribeKey,
        GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateMac, VerifyMac,
        DeriveSharedSecret, Encapsulate, Decapsulate
    ]
}

impl GrantOperation {
    /// Whether the operation takes an encryption context, so that a grant constraint can apply
    /// to it ("Using grant constraints": constraints are valid only for the symmetric
    /// cryptographic operations and GenerateDataKeyPair[WithoutPlaintext]; with any other
    /// operation CreateGrant fails with `ValidationException`).
    pub fn takes_encryption_context(self) -> bool {
        matches!(
            self,
            GrantOperation::Decrypt
                | GrantOperation::Encrypt
                | GrantOperation::GenerateDataKey
                | GrantOperation::GenerateDataKeyWithoutPlaintext
                | GrantOperation::ReEncryptFrom
                | GrantOperation::ReEncryptTo
                | GrantOperation::GenerateDataKeyPair
                | GrantOperation::GenerateDataKeyPairWithoutPlaintext
                // A grant for CreateGrant or RetireGrant may carry constraints: they bind the
                // grants it lets the grantee create ("Grant constraints" in AWS's guide).
                | GrantOperation::CreateGrant
                | GrantOperation::RetireGrant
        )
    }
}

/// `PrincipalIdType`: Java's `\w` and `+=,.@:/-`.
pub const PRINCIPAL_ID_PATTERN: Pattern = Pattern {
    source: r"^[\w+=,.@:/-]+$",
    matches: |s| {
        !s.is_empty()
            && s.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | ':' | '/' | '-')
            })
    },
};

/// `ServicePrincipalType`: dotted names of at least three labels (`dynamodb.amazonaws.com`).
pub const SERVICE_PRINCIPAL_PATTERN: Pattern = Pattern {
    source: r"^([A-Za-z0-9\-]+)\.([A-Za-z0-9\-]+)(\.[A-Za-z0-9\-]+)+$",
    matches: |s| {
        let labels: Vec<&str> = s.split('.').collect();
        labels.len() >= 3
            && labels
                .iter()
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    },
};

/// The model's `GrantConstraints`: an encryption context the request's must contain
/// (`EncryptionContextSubset`) or equal (`EncryptionContextEquals`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GrantConstraints {
    /// The exact encryption context the request must have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context_equals: Option<HashMap<String, String>>,
    /// Pairs the request's encryption context must include.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context_subset: Option<HashMap<String, String>>,
    /// For grants AWS services create on a resource's behalf; never used here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<String>,
}

impl Shape for GrantConstraints {
    const NAME: &'static str = "GrantConstraints";
    const MEMBERS: &'static [Member] = &[
        Member::new("EncryptionContextEquals", ENCRYPTION_CONTEXT),
        Member::new("EncryptionContextSubset", ENCRYPTION_CONTEXT),
        Member::new("SourceArn", Kind::String),
    ];
}

/// `GrantConstraintSourceArnType`: 20 to 512 characters, an ARN with a 12-digit account.
pub const SOURCE_ARN_PATTERN: Pattern = Pattern {
    source: "^arn:aws[a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:.+$",
    matches: |s| {
        let fields: Vec<&str> = s.splitn(6, ':').collect();
        let label = |f: &str| {
            f.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        matches!(fields.as_slice(), ["arn", partition, service, region, account, rest]
            if partition.strip_prefix("aws").is_some_and(label)
                && !service.is_empty() && label(service)
                && label(region)
                && account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
                && !rest.is_empty())
    },
};

fn constraints(v: &mut Violations, value: Option<&GrantConstraints>) {
    let arn = value.and_then(|c| c.source_arn.as_deref());
    v.str_len("constraints.sourceArn", arn, 20, 512);
    v.pattern("constraints.sourceArn", arn, SOURCE_ARN_PATTERN);
}

/// The two principal members of a request that names a principal or a service principal.
fn principal(v: &mut Violations, path: &str, value: Option<&str>) {
    v.str_len(path, value, 1, 256);
    v.pattern(path, value, PRINCIPAL_ID_PATTERN);
}

fn service_principal(v: &mut Violations, path: &str, value: Option<&str>) {
    v.str_len(path, value, 1, 128);
    v.pattern(path, value, SERVICE_PRINCIPAL_PATTERN);
}

fn grant_id(v: &mut Violations, value: Option<&str>, required: bool) {
    if required && !v.not_null("grantId", value.is_some()) {
        return;
    }
    v.str_len("grantId", value, 1, 128);
}

/// Request of CreateGrant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateGrantRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Who the grant is for (an IAM ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantee_principal: Option<String>,
    /// Who may retire the grant (an IAM ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retiring_principal: Option<String>,
    /// The operations the grant allows ([`GrantOperation`] values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
    /// Encryption context constraints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraints: Option<GrantConstraints>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// A friendly name: the same name with the same parameters answers the same grant id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// An AWS service as grantee (never a caller of this service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantee_service_principal: Option<String>,
    /// An AWS service as retiring principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retiring_service_principal: Option<String>,
}

impl CreateGrantRequest {
    /// The typed operations (validation already refused unknown values).
    pub fn operations(&self) -> Vec<GrantOperation> {
        self.operations
            .iter()
            .flatten()
            .filter_map(|o| GrantOperation::parse_accepted(o))
            .collect()
    }
}

impl Shape for CreateGrantRequest {
    const NAME: &'static str = "CreateGrantRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("GranteePrincipal", Kind::String),
        Member::new("RetiringPrincipal", Kind::String),
        Member::new("Operations", Kind::List(&Kind::String)),
        Member::new("Constraints", Kind::Structure(GrantConstraints::MEMBERS)),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("Name", Kind::String),
        Member::new("DryRun", Kind::Boolean),
        Member::new("GranteeServicePrincipal", Kind::String),
        Member::new("RetiringServicePrincipal", Kind::String),
    ];
}

impl Validate for CreateGrantRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        principal(v, "granteePrincipal", self.grantee_principal.as_deref());
        principal(v, "retiringPrincipal", self.retiring_principal.as_deref());
        if v.not_null("operations", self.operations.is_some()) {
            v.enum_list::<GrantOperation>("operations", self.operations.as_deref());
        }
        constraints(v, self.constraints.as_ref());
        v.grant_tokens(self.grant_tokens.as_deref());
        v.str_len("name", self.name.as_deref(), 1, 256);
        v.pattern("name", self.name.as_deref(), ALIAS_NAME_PATTERN);
        service_principal(
            v,
            "granteeServicePrincipal",
            self.grantee_service_principal.as_deref(),
        );
        service_principal(
            v,
            "retiringServicePrincipal",
            self.retiring_service_principal.as_deref(),
        );
    }

    /// AWS's rules beyond the model: a grantee (principal or service principal, not both), at
    /// least one operation, not only CreateGrant (recorded: `Grants must not contain only the
    /// CreateGrant operation.`, ansible/ansible#31960), at most one kind of constraint, and
    /// constraints only with operations that take an encryption context.
    fn check_rules(&self) -> Result<(), KmsError> {
        match (&self.grantee_principal, &self.grantee_service_principal) {
            (None, None) => {
                return Err(KmsError::validation(
                    "Either GranteePrincipal or GranteeServicePrincipal must be specified",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(KmsError::validation(
                    "GranteePrincipal and GranteeServicePrincipal cannot both be specified",
                ));
            }
            _ => {}
        }
        let operations = self.operations();
        if operations.is_empty() {
            return Err(KmsError::validation(
                "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        if operations.iter().all(|o| *o == GrantOperation::CreateGrant) {
            return Err(KmsError::validation(
                "Grants must not contain only the CreateGrant operation.",
            ));
        }
        if let Some(c) = &self.constraints {
            if c.encryption_context_subset.is_some() && c.encryption_context_equals.is_some() {
                return Err(KmsError::validation("More than one constraint supplied"));
            }
            let constrained =
                c.encryption_context_subset.is_some() || c.encryption_context_equals.is_some();
            if let Some(op) = operations.iter().find(|o| !o.takes_encryption_context())
                && constrained
            {
                return Err(KmsError::validation(format!(
                    "Grant constraints are not valid for operation {}: it does not take an encryption context",
                    op.as_str()
                )));
            }
        }
        Ok(())
    }
}

/// Response of CreateGrant (members in ASCII order, as AWS writes them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateGrantResponse {
    /// The grant's id (64 lowercase hex digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// A token for the grant, accepted at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_token: Option<String>,
}

impl Shape for CreateGrantResponse {
    const NAME: &'static str = "CreateGrantResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("GrantId", Kind::String),
        Member::new("GrantToken", Kind::String),
    ];
}

/// Request of ListGrants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListGrantsRequest {
    /// Page size, 1 to 1000 (default 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `NextMarker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Only this grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Only grants for this grantee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantee_principal: Option<String>,
    /// Only grants for this service principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantee_service_principal: Option<String>,
}

impl Shape for ListGrantsRequest {
    const NAME: &'static str = "ListGrantsRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("Limit", Kind::Integer),
        Member::new("Marker", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("GrantId", Kind::String),
        Member::new("GranteePrincipal", Kind::String),
        Member::new("GranteeServicePrincipal", Kind::String),
    ];
}

impl Validate for ListGrantsRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.pagination(self.limit, self.marker.as_deref());
        v.key_id("keyId", self.key_id.as_deref(), true);
        grant_id(v, self.grant_id.as_deref(), false);
        principal(v, "granteePrincipal", self.grantee_principal.as_deref());
        service_principal(
            v,
            "granteeServicePrincipal",
            self.grantee_service_principal.as_deref(),
        );
    }
}

/// One grant of ListGrants and ListRetirableGrants (members in ASCII order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GrantListEntry {
    /// The constraints, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraints: Option<GrantConstraints>,
    /// When the grant was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    /// The grant's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// The grantee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantee_principal: Option<String>,
    /// The grantee service principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantee_service_principal: Option<String>,
    /// The account that made the grant (`arn:aws:iam::ACCOUNT:root`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuing_account: Option<String>,
    /// The key's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The grant's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The operations the grant allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
    /// Who may retire it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retiring_principal: Option<String>,
    /// The retiring service principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retiring_service_principal: Option<String>,
}

impl Shape for GrantListEntry {
    const NAME: &'static str = "GrantListEntry";
    const MEMBERS: &'static [Member] = &[
        Member::new("Constraints", Kind::Structure(GrantConstraints::MEMBERS)),
        Member::new("CreationDate", Kind::Timestamp),
        Member::new("GrantId", Kind::String),
        Member::new("GranteePrincipal", Kind::String),
        Member::new("GranteeServicePrincipal", Kind::String),
        Member::new("IssuingAccount", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("Name", Kind::String),
        Member::new("Operations", Kind::List(&Kind::String)),
        Member::new("RetiringPrincipal", Kind::String),
        Member::new("RetiringServicePrincipal", Kind::String),
    ];
}

/// Response of ListGrants and ListRetirableGrants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListGrantsResponse {
    /// The page of grants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<GrantListEntry>>,
    /// Marker of the next page, when `Truncated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// Whether more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

impl Shape for ListGrantsResponse {
    const NAME: &'static str = "ListGrantsResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new(
            "Grants",
            Kind::List(&Kind::Structure(GrantListEntry::MEMBERS)),
        ),
        Member::new("NextMarker", Kind::String),
        Member::new("Truncated", Kind::Boolean),
    ];
}

/// Request of ListRetirableGrants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListRetirableGrantsRequest {
    /// Page size, 1 to 1000 (default 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `NextMarker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// The retiring principal whose grants to list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retiring_principal: Option<String>,
    /// The retiring service principal whose grants to list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retiring_service_principal: Option<String>,
}

impl Shape for ListRetirableGrantsRequest {
    const NAME: &'static str = "ListRetirableGrantsRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("Limit", Kind::Integer),
        Member::new("Marker", Kind::String),
        Member::new("RetiringPrincipal", Kind::String),
        Member::new("RetiringServicePrincipal", Kind::String),
    ];
}

impl Validate for ListRetirableGrantsRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.pagination(self.limit, self.marker.as_deref());
        principal(v, "retiringPrincipal", self.retiring_principal.as_deref());
        service_principal(
            v,
            "retiringServicePrincipal",
            self.retiring_service_principal.as_deref(),
        );
    }

    /// One of the two principals is needed to know whose grants to list.
    fn check_rules(&self) -> Result<(), KmsError> {
        match (&self.retiring_principal, &self.retiring_service_principal) {
            (None, None) => Err(KmsError::validation(
                "Either RetiringPrincipal or RetiringServicePrincipal must be specified",
            )),
            _ => Ok(()),
        }
    }
}

/// Request of RetireGrant: `GrantToken`, or `KeyId` and `GrantId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RetireGrantRequest {
    /// The grant's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_token: Option<String>,
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The grant's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for RetireGrantRequest {
    const NAME: &'static str = "RetireGrantRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("GrantToken", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("GrantId", Kind::String),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl Validate for RetireGrantRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.str_len("grantToken", self.grant_token.as_deref(), 1, 8192);
        v.key_id("keyId", self.key_id.as_deref(), false);
        grant_id(v, self.grant_id.as_deref(), false);
    }

    /// A token, or both a key and a grant id (the message localstack's tests record from AWS).
    fn check_rules(&self) -> Result<(), KmsError> {
        match (&self.grant_token, &self.key_id, &self.grant_id) {
            (Some(_), _, _) | (None, Some(_), Some(_)) => Ok(()),
            _ => Err(KmsError::validation(
                "Grant token OR (grant ID, key ID) must be specified",
            )),
        }
    }
}

/// Request of RevokeGrant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RevokeGrantRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The grant's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for RevokeGrantRequest {
    const NAME: &'static str = "RevokeGrantRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("GrantId", Kind::String),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl Validate for RevokeGrantRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        grant_id(v, self.grant_id.as_deref(), true);
    }
}

#[cfg(test)]
mod tests;
