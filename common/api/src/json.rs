//! The shape schema of KMS structures and Coral-style type checking of request bodies.
//!
//! AWS's JSON services (the "Coral" framework) read a body member by member against the service
//! model before any validation runs. A member of the wrong JSON type, or a blob that is not
//! canonical base64, ends the request with a `SerializationException` whose message names the
//! Java type conversion that failed (`class java.lang.Boolean can not be converted to an
//! Integer`). serde cannot produce those messages, so every structure declares its members once
//! ([`Shape::MEMBERS`]); [`decode`] checks a parsed body against that schema, reproduces Coral's
//! messages and conversions (numbers truncate into integers, `"true"` converts to a boolean,
//! `null` means absent, unknown members are ignored), and only then hands the body to serde.
//!
//! The same schema is what the tests compare against botocore's model, member by member.
//!
//! The messages are the ones recorded from a real Coral service (DynamoDB, by dynalite's
//! validation tests); KMS runs on the same framework. Cases those recordings do not cover (a
//! `null` inside a list or map, an integer beyond 64 bits, malformed JSON) have messages of our
//! own, marked below.

use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use zeroize::Zeroize;

use crate::blob::check_base64;
use crate::error::KmsError;
use crate::validate::Validate;

/// The JSON type of a member, as the model declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string (enums included).
    String,
    /// A 32-bit integer.
    Integer,
    /// A boolean.
    Boolean,
    /// A non-secret base64 blob.
    Blob,
    /// A secret base64 blob (`"sensitive": true` in the model): its value is never quoted in
    /// messages.
    SensitiveBlob,
    /// Epoch seconds.
    Timestamp,
    /// A list of the inner kind.
    List(&'static Kind),
    /// A string-keyed map of the inner kind.
    Map(&'static Kind),
    /// A nested structure with these members.
    Structure(&'static [Member]),
}

/// One member of a structure: its JSON name and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The member name exactly as in the model (PascalCase).
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
}

impl Member {
    /// A member named `name` of `kind`.
    pub const fn new(name: &'static str, kind: Kind) -> Self {
        Self { name, kind }
    }
}

/// A structure of the KMS model, described member by member.
pub trait Shape {
    /// The shape's name in the model (`GenerateDataKeyRequest`).
    const NAME: &'static str;
    /// Its members, in the order AWS writes them (responses) or the model lists them (requests).
    const MEMBERS: &'static [Member];
}

/// Reads a request body into `T` the way AWS reads it, without validating constraints.
///
/// An empty body counts as `{}` (botocore sends `{}` for operations without parameters, other
/// clients send nothing). Errors are `SerializationException`s.
pub fn decode<T: Shape + DeserializeOwned>(body: &[u8]) -> Result<T, KmsError> {
    let mut value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        // Our wording: Coral's text for malformed JSON was not recorded.
        serde_json::from_slice(body)
            .map_err(|e| KmsError::serialization(format!("Malformed JSON request body: {e}")))?
    };
    if value.is_null() {
        value = Value::Object(Map::new());
    }
    let checked = check_structure(T::MEMBERS, &mut value).map_err(KmsError::serialization);
    // After the checks above serde can only fail on something they missed; say so plainly.
    let result = checked.and_then(|()| {
        T::deserialize(&value)
            .map_err(|e| KmsError::serialization(format!("Invalid request body: {e}")))
    });
    // The body may carry secrets (`Plaintext`) as base64 text: wipe our copy of it.
    wipe(&mut value);
    result
}

/// Zeroizes every string of a JSON value (keys stay: they are member names, not secrets).
fn wipe(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(entries) => entries.values_mut().for_each(wipe),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Reads a request body and validates it: [`decode`], then [`Validate::validate`].
pub fn parse<T: Shape + DeserializeOwned + Validate>(body: &[u8]) -> Result<T, KmsError> {
    let request: T = decode(body)?;
    request.validate()?;
    Ok(request)
}

const START_OF_LIST: &str = "Start of list found where not expected";
const START_OF_MAP: &str = "Start of structure or map found where not expected.";
const NUMBER_CLASS: &str = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";

/// Checks (and normalizes) `value` as a structure with `members`.
fn check_structure(members: &[Member], value: &mut Value) -> Result<(), String> {
    let object = match value {
        Value::Object(object) => object,
        Value::Array(_) => return Err(START_OF_LIST.to_owned()),
        _ => return Err("Expected null".to_owned()),
    };
    let mut absent = Vec::new();
    for (name, member_value) in object.iter_mut() {
        // Unknown members are ignored, as AWS ignores them.
        let Some(member) = members.iter().find(|m| m.name == name) else {
            continue;
        };
        if member_value.is_null() {
            absent.push(name.clone());
            continue;
        }
        check_value(member.kind, member_value)?;
    }
    // `null` means "not given"; dropping it lets serde see an absent member.
    for name in absent {
        object.remove(&name);
    }
    Ok(())
}

/// Checks (and normalizes) one non-null value of `kind`.
fn check_value(kind: Kind, value: &mut Value) -> Result<(), String> {
    match kind {
        Kind::String => match value {
            Value::String(_) => Ok(()),
            other => Err(scalar_error(other, "an String")),
        },
        Kind::Integer => match value {
            Value::Number(n) => {
                *value = Value::Number(Number::from(truncate_to_i32(n)?));
                Ok(())
            }
            Value::String(_) => {
                Err("class java.lang.String can not be converted to an Integer".into())
            }
            other => Err(scalar_error(other, "an Integer")),
        },
        Kind::Boolean => match value {
            Value::Bool(_) => Ok(()),
            // Coral converts the strings "true" and "false" (its rejection of '23' is
            // recorded; that it accepts these two is our reading of that conversion).
            Value::String(s) if s == "true" || s == "false" => {
                *value = Value::Bool(s == "true");
                Ok(())
            }
            Value::String(s) => Err(format!("'{s}' can not be converted to an Boolean")),
            other => Err(scalar_error(other, "an Boolean")),
        },
        Kind::Blob | Kind::SensitiveBlob => match value {
            Value::String(text) => check_base64(text).map_err(|e| {
                if kind == Kind::SensitiveBlob {
                    // Never echo a secret; Coral's shorter (older) form of the same message.
                    e.to_string()
                } else {
                    format!("'{text}' can not be converted to a Blob: {e}")
                }
            }),
            other => Err(scalar_error(other, "a Blob")),
        },
        Kind::Timestamp => match value {
            Value::Number(_) => Ok(()),
            other => Err(scalar_error(other, "an Date")),
        },
        Kind::List(inner) => match value {
            Value::Array(items) => {
                for item in items {
                    if item.is_null() {
                        // Our wording: not covered by the recordings.
                        return Err("Unexpected null element in list".to_owned());
                    }
                    check_value(*inner, item)?;
                }
                Ok(())
            }
            Value::Object(_) => Err(START_OF_MAP.to_owned()),
            _ => Err("Expected list or null".to_owned()),
        },
        Kind::Map(inner) => match value {
            Value::Object(entries) => {
                for (key, entry) in entries.iter_mut() {
                    if entry.is_null() {
                        // Our wording: not covered by the recordings.
                        return Err(format!("Unexpected null value for map key '{key}'"));
                    }
                    check_value(*inner, entry)?;
                }
                Ok(())
            }
            Value::Array(_) => Err(START_OF_LIST.to_owned()),
            _ => Err("Expected map or null".to_owned()),
        },
        Kind::Structure(members) => check_structure(members, value),
    }
}

/// Coral's message for a scalar member given a value of another JSON type.
fn scalar_error(value: &Value, target: &str) -> String {
    match value {
        Value::Array(_) => START_OF_LIST.to_owned(),
        Value::Object(_) => START_OF_MAP.to_owned(),
        Value::Bool(_) => format!("class java.lang.Boolean can not be converted to {target}"),
        Value::Number(_) => format!("{NUMBER_CLASS} can not be converted to {target}"),
        Value::String(_) => format!("class java.lang.String can not be converted to {target}"),
        Value::Null => "Expected null".to_owned(),
    }
}

/// Converts a JSON number to a Java `int` as Coral does: any number is accepted, the fraction
/// is truncated and the integer part keeps its low 32 bits (`Number.intValue()`).
fn truncate_to_i32(n: &Number) -> Result<i32, String> {
    let wide: i64 = if let Some(i) = n.as_i64() {
        i
    } else if let Some(u) = n.as_u64() {
        // Above i64::MAX: only the low 32 bits matter.
        (u & 0xFFFF_FFFF) as i64
    } else {
        let f = n.as_f64().unwrap_or(0.0).trunc();
        if f.abs() < 9.2e18 {
            #[allow(clippy::cast_possible_truncation)]
            let i = f as i64;
            i
        } else {
            // Our choice: the low bits of such a double are not meaningful; reject it.
            return Err(format!("{NUMBER_CLASS} can not be converted to an Integer"));
        }
    };
    #[allow(clippy::cast_possible_truncation)]
    Ok(wide as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const INNER: &[Member] = &[Member::new("Id", Kind::String)];
    const MEMBERS: &[Member] = &[
        Member::new("S", Kind::String),
        Member::new("I", Kind::Integer),
        Member::new("B", Kind::Boolean),
        Member::new("Blob", Kind::Blob),
        Member::new("Secret", Kind::SensitiveBlob),
        Member::new("L", Kind::List(&Kind::String)),
        Member::new("M", Kind::Map(&Kind::String)),
        Member::new("St", Kind::Structure(INNER)),
    ];

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "PascalCase")]
    struct Probe {
        #[serde(rename = "S")]
        s: Option<String>,
        #[serde(rename = "I")]
        i: Option<i32>,
        #[serde(rename = "B")]
        b: Option<bool>,
        blob: Option<crate::Blob>,
        #[serde(rename = "L")]
        l: Option<Vec<String>>,
    }
    impl Shape for Probe {
        const NAME: &'static str = "Probe";
        const MEMBERS: &'static [Member] = MEMBERS;
    }

    fn error_of(body: &str) -> String {
        decode::<Probe>(body.as_bytes())
            .unwrap_err()
            .message()
            .to_owned()
    }

    #[test]
    fn empty_and_null_bodies_are_empty_requests() {
        assert_eq!(decode::<Probe>(b"").unwrap(), Probe::default());
        assert_eq!(decode::<Probe>(b"  \n").unwrap(), Probe::default());
        assert_eq!(decode::<Probe>(b"null").unwrap(), Probe::default());
        assert_eq!(decode::<Probe>(b"{}").unwrap(), Probe::default());
    }

    #[test]
    fn null_members_are_absent_and_unknown_members_ignored() {
        let p = decode::<Probe>(br#"{"S":null,"I":null,"Unknown":[1,{"x":true}]}"#).unwrap();
        assert_eq!(p, Probe::default());
    }

    #[test]
    fn type_errors_use_coral_messages() {
        // Texts recorded from a real Coral service for these inputs.
        assert_eq!(
            error_of(r#"{"S":true}"#),
            "class java.lang.Boolean can not be converted to an String"
        );
        assert_eq!(
            error_of(r#"{"S":23}"#),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"
        );
        assert_eq!(
            error_of(r#"{"I":"23"}"#),
            "class java.lang.String can not be converted to an Integer"
        );
        assert_eq!(
            error_of(r#"{"I":true}"#),
            "class java.lang.Boolean can not be converted to an Integer"
        );
        assert_eq!(
            error_of(r#"{"B":"23"}"#),
            "'23' can not be converted to an Boolean"
        );
        assert_eq!(
            error_of(r#"{"B":34.56}"#),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean"
        );
        assert_eq!(
            error_of(r#"{"Blob":true}"#),
            "class java.lang.Boolean can not be converted to a Blob"
        );
        assert_eq!(
            error_of(r#"{"Blob":23}"#),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob"
        );
        assert_eq!(
            error_of(r#"{"Blob":[]}"#),
            "Start of list found where not expected"
        );
        assert_eq!(
            error_of(r#"{"Blob":{}}"#),
            "Start of structure or map found where not expected."
        );
        assert_eq!(error_of(r#"{"L":"23"}"#), "Expected list or null");
        assert_eq!(
            error_of(r#"{"L":{}}"#),
            "Start of structure or map found where not expected."
        );
        assert_eq!(error_of(r#"{"M":23}"#), "Expected map or null");
        assert_eq!(
            error_of(r#"{"M":[]}"#),
            "Start of list found where not expected"
        );
        assert_eq!(error_of(r#"{"St":"23"}"#), "Expected null");
        assert_eq!(
            error_of(r#"{"St":[]}"#),
            "Start of list found where not expected"
        );
        assert_eq!(
            error_of(r#"{"St":{"Id":false}}"#),
            "class java.lang.Boolean can not be converted to an String"
        );
    }

    #[test]
    fn blob_errors_quote_the_value_like_coral() {
        assert_eq!(
            error_of(r#"{"Blob":"23456"}"#),
            "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5"
        );
        assert_eq!(
            error_of(r#"{"Blob":"=+/="}"#),
            "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"
        );
        assert_eq!(
            error_of(r#"{"Blob":"+/+="}"#),
            "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"
        );
    }

    #[test]
    fn sensitive_blob_errors_never_quote_the_value() {
        let message = error_of(r#"{"Secret":"c2VjcmV0!"}"#);
        assert_eq!(
            message,
            "Base64 encoded length is expected a multiple of 4 bytes but found: 9"
        );
    }

    #[test]
    fn errors_are_serialization_exceptions() {
        let err = decode::<Probe>(br#"{"S":1}"#).unwrap_err();
        assert_eq!(err.type_name(), "SerializationException");
        assert_eq!(err.http_status(), 400);
        let err = decode::<Probe>(b"{not json").unwrap_err();
        assert_eq!(err.type_name(), "SerializationException");
        assert_eq!(decode::<Probe>(b"[]").unwrap_err().message(), START_OF_LIST);
        assert_eq!(
            decode::<Probe>(b"\"x\"").unwrap_err().message(),
            "Expected null"
        );
    }

    #[test]
    fn integers_truncate_fractions_and_wrap_like_java_int_value() {
        assert_eq!(decode::<Probe>(br#"{"I":34.56}"#).unwrap().i, Some(34));
        assert_eq!(decode::<Probe>(br#"{"I":-1.9}"#).unwrap().i, Some(-1));
        assert_eq!(
            decode::<Probe>(br#"{"I":2147483648}"#).unwrap().i,
            Some(i32::MIN)
        );
        assert_eq!(decode::<Probe>(br#"{"I":4294967328}"#).unwrap().i, Some(32));
        assert_eq!(
            decode::<Probe>(br#"{"I":18446744073709551615}"#).unwrap().i,
            Some(-1)
        );
        assert_eq!(decode::<Probe>(br#"{"I":1e3}"#).unwrap().i, Some(1000));
        assert!(decode::<Probe>(br#"{"I":1e300}"#).is_err());
    }

    #[test]
    fn booleans_accept_their_string_forms() {
        assert_eq!(decode::<Probe>(br#"{"B":"true"}"#).unwrap().b, Some(true));
        assert_eq!(decode::<Probe>(br#"{"B":"false"}"#).unwrap().b, Some(false));
    }

    #[test]
    fn null_inside_lists_and_maps_is_rejected() {
        assert_eq!(
            error_of(r#"{"L":["a",null]}"#),
            "Unexpected null element in list"
        );
        assert_eq!(
            error_of(r#"{"M":{"a":null}}"#),
            "Unexpected null value for map key 'a'"
        );
    }
}
