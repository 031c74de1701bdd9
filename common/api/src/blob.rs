//! Blobs, secret blobs and timestamps as KMS JSON carries them.
//!
//! - Blobs are base64 strings (standard alphabet, padded). [`decode_base64`] checks them the way
//!   AWS's Coral framework does and reports failures with its wording, so a bad `CiphertextBlob`
//!   earns the same `SerializationException` text as from AWS.
//! - Secret blobs (`Plaintext`, `PrivateKeyPlaintext`) are [`SecretBytes`](nitro_kms_crypto::secret::SecretBytes); [`secret_base64`]
//!   gives them serde support without an unzeroized copy of the bytes or their base64 text.
//! - Dates are epoch seconds as JSON numbers. AWS writes them as Java renders a `double`
//!   (`1.655753311082E9`), and [`Timestamp`] writes them the same way.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Why a base64 string was rejected, worded as AWS words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    /// The length (in UTF-16 code units, as Java counts) is not a multiple of 4: padding is
    /// required.
    #[error("Base64 encoded length is expected a multiple of 4 bytes but found: {0}")]
    Length(usize),
    /// A character outside the alphabet, or a `=` that is not trailing padding.
    #[error("Invalid Base64 character: '{0}'")]
    InvalidCharacter(char),
    /// The last data character carries bits that the padding says do not exist (a non-canonical
    /// encoding). The misspelling "dectected" is AWS's own.
    #[error("Invalid last non-pad Base64 character dectected")]
    TrailingBits,
}

/// Decodes standard, padded base64 exactly as strictly as AWS: length first, then characters,
/// then non-canonical trailing bits.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Base64Error> {
    check_base64(text)?;
    // Everything `check_base64` accepts is canonical padded base64, which the engine decodes;
    // map a disagreement to the character error rather than panicking.
    STANDARD
        .decode(text.as_bytes())
        .map_err(|_| Base64Error::InvalidCharacter('='))
}

/// Checks base64 text as [`decode_base64`] does, without decoding it (so checking a secret
/// leaves no decoded copy behind).
pub fn check_base64(text: &str) -> Result<(), Base64Error> {
    let bytes = text.as_bytes();
    // Java counts UTF-16 code units; for ASCII text (every valid blob) that is the byte count.
    let utf16_len = if text.is_ascii() {
        bytes.len()
    } else {
        text.encode_utf16().count()
    };
    if !utf16_len.is_multiple_of(4) {
        return Err(Base64Error::Length(utf16_len));
    }
    // '=' is padding only: at most the last two characters. Everything before is alphabet.
    let padding = bytes
        .iter()
        .rev()
        .take(2)
        .take_while(|&&b| b == b'=')
        .count();
    let data = &bytes[..bytes.len() - padding];
    if let Some(at) = data.iter().position(|&b| !ALPHABET[usize::from(b)]) {
        // Every byte before `at` is ASCII, so `at` starts a character.
        let c = text.get(at..).and_then(|t| t.chars().next()).unwrap_or('=');
        return Err(Base64Error::InvalidCharacter(c));
    }
    if let Some(&last) = data.last()
        && padding > 0
    {
        let value = sextet(last);
        // One pad: 18 bits carry 16, so the low 2 bits must be zero; two pads: 12 carry 8.
        let unused_mask = if padding == 1 { 0b11 } else { 0b1111 };
        if value & unused_mask != 0 {
            return Err(Base64Error::TrailingBits);
        }
    }
    Ok(())
}

/// Which bytes are base64 alphabet characters (a table: blobs of 6 KiB are checked per request).
const ALPHABET: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = matches!(c as u8, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/');
        c += 1;
    }
    table
};

/// The 6-bit value of a base64 alphabet character (callers pass only alphabet characters).
fn sextet(c: u8) -> u8 {
    match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    }
}

/// Encodes bytes as standard, padded base64 (what AWS sends).
pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// A non-secret binary value (ciphertext, public key, attestation document): base64 in JSON.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Blob(Vec<u8>);

impl Blob {
    /// Wraps `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Takes the bytes out.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }

    /// Number of bytes (what the model's length constraints count).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the blob is empty (AWS rejects empty blobs: every blob has a minimum of 1).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The base64 text of the blob.
    pub fn to_base64(&self) -> String {
        encode_base64(&self.0)
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for Blob {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Blob {
    /// Length and the start of the base64, enough to tell blobs apart in a log without flooding
    /// it with 6 KiB ciphertexts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 18 bytes are exactly 24 base64 characters: encode only those.
        let shown = encode_base64(&self.0[..self.0.len().min(18)]);
        let ellipsis = if self.0.len() > 18 { "..." } else { "" };
        write!(f, "Blob({} bytes, {shown}{ellipsis})", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlobVisitor;
        impl Visitor<'_> for BlobVisitor {
            type Value = Blob;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Blob, E> {
                decode_base64(text).map(Blob).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(BlobVisitor)
    }
}

/// Serde support for [`SecretBytes`](nitro_kms_crypto::secret::SecretBytes) as base64 (use with `#[serde(with = "...")]`).
///
/// Both the decoded bytes and the base64 text are held in zeroizing buffers, so serializing a
/// plaintext data key leaves no stray copy behind.
pub mod secret_base64 {
    use std::fmt;

    use serde::Serializer;
    use serde::de::{self, Deserializer, Visitor};
    use zeroize::Zeroizing;

    use crate::blob::{decode_base64, encode_base64};
    use nitro_kms_crypto::secret::SecretBytes;

    /// Writes the secret as base64.
    pub fn serialize<S: Serializer>(
        secret: &SecretBytes,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = Zeroizing::new(encode_base64(secret.expose()));
        serializer.serialize_str(&text)
    }

    /// Reads a secret from base64.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<SecretBytes, D::Error> {
        struct SecretVisitor;
        impl Visitor<'_> for SecretVisitor {
            type Value = SecretBytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<SecretBytes, E> {
                decode_base64(text)
                    .map(SecretBytes::new)
                    // Never echo the secret's text in the error.
                    .map_err(E::custom)
            }
        }
        deserializer.deserialize_str(SecretVisitor)
    }

    /// The same for `Option<SecretBytes>` (with `#[serde(default, with = ".., option")]`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        use nitro_kms_crypto::secret::SecretBytes;

        /// Writes `Some` as base64 (pair with `skip_serializing_if = "Option::is_none"`).
        pub fn serialize<S: Serializer>(
            secret: &Option<SecretBytes>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match secret {
                Some(secret) => crate::blob::secret_base64::serialize(secret, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Reads `null` as `None` and a string as a secret.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<SecretBytes>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] SecretBytes);
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(s)| s))
        }
    }
}

/// A point in time as KMS carries it: epoch seconds, with millisecond precision (AWS dates are
/// Java `Date`s).
///
/// Serialized to JSON as Java's `Double.toString` renders the seconds (`1.655753311082E9`,
/// `1.7E9`), byte for byte what AWS sends; parsed from any JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    millis: i64,
}

impl Timestamp {
    /// From milliseconds since the Unix epoch.
    pub const fn from_epoch_millis(millis: i64) -> Self {
        Self { millis }
    }

    /// From whole seconds since the Unix epoch.
    pub const fn from_epoch_seconds(seconds: i64) -> Self {
        Self {
            millis: seconds.saturating_mul(1000),
        }
    }

    /// From fractional seconds, rounded to the millisecond; `None` if not finite or out of range.
    pub fn from_epoch_seconds_f64(seconds: f64) -> Option<Self> {
        let millis = (seconds * 1000.0).round();
        // i64 range as f64; the cast below is exact for every value inside it.
        if !millis.is_finite() || millis.abs() >= 9.2e18 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        Some(Self {
            millis: millis as i64,
        })
    }

    /// From a [`SystemTime`] (truncated to the millisecond; times before 1970 are negative).
    pub fn from_system_time(time: SystemTime) -> Self {
        let millis = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        };
        Self { millis }
    }

    /// The current time.
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// Milliseconds since the Unix epoch.
    pub const fn epoch_millis(self) -> i64 {
        self.millis
    }

    /// Fractional seconds since the Unix epoch.
    #[allow(clippy::cast_precision_loss)]
    pub fn epoch_seconds_f64(self) -> f64 {
        // Divide as integers first so typical values (13 digits of millis) stay exact.
        (self.millis / 1000) as f64 + (self.millis % 1000) as f64 / 1000.0
    }

    /// This time plus `days` days (for deletion dates).
    pub fn plus_days(self, days: u32) -> Self {
        let add = Duration::from_secs(u64::from(days) * 86_400).as_millis();
        Self {
            millis: self
                .millis
                .saturating_add(i64::try_from(add).unwrap_or(i64::MAX)),
        }
    }

    /// The JSON number text AWS would send for this time (Java's `Double.toString`).
    pub fn to_json_number(self) -> String {
        java_double_to_string(self.epoch_seconds_f64())
    }
}

/// Renders `value` as Java's `Double.toString` does: plain decimal with at least one fractional
/// digit for magnitudes in [1e-3, 1e7), otherwise `d.dddE<exp>`; shortest round-trip digits.
pub fn java_double_to_string(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0"
        } else {
            "0.0"
        }
        .to_owned();
    }
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".to_owned()
        } else if value > 0.0 {
            "Infinity".to_owned()
        } else {
            "-Infinity".to_owned()
        };
    }
    let magnitude = value.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{value}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        // Rust's `{:e}` gives the shortest round-trip digits as `1.655753311082e9` / `1e9`.
        let sci = format!("{value:e}");
        let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        if mantissa.contains('.') {
            format!("{mantissa}E{exponent}")
        } else {
            format!("{mantissa}.0E{exponent}")
        }
    }
}

impl Serialize for Timestamp {
    /// In JSON, the exact Java rendering (through `RawValue`); in binary formats a plain `f64`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            let raw = serde_json::value::RawValue::from_string(self.to_json_number())
                .map_err(serde::ser::Error::custom)?;
            raw.serialize(serializer)
        } else {
            serializer.serialize_f64(self.epoch_seconds_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Timestamp::from_epoch_seconds_f64(seconds)
            .ok_or_else(|| de::Error::custom("timestamp out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nitro_kms_crypto::secret::SecretBytes;
    use proptest::prelude::*;

    /// The character-by-character statement of the rules that the table-driven
    /// [`check_base64`] must agree with on every input.
    fn check_base64_by_the_letter(text: &str) -> Result<(), Base64Error> {
        let utf16_len = text.encode_utf16().count();
        if !utf16_len.is_multiple_of(4) {
            return Err(Base64Error::Length(utf16_len));
        }
        let bytes = text.as_bytes();
        for (index, c) in text.char_indices() {
            let valid = match c {
                'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => true,
                '=' => index + 2 >= bytes.len() && bytes[index..].iter().all(|&b| b == b'='),
                _ => false,
            };
            if !valid {
                return Err(Base64Error::InvalidCharacter(c));
            }
        }
        let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
        if padding > 0 {
            let unused_mask = if padding == 1 { 0b11 } else { 0b1111 };
            if sextet(bytes[bytes.len() - padding - 1]) & unused_mask != 0 {
                return Err(Base64Error::TrailingBits);
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn check_base64_agrees_with_the_rules_by_the_letter(
            text in "[A-Za-z0-9+/=é\\-_ ]{0,14}"
        ) {
            prop_assert_eq!(check_base64(&text), check_base64_by_the_letter(&text));
        }

        #[test]
        fn check_base64_accepts_every_encoding(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(check_base64(&encode_base64(&bytes)), Ok(()));
        }
    }

    #[test]
    fn decode_base64_accepts_padded_standard_alphabet() {
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(decode_base64("AAAA").unwrap(), [0, 0, 0]);
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("aA==").unwrap(), b"h");
        assert_eq!(decode_base64("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
    }

    // The three texts below are the Coral framework's, as recorded from a real AWS JSON service
    // (DynamoDB, by dynalite's validation tests) for the inputs shown.
    #[test]
    fn decode_base64_reports_length_first_like_aws() {
        let err = decode_base64("23456").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Base64 encoded length is expected a multiple of 4 bytes but found: 5"
        );
        // Unpadded input is a length error too: AWS requires padding.
        assert_eq!(decode_base64("aGk").unwrap_err(), Base64Error::Length(3));
    }

    #[test]
    fn decode_base64_reports_misplaced_padding_as_an_invalid_character() {
        assert_eq!(
            decode_base64("=+/=").unwrap_err().to_string(),
            "Invalid Base64 character: '='"
        );
        assert_eq!(
            decode_base64("A===").unwrap_err(),
            Base64Error::InvalidCharacter('=')
        );
        assert_eq!(
            decode_base64("ab=c").unwrap_err(),
            Base64Error::InvalidCharacter('=')
        );
        assert_eq!(
            decode_base64("ab-_").unwrap_err(),
            Base64Error::InvalidCharacter('-')
        );
        assert_eq!(
            decode_base64("ab c").unwrap_err(),
            Base64Error::InvalidCharacter(' ')
        );
    }

    #[test]
    fn decode_base64_rejects_non_canonical_trailing_bits() {
        assert_eq!(
            decode_base64("+/+=").unwrap_err().to_string(),
            "Invalid last non-pad Base64 character dectected"
        );
        assert_eq!(
            decode_base64("aB==").unwrap_err(),
            Base64Error::TrailingBits
        );
    }

    #[test]
    fn decode_base64_counts_length_in_utf16_units() {
        // One astral character is two UTF-16 units: 2 + 2 = 4 passes the length check and
        // fails on the character, as Java would.
        assert_eq!(
            decode_base64("ab\u{1F600}").unwrap_err(),
            Base64Error::InvalidCharacter('\u{1F600}')
        );
        assert_eq!(decode_base64("é").unwrap_err(), Base64Error::Length(1));
    }

    #[test]
    fn blob_serializes_as_padded_base64_and_back() {
        let blob = Blob::from(&b"hi"[..]);
        let json = serde_json::to_string(&blob).unwrap();
        assert_eq!(json, r#""aGk=""#);
        let back: Blob = serde_json::from_str(&json).unwrap();
        assert_eq!(back, blob);
    }

    #[test]
    fn blob_rejects_invalid_base64_with_aws_text() {
        let err = serde_json::from_str::<Blob>(r#""abc""#).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "Base64 encoded length is expected a multiple of 4 bytes but found: 3"
            ),
            "{err}"
        );
    }

    #[test]
    fn blob_debug_is_short() {
        let blob = Blob::new(vec![7; 6144]);
        let printed = format!("{blob:?}");
        assert!(printed.starts_with("Blob(6144 bytes, BwcH"), "{printed}");
        assert!(printed.len() < 60);
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct WithSecret {
        #[serde(with = "secret_base64")]
        a: SecretBytes,
        #[serde(
            default,
            with = "secret_base64::option",
            skip_serializing_if = "Option::is_none"
        )]
        b: Option<SecretBytes>,
    }

    #[test]
    fn secret_base64_round_trips_and_omits_none() {
        let value = WithSecret {
            a: SecretBytes::copy_from(b"key"),
            b: None,
        };
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, r#"{"a":"a2V5"}"#);
        assert_eq!(serde_json::from_str::<WithSecret>(&json).unwrap(), value);
        let with_b: WithSecret = serde_json::from_str(r#"{"a":"a2V5","b":"AAE="}"#).unwrap();
        assert_eq!(with_b.b.unwrap().expose(), [0, 1]);
        let null_b: WithSecret = serde_json::from_str(r#"{"a":"a2V5","b":null}"#).unwrap();
        assert!(null_b.b.is_none());
    }

    #[test]
    fn secret_base64_errors_do_not_echo_the_secret() {
        let err = serde_json::from_str::<WithSecret>(r#"{"a":"c2VjcmV0LXZhbHVl!!!!"}"#)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("c2VjcmV0"), "{err}");
        assert!(err.contains("Invalid Base64 character: '!'"), "{err}");
    }

    #[test]
    fn java_double_to_string_matches_java_rendering() {
        // Values as seen in AWS responses and as Java prints them.
        assert_eq!(java_double_to_string(1_655_753_311.082), "1.655753311082E9");
        assert_eq!(java_double_to_string(1_421_516_513.393), "1.421516513393E9");
        assert_eq!(java_double_to_string(1_759_334_400.0), "1.7593344E9");
        assert_eq!(java_double_to_string(1e9), "1.0E9");
        assert_eq!(java_double_to_string(1e7), "1.0E7");
        assert_eq!(java_double_to_string(9_999_999.0), "9999999.0");
        assert_eq!(java_double_to_string(100.0), "100.0");
        assert_eq!(java_double_to_string(0.001), "0.001");
        assert_eq!(java_double_to_string(0.0001), "1.0E-4");
        assert_eq!(java_double_to_string(0.0), "0.0");
        assert_eq!(java_double_to_string(-1.5e9), "-1.5E9");
    }

    #[test]
    fn timestamp_serializes_like_aws_and_parses_any_number() {
        let t = Timestamp::from_epoch_millis(1_655_753_311_082);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1.655753311082E9");
        assert_eq!(
            serde_json::from_str::<Timestamp>("1.655753311082E9").unwrap(),
            t
        );
        assert_eq!(
            serde_json::from_str::<Timestamp>("1655753311.082").unwrap(),
            t
        );
        assert_eq!(
            serde_json::from_str::<Timestamp>("1700000000").unwrap(),
            Timestamp::from_epoch_seconds(1_700_000_000)
        );
        // Through serde_json::Value as well (the raw number is re-parsed).
        assert_eq!(
            serde_json::to_value(t).unwrap(),
            serde_json::json!(1_655_753_311.082)
        );
    }

    #[test]
    fn timestamp_plus_days_adds_whole_days() {
        let t = Timestamp::from_epoch_seconds(1_700_000_000);
        assert_eq!(
            t.plus_days(7).epoch_millis(),
            (1_700_000_000 + 7 * 86_400) * 1000
        );
    }

    #[test]
    fn timestamp_rejects_non_finite_and_huge_values() {
        assert!(Timestamp::from_epoch_seconds_f64(f64::NAN).is_none());
        assert!(Timestamp::from_epoch_seconds_f64(1e300).is_none());
        assert!(serde_json::from_str::<Timestamp>("1e300").is_err());
    }
}
