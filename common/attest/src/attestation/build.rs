//! Building attestation documents, as the NSM does (used by the simulated NSM and by tests).
//!
//! A document is an untagged `COSE_Sign1` (RFC 8152) whose protected header is `{1: -35}`
//! (alg = ES384), whose unprotected header is empty, whose payload is the CBOR map of
//! [`Payload`] (layout and key order in [`super::payload`]), and whose signature is the raw
//! 96-byte `r || s` of ECDSA P-384/SHA-384 over the `Sig_structure`
//! `["Signature1", protected, h'', payload]`.

use coset::{CborSerializable, CoseSign1Builder, HeaderBuilder, iana};

use super::payload::Payload;
use nitro_kms_crypto::{EcdsaP384KeyPair, SignatureEncoding};

pub use super::error::DocumentBuildError;

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
    fields: &Payload,
    key: &EcdsaP384KeyPair,
) -> Result<Vec<u8>, DocumentBuildError> {
    sign_payload(fields.encode()?, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ciborium::Value;
    use coset::CoseSign1;
    use nitro_kms_crypto as crypto;

    fn fields() -> Payload {
        Payload {
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
        let payload = fields().encode().unwrap();
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
