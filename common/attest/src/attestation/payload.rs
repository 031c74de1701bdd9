//! The attestation payload map, checked field by field against the NSM's format.
//!
//! Limits follow the AWS Nitro Enclaves NSM API specification (`attestation_process.md`):
//! `module_id` non-empty text; `digest` `"SHA384"`; `timestamp` non-zero milliseconds;
//! `pcrs` 1..=32 entries with indices 0..=31 and 48-byte values (SHA-384);
//! `certificate` and each `cabundle` entry 1..=1024 bytes; `public_key`, `user_data` and `nonce`
//! absent, null or 0..=1024 bytes (the spec's optional fields). Unknown and duplicate keys are
//! refused: the format is closed, and a verifier that ignored extra fields could be made to
//! disagree with another verifier about what a document says.

use std::collections::BTreeMap;

use ciborium::Value;

use super::cose::decode_single;
use super::error::AttestationError;

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

/// A payload whose fields have the right types and sizes (but whose signature and chain have not
/// been checked: see [`super::verify`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Enclave module id.
    pub module_id: String,
    /// Digest name (always `SHA384`).
    pub digest: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// PCR index -> 48-byte value.
    pub pcrs: BTreeMap<u16, Vec<u8>>,
    /// DER of the document-signing certificate.
    pub certificate: Vec<u8>,
    /// DER certificates, root first.
    pub cabundle: Vec<Vec<u8>>,
    /// Optional bound public key.
    pub public_key: Option<Vec<u8>>,
    /// Optional user data.
    pub user_data: Option<Vec<u8>>,
    /// Optional nonce.
    pub nonce: Option<Vec<u8>>,
}

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

/// Parses and checks the payload bytes.
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
