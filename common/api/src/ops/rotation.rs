//! Key rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand
//! and ListKeyRotations (issue 18).
//!
//! Member names, ranges and enums are the model's (`kms-service-2.json`): `RotationPeriodInDays`
//! is 90..=2560, `IncludeKeyMaterial` is `ALL_KEY_MATERIAL` or `ROTATIONS_ONLY`, and ListKeyRotations
//! pages like the other List operations (`Limit` 1..=1000, `Marker`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::blob::Timestamp;
use crate::json::{Kind, Member, Shape};
use crate::types::kms_enum::{KmsEnum, UnknownEnumValue, kms_enum};
use crate::validate::{Validate, Violations};

/// Smallest `RotationPeriodInDays` the model allows.
pub const MIN_ROTATION_PERIOD_DAYS: i32 = 90;
/// Largest `RotationPeriodInDays` the model allows.
pub const MAX_ROTATION_PERIOD_DAYS: i32 = 2560;
/// The period AWS uses when EnableKeyRotation names none (one year).
pub const DEFAULT_ROTATION_PERIOD_DAYS: i32 = 365;

kms_enum! {
    /// Which key materials ListKeyRotations lists.
    IncludeKeyMaterial("IncludeKeyMaterial") {
        /// Every material, the original one included.
        AllKeyMaterial = "ALL_KEY_MATERIAL",
        /// Only the materials that rotations made (the default).
        RotationsOnly = "ROTATIONS_ONLY",
    }
    accepted [AllKeyMaterial, RotationsOnly]
}

/// Declares a request whose members are a required `KeyId` only.
macro_rules! rotation_key_request {
    ($(#[$doc:meta])* $name:ident, $shape:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase", default)]
        pub struct $name {
            /// The key (key ID or key ARN).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub key_id: Option<String>,
        }

        impl Shape for $name {
            const NAME: &'static str = $shape;
            const MEMBERS: &'static [Member] = &[Member::new("KeyId", Kind::String)];
        }

        impl Validate for $name {
            fn check_constraints(&self, v: &mut Violations) {
                v.key_id("keyId", self.key_id.as_deref(), true);
            }
        }
    };
}

/// Request of EnableKeyRotation (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EnableKeyRotationRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Days between automatic rotations, 90..=2560 (365 when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_period_in_days: Option<i32>,
}

impl Shape for EnableKeyRotationRequest {
    const NAME: &'static str = "EnableKeyRotationRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("RotationPeriodInDays", Kind::Integer),
    ];
}

impl Validate for EnableKeyRotationRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.int_range(
            "rotationPeriodInDays",
            self.rotation_period_in_days,
            MIN_ROTATION_PERIOD_DAYS,
            MAX_ROTATION_PERIOD_DAYS,
        );
    }
}

rotation_key_request!(
    /// Request of DisableKeyRotation (no output).
    DisableKeyRotationRequest,
    "DisableKeyRotationRequest"
);
rotation_key_request!(
    /// Request of GetKeyRotationStatus.
    GetKeyRotationStatusRequest,
    "GetKeyRotationStatusRequest"
);
rotation_key_request!(
    /// Request of RotateKeyOnDemand.
    RotateKeyOnDemandRequest,
    "RotateKeyOnDemandRequest"
);

/// Response of GetKeyRotationStatus (members in ASCII order, as AWS writes them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetKeyRotationStatusResponse {
    /// The key's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Whether automatic rotation is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_rotation_enabled: Option<bool>,
    /// When the next automatic rotation happens (only while enabled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<Timestamp>,
    /// When an on-demand rotation in progress started (rotations here complete at once, so never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_demand_rotation_start_date: Option<Timestamp>,
    /// Days between automatic rotations (only while enabled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_period_in_days: Option<i32>,
}

impl Shape for GetKeyRotationStatusResponse {
    const NAME: &'static str = "GetKeyRotationStatusResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("KeyRotationEnabled", Kind::Boolean),
        Member::new("NextRotationDate", Kind::Timestamp),
        Member::new("OnDemandRotationStartDate", Kind::Timestamp),
        Member::new("RotationPeriodInDays", Kind::Integer),
    ];
}

/// Response of RotateKeyOnDemand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RotateKeyOnDemandResponse {
    /// The key's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

impl Shape for RotateKeyOnDemandResponse {
    const NAME: &'static str = "RotateKeyOnDemandResponse";
    const MEMBERS: &'static [Member] = &[Member::new("KeyId", Kind::String)];
}

/// Request of ListKeyRotations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListKeyRotationsRequest {
    /// The key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// [`IncludeKeyMaterial`] (`ROTATIONS_ONLY` when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_key_material: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `NextMarker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl ListKeyRotationsRequest {
    /// The typed `IncludeKeyMaterial` (validation already refused unknown values).
    pub fn include_key_material(&self) -> IncludeKeyMaterial {
        self.include_key_material
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(IncludeKeyMaterial::RotationsOnly)
    }
}

impl Shape for ListKeyRotationsRequest {
    const NAME: &'static str = "ListKeyRotationsRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("IncludeKeyMaterial", Kind::String),
        Member::new("Limit", Kind::Integer),
        Member::new("Marker", Kind::String),
    ];
}

impl Validate for ListKeyRotationsRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.enum_value::<IncludeKeyMaterial>(
            "includeKeyMaterial",
            self.include_key_material.as_deref(),
        );
        v.pagination(self.limit, self.marker.as_deref());
    }
}

/// One key material of ListKeyRotations (members in ASCII order, as AWS writes them). The
/// members for imported material (`ExpirationModel`, `ImportState`, `KeyMaterialDescription`,
/// `ValidTo`) stay absent: every key here has AWS_KMS origin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RotationsListEntry {
    /// Imported material only: whether it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_model: Option<String>,
    /// Imported material only: `IMPORTED` or `PENDING_IMPORT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_state: Option<String>,
    /// The key's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Imported material only: its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_description: Option<String>,
    /// The material's id (64 hex digits, as Decrypt's `KeyMaterialId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
    /// `CURRENT` or `NON_CURRENT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_state: Option<String>,
    /// When this material became current (absent for the original material).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_date: Option<Timestamp>,
    /// `AUTOMATIC` or `ON_DEMAND` (absent for the original material).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_type: Option<String>,
    /// Imported material only: when it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Timestamp>,
}

impl Shape for RotationsListEntry {
    const NAME: &'static str = "RotationsListEntry";
    const MEMBERS: &'static [Member] = &[
        Member::new("ExpirationModel", Kind::String),
        Member::new("ImportState", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialDescription", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
        Member::new("KeyMaterialState", Kind::String),
        Member::new("RotationDate", Kind::Timestamp),
        Member::new("RotationType", Kind::String),
        Member::new("ValidTo", Kind::Timestamp),
    ];
}

/// Response of ListKeyRotations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListKeyRotationsResponse {
    /// Marker of the next page, when `Truncated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// The page of materials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotations: Option<Vec<RotationsListEntry>>,
    /// Whether more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

impl Shape for ListKeyRotationsResponse {
    const NAME: &'static str = "ListKeyRotationsResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("NextMarker", Kind::String),
        Member::new(
            "Rotations",
            Kind::List(&Kind::Structure(RotationsListEntry::MEMBERS)),
        ),
        Member::new("Truncated", Kind::Boolean),
    ];
}

#[cfg(test)]
mod tests;
