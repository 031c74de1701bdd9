//! Field descriptors: each map key of the wire format is declared once, as a [`Field`] naming its
//! key number, its name and its Rust (hence CBOR) type, and every encoder, decoder and key list
//! refers to that one declaration.
//!
//! A family module declares the fields only it uses; the four fields several families share (the
//! `kind` every message has, and `id`, `payload`, `status`) are declared here. The key table of
//! the [crate docs](crate) is the union of the families' field lists (see
//! [`Kind::fields`](super::Kind::fields)).
//!
//! Decoding goes through [`Entries`]: the body map's entries, each checked as it arrives (known
//! key, right CBOR type, not seen before), then taken out by descriptor once the `kind` says which
//! fields must be there.

use std::marker::PhantomData;

use nitro_kms_crypto::secret::SecretBytes;
use serde::ser::SerializeMap;

use super::cbor::Scalar;
use crate::error::WireError;

/// `kind` (key 0): which message the map is; present in every message.
pub(crate) const KIND: Field<u64> = Field::new(0, "kind");
/// `id` (key 1): matches an answer to its request (request id, persist id, sync id).
pub(crate) const ID: Field<u64> = Field::new(1, "id");
/// `payload` (key 4): operation JSON, stored bytes, or an error text.
pub(crate) const PAYLOAD: Field<Vec<u8>> = Field::new(4, "payload");
/// `status` (key 5): the HTTP-like status of an answer, 200..=599 (range-checked by the family).
pub(crate) const STATUS: Field<u64> = Field::new(5, "status");

/// The CBOR type a field's values have on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CborType {
    /// Major type 0.
    Uint,
    /// Major type 3.
    Text,
    /// Major type 2.
    Bytes,
    /// Major type 2, kept in a zeroizing buffer from the moment it is decoded.
    SecretBytes,
}

impl CborType {
    /// How error messages name the type.
    const fn expected(self) -> &'static str {
        match self {
            CborType::Uint => "an unsigned integer",
            CborType::Text => "a text string",
            CborType::Bytes | CborType::SecretBytes => "a byte string",
        }
    }
}

/// One map key of the wire format: its number, its name, and (as `T`) the type of its value.
pub(crate) struct Field<T> {
    /// The map key.
    pub(crate) key: u64,
    /// The field's name, as error messages give it.
    pub(crate) name: &'static str,
    value: PhantomData<fn() -> T>,
}

// Copy without requiring `T: Copy` (what `derive` would ask for): a descriptor holds no `T`.
impl<T> Clone for Field<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Field<T> {}

impl<T: WireValue> Field<T> {
    /// Declares a field.
    pub(crate) const fn new(key: u64, name: &'static str) -> Field<T> {
        Field {
            key,
            name,
            value: PhantomData,
        }
    }

    /// The field without its Rust type, for the decoder's key lookup.
    pub(crate) const fn spec(&self) -> FieldSpec {
        FieldSpec {
            key: self.key,
            name: self.name,
            ty: T::TYPE,
        }
    }

    /// Writes this field's entry into a map being encoded.
    pub(crate) fn encode<M: SerializeMap>(&self, map: &mut M, value: &T) -> Result<(), M::Error> {
        value.encode_entry(self.key, map)
    }
}

/// A [`Field`] without its Rust type: what the decoder checks an entry against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    /// The map key.
    pub(crate) key: u64,
    /// The field's name.
    pub(crate) name: &'static str,
    /// The CBOR type its value must have.
    pub(crate) ty: CborType,
}

/// The keys of a list of fields, in the same order (for [`Kind::keys`](super::Kind::keys)).
pub(crate) const fn keys_of<const N: usize>(fields: [FieldSpec; N]) -> [u64; N] {
    let mut keys = [0; N];
    let mut i = 0;
    while i < N {
        keys[i] = fields[i].key;
        i += 1;
    }
    keys
}

/// A decoded entry value, of one of the types a field can have.
pub(crate) enum Value {
    /// Of a [`CborType::Uint`] field.
    Uint(u64),
    /// Of a [`CborType::Text`] field.
    Text(String),
    /// Of a [`CborType::Bytes`] field.
    Bytes(Vec<u8>),
    /// Of a [`CborType::SecretBytes`] field.
    Secret(SecretBytes),
}

impl Value {
    fn found(&self) -> &'static str {
        match self {
            Value::Uint(_) => "an unsigned integer",
            Value::Text(_) => "a text string",
            Value::Bytes(_) | Value::Secret(_) => "a byte string",
        }
    }
}

/// A Rust type a field's value can have, and how it goes on and comes off the wire.
pub(crate) trait WireValue: Sized {
    /// The CBOR type on the wire.
    const TYPE: CborType;
    /// Writes `key => self` into a map being encoded.
    fn encode_entry<M: SerializeMap>(&self, key: u64, map: &mut M) -> Result<(), M::Error>;
    /// Takes the value out of an entry already checked against [`Self::TYPE`]; gives the entry
    /// back if it is of another type.
    fn from_value(value: Value) -> Result<Self, Value>;
}

impl WireValue for u64 {
    const TYPE: CborType = CborType::Uint;
    fn encode_entry<M: SerializeMap>(&self, key: u64, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry(&key, self)
    }
    fn from_value(value: Value) -> Result<Self, Value> {
        match value {
            Value::Uint(v) => Ok(v),
            other => Err(other),
        }
    }
}

impl WireValue for String {
    const TYPE: CborType = CborType::Text;
    fn encode_entry<M: SerializeMap>(&self, key: u64, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry(&key, self)
    }
    fn from_value(value: Value) -> Result<Self, Value> {
        match value {
            Value::Text(v) => Ok(v),
            other => Err(other),
        }
    }
}

impl WireValue for Vec<u8> {
    const TYPE: CborType = CborType::Bytes;
    fn encode_entry<M: SerializeMap>(&self, key: u64, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry(&key, serde_bytes::Bytes::new(self))
    }
    fn from_value(value: Value) -> Result<Self, Value> {
        match value {
            Value::Bytes(v) => Ok(v),
            other => Err(other),
        }
    }
}

impl WireValue for SecretBytes {
    const TYPE: CborType = CborType::SecretBytes;
    fn encode_entry<M: SerializeMap>(&self, key: u64, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry(&key, serde_bytes::Bytes::new(self.expose()))
    }
    fn from_value(value: Value) -> Result<Self, Value> {
        match value {
            Value::Secret(v) => Ok(v),
            other => Err(other),
        }
    }
}

/// The entries of a body map, checked one by one as they arrive, then taken out by [`Field`].
pub(crate) struct Entries {
    /// The entries so far, in wire order (at most one per key of the key table).
    entries: Vec<(u64, Value)>,
    /// The message kind's name for [`WireError::MissingField`]: `"message"` until the kind is
    /// known.
    kind: &'static str,
}

impl Default for Entries {
    fn default() -> Self {
        Entries {
            entries: Vec::new(),
            kind: "message",
        }
    }
}

impl Entries {
    /// Records one map entry, checking that the key is known (`spec` is its field, `None` for a
    /// key outside the key table), its value of the field's type, and the key new.
    pub(crate) fn insert(
        &mut self,
        spec: Option<FieldSpec>,
        key: u64,
        value: Scalar,
    ) -> Result<(), WireError> {
        let spec = spec.ok_or(WireError::UnknownKey { key })?;
        let value = match (spec.ty, value) {
            (CborType::Uint, Scalar::Uint(v)) => Value::Uint(v),
            (CborType::Text, Scalar::Text(v)) => Value::Text(v),
            (CborType::Bytes, Scalar::Bytes(v)) => Value::Bytes(v),
            (CborType::SecretBytes, Scalar::Bytes(v)) => Value::Secret(SecretBytes::new(v)),
            (ty, other) => {
                return Err(WireError::InvalidType {
                    field: spec.name,
                    expected: ty.expected(),
                    found: other.found(),
                });
            }
        };
        if self.entries.iter().any(|(k, _)| *k == key) {
            return Err(WireError::DuplicateKey { key });
        }
        self.entries.push((key, value));
        Ok(())
    }

    /// Names the message the entries belong to, once its `kind` is known: fails with
    /// [`WireError::UnexpectedKey`] on the smallest key present that `allowed` does not list.
    pub(crate) fn expect_kind(
        &mut self,
        kind: &'static str,
        allowed: &[u64],
    ) -> Result<(), WireError> {
        if let Some(key) = self
            .entries
            .iter()
            .map(|(key, _)| *key)
            .filter(|key| !allowed.contains(key))
            .min()
        {
            return Err(WireError::UnexpectedKey { kind, key });
        }
        self.kind = kind;
        Ok(())
    }

    /// Takes out the value of a required field: [`WireError::MissingField`] when it is absent.
    pub(crate) fn take<T: WireValue>(&mut self, field: Field<T>) -> Result<T, WireError> {
        let missing = WireError::MissingField {
            kind: self.kind,
            field: field.name,
        };
        let index = self
            .entries
            .iter()
            .position(|(key, _)| *key == field.key)
            .ok_or(missing)?;
        let (_, value) = self.entries.swap_remove(index);
        T::from_value(value).map_err(|other| WireError::InvalidType {
            field: field.name,
            expected: T::TYPE.expected(),
            found: other.found(),
        })
    }
}
