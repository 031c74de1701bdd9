//! UpdateKeyDescription: replaces a key's description (no output).
//!
//! Both members are required; the description is 0 to 8192 characters (`DescriptionType`, the
//! same limit CreateKey's `Description` has), so an empty string clears it.

use serde::{Deserialize, Serialize};

use crate::json::{Kind, Member, Shape};
use crate::validate::{Validate, Violations};

/// Request of UpdateKeyDescription (no output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateKeyDescriptionRequest {
    /// The key (key ID or key ARN; an alias is refused, as for other key management operations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The new description, up to 8192 characters (empty clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Shape for UpdateKeyDescriptionRequest {
    const NAME: &'static str = "UpdateKeyDescriptionRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Description", Kind::String),
    ];
}

impl Validate for UpdateKeyDescriptionRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null("description", self.description.is_some()) {
            v.str_len("description", self.description.as_deref(), 0, 8192);
        }
    }
}

#[cfg(test)]
mod tests;
