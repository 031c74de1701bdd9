//! Building attestation documents, as the NSM does (used by the simulated NSM and by tests).
//!
//! A document is an untagged `COSE_Sign1` (RFC 8152) whose protected header is `{1: -35}`
//! (alg = ES384), whose unprotected header is empty, whose payload is the CBOR map below, and whose
//! signature is the raw 96-byte `r || s` of ECDSA P-384/SHA-384 over the `Sig_structure`
//! `["Signature1", protected, h'', payload]`. The payload map has the keys in the order the real
//! NSM writes them:
//!
//! | key           | CBOR type                         |
//! |---------------|-----------------------------------|
//! | `module_id`   | text                              |
//! | `digest`      | text, `"SHA384"`                  |
//! | `timestamp`   | uint, milliseconds since the epoch |
//! | `pcrs`        | map uint -> bstr (48 bytes each)  |
//! | `certificate` | bstr, DER of the leaf             |
//! | `cabundle`    | array of bstr, root first         |
//! | `public_key`  | bstr or null                      |
//! | `user_data`   | bstr or null                      |
//! | `nonce`       | bstr or null                      |

use std::collections::BTreeMap;

use ciborium::Value;
use coset::{CborSerializable, CoseSign1Builder, HeaderBuilder, iana};

use nitro_kms_crypto::{self as crypto, EcdsaP384KeyPair, SignatureEncoding};

/// The fields of an attestation document's payload, as the NSM fills them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFields {
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

/// Why a document could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DocumentBuildError {
    /// CBOR serialisation failed.
    #[error("CBOR encoding failed: {0}")]
    Cbor(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Crypto(#[from] crypto::CryptoError),
}

fn opt_bytes(v: &Option<Vec<u8>>) -> Value {
    match v {
        Some(b) => Value::Bytes(b.clone()),
        None => Value::Null,
    }
}

/// Encodes the payload map of `fields` as CBOR (definite lengths, real-NSM key order).
pub fn encode_payload(fields: &DocumentFields) -> Result<Vec<u8>, DocumentBuildError> {
    let text = |s: &str| Value::Text(s.to_owned());
    let pcrs = fields
        .pcrs
        .iter()
        .map(|(i, v)| (Value::Integer((*i).into()), Value::Bytes(v.clone())))
        .collect();
    let map = Value::Map(vec![
        (text("module_id"), text(&fields.module_id)),
        (text("digest"), text(&fields.digest)),
        (
            text("timestamp"),
            Value::Integer(fields.timestamp_ms.into()),
        ),
        (text("pcrs"), Value::Map(pcrs)),
        (
            text("certificate"),
            Value::Bytes(fields.certificate.clone()),
        ),
        (
            text("cabundle"),
            Value::Array(fields.cabundle.iter().cloned().map(Value::Bytes).collect()),
        ),
        (text("public_key"), opt_bytes(&fields.public_key)),
        (text("user_data"), opt_bytes(&fields.user_data)),
        (text("nonce"), opt_bytes(&fields.nonce)),
    ]);
    let mut out = Vec::new();
    ciborium::into_writer(&map, &mut out).map_err(|e| DocumentBuildError::Cbor(e.to_string()))?;
    Ok(out)
}

/// Signs an already-encoded payload as an untagged ES384 `COSE_Sign1` with `key`.
///
/// Exposed separately from [`build_document`] so tests can sign payloads that are deliberately
/// malformed and check that the verifier rejects them for the right reason.
pub fn sign_payload(
    payload: Vec<u8>,
    key: &EcdsaP384KeyPair,
) -> Result<Vec<u8>, DocumentBuildError> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES384)
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .try_create_signature(b"", |tbs| key.sign(tbs, SignatureEncoding::Fixed))?
        .build();
    sign1
        .to_vec()
        .map_err(|e| DocumentBuildError::Cbor(e.to_string()))
}

/// Builds and signs a complete document: the payload of `fields`, signed by the leaf `key`.
pub fn build_document(
    fields: &DocumentFields,
    key: &EcdsaP384KeyPair,
) -> Result<Vec<u8>, DocumentBuildError> {
    sign_payload(encode_payload(fields)?, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coset::CoseSign1;

    fn fields() -> DocumentFields {
        DocumentFields {
            module_id: "i-00000000000000000-enc0000000000000000".into(),
            digest: "SHA384".into(),
            timestamp_ms: 1_700_000_000_123,
            pcrs: (0u16..16).map(|i| (i, vec![i as u8; 48])).collect(),
            certificate: vec![0x30, 0x00],
            cabundle: vec![vec![0x30, 0x01, 0x00]],
            public_key: Some(vec![1, 2, 3]),
            user_data: None,
            nonce: Some(vec![9; 8]),
        }
    }

    #[test]
    fn built_document_is_untagged_es384_cose_sign1_with_raw_signature() {
        let key = EcdsaP384KeyPair::generate().unwrap();
        let doc = build_document(&fields(), &key).unwrap();
        // Untagged: an array of 4 (0x84), then the protected header bstr a1 01 38 22 ({1: -35}).
        assert_eq!(&doc[..6], &[0x84, 0x44, 0xa1, 0x01, 0x38, 0x22]);
        // Empty unprotected map follows.
        assert_eq!(doc[6], 0xa0);
        let sign1 = CoseSign1::from_slice(&doc).unwrap();
        assert_eq!(sign1.signature.len(), 96);
        let tbs = sign1.tbs_data(b"");
        crypto::verify_p384_sha384(
            key.public_point(),
            &tbs,
            &sign1.signature,
            SignatureEncoding::Fixed,
        )
        .unwrap();
    }

    #[test]
    fn payload_keys_follow_real_nsm_order_and_nulls() {
        let payload = encode_payload(&fields()).unwrap();
        let v: Value = ciborium::from_reader(&payload[..]).unwrap();
        let Value::Map(entries) = v else {
            panic!("payload is not a map")
        };
        let keys: Vec<_> = entries
            .iter()
            .map(|(k, _)| k.as_text().unwrap().to_owned())
            .collect();
        assert_eq!(
            keys,
            [
                "module_id",
                "digest",
                "timestamp",
                "pcrs",
                "certificate",
                "cabundle",
                "public_key",
                "user_data",
                "nonce"
            ]
        );
        assert_eq!(entries[7].1, Value::Null);
    }
}
