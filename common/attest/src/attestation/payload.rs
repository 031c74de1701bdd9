//! The attestation payload: the one model of its fields, its encoder (what the NSM signs) and its
//! parser (what the verifier checks), so that every field is named in this file only.
//!
//! # Layout
//!
//! The payload is a CBOR map with text keys, written in the order the real NSM writes them
//! ([`Payload::encode`] keeps that order and definite lengths):
//!
//! | key           | CBOR type                          |
//! |---------------|------------------------------------|
//! | `module_id`   | text                               |
//! | `digest`      | text, `"SHA384"`                   |
//! | `timestamp`   | uint, milliseconds since the epoch |
//! | `pcrs`        | map uint -> bstr (48 bytes each)   |
//! | `certificate` | bstr, DER of the leaf              |
//! | `cabundle`    | array of bstr, root first          |
//! | `public_key`  | bstr or null                       |
//! | `user_data`   | bstr or null                       |
//! | `nonce`       | bstr or null                       |
//!
//! # Limits ([`Payload::parse`])
//!
//! Limits follow the AWS Nitro Enclaves NSM API specification (`attestation_process.md`):
//! `module_id` non-empty text; `digest` `"SHA384"`; `timestamp` non-zero milliseconds;
//! `pcrs` 1..=32 entries with indices 0..=31 and 48-byte values (SHA-384);
//! `certificate` and each `cabundle` entry 1..=1024 bytes; `public_key`, `user_data` and `nonce`
//! absent, null or 0..=1024 bytes (the spec's optional fields). Unknown and duplicate keys are
//! refused: the format is closed, and a verifier that ignored extra fields could be made to
//! disagree with another verifier about what a document says.
//!
//! The parser accepts any key order and either length form (the signature is checked over the
//! bytes as received, see [`super::cose`]); the encoder checks no limit, so that tests can sign
//! payloads that are deliberately out of bounds.

use std::collections::BTreeMap;

use ciborium::Value;

use super::cose::decode_single;
use super::error::{AttestationError, DocumentBuildError};

/// Largest certificate (leaf or cabundle entry) the format allows.
pub const MAX_CERTIFICATE_LEN: usize = 1024;
/// Largest `public_key`, `user_data` or `nonce` the NSM accepts.
pub const MAX_OPTIONAL_FIELD_LEN: usize = 1024;
/// Length of a SHA-384 PCR.
pub const PCR_LEN: usize = 48;
/// Number of PCRs an NSM has.
pub const MAX_PCRS: usize = 32;
/// Longest `cabundle` accepted (real chains have 4: root, regional, zonal, instance).
pub const MAX_CABUNDLE_LEN: usize = 8;
/// Longest `module_id` accepted.
pub const MAX_MODULE_ID_LEN: usize = 256;

/// The fields of an attestation document's payload: what the NSM fills in and signs, and what a
/// verifier reads back.
///
/// A value from [`Payload::parse`] has the right types and sizes, but its signature and chain have
/// not been checked (see [`verify`](super::verify())); a value given to [`Payload::encode`] is
/// written as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Enclave module id, e.g. `i-0123456789abcdef0-enc0123456789abcdef`.
    pub module_id: String,
    /// Digest name; always `SHA384` on Nitro.
    pub digest: String,
    /// Milliseconds since the Unix epoch when the document was made.
    pub timestamp_ms: u64,
    /// PCR index -> value (48 bytes each for SHA384).
    pub pcrs: BTreeMap<u16, Vec<u8>>,
    /// DER of the document-signing (leaf) certificate.
    pub certificate: Vec<u8>,
    /// DER certificates from the root (`cabundle[0]`) down to the leaf's issuer.
    pub cabundle: Vec<Vec<u8>>,
    /// Optional public key the requester asked to be bound (DER SPKI for KMS recipients).
    pub public_key: Option<Vec<u8>>,
    /// Optional application data.
    pub user_data: Option<Vec<u8>>,
    /// Optional nonce for freshness.
    pub nonce: Option<Vec<u8>>,
}

/// The payload's keys, in the order the real NSM writes them (and [`Payload::encode`] does).
const FIELDS: [&str; 9] = [
    "module_id",
    "digest",
    "timestamp",
    "pcrs",
    "certificate",
    "cabundle",
    "public_key",
    "user_data",
    "nonce",
];

impl Payload {
    /// Encodes the payload map as CBOR: definite lengths, keys in the real NSM's order, optional
    /// fields that are `None` written as null. Checks no limit (see the module docs).
    pub fn encode(&self) -> Result<Vec<u8>, DocumentBuildError> {
        let [
            module_id,
            digest,
            timestamp,
            pcrs,
            certificate,
            cabundle,
            public_key,
            user_data,
            nonce,
        ] = FIELDS.map(|key| Value::Text(key.to_owned()));
        let pcr_map = self
            .pcrs
            .iter()
            .map(|(i, v)| (Value::Integer((*i).into()), Value::Bytes(v.clone())))
            .collect();
        let map = Value::Map(vec![
            (module_id, Value::Text(self.module_id.clone())),
            (digest, Value::Text(self.digest.clone())),
            (timestamp, Value::Integer(self.timestamp_ms.into())),
            (pcrs, Value::Map(pcr_map)),
            (certificate, Value::Bytes(self.certificate.clone())),
            (
                cabundle,
                Value::Array(self.cabundle.iter().cloned().map(Value::Bytes).collect()),
            ),
            (public_key, encode_optional(&self.public_key)),
            (user_data, encode_optional(&self.user_data)),
            (nonce, encode_optional(&self.nonce)),
        ]);
        let mut out = Vec::new();
        ciborium::into_writer(&map, &mut out)
            .map_err(|e| DocumentBuildError::Cbor(e.to_string()))?;
        Ok(out)
    }

    /// Parses and checks the payload bytes: a closed map, no duplicate keys, every field's type
    /// and size (module docs). The first failure is the error.
    pub fn parse(payload: &[u8]) -> Result<Payload, AttestationError> {
        let Value::Map(entries) = decode_single(payload, "payload")? else {
            return Err(AttestationError::MalformedPayload("not a map"));
        };
        let mut fields: [Option<Value>; 9] = Default::default();
        for (key, value) in entries {
            let Value::Text(key) = key else {
                return Err(AttestationError::MalformedPayload("a key is not text"));
            };
            let Some(slot) = FIELDS
                .iter()
                .position(|f| *f == key)
                .and_then(|i| fields.get_mut(i))
            else {
                return Err(AttestationError::UnknownField(key));
            };
            if slot.is_some() {
                return Err(AttestationError::DuplicateField(key));
            }
            *slot = Some(value);
        }
        let [
            module_id,
            digest,
            timestamp,
            pcrs,
            certificate,
            cabundle,
            public_key,
            user_data,
            nonce,
        ] = fields;

        let module_id = text(module_id, "module_id")?;
        check_len("module_id", module_id.len(), 1, MAX_MODULE_ID_LEN)?;
        let digest = text(digest, "digest")?;
        if digest != "SHA384" {
            return Err(AttestationError::UnsupportedDigest(digest));
        }
        let timestamp_ms = match required(timestamp, "timestamp")? {
            Value::Integer(i) => {
                u64::try_from(i).map_err(|_| AttestationError::WrongFieldType("timestamp"))?
            }
            _ => return Err(AttestationError::WrongFieldType("timestamp")),
        };
        if timestamp_ms == 0 {
            return Err(AttestationError::ZeroTimestamp);
        }
        let pcrs = parse_pcrs(required(pcrs, "pcrs")?)?;
        let certificate = bytes(certificate, "certificate")?;
        check_len("certificate", certificate.len(), 1, MAX_CERTIFICATE_LEN)?;
        let cabundle = parse_cabundle(required(cabundle, "cabundle")?)?;
        Ok(Payload {
            module_id,
            digest,
            timestamp_ms,
            pcrs,
            certificate,
            cabundle,
            public_key: optional_bytes(public_key, "public_key")?,
            user_data: optional_bytes(user_data, "user_data")?,
            nonce: optional_bytes(nonce, "nonce")?,
        })
    }
}

fn encode_optional(v: &Option<Vec<u8>>) -> Value {
    match v {
        Some(b) => Value::Bytes(b.clone()),
        None => Value::Null,
    }
}

fn required(v: Option<Value>, field: &'static str) -> Result<Value, AttestationError> {
    v.ok_or(AttestationError::MissingField(field))
}

fn text(v: Option<Value>, field: &'static str) -> Result<String, AttestationError> {
    match required(v, field)? {
        Value::Text(t) => Ok(t),
        _ => Err(AttestationError::WrongFieldType(field)),
    }
}

fn bytes(v: Option<Value>, field: &'static str) -> Result<Vec<u8>, AttestationError> {
    match required(v, field)? {
        Value::Bytes(b) => Ok(b),
        _ => Err(AttestationError::WrongFieldType(field)),
    }
}

fn optional_bytes(
    v: Option<Value>,
    field: &'static str,
) -> Result<Option<Vec<u8>>, AttestationError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bytes(b)) => {
            check_len(field, b.len(), 0, MAX_OPTIONAL_FIELD_LEN)?;
            Ok(Some(b))
        }
        Some(_) => Err(AttestationError::WrongFieldType(field)),
    }
}

fn check_len(
    field: &'static str,
    len: usize,
    min: usize,
    max: usize,
) -> Result<(), AttestationError> {
    if len < min || len > max {
        return Err(AttestationError::FieldLength {
            field,
            len,
            min,
            max,
        });
    }
    Ok(())
}

fn parse_pcrs(v: Value) -> Result<BTreeMap<u16, Vec<u8>>, AttestationError> {
    let Value::Map(entries) = v else {
        return Err(AttestationError::WrongFieldType("pcrs"));
    };
    if entries.is_empty() || entries.len() > MAX_PCRS {
        return Err(AttestationError::PcrCount(entries.len()));
    }
    let mut pcrs = BTreeMap::new();
    for (index, value) in entries {
        let Value::Integer(index) = index else {
            return Err(AttestationError::WrongFieldType("pcrs"));
        };
        let index = u64::try_from(index).map_err(|_| AttestationError::WrongFieldType("pcrs"))?;
        let idx = u16::try_from(index)
            .ok()
            .filter(|i| usize::from(*i) < MAX_PCRS)
            .ok_or(AttestationError::BadPcrIndex(index))?;
        let Value::Bytes(value) = value else {
            return Err(AttestationError::WrongFieldType("pcrs"));
        };
        if value.len() != PCR_LEN {
            return Err(AttestationError::BadPcrLength {
                index: idx,
                len: value.len(),
            });
        }
        if pcrs.insert(idx, value).is_some() {
            return Err(AttestationError::DuplicateField(format!("pcrs.{idx}")));
        }
    }
    Ok(pcrs)
}

fn parse_cabundle(v: Value) -> Result<Vec<Vec<u8>>, AttestationError> {
    let Value::Array(items) = v else {
        return Err(AttestationError::WrongFieldType("cabundle"));
    };
    if items.is_empty() {
        return Err(AttestationError::EmptyCabundle);
    }
    if items.len() > MAX_CABUNDLE_LEN {
        return Err(AttestationError::CabundleTooLong(items.len()));
    }
    items
        .into_iter()
        .map(|item| match item {
            Value::Bytes(b) => {
                check_len("cabundle", b.len(), 1, MAX_CERTIFICATE_LEN)?;
                Ok(b)
            }
            _ => Err(AttestationError::WrongFieldType("cabundle")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_parse_gives_back_the_same_payload() {
        let payload = Payload {
            module_id: "i-00000000000000000-enc0000000000000000".into(),
            digest: "SHA384".into(),
            timestamp_ms: 1_700_000_000_123,
            pcrs: (0u16..16).map(|i| (i, vec![i as u8; PCR_LEN])).collect(),
            certificate: vec![0x30, 0x00],
            cabundle: vec![vec![0x30, 0x01, 0x00], vec![0x30, 0x02, 0x00]],
            public_key: Some(vec![1, 2, 3]),
            user_data: None,
            nonce: Some(vec![9; 8]),
        };
        let bytes = payload.encode().unwrap();
        assert_eq!(Payload::parse(&bytes).unwrap(), payload);
    }
}
