//! GetKeyLastUsage: the last successful cryptographic operation made with a key (issue 18).
//!
//! Member names are the model's (`kms-service-2.json`): the request has a required `KeyId` (a
//! key ID or key ARN; the model's documentation says "Alias names are not supported"), the
//! answer `KeyId`, `KeyLastUsage` (`KeyLastUsageData`: `Operation`, one of the model's
//! `KeyLastUsageTrackingOperation` values, `Timestamp`, `KmsRequestId`, `CloudTrailEventId`),
//! `TrackingStartDate` and `KeyCreationDate`.

use serde::{Deserialize, Serialize};

use crate::blob::Timestamp;
use crate::json::{Kind, Member, Shape};
use crate::validate::{Validate, Violations};

/// The operations whose success GetKeyLastUsage reports: the model's
/// `KeyLastUsageTrackingOperation` enum, in its order.
pub const TRACKED_OPERATIONS: &[&str] = &[
    "Decrypt",
    "DeriveSharedSecret",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "ReEncrypt",
    "Sign",
    "Verify",
    "VerifyMac",
    "Encapsulate",
    "Decapsulate",
];

/// Request of GetKeyLastUsage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetKeyLastUsageRequest {
    /// The key (key ID or key ARN; an alias is refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

impl Shape for GetKeyLastUsageRequest {
    const NAME: &'static str = "GetKeyLastUsageRequest";
    const MEMBERS: &'static [Member] = &[Member::new("KeyId", Kind::String)];
}

impl Validate for GetKeyLastUsageRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
    }
}

/// The last successful cryptographic operation of a key (`KeyLastUsageData`): every member
/// absent (an empty object) while the key has not been used since tracking began.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeyLastUsageData {
    /// The CloudTrail event id of the operation: this service has no CloudTrail, so absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_trail_event_id: Option<String>,
    /// The `x-amzn-RequestId` of the request that used the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_request_id: Option<String>,
    /// The operation (one of [`TRACKED_OPERATIONS`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// When it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
}

impl Shape for KeyLastUsageData {
    const NAME: &'static str = "KeyLastUsageData";
    const MEMBERS: &'static [Member] = &[
        Member::new("CloudTrailEventId", Kind::String),
        Member::new("KmsRequestId", Kind::String),
        Member::new("Operation", Kind::String),
        Member::new("Timestamp", Kind::Timestamp),
    ];
}

/// Response of GetKeyLastUsage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetKeyLastUsageResponse {
    /// When the key was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_creation_date: Option<Timestamp>,
    /// The key's id (the bare id: the model calls it "the globally unique identifier", as
    /// DescribeKey's `KeyMetadata.KeyId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The last use, or an empty object when there is none since `TrackingStartDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_last_usage: Option<KeyLastUsageData>,
    /// Since when uses are recorded: the key's creation or the start of tracking, the later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_start_date: Option<Timestamp>,
}

impl Shape for GetKeyLastUsageResponse {
    const NAME: &'static str = "GetKeyLastUsageResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyCreationDate", Kind::Timestamp),
        Member::new("KeyId", Kind::String),
        Member::new("KeyLastUsage", Kind::Structure(KeyLastUsageData::MEMBERS)),
        Member::new("TrackingStartDate", Kind::Timestamp),
    ];
}

#[cfg(test)]
mod tests;
