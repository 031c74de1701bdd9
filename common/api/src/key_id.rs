//! Key identifiers: key IDs, key ARNs, alias names and alias ARNs.
//!
//! Every `KeyId` member accepts four forms (see the CLI page of generate-data-key):
//!
//! | form       | example                                                                    |
//! |------------|----------------------------------------------------------------------------|
//! | key ID     | `1234abcd-12ab-34cd-56ef-1234567890ab` (or a multi-Region `mrk-<32 hex>`)  |
//! | key ARN    | `arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab` |
//! | alias name | `alias/ExampleAlias`                                                       |
//! | alias ARN  | `arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias`                    |
//!
//! [`KeyRef::parse`] sorts an input into one of them with AWS's errors for what fits none:
//! a key ID that is not a hyphenated UUID is `NotFoundException` `Invalid keyId '<id>'` (recorded
//! for `fake-key-id`, for a UUID without hyphens and for `mrk-fake-key-id`). Whether an ARN's
//! region and account are the caller's is for the caller to decide (a key ARN of another region is
//! [`KmsError::invalid_arn_region`]); this module only parses.

use std::fmt;

use crate::error::KmsError;

/// A parsed `KeyId` value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyRef {
    /// A bare key ID (UUID, or `mrk-` + 32 hex digits for multi-Region keys).
    Id(String),
    /// A key ARN.
    KeyArn {
        /// Partition (`aws`, `aws-cn`, `aws-us-gov`, ...).
        partition: String,
        /// Region of the key.
        region: String,
        /// Owning account (12 digits).
        account: String,
        /// Key ID (validated like [`KeyRef::Id`]).
        id: String,
    },
    /// An alias name, including its `alias/` prefix.
    AliasName(String),
    /// An alias ARN.
    AliasArn {
        /// Partition.
        partition: String,
        /// Region of the alias.
        region: String,
        /// Owning account (12 digits).
        account: String,
        /// Alias name, including its `alias/` prefix.
        name: String,
    },
}

impl KeyRef {
    /// Sorts a `KeyId` value into one of the four forms.
    ///
    /// Errors (all `NotFoundException`, which every key-taking operation may return):
    /// - a bare value that is neither an alias name nor a valid key ID: `Invalid keyId '<value>'`;
    /// - a key ARN whose key ID is not valid: `Invalid keyId '<id>'`;
    /// - anything else starting with `arn:` that is not a KMS key or alias ARN: `Invalid arn`
    ///   (our choice; AWS's text for it was not recorded).
    pub fn parse(input: &str) -> Result<Self, KmsError> {
        if input.starts_with("arn:") {
            return parse_arn(input);
        }
        if input.starts_with("alias/") {
            return Ok(KeyRef::AliasName(input.to_owned()));
        }
        if is_valid_key_id(input) {
            Ok(KeyRef::Id(input.to_owned()))
        } else {
            Err(KmsError::invalid_key_id(input))
        }
    }

    /// The key ID, for the two key forms.
    pub fn key_id(&self) -> Option<&str> {
        match self {
            KeyRef::Id(id) | KeyRef::KeyArn { id, .. } => Some(id),
            KeyRef::AliasName(_) | KeyRef::AliasArn { .. } => None,
        }
    }

    /// The alias name (`alias/...`), for the two alias forms.
    pub fn alias_name(&self) -> Option<&str> {
        match self {
            KeyRef::AliasName(name) | KeyRef::AliasArn { name, .. } => Some(name),
            KeyRef::Id(_) | KeyRef::KeyArn { .. } => None,
        }
    }

    /// The region named by an ARN form (`None` for bare IDs and alias names, which mean "the
    /// caller's region").
    pub fn region(&self) -> Option<&str> {
        match self {
            KeyRef::KeyArn { region, .. } | KeyRef::AliasArn { region, .. } => Some(region),
            KeyRef::Id(_) | KeyRef::AliasName(_) => None,
        }
    }

    /// The account named by an ARN form (`None` means "the caller's account").
    pub fn account(&self) -> Option<&str> {
        match self {
            KeyRef::KeyArn { account, .. } | KeyRef::AliasArn { account, .. } => Some(account),
            KeyRef::Id(_) | KeyRef::AliasName(_) => None,
        }
    }

    /// Whether this names an alias rather than a key.
    pub fn is_alias(&self) -> bool {
        self.alias_name().is_some()
    }
}

impl fmt::Display for KeyRef {
    /// The value as a client would send it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRef::Id(id) => f.write_str(id),
            KeyRef::AliasName(name) => f.write_str(name),
            KeyRef::KeyArn {
                partition,
                region,
                account,
                id,
            } => write!(f, "arn:{partition}:kms:{region}:{account}:key/{id}"),
            KeyRef::AliasArn {
                partition,
                region,
                account,
                name,
            } => write!(f, "arn:{partition}:kms:{region}:{account}:{name}"),
        }
    }
}

fn parse_arn(input: &str) -> Result<KeyRef, KmsError> {
    let mut parts = input.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("kms"), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(KmsError::malformed_arn());
    };
    let partition_ok = partition.starts_with("aws")
        && partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-');
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if !(partition_ok && region_ok && account_ok) {
        return Err(KmsError::malformed_arn());
    }
    let (partition, region, account) =
        (partition.to_owned(), region.to_owned(), account.to_owned());
    if let Some(id) = resource.strip_prefix("key/") {
        if !is_valid_key_id(id) {
            return Err(KmsError::invalid_key_id(id));
        }
        return Ok(KeyRef::KeyArn {
            partition,
            region,
            account,
            id: id.to_owned(),
        });
    }
    if let Some(alias) = resource.strip_prefix("alias/") {
        if alias.is_empty() {
            return Err(KmsError::malformed_arn());
        }
        return Ok(KeyRef::AliasArn {
            partition,
            region,
            account,
            name: resource.to_owned(),
        });
    }
    Err(KmsError::malformed_arn())
}

/// Whether `id` is a KMS key ID: a hyphenated UUID (8-4-4-4-12 hex digits, either case) or a
/// multi-Region key ID `mrk-` + 32 hex digits. AWS rejects the unhyphenated UUID form.
pub fn is_valid_key_id(id: &str) -> bool {
    if let Some(hex) = id.strip_prefix("mrk-") {
        return hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The partition of a region (`aws-cn` for `cn-north-1`, ...), for building ARNs.
pub fn partition_for_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

/// The key ARN of `key_id` in `region` and `account`:
/// `arn:aws:kms:us-east-2:111122223333:key/1234abcd-...`.
pub fn key_arn(region: &str, account: &str, key_id: &str) -> String {
    format!(
        "arn:{}:kms:{region}:{account}:key/{key_id}",
        partition_for_region(region)
    )
}

/// The alias ARN of `alias_name` (with its `alias/` prefix) in `region` and `account`:
/// `arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias`.
pub fn alias_arn(region: &str, account: &str, alias_name: &str) -> String {
    format!(
        "arn:{}:kms:{region}:{account}:{alias_name}",
        partition_for_region(region)
    )
}

/// The prefix every alias name must start with.
pub const ALIAS_PREFIX: &str = "alias/";

/// The alias namespace AWS reserves for AWS managed keys.
pub const RESERVED_ALIAS_PREFIX: &str = "alias/aws/";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KmsErrorType;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn parse_accepts_a_key_id() {
        assert_eq!(KeyRef::parse(ID).unwrap(), KeyRef::Id(ID.into()));
        let mrk = "mrk-1234abcd12ab34cd56ef1234567890ab";
        assert_eq!(KeyRef::parse(mrk).unwrap(), KeyRef::Id(mrk.into()));
        let upper = "1234ABCD-12AB-34CD-56EF-1234567890AB";
        assert_eq!(KeyRef::parse(upper).unwrap().key_id(), Some(upper));
    }

    #[test]
    fn parse_accepts_a_key_arn() {
        let arn = format!("arn:aws:kms:us-east-2:111122223333:key/{ID}");
        let key = KeyRef::parse(&arn).unwrap();
        assert_eq!(
            key,
            KeyRef::KeyArn {
                partition: "aws".into(),
                region: "us-east-2".into(),
                account: "111122223333".into(),
                id: ID.into(),
            }
        );
        assert_eq!(key.region(), Some("us-east-2"));
        assert_eq!(key.account(), Some("111122223333"));
        assert_eq!(key.key_id(), Some(ID));
        assert_eq!(key.to_string(), arn);
        let gov = format!("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/{ID}");
        assert_eq!(KeyRef::parse(&gov).unwrap().to_string(), gov);
    }

    #[test]
    fn parse_accepts_an_alias_name() {
        let key = KeyRef::parse("alias/ExampleAlias").unwrap();
        assert_eq!(key, KeyRef::AliasName("alias/ExampleAlias".into()));
        assert_eq!(key.alias_name(), Some("alias/ExampleAlias"));
        assert!(key.is_alias());
        assert_eq!(key.region(), None);
    }

    #[test]
    fn parse_accepts_an_alias_arn() {
        let arn = "arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias";
        let key = KeyRef::parse(arn).unwrap();
        assert_eq!(
            key,
            KeyRef::AliasArn {
                partition: "aws".into(),
                region: "us-east-2".into(),
                account: "111122223333".into(),
                name: "alias/ExampleAlias".into(),
            }
        );
        assert_eq!(key.alias_name(), Some("alias/ExampleAlias"));
        assert_eq!(key.to_string(), arn);
    }

    #[test]
    fn parse_rejects_bad_key_ids_with_recorded_messages() {
        for bad in [
            "fake-key-id",
            "134f2428cec14b25a1ae9048164dba47",
            "mrk-fake-key-id",
            "key_id",
            "1234abcd-12ab-34cd-56ef-1234567890a",
            "1234abcd-12ab-34cd-56ef-1234567890abc",
            "1234abcd_12ab_34cd_56ef_1234567890ab",
            "g234abcd-12ab-34cd-56ef-1234567890ab",
            "",
        ] {
            let err = KeyRef::parse(bad).unwrap_err();
            assert_eq!(err.kind(), KmsErrorType::NotFound, "{bad}");
            assert_eq!(err.message(), format!("Invalid keyId '{bad}'"));
        }
        assert_eq!(
            KeyRef::parse("fake-key-id").unwrap_err().message(),
            "Invalid keyId 'fake-key-id'"
        );
    }

    #[test]
    fn parse_treats_an_alias_without_prefix_as_a_bad_key_id() {
        let err = KeyRef::parse("ExampleAlias").unwrap_err();
        assert_eq!(err.message(), "Invalid keyId 'ExampleAlias'");
        let err = KeyRef::parse("Alias/ExampleAlias").unwrap_err();
        assert_eq!(err.message(), "Invalid keyId 'Alias/ExampleAlias'");
    }

    #[test]
    fn parse_rejects_a_key_arn_with_a_bad_key_id() {
        let err = KeyRef::parse("arn:aws:kms:us-east-1:111122223333:key/fake").unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::NotFound);
        assert_eq!(err.message(), "Invalid keyId 'fake'");
    }

    #[test]
    fn parse_rejects_malformed_arns() {
        for bad in [
            "arn:",
            "arn:aws:kms:us-east-1:111122223333",
            &format!("arn:aws:s3:us-east-1:111122223333:key/{ID}"),
            &format!("arn:aws:kms::111122223333:key/{ID}"),
            &format!("arn:aws:kms:us-east-1:1111:key/{ID}"),
            &format!("arn:aws:kms:us-east-1:11112222333a:key/{ID}"),
            &format!("arn:xyz:kms:us-east-1:111122223333:key/{ID}"),
            &format!("arn:aws:kms:US-EAST-1:111122223333:key/{ID}"),
            &format!("arn:aws:kms:us-east-1:111122223333:grant/{ID}"),
            "arn:aws:kms:us-east-1:111122223333:alias/",
        ] {
            let err = KeyRef::parse(bad).unwrap_err();
            assert_eq!(err.kind(), KmsErrorType::NotFound, "{bad}");
            assert_eq!(err.message(), "Invalid arn", "{bad}");
        }
    }

    #[test]
    fn arn_helpers_render_key_and_alias_arns() {
        assert_eq!(
            key_arn("us-east-2", "111122223333", ID),
            format!("arn:aws:kms:us-east-2:111122223333:key/{ID}")
        );
        assert_eq!(
            alias_arn("us-east-2", "111122223333", "alias/ExampleAlias"),
            "arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias"
        );
        assert_eq!(
            key_arn("cn-north-1", "111122223333", ID),
            format!("arn:aws-cn:kms:cn-north-1:111122223333:key/{ID}")
        );
        assert_eq!(partition_for_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_for_region("us-isob-east-1"), "aws-iso-b");
        assert_eq!(partition_for_region("us-iso-east-1"), "aws-iso");
        assert_eq!(partition_for_region("eu-west-1"), "aws");
    }

    #[test]
    fn rendered_arns_parse_back() {
        let arn = key_arn("eu-central-1", "123456789012", ID);
        assert_eq!(KeyRef::parse(&arn).unwrap().to_string(), arn);
        let arn = alias_arn("eu-central-1", "123456789012", "alias/a/b");
        assert_eq!(KeyRef::parse(&arn).unwrap().alias_name(), Some("alias/a/b"));
    }
}
