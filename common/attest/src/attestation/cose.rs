//! The COSE_Sign1 envelope of a document (RFC 8152 §4.2), read without re-encoding anything.
//!
//! ```text
//! COSE_Sign1 = [ protected: bstr .cbor {1: -35}, unprotected: {}, payload: bstr, signature: bstr ]
//! ```
//!
//! The NSM emits it untagged; tag 18 is accepted too. The signature is checked over
//! `Sig_structure = ["Signature1", protected, h'', payload]`, where `protected` and `payload` are
//! the byte strings exactly as received — a document whose payload uses indefinite-length CBOR is
//! verified over those bytes, never over a canonical re-encoding.

use ciborium::Value;

use super::error::AttestationError;

/// COSE algorithm identifier of ES384 (ECDSA P-384 with SHA-384).
pub const ALG_ES384: i128 = -35;
/// The CBOR tag of a tagged COSE_Sign1.
pub const TAG_COSE_SIGN1: u64 = 18;
/// COSE header label `alg`.
const LABEL_ALG: i128 = 1;
/// COSE header label `crit`.
const LABEL_CRIT: i128 = 2;

/// The parts of a COSE_Sign1, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoseSign1Parts {
    /// The serialized protected header (the bstr's content).
    pub protected: Vec<u8>,
    /// The payload bytes (the bstr's content).
    pub payload: Vec<u8>,
    /// The signature (`r || s` for ES384).
    pub signature: Vec<u8>,
}

/// Decodes exactly one CBOR item from `bytes`, refusing trailing bytes.
///
/// ciborium reads strings in segments (no allocation by declared length) and limits recursion, so
/// this is safe on hostile input whose total size the caller has already bounded.
pub(crate) fn decode_single(bytes: &[u8], what: &'static str) -> Result<Value, AttestationError> {
    let mut rest = bytes;
    let value: Value = ciborium::from_reader(&mut rest).map_err(|_| match what {
        "payload" => AttestationError::MalformedPayload("not valid CBOR"),
        _ => AttestationError::MalformedCose("not valid CBOR"),
    })?;
    if !rest.is_empty() {
        return Err(AttestationError::TrailingBytes);
    }
    Ok(value)
}

/// Splits a document into its COSE_Sign1 parts and checks the protected header says ES384.
pub fn parse(document: &[u8]) -> Result<CoseSign1Parts, AttestationError> {
    let mut value = decode_single(document, "cose")?;
    if let Value::Tag(tag, inner) = value {
        if tag != TAG_COSE_SIGN1 {
            return Err(AttestationError::UnexpectedTag(tag));
        }
        value = *inner;
    }
    let Value::Array(items) = value else {
        return Err(AttestationError::MalformedCose("not an array"));
    };
    let [protected, unprotected, payload, signature]: [Value; 4] = items
        .try_into()
        .map_err(|_| AttestationError::MalformedCose("not an array of four items"))?;
    let Value::Bytes(protected) = protected else {
        return Err(AttestationError::MalformedCose(
            "protected header is not a byte string",
        ));
    };
    if !matches!(unprotected, Value::Map(_)) {
        return Err(AttestationError::MalformedCose(
            "unprotected header is not a map",
        ));
    }
    let payload = match payload {
        Value::Bytes(p) => p,
        Value::Null => return Err(AttestationError::MalformedCose("detached payload")),
        _ => {
            return Err(AttestationError::MalformedCose(
                "payload is not a byte string",
            ));
        }
    };
    let Value::Bytes(signature) = signature else {
        return Err(AttestationError::MalformedCose(
            "signature is not a byte string",
        ));
    };
    check_protected_header(&protected)?;
    Ok(CoseSign1Parts {
        protected,
        payload,
        signature,
    })
}

/// The protected header must be a map whose `alg` is ES384 and that has no `crit` list.
fn check_protected_header(protected: &[u8]) -> Result<(), AttestationError> {
    let Value::Map(entries) = decode_single(protected, "cose")? else {
        return Err(AttestationError::MalformedCose(
            "protected header is not a map",
        ));
    };
    let mut alg = None;
    for (label, value) in &entries {
        let Value::Integer(label) = label else {
            continue;
        };
        let label = i128::from(*label);
        if label == LABEL_CRIT {
            return Err(AttestationError::UnsupportedAlgorithm);
        }
        if label == LABEL_ALG {
            if alg.is_some() {
                return Err(AttestationError::MalformedCose("alg appears twice"));
            }
            alg = Some(value);
        }
    }
    match alg {
        Some(Value::Integer(a)) if i128::from(*a) == ALG_ES384 => Ok(()),
        _ => Err(AttestationError::UnsupportedAlgorithm),
    }
}

/// The bytes the signature covers: `["Signature1", protected, h'', payload]`, definite lengths.
pub fn sig_structure(parts: &CoseSign1Parts) -> Vec<u8> {
    // Hand-encoded so nothing can fail and nothing is re-encoded but the outer array.
    let mut out = Vec::with_capacity(parts.protected.len() + parts.payload.len() + 32);
    out.push(0x84);
    push_header(&mut out, 3, b"Signature1".len());
    out.extend_from_slice(b"Signature1");
    push_header(&mut out, 2, parts.protected.len());
    out.extend_from_slice(&parts.protected);
    push_header(&mut out, 2, 0);
    push_header(&mut out, 2, parts.payload.len());
    out.extend_from_slice(&parts.payload);
    out
}

/// Appends a CBOR major-type header with the shortest length encoding.
fn push_header(out: &mut Vec<u8>, major: u8, len: usize) {
    let m = major << 5;
    let len = len as u64;
    if len < 24 {
        out.push(m | len as u8);
    } else if len <= u64::from(u8::MAX) {
        out.extend_from_slice(&[m | 24, len as u8]);
    } else if len <= u64::from(u16::MAX) {
        out.push(m | 25);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else if len <= u64::from(u32::MAX) {
        out.push(m | 26);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coset::CborSerializable;

    #[test]
    fn sig_structure_matches_cosets_encoding() {
        for payload_len in [0usize, 23, 24, 255, 256, 70_000] {
            let parts = CoseSign1Parts {
                protected: vec![0xa1, 0x01, 0x38, 0x22],
                payload: vec![7; payload_len],
                signature: vec![],
            };
            let sign1 = coset::CoseSign1Builder::new()
                .protected(
                    coset::HeaderBuilder::new()
                        .algorithm(coset::iana::Algorithm::ES384)
                        .build(),
                )
                .payload(parts.payload.clone())
                .build();
            let sign1 = coset::CoseSign1::from_slice(&sign1.to_vec().unwrap()).unwrap();
            assert_eq!(
                sig_structure(&parts),
                sign1.tbs_data(b""),
                "payload {payload_len}"
            );
        }
    }

    #[test]
    fn protected_header_must_say_es384() {
        assert!(check_protected_header(&[0xa1, 0x01, 0x38, 0x22]).is_ok());
        // {1: -7} (ES256)
        assert_eq!(
            check_protected_header(&[0xa1, 0x01, 0x26]),
            Err(AttestationError::UnsupportedAlgorithm)
        );
        // {} (no alg)
        assert_eq!(
            check_protected_header(&[0xa0]),
            Err(AttestationError::UnsupportedAlgorithm)
        );
        // {1: -35, 2: [1]} (crit)
        assert_eq!(
            check_protected_header(&[0xa2, 0x01, 0x38, 0x22, 0x02, 0x81, 0x01]),
            Err(AttestationError::UnsupportedAlgorithm)
        );
    }
}
