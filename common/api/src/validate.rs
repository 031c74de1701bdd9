//! Constraint checks of the KMS model, worded as AWS words them.
//!
//! AWS checks the constraints of the service model (lengths, ranges, enums, patterns, required
//! members) before the operation runs, collects every violation, and answers one
//! `ValidationException`:
//!
//! ```text
//! 1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024
//! 2 validation errors detected: <first>; <second>
//! ```
//!
//! Rendering rules, each pinned by a test:
//! - the member path is the camelCase member name; nested members are dotted
//!   (`recipient.attestationDocument`) and list elements are `<list>.<1-based index>.member`
//!   (`tags.1.member.tagKey`, recorded from AWS);
//! - strings and integers are quoted: `Value 'AES_512'`, `Value '1025'`; a missing required member
//!   is `Value null`;
//! - sensitive members (`Plaintext`) show no value at all: `Value at 'plaintext'` (recorded);
//! - other blobs show Java's `ByteBuffer.toString()`:
//!   `Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'ciphertextBlob'` (as real AWS
//!   JSON services answer for blobs);
//! - lists show Java's `List.toString()`: `Value '[a, b]'`;
//! - the constraint texts are AWS's: `Member must have length less than or equal to 4096`,
//!   `Member must have value greater than or equal to 1`, `Member must satisfy enum value set:
//!   [AES_256, AES_128]`, `Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$`,
//!   `Member must not be null`;
//! - violations are listed in model member order, a length violation before a pattern violation
//!   of the same member, and joined with `; `.
//!
//! After the model constraints, each request applies the service's own rules
//! ([`Validate::check_rules`]), whose errors are single messages in the service's words.

use std::fmt;

use crate::blob::Blob;
use crate::error::KmsError;
use crate::types::kms_enum::KmsEnum;
use nitro_kms_crypto::secret::SecretBytes;

/// A request that can be checked the way AWS checks it.
pub trait Validate {
    /// Adds every model-constraint violation of `self` to `v`, in model member order.
    fn check_constraints(&self, v: &mut Violations);

    /// The service's own rules, checked only when the model constraints hold (as in AWS, where
    /// they run inside the operation). Default: none.
    fn check_rules(&self) -> Result<(), KmsError> {
        Ok(())
    }

    /// Model constraints, then service rules: `Ok` means AWS would start the operation.
    fn validate(&self) -> Result<(), KmsError> {
        let mut violations = Violations::new();
        self.check_constraints(&mut violations);
        violations.into_result()?;
        self.check_rules()
    }
}

/// How a member's value appears in a violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShownValue {
    /// A missing required member: `Value null at ...`.
    Null,
    /// A sensitive member: `Value at ...`.
    Hidden,
    /// Any other value, already rendered as Java would: `Value '<text>' at ...`.
    Text(String),
}

/// One violated constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// How the value is shown.
    pub value: ShownValue,
    /// The member path (`numberOfBytes`, `tags.1.member.tagKey`).
    pub path: String,
    /// The constraint text (`Member must have value less than or equal to 1024`).
    pub constraint: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            ShownValue::Null => write!(f, "Value null at '{}'", self.path)?,
            ShownValue::Hidden => write!(f, "Value at '{}'", self.path)?,
            ShownValue::Text(text) => write!(f, "Value '{text}' at '{}'", self.path)?,
        }
        write!(f, " failed to satisfy constraint: {}", self.constraint)
    }
}

/// A pattern constraint: the model's regular expression (for the message) and a matcher.
///
/// Hand-written matchers keep regex engines out of the enclave; each is tested against the
/// expression it stands for.
#[derive(Clone, Copy)]
pub struct Pattern {
    /// The expression exactly as the model (and AWS's message) spells it.
    pub source: &'static str,
    /// Whether a whole value matches.
    pub matches: fn(&str) -> bool,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({})", self.source)
    }
}

/// `AliasNameType`: letters, digits, `:`, `/`, `_`, `-`.
pub const ALIAS_NAME_PATTERN: Pattern = Pattern {
    source: "^[a-zA-Z0-9:/_-]+$",
    matches: |s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_' | '-'))
    },
};

/// `PolicyNameType`: Java's `\w` (ASCII letters, digits, `_`).
pub const POLICY_NAME_PATTERN: Pattern = Pattern {
    source: r"[\w]+",
    matches: |s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
};

/// `PolicyType`: tab, LF, CR and U+0020 to U+00FF.
pub const POLICY_PATTERN: Pattern = Pattern {
    source: r"[\u0009\u000A\u000D\u0020-\u00FF]+",
    matches: |s| {
        !s.is_empty()
            && s.chars()
                .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'))
    },
};

/// `MarkerType`: U+0020 to U+00FF (possibly empty, though the length minimum is 1).
pub const MARKER_PATTERN: Pattern = Pattern {
    source: r"[\u0020-\u00FF]*",
    matches: |s| s.chars().all(|c| matches!(c, '\u{20}'..='\u{FF}')),
};

/// `XksKeyIdType`: letters, digits, `-`, `_`, `.`.
pub const XKS_KEY_ID_PATTERN: Pattern = Pattern {
    source: "^[a-zA-Z0-9-_.]+$",
    matches: |s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    },
};

/// Length of a string as AWS (Java) counts it: UTF-16 code units.
pub fn java_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The violations found so far, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation.
    pub fn push(&mut self, value: ShownValue, path: &str, constraint: impl Into<String>) {
        self.0.push(Violation {
            value,
            path: path.to_owned(),
            constraint: constraint.into(),
        });
    }

    /// The violations.
    pub fn as_slice(&self) -> &[Violation] {
        &self.0
    }

    /// Whether nothing was violated.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// AWS's message: `N validation error(s) detected: <v1>; <v2>`; `None` if there are none.
    pub fn message(&self) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        let count = self.0.len();
        let noun = if count == 1 { "error" } else { "errors" };
        let details: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        Some(format!(
            "{count} validation {noun} detected: {}",
            details.join("; ")
        ))
    }

    /// `Ok` if there are no violations, else the `ValidationException` AWS would send.
    pub fn into_result(self) -> Result<(), KmsError> {
        match self.message() {
            None => Ok(()),
            Some(message) => Err(KmsError::validation(message)),
        }
    }

    /// A required member: records `Value null` (or `Value at` if `sensitive`) when absent.
    /// Returns whether it is present, so further checks can be skipped as AWS skips them.
    pub fn not_null(&mut self, path: &str, present: bool) -> bool {
        if !present {
            self.push(ShownValue::Null, path, "Member must not be null");
        }
        present
    }

    /// [`Violations::not_null`] for a sensitive member (AWS hides even the `null`).
    pub fn not_null_sensitive(&mut self, path: &str, present: bool) -> bool {
        if !present {
            self.push(ShownValue::Hidden, path, "Member must not be null");
        }
        present
    }

    fn length(&mut self, value: ShownValue, path: &str, len: usize, min: usize, max: usize) {
        if len < min {
            self.push(
                value,
                path,
                format!("Member must have length greater than or equal to {min}"),
            );
        } else if len > max {
            self.push(
                value,
                path,
                format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// String length in `min..=max` (UTF-16 code units), if present.
    pub fn str_len(&mut self, path: &str, value: Option<&str>, min: usize, max: usize) {
        if let Some(s) = value {
            self.length(ShownValue::Text(s.to_owned()), path, java_len(s), min, max);
        }
    }

    /// [`Violations::str_len`] for a sensitive member: the value is never quoted.
    pub fn sensitive_str_len(&mut self, path: &str, value: Option<&str>, min: usize, max: usize) {
        if let Some(s) = value {
            self.length(ShownValue::Hidden, path, java_len(s), min, max);
        }
    }

    /// [`Violations::pattern`] for a sensitive member: the value is never quoted.
    pub fn sensitive_pattern(&mut self, path: &str, value: Option<&str>, pattern: Pattern) {
        if let Some(s) = value
            && !(pattern.matches)(s)
        {
            self.push(
                ShownValue::Hidden,
                path,
                format!(
                    "Member must satisfy regular expression pattern: {}",
                    pattern.source
                ),
            );
        }
    }

    /// String matches `pattern`, if present.
    pub fn pattern(&mut self, path: &str, value: Option<&str>, pattern: Pattern) {
        if let Some(s) = value
            && !(pattern.matches)(s)
        {
            self.push(
                ShownValue::Text(s.to_owned()),
                path,
                format!(
                    "Member must satisfy regular expression pattern: {}",
                    pattern.source
                ),
            );
        }
    }

    /// String is a value of `E` that AWS accepts, if present.
    pub fn enum_value<E: KmsEnum>(&mut self, path: &str, value: Option<&str>) {
        if let Some(s) = value
            && E::parse_accepted(s).is_none()
        {
            self.push(
                ShownValue::Text(s.to_owned()),
                path,
                format!("Member must satisfy enum value set: {}", E::value_set()),
            );
        }
    }

    /// Integer in `min..=max`, if present.
    pub fn int_range(&mut self, path: &str, value: Option<i32>, min: i32, max: i32) {
        if let Some(n) = value {
            if n < min {
                self.push(
                    ShownValue::Text(n.to_string()),
                    path,
                    format!("Member must have value greater than or equal to {min}"),
                );
            } else if n > max {
                self.push(
                    ShownValue::Text(n.to_string()),
                    path,
                    format!("Member must have value less than or equal to {max}"),
                );
            }
        }
    }

    /// Blob length in `min..=max` bytes, if present; shown as Java shows a `ByteBuffer`.
    pub fn blob_len(&mut self, path: &str, value: Option<&Blob>, min: usize, max: usize) {
        if let Some(blob) = value {
            let len = blob.len();
            let shown = ShownValue::Text(format!(
                "java.nio.HeapByteBuffer[pos=0 lim={len} cap={len}]"
            ));
            self.length(shown, path, len, min, max);
        }
    }

    /// Secret blob length in `min..=max` bytes, if present; never shows the value.
    pub fn secret_len(&mut self, path: &str, value: Option<&SecretBytes>, min: usize, max: usize) {
        if let Some(secret) = value {
            self.length(ShownValue::Hidden, path, secret.len(), min, max);
        }
    }

    /// List length in `min..=max`, if present; shown as Java shows a list of strings.
    pub fn list_len(&mut self, path: &str, value: Option<&[String]>, min: usize, max: usize) {
        if let Some(items) = value {
            let shown = ShownValue::Text(format!("[{}]", items.join(", ")));
            self.length(shown, path, items.len(), min, max);
        }
    }

    /// A `KeyIdType` member: required or not, 1 to 2048 characters.
    pub fn key_id(&mut self, path: &str, value: Option<&str>, required: bool) {
        if required && !self.not_null(path, value.is_some()) {
            return;
        }
        self.str_len(path, value, 1, 2048);
    }

    /// A `GrantTokenList` member: at most 10 tokens of 1 to 8192 characters.
    pub fn grant_tokens(&mut self, value: Option<&[String]>) {
        self.list_len("grantTokens", value, 0, 10);
        for (index, token) in value.unwrap_or_default().iter().enumerate() {
            self.str_len(
                &format!("grantTokens.{}.member", index + 1),
                Some(token),
                1,
                8192,
            );
        }
    }

    /// A list of enum strings (`ResourceOwners`, `DryRunModifiers`): each element a value of `E`.
    pub fn enum_list<E: KmsEnum>(&mut self, path: &str, value: Option<&[String]>) {
        for (index, item) in value.unwrap_or_default().iter().enumerate() {
            self.enum_value::<E>(&format!("{path}.{}.member", index + 1), Some(item));
        }
    }

    /// An `AliasNameType` member: required or not, 1 to 256 characters, alias pattern.
    pub fn alias_name(&mut self, path: &str, value: Option<&str>, required: bool) {
        if required && !self.not_null(path, value.is_some()) {
            return;
        }
        self.str_len(path, value, 1, 256);
        self.pattern(path, value, ALIAS_NAME_PATTERN);
    }

    /// `Limit` and `Marker` of the List operations.
    pub fn pagination(&mut self, limit: Option<i32>, marker: Option<&str>) {
        self.int_range("limit", limit, 1, 1000);
        self.str_len("marker", marker, 1, 1024);
        self.pattern("marker", marker, MARKER_PATTERN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::DataKeySpec;

    #[test]
    fn single_violation_message_matches_recorded_number_of_bytes_texts() {
        let mut v = Violations::new();
        v.int_range("numberOfBytes", Some(1025), 1, 1024);
        assert_eq!(
            v.clone().into_result().unwrap_err().message(),
            "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
        );
        let mut v = Violations::new();
        v.int_range("numberOfBytes", Some(0), 1, 1024);
        assert_eq!(
            v.message().unwrap(),
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
    }

    #[test]
    fn several_violations_are_counted_and_joined_with_semicolons() {
        let mut v = Violations::new();
        v.int_range("numberOfBytes", Some(1025), 1, 1024);
        v.enum_value::<DataKeySpec>("keySpec", Some("AES_512"));
        assert_eq!(
            v.message().unwrap(),
            "2 validation errors detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024; Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
        );
    }

    #[test]
    fn no_violations_is_ok() {
        let mut v = Violations::new();
        v.int_range("numberOfBytes", Some(1024), 1, 1024);
        v.str_len("keyId", Some("k"), 1, 2048);
        v.enum_value::<DataKeySpec>("keySpec", Some("AES_128"));
        v.str_len("x", None, 1, 1);
        assert!(v.is_empty());
        assert!(v.into_result().is_ok());
    }

    #[test]
    fn sensitive_values_are_hidden_and_blobs_render_as_byte_buffers() {
        let mut v = Violations::new();
        v.secret_len("plaintext", Some(&SecretBytes::zeroed(4097)), 1, 4096);
        v.blob_len("ciphertextBlob", Some(&Blob::new(vec![0; 6145])), 1, 6144);
        v.blob_len("ciphertextBlob", Some(&Blob::default()), 1, 6144);
        let texts: Vec<String> = v.as_slice().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
                "Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144",
                "Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ]
        );
    }

    #[test]
    fn missing_required_members_render_null() {
        let mut v = Violations::new();
        assert!(!v.not_null("keyId", false));
        assert!(!v.not_null_sensitive("plaintext", false));
        assert!(v.not_null("keySpec", true));
        assert_eq!(
            v.message().unwrap(),
            "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value at 'plaintext' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn grant_tokens_over_ten_render_as_a_java_list() {
        let tokens: Vec<String> = (1..=11).map(|i| format!("t{i}")).collect();
        let mut v = Violations::new();
        v.grant_tokens(Some(&tokens));
        assert_eq!(
            v.message().unwrap(),
            "1 validation error detected: Value '[t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10"
        );
        let mut v = Violations::new();
        v.grant_tokens(Some(&["ok".to_owned(), String::new()]));
        assert_eq!(
            v.message().unwrap(),
            "1 validation error detected: Value '' at 'grantTokens.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn string_length_counts_utf16_units_like_java() {
        let mut v = Violations::new();
        // 128 astral characters are 256 UTF-16 units: over a 128 limit even though 128 chars.
        let key = "\u{1F511}".repeat(128);
        v.str_len("tagKey", Some(&key), 1, 128);
        assert_eq!(v.as_slice().len(), 1);
        assert_eq!(java_len("é"), 1);
        assert_eq!(java_len("\u{1F511}"), 2);
    }

    #[test]
    fn empty_alias_name_violates_length_then_pattern() {
        let mut v = Violations::new();
        v.alias_name("aliasName", Some(""), true);
        assert_eq!(
            v.message().unwrap(),
            "2 validation errors detected: Value '' at 'aliasName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        );
    }

    #[test]
    fn patterns_match_what_their_expressions_say() {
        let alias = ALIAS_NAME_PATTERN.matches;
        assert!(alias("alias/My-Key_1:x"));
        assert!(!alias("alias/my key"));
        assert!(!alias("alias/é"));
        assert!(!alias(""));
        let policy_name = POLICY_NAME_PATTERN.matches;
        assert!(policy_name("default"));
        assert!(policy_name("AWS_RAM"));
        assert!(!policy_name("not-default"));
        let policy = POLICY_PATTERN.matches;
        assert!(policy("{\n\t\"Version\": \"2012-10-17\"\r}"));
        assert!(policy("caf\u{e9} \u{ff}"));
        assert!(!policy("\u{100}"));
        assert!(!policy("a\u{0}b"));
        assert!(!policy(""));
        let marker = MARKER_PATTERN.matches;
        assert!(marker(""));
        assert!(marker("eyJ4IjoxfQ== ~"));
        assert!(!marker("\n"));
        let xks = XKS_KEY_ID_PATTERN.matches;
        assert!(xks("key-1_2.3"));
        assert!(!xks("key/1"));
    }
}
