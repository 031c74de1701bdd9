//! The one envelope shape KMS uses: its limits, the OIDs and versions it may carry, and how an
//! unexpected OID is named in an error. The builder writes these values and the parser demands
//! them (see the layout in the module docs of [`super`]).

use const_oid::{
    ObjectIdentifier, ObjectIdentifierRef,
    db::{DB, rfc5911, rfc5912},
};
use nitro_kms_crypto as crypto;

/// Largest envelope [`parse`](super::parse()) reads, and [`build`](super::build()) writes. A KMS
/// response carries at most a 4096-byte plaintext (`Decrypt`) plus an RSA-4096 encrypted key and
/// ~200 bytes of structure, so 64 KiB is generous while keeping the work on hostile input small.
pub const MAX_ENVELOPE_LEN: usize = 64 * 1024;

/// Smallest RSA modulus [`build`](super::build()) will encrypt to, in bits. Smaller RSA keys are
/// below 112-bit security (NIST SP 800-57), and the crypto provider refuses them anyway.
pub const MIN_RECIPIENT_KEY_BITS: usize = 2048;

/// Length of the subject key identifier KMS puts in `rid`: a SHA-256 digest.
pub const SUBJECT_KEY_IDENTIFIER_LEN: usize = crypto::SHA256_LEN;

/// Length of the AES-256-CBC initialisation vector in the envelope.
pub const IV_LEN: usize = crypto::CBC_IV_LEN;

// OIDs of the only algorithms and content types an envelope may use.
pub(crate) const ID_ENVELOPED_DATA: ObjectIdentifier = rfc5911::ID_ENVELOPED_DATA;
pub(crate) const ID_DATA: ObjectIdentifier = rfc5911::ID_DATA;
pub(crate) const ID_AES_256_CBC: ObjectIdentifier = rfc5911::ID_AES_256_CBC;
pub(crate) const ID_RSAES_OAEP: ObjectIdentifier = rfc5912::ID_RSAES_OAEP;
pub(crate) const ID_MGF_1: ObjectIdentifier = rfc5912::ID_MGF_1;
pub(crate) const ID_SHA_256: ObjectIdentifier = rfc5912::ID_SHA_256;
pub(crate) const ID_P_SPECIFIED: ObjectIdentifier = rfc5912::ID_P_SPECIFIED;

/// Versions RFC 5652 prescribes for this shape: EnvelopedData is version 2 because its
/// RecipientInfo is not version 0, and KeyTransRecipientInfo is version 2 because `rid` is a
/// subject key identifier (§6.1, §6.2.1).
pub(crate) const ENVELOPED_DATA_VERSION: u8 = 2;
pub(crate) const KEY_TRANS_RECIPIENT_INFO_VERSION: u8 = 2;

/// A readable name for OID contents octets in error messages: dotted form, plus the name const-oid
/// knows, or hex if the bytes are not a valid OID.
pub(crate) fn describe_oid(bytes: &[u8]) -> String {
    match ObjectIdentifierRef::from_bytes(bytes) {
        Ok(oid) => {
            let name = ObjectIdentifier::from_bytes(bytes)
                .ok()
                .and_then(|o| DB.by_oid(&o));
            match name {
                Some(name) => format!("{oid} ({name})"),
                None => oid.to_string(),
            }
        }
        Err(_) => format!("invalid OID 0x{}", hex::encode(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_oid_names_known_oids_and_survives_garbage() {
        assert_eq!(
            describe_oid(ID_SHA_256.as_bytes()),
            "2.16.840.1.101.3.4.2.1 (id-sha256)"
        );
        assert_eq!(describe_oid(&[0xff]), "invalid OID 0xff");
    }
}
