//! Opening an envelope: check that it is addressed to the key, unwrap the content key with
//! RSA-OAEP-SHA-256, decrypt the content with AES-256-CBC, and fail without detail (no oracle,
//! see the module docs of [`super`]).

use nitro_kms_crypto as crypto;
use nitro_kms_crypto::secret::SecretBytes;

use super::envelope::RecipientEnvelope;
use super::error::RecipientError;
use super::parse::parse;

impl RecipientEnvelope {
    /// Decrypts the content with the recipient's private key: RSA-OAEP-SHA-256 unwraps the
    /// AES-256 key, which decrypts the content.
    ///
    /// Does not look at `rid`; [`decrypt`] (the function) checks it first. Every failure is
    /// [`RecipientError::Decrypt`], whatever its cause, and a failed RSA step still runs the
    /// AES step with a random key so that failures are indistinguishable (module docs).
    pub fn decrypt(&self, key: &crypto::RsaPrivateKey) -> Result<SecretBytes, RecipientError> {
        let unwrapped = key
            .decrypt_oaep_sha256(&self.encrypted_key)
            .ok()
            .filter(|cek| cek.len() == crypto::AES256_KEY_LEN);
        let genuine = unwrapped.is_some();
        let cek = match unwrapped {
            Some(cek) => cek,
            None => crypto::random_secret(crypto::AES256_KEY_LEN)
                .map_err(|_| RecipientError::Decrypt)?,
        };
        let plaintext = crypto::aes256_cbc_decrypt(cek.expose(), &self.iv, &self.ciphertext);
        match (genuine, plaintext) {
            (true, Ok(plaintext)) => Ok(plaintext),
            _ => Err(RecipientError::Decrypt),
        }
    }
}

/// Parses `ber`, checks that it is addressed to `key` (`rid` equals the subject key identifier
/// of `key`'s public key) and decrypts it. This is what an enclave calls on a KMS response.
pub fn decrypt(ber: &[u8], key: &crypto::RsaPrivateKey) -> Result<SecretBytes, RecipientError> {
    let envelope = parse(ber)?;
    if !envelope.is_addressed_to(key) {
        return Err(RecipientError::WrongRecipient);
    }
    envelope.decrypt(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipient::build::build;
    use crate::recipient::schema::IV_LEN;
    use crate::recipient::vectors::{ENCLAVER_ENVELOPE, ENCLAVER_KEY};

    fn enclaver_key() -> crypto::RsaPrivateKey {
        crypto::RsaPrivateKey::from_pkcs8_der(ENCLAVER_KEY).unwrap()
    }

    #[test]
    fn decrypt_opens_enclaver_envelope_to_hello_world() {
        let key = enclaver_key();
        let plaintext = decrypt(ENCLAVER_ENVELOPE, &key).unwrap();
        assert_eq!(plaintext.expose(), b"Hello, World");
        assert_eq!(plaintext.len(), 12);
    }

    #[test]
    fn decrypt_with_a_key_that_does_not_match_rid_is_wrong_recipient() {
        let other = crypto::RsaPrivateKey::generate(crypto::RsaKeySize::Rsa2048).unwrap();
        assert_eq!(
            decrypt(ENCLAVER_ENVELOPE, &other).unwrap_err(),
            RecipientError::WrongRecipient
        );
        // Bypassing the rid check, the wrong key fails as a plain, detail-free decryption error.
        let envelope = parse(ENCLAVER_ENVELOPE).unwrap();
        assert_eq!(
            envelope.decrypt(&other).unwrap_err(),
            RecipientError::Decrypt
        );
    }

    #[test]
    fn flipped_byte_in_encrypted_key_iv_or_ciphertext_fails_as_decrypt() {
        // CMS has no MAC: tampering is caught by OAEP (encrypted key) or by the PKCS#7 padding.
        // Each flip below lands where one of those checks must catch it.
        let key = enclaver_key();
        let good = parse(ENCLAVER_ENVELOPE).unwrap();
        assert_eq!(good.decrypt(&key).unwrap().expose(), b"Hello, World");

        for i in [0, 100, good.encrypted_key.len() - 1] {
            let mut env = good.clone();
            env.encrypted_key[i] ^= 0x01;
            assert_eq!(env.decrypt(&key).unwrap_err(), RecipientError::Decrypt);
        }
        // `Hello, World` is one block, so IV byte 15 XORs straight into the padding byte.
        let mut env = good.clone();
        env.iv[15] ^= 0x01;
        assert_eq!(env.decrypt(&key).unwrap_err(), RecipientError::Decrypt);

        // 32 bytes encrypt to 3 blocks, the last all padding (0x10 x 16). Byte 31 of the
        // ciphertext XORs straight into the last padding byte.
        let ber = build(&[7; 32], key.public_key_spki_der()).unwrap();
        let good = parse(&ber).unwrap();
        assert_eq!(good.ciphertext.len(), 48);
        assert_eq!(good.decrypt(&key).unwrap().expose(), [7; 32]);
        let mut env = good.clone();
        env.ciphertext[31] ^= 0x01;
        assert_eq!(env.decrypt(&key).unwrap_err(), RecipientError::Decrypt);
        // A ciphertext that is not whole blocks.
        let mut env = good.clone();
        env.ciphertext.truncate(40);
        assert_eq!(env.decrypt(&key).unwrap_err(), RecipientError::Decrypt);
    }

    #[test]
    fn flipped_byte_inside_the_encoded_envelope_never_yields_the_plaintext_silently() {
        // Flip every byte of the encrypted key, IV and ciphertext in the encoded envelope.
        // Encrypted-key bytes (OAEP) and the IV bytes over the padding (12..16 for a 12-byte
        // plaintext) must fail as Decrypt. Other IV bytes change plaintext bytes, and a garbled
        // ciphertext block only fails if its padding comes out invalid (CBC has no MAC), so
        // there the test demands only: an error, or never the original plaintext.
        let key = enclaver_key();
        let good = parse(ENCLAVER_ENVELOPE).unwrap();
        let find = |needle: &[u8]| {
            ENCLAVER_ENVELOPE
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap()
        };
        let ek = find(&good.encrypted_key);
        let iv = find(&good.iv);
        let ct = find(&good.ciphertext);
        let ranges = [
            (ek..ek + good.encrypted_key.len(), true),
            (iv..iv + 12, false),
            (iv + 12..iv + IV_LEN, true),
            (ct..ct + good.ciphertext.len(), false),
        ];
        for (range, must_fail) in ranges {
            for i in range {
                let mut bytes = ENCLAVER_ENVELOPE.to_vec();
                bytes[i] ^= 0x80;
                match decrypt(&bytes, &key) {
                    Err(e) => assert_eq!(e, RecipientError::Decrypt, "byte {i}"),
                    Ok(p) => {
                        assert!(!must_fail, "byte {i}: tampering went unnoticed");
                        assert_ne!(p.expose(), b"Hello, World", "byte {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn decrypt_error_message_carries_no_detail() {
        assert_eq!(RecipientError::Decrypt.to_string(), "decryption failed");
    }
}
