//! The CBOR reading under the message codec: one scalar value as this protocol sees it, and the
//! single pass over a body's top-level map.
//!
//! Encoding needs no helper beyond serde (ciborium writes the deterministic layout by itself:
//! shortest integers, definite lengths); decoding does, because it must see each item's real CBOR
//! type and stop at the first problem. [`decode_map`] walks the map once and hands every entry to
//! a [`MapSink`], which checks it as it arrives; the sink's first error ends the walk.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use crate::error::WireError;

/// Receives a body map's entries, in wire order, as [`decode_map`] reads them.
pub(crate) trait MapSink: Default {
    /// Records one entry; an error ends the walk and is what [`decode_map`] reports.
    fn insert(&mut self, key: u64, value: Scalar) -> Result<(), WireError>;
}

/// Decodes one frame body: exactly one CBOR map, each entry handed to a fresh `S`, with nothing
/// after the map.
pub(crate) fn decode_map<S: MapSink>(body: &[u8]) -> Result<S, WireError> {
    let mut rest = body;
    let top: TopLevel<S> = ciborium::from_reader(&mut rest).map_err(cbor_error)?;
    let sink = match top {
        TopLevel::Map(sink, None) => sink,
        // A problem found mid-map ends the walk early, so trailing bytes are expected then: report
        // the problem, not its consequence.
        TopLevel::Map(_, Some(error)) => return Err(error),
        TopLevel::Other(found) => {
            return Err(WireError::InvalidType {
                field: "message",
                expected: "a map",
                found,
            });
        }
    };
    if !rest.is_empty() {
        return Err(WireError::TrailingBytes { count: rest.len() });
    }
    Ok(sink)
}

/// Maps ciborium's error (over an in-memory slice) to ours.
fn cbor_error(error: ciborium::de::Error<std::io::Error>) -> WireError {
    use ciborium::de::Error;
    WireError::Cbor(match error {
        // The only I/O error a slice reader has is running out of bytes.
        Error::Io(_) => "the CBOR item runs past the end of the frame body".to_owned(),
        Error::Syntax(offset) => format!("malformed CBOR at body offset {offset}"),
        Error::Semantic(Some(offset), msg) => format!("{msg} (at body offset {offset})"),
        Error::Semantic(None, msg) => msg,
        Error::RecursionLimitExceeded => "CBOR nested too deeply".to_owned(),
    })
}

/// One CBOR value, as far as this protocol cares: the three types fields can have, or the name
/// of whatever else was found (which is always an error, reported with that name).
///
/// Deserialized with `deserialize_any`, which makes ciborium report the item's real type instead
/// of coercing it: a tag, a bignum or an array of small integers is not a `uint` or a byte string
/// here, whatever a lenient decoder would make of it.
pub(crate) enum Scalar {
    /// An unsigned integer (major type 0).
    Uint(u64),
    /// A text string (major type 3), definite or indefinite length.
    Text(String),
    /// A byte string (major type 2), definite or indefinite length.
    Bytes(Vec<u8>),
    /// Anything else, by the name error messages give it.
    Other(&'static str),
}

impl Scalar {
    /// The name of this value's CBOR type, for [`WireError::InvalidType`].
    pub(crate) fn found(&self) -> &'static str {
        match self {
            Scalar::Uint(_) => "an unsigned integer",
            Scalar::Text(_) => "a text string",
            Scalar::Bytes(_) => "a byte string",
            Scalar::Other(found) => found,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an unsigned integer, a text string or a byte string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Uint(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Scalar, E> {
        Ok(Scalar::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Scalar, E> {
        Ok(Scalar::Bytes(v))
    }
    // Everything below is a type no field has. The item is not consumed further: decoding stops
    // at the first error, so its contents do not matter (and nested items are never walked).
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalar, E> {
        Ok(Scalar::Other("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Scalar, E> {
        Ok(Scalar::Other("a negative integer"))
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Scalar, E> {
        Ok(Scalar::Other("a negative integer"))
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Scalar, E> {
        Ok(Scalar::Other("a bignum"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalar, E> {
        Ok(Scalar::Other("a float"))
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("null"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("null"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Ok(Scalar::Other("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Ok(Scalar::Other("a map"))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        // ciborium presents a tagged item as an enum.
        Ok(Scalar::Other("a tagged item"))
    }
}

/// The top-level item of a body: the map's entries as the sink took them (with the sink's error,
/// if one ended the walk), or the name of the type found instead of a map.
enum TopLevel<S> {
    Map(S, Option<WireError>),
    Other(&'static str),
}

impl<'de, S: MapSink> Deserialize<'de> for TopLevel<S> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevelVisitor(PhantomData))
    }
}

struct TopLevelVisitor<S>(PhantomData<S>);

impl<'de, S: MapSink> Visitor<'de> for TopLevelVisitor<S> {
    type Value = TopLevel<S>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel<S>, A::Error> {
        let mut sink = S::default();
        while let Some(key) = map.next_key::<Scalar>()? {
            let key = match key {
                Scalar::Uint(key) => key,
                other => {
                    let error = WireError::InvalidType {
                        field: "key",
                        expected: "an unsigned integer",
                        found: other.found(),
                    };
                    return Ok(TopLevel::Map(sink, Some(error)));
                }
            };
            let value = map.next_value::<Scalar>()?;
            if let Err(error) = sink.insert(key, value) {
                return Ok(TopLevel::Map(sink, Some(error)));
            }
        }
        Ok(TopLevel::Map(sink, None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("an unsigned integer"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a text string"))
    }
    fn visit_string<E: de::Error>(self, _: String) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a text string"))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a byte string"))
    }
    fn visit_byte_buf<E: de::Error>(self, _: Vec<u8>) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a byte string"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a negative integer"))
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a negative integer"))
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a bignum"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("a float"))
    }
    fn visit_none<E: de::Error>(self) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("null"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<TopLevel<S>, E> {
        Ok(TopLevel::Other("null"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<TopLevel<S>, A::Error> {
        Ok(TopLevel::Other("an array"))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<TopLevel<S>, A::Error> {
        Ok(TopLevel::Other("a tagged item"))
    }
}
