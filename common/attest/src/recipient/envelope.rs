//! A parsed envelope (the four fields decryption needs) and the recipient identifier KMS uses.

use nitro_kms_crypto as crypto;

use super::schema::{IV_LEN, SUBJECT_KEY_IDENTIFIER_LEN};

/// The fields of a parsed envelope that decryption needs. Everything else in the envelope is
/// fixed and has been checked by [`parse`](super::parse()).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientEnvelope {
    /// `rid`: which key the envelope is for. KMS uses SHA-256 of the recipient's DER SPKI, see
    /// [`subject_key_identifier`].
    pub subject_key_identifier: Vec<u8>,
    /// `encryptedKey`: the AES-256 content key, RSAES-OAEP-encrypted to the recipient.
    pub encrypted_key: Vec<u8>,
    /// The AES-256-CBC initialisation vector.
    pub iv: [u8; IV_LEN],
    /// `encryptedContent`: the plaintext under AES-256-CBC with PKCS#7 padding (chunks joined).
    pub ciphertext: Vec<u8>,
}

/// The subject key identifier KMS puts in an envelope for a recipient: SHA-256 of its DER
/// `SubjectPublicKeyInfo` (the `public_key` of the attestation document).
pub fn subject_key_identifier(spki_der: &[u8]) -> [u8; SUBJECT_KEY_IDENTIFIER_LEN] {
    crypto::sha256(spki_der)
}

impl RecipientEnvelope {
    /// Whether this envelope's `rid` names `key`. A cheap pre-check that turns "wrong key" into
    /// [`RecipientError::WrongRecipient`](super::RecipientError::WrongRecipient) instead of a
    /// failed decryption. The identifier is public, so an ordinary comparison is fine.
    pub fn is_addressed_to(&self, key: &crypto::RsaPrivateKey) -> bool {
        self.subject_key_identifier == subject_key_identifier(key.public_key_spki_der())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipient::parse::parse;
    use crate::recipient::vectors::{ENCLAVER_ENVELOPE, ENCLAVER_KEY};

    fn enclaver_key() -> crypto::RsaPrivateKey {
        crypto::RsaPrivateKey::from_pkcs8_der(ENCLAVER_KEY).unwrap()
    }

    #[test]
    fn enclaver_envelope_rid_is_sha256_of_the_key_spki() {
        let key = enclaver_key();
        let envelope = parse(ENCLAVER_ENVELOPE).unwrap();
        assert_eq!(
            envelope.subject_key_identifier,
            crypto::sha256(key.public_key_spki_der())
        );
        assert!(envelope.is_addressed_to(&key));
    }

    #[test]
    fn subject_key_identifier_is_sha256_of_spki() {
        // FIPS 180-2 "abc": the function hashes exactly the bytes it is given.
        assert_eq!(
            hex::encode(subject_key_identifier(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
