//! Building an envelope, as AWS KMS does for a `Recipient`.
//!
//! Our enclave-side KMS must answer like the real one, byte layout included, so that any client
//! that works against AWS works against us. The layout below is copied from a real KMS response
//! (`kms_cms_input_ber.bin`, see the tests):
//!
//! - `ContentInfo`, its `[0]` wrapper, `EnvelopedData` and `EncryptedContentInfo` use the
//!   indefinite length form (`80` … `00 00`);
//! - everything else is DER: `recipientInfos` and the `KeyTransRecipientInfo` inside it, both
//!   `AlgorithmIdentifier`s, with the SHA-256 identifiers carrying an explicit NULL and
//!   `pSourceFunc` left to its default;
//! - `encryptedContent` is `[0]` constructed with an indefinite length, holding the whole
//!   ciphertext as one definite-length OCTET STRING chunk.
//!
//! The real vector only shows a 48-byte ciphertext, so how KMS splits longer content into
//! chunks (if it does) is unknown; we always write one chunk, which every BER reader accepts.

use super::ber::{Reader, Writer, tag};
use super::envelope::{RecipientEnvelope, subject_key_identifier};
use super::error::RecipientError;
use super::schema::{
    ENVELOPED_DATA_VERSION, ID_AES_256_CBC, ID_DATA, ID_ENVELOPED_DATA, ID_MGF_1, ID_RSAES_OAEP,
    ID_SHA_256, KEY_TRANS_RECIPIENT_INFO_VERSION, MAX_ENVELOPE_LEN, MIN_RECIPIENT_KEY_BITS,
};
use const_oid::db::rfc5912::RSA_ENCRYPTION;
use nitro_kms_crypto as crypto;

/// BIT STRING identifier (only needed to read a recipient SPKI).
const BIT_STRING: u8 = 0x03;

/// Encrypts `plaintext` to the RSA key `recipient_spki_der` (DER `SubjectPublicKeyInfo`, as in
/// an attestation document's `public_key`) and returns the BER envelope KMS would return as
/// `CiphertextForRecipient`.
///
/// A fresh AES-256 key and IV encrypt the plaintext (CBC, PKCS#7 padding); the key is wrapped
/// with RSAES-OAEP-SHA-256; `rid` is [`subject_key_identifier`] of the SPKI. The key must be RSA
/// with at least [`MIN_RECIPIENT_KEY_BITS`] bits, and the envelope must fit in
/// [`MAX_ENVELOPE_LEN`] (so that [`parse`](super::parse()) accepts it).
pub fn build(plaintext: &[u8], recipient_spki_der: &[u8]) -> Result<Vec<u8>, RecipientError> {
    // Cheap early refusal before any allocation proportional to the plaintext.
    if plaintext.len() > MAX_ENVELOPE_LEN {
        return Err(RecipientError::TooLarge {
            len: plaintext.len(),
            max: MAX_ENVELOPE_LEN,
        });
    }
    let recipient = crypto::RsaPublicKey::from_spki_der(recipient_spki_der).map_err(|_| {
        // aws-lc refuses RSA keys under 2048 bits outright; say that this is why.
        match rsa_modulus_bits(recipient_spki_der) {
            Some(bits) if bits < MIN_RECIPIENT_KEY_BITS => RecipientError::RecipientKeyTooSmall {
                bits,
                min: MIN_RECIPIENT_KEY_BITS,
            },
            _ => RecipientError::InvalidRecipientKey,
        }
    })?;
    // Also checked here in case the crypto provider ever accepts smaller keys.
    if recipient.bits() < MIN_RECIPIENT_KEY_BITS {
        return Err(RecipientError::RecipientKeyTooSmall {
            bits: recipient.bits(),
            min: MIN_RECIPIENT_KEY_BITS,
        });
    }
    let cek = crypto::random_secret(crypto::AES256_KEY_LEN).map_err(RecipientError::Build)?;
    let iv = crypto::random_array().map_err(RecipientError::Build)?;
    let ciphertext =
        crypto::aes256_cbc_encrypt(cek.expose(), &iv, plaintext).map_err(RecipientError::Build)?;
    let encrypted_key = recipient
        .encrypt_oaep_sha256(cek.expose())
        .map_err(RecipientError::Build)?;
    let envelope = RecipientEnvelope {
        subject_key_identifier: subject_key_identifier(recipient_spki_der).to_vec(),
        encrypted_key,
        iv,
        ciphertext,
    };
    let ber = envelope.to_ber();
    if ber.len() > MAX_ENVELOPE_LEN {
        return Err(RecipientError::TooLarge {
            len: ber.len(),
            max: MAX_ENVELOPE_LEN,
        });
    }
    Ok(ber)
}

impl RecipientEnvelope {
    /// Encodes these fields in exactly the layout AWS KMS uses (module docs of `build`).
    ///
    /// [`build`] uses it after encrypting; it also lets a parsed envelope be re-encoded, e.g. to
    /// normalise an OpenSSL-made envelope into KMS's layout. Re-encoding what
    /// [`parse`](super::parse()) returned parses back to the same fields, as long as the result
    /// stays within [`MAX_ENVELOPE_LEN`] (re-encoding can change the size by a few bytes). Not
    /// size-checked itself: [`build`] checks the size.
    pub fn to_ber(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.open_indefinite(tag::SEQUENCE); // ContentInfo
        w.tlv(tag::OID, ID_ENVELOPED_DATA.as_bytes());
        w.open_indefinite(tag::CONTEXT_0); // [0] EXPLICIT
        w.open_indefinite(tag::SEQUENCE); // EnvelopedData
        w.tlv(tag::INTEGER, &[ENVELOPED_DATA_VERSION]);
        w.nested(tag::SET, |w| {
            w.nested(tag::SEQUENCE, |w| {
                // KeyTransRecipientInfo
                w.tlv(tag::INTEGER, &[KEY_TRANS_RECIPIENT_INFO_VERSION]);
                w.tlv(tag::CONTEXT_0_PRIMITIVE, &self.subject_key_identifier);
                w.nested(tag::SEQUENCE, |w| {
                    w.tlv(tag::OID, ID_RSAES_OAEP.as_bytes());
                    w.nested(tag::SEQUENCE, |w| {
                        w.nested(tag::CONTEXT_0, sha256_with_null);
                        w.nested(tag::CONTEXT_1, |w| {
                            w.nested(tag::SEQUENCE, |w| {
                                w.tlv(tag::OID, ID_MGF_1.as_bytes());
                                sha256_with_null(w);
                            });
                        });
                    });
                });
                w.tlv(tag::OCTET_STRING, &self.encrypted_key);
            });
        });
        w.open_indefinite(tag::SEQUENCE); // EncryptedContentInfo
        w.tlv(tag::OID, ID_DATA.as_bytes());
        w.nested(tag::SEQUENCE, |w| {
            w.tlv(tag::OID, ID_AES_256_CBC.as_bytes());
            w.tlv(tag::OCTET_STRING, &self.iv);
        });
        w.open_indefinite(tag::CONTEXT_0); // [0] IMPLICIT OCTET STRING, constructed
        w.tlv(tag::OCTET_STRING, &self.ciphertext);
        w.close(); // encryptedContent
        w.close(); // EncryptedContentInfo
        w.close(); // EnvelopedData
        w.close(); // [0]
        w.close(); // ContentInfo
        w.into_bytes()
    }
}

/// The modulus size of an RSA `SubjectPublicKeyInfo`, read structurally (no key validation), to
/// explain why the crypto provider refused a key. `None` if it is not an RSA SPKI.
fn rsa_modulus_bits(spki_der: &[u8]) -> Option<usize> {
    let mut r = Reader::new(spki_der);
    let key_bits = r
        .constructed(tag::SEQUENCE, "SubjectPublicKeyInfo", |r| {
            r.constructed(tag::SEQUENCE, "algorithm", |r| {
                if r.oid("algorithm")? != RSA_ENCRYPTION.as_bytes() {
                    return Err(RecipientError::InvalidRecipientKey);
                }
                if !r.is_at_end() {
                    r.null("parameters")?;
                }
                Ok(())
            })?;
            r.primitive(BIT_STRING, "subjectPublicKey")
        })
        .ok()?;
    // BIT STRING contents: a zero "unused bits" octet, then DER RSAPublicKey { n, e }.
    let rsa_public_key = key_bits.strip_prefix(&[0])?;
    let mut r = Reader::new(rsa_public_key);
    let modulus = r
        .constructed(tag::SEQUENCE, "RSAPublicKey", |r| {
            let n = r.primitive(tag::INTEGER, "modulus")?;
            r.primitive(tag::INTEGER, "publicExponent")?;
            Ok(n)
        })
        .ok()?;
    let significant = modulus.get(modulus.iter().position(|b| *b != 0)?..)?;
    let first = significant.first()?;
    Some(significant.len() * 8 - first.leading_zeros() as usize)
}

/// `AlgorithmIdentifier { id-sha256, NULL }`, as KMS writes it.
fn sha256_with_null(w: &mut Writer) {
    w.nested(tag::SEQUENCE, |w| {
        w.tlv(tag::OID, ID_SHA_256.as_bytes());
        w.tlv(tag::NULL, &[]);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipient::ber::testing::skeleton;
    use crate::recipient::vectors::{ENCLAVER_ENVELOPE, ENCLAVER_KEY, KMS_ENVELOPE};
    use crate::recipient::{IV_LEN, decrypt, parse};

    /// An RSA-1024 public key (SPKI DER), generated with `openssl genpkey` for this test.
    const RSA_1024_SPKI_HEX: &str = "30819f300d06092a864886f70d010101050003818d0030818902818100de7a\
        d0ca8f982b9c09136e7051234b3ebfcc1015beec2cd937f2e31432015be1300a7df835e24ae415ab4c8376265a\
        63de99ded2d148c4cd8d80f38f641bf5f4d53bb1ecd7edf011c8d3752f84eb2d5d774fcb0ca67fda4215a72859\
        e637c13ce34c648d18390313be5ec0ae861d8708a7f4d2f3609a825ce2d144ab21f9ed350203010001";

    fn enclaver_key() -> crypto::RsaPrivateKey {
        crypto::RsaPrivateKey::from_pkcs8_der(ENCLAVER_KEY).unwrap()
    }

    /// Offset of `needle` in `haystack` (the random fields are unique 16+ byte strings).
    fn offset_of(haystack: &[u8], needle: &[u8]) -> usize {
        haystack
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    }

    /// `bytes` with the variable fields (rid, encrypted key, IV, ciphertext) zeroed.
    fn mask_variable_fields(bytes: &[u8]) -> Vec<u8> {
        let envelope = parse(bytes).unwrap();
        let mut masked = bytes.to_vec();
        for field in [
            &envelope.subject_key_identifier[..],
            &envelope.encrypted_key,
            &envelope.iv,
            &envelope.ciphertext,
        ] {
            let at = offset_of(bytes, field);
            masked[at..at + field.len()].fill(0);
        }
        masked
    }

    #[test]
    fn build_then_parse_then_decrypt_round_trips() {
        let key = enclaver_key();
        for len in [0usize, 1, 15, 16, 17, 32, 1000, 4096] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let ber = build(&plaintext, key.public_key_spki_der()).unwrap();
            let envelope = parse(&ber).unwrap();
            assert_eq!(
                envelope.subject_key_identifier,
                subject_key_identifier(key.public_key_spki_der())
            );
            assert_eq!(envelope.encrypted_key.len(), 256);
            assert_eq!(envelope.ciphertext.len(), (len / 16 + 1) * 16);
            assert_eq!(
                decrypt(&ber, &key).unwrap().expose(),
                &plaintext[..],
                "len {len}"
            );
        }
    }

    #[test]
    fn build_round_trips_with_larger_generated_keys() {
        let key = crypto::RsaPrivateKey::generate(crypto::RsaKeySize::Rsa3072).unwrap();
        let ber = build(b"data key", key.public_key_spki_der()).unwrap();
        assert_eq!(parse(&ber).unwrap().encrypted_key.len(), 384);
        assert_eq!(decrypt(&ber, &key).unwrap().expose(), b"data key");
    }

    #[test]
    fn to_ber_reproduces_real_kms_envelope_byte_for_byte() {
        // Re-encoding the fields of the real KMS response gives the response back: our layout
        // is KMS's, down to every length form. (The enclaver vector has the same layout.)
        for vector in [KMS_ENVELOPE, ENCLAVER_ENVELOPE] {
            assert_eq!(parse(vector).unwrap().to_ber(), vector);
        }
    }

    #[test]
    fn build_output_matches_real_kms_envelope_outside_random_fields() {
        // A 32-byte data key under an RSA-2048 key: the same sizes as the KMS vector.
        let key = enclaver_key();
        let ours = build(&[0x5a; 32], key.public_key_spki_der()).unwrap();
        assert_eq!(ours.len(), KMS_ENVELOPE.len());
        assert_eq!(skeleton(&ours), skeleton(KMS_ENVELOPE));
        let (ours, theirs) = (
            mask_variable_fields(&ours),
            mask_variable_fields(KMS_ENVELOPE),
        );
        let compared = theirs.len() - (32 + 256 + IV_LEN + 48);
        assert_eq!(compared, 141, "structure bytes compared");
        assert_eq!(ours, theirs);
    }

    #[test]
    fn build_writes_the_content_as_one_chunk_whatever_its_size() {
        // Only the chunk's length may differ from the KMS vector's skeleton, where the whole
        // 48-byte ciphertext is one `04 30` inside the indefinite `[0]`.
        let key = enclaver_key();
        let reference = skeleton(KMS_ENVELOPE);
        let chunk_line = reference.iter().position(|l| l == "5: 04 30").unwrap();
        assert_eq!(reference[chunk_line - 1], "4: a0 80");
        for (len, chunk_header) in [
            (0usize, "5: 04 10"),
            (200, "5: 04 81 d0"),
            (5000, "5: 04 82 13 90"),
        ] {
            let ours = skeleton(&build(&vec![1; len], key.public_key_spki_der()).unwrap());
            let mut expected = reference.clone();
            expected[chunk_line] = chunk_header.to_string();
            assert_eq!(ours, expected, "plaintext of {len} bytes");
        }
    }

    #[test]
    fn build_uses_a_fresh_content_key_and_iv_every_time() {
        let key = enclaver_key();
        let a = parse(&build(b"same", key.public_key_spki_der()).unwrap()).unwrap();
        let b = parse(&build(b"same", key.public_key_spki_der()).unwrap()).unwrap();
        assert_ne!(a.iv, b.iv);
        assert_ne!(a.encrypted_key, b.encrypted_key);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_ne!(
            key.decrypt_oaep_sha256(&a.encrypted_key).unwrap(),
            key.decrypt_oaep_sha256(&b.encrypted_key).unwrap()
        );
    }

    #[test]
    fn build_refuses_small_non_rsa_and_garbage_keys() {
        let small = hex::decode(RSA_1024_SPKI_HEX).unwrap();
        assert_eq!(
            build(b"x", &small).unwrap_err(),
            RecipientError::RecipientKeyTooSmall {
                bits: 1024,
                min: 2048
            }
        );
        let ec = crypto::EcdsaP384KeyPair::generate()
            .unwrap()
            .public_key_spki_der()
            .unwrap();
        assert_eq!(
            build(b"x", &ec).unwrap_err(),
            RecipientError::InvalidRecipientKey
        );
        assert_eq!(
            build(b"x", b"not a key").unwrap_err(),
            RecipientError::InvalidRecipientKey
        );
    }

    #[test]
    fn rsa_modulus_bits_reads_the_size_of_rsa_spkis_only() {
        let small = hex::decode(RSA_1024_SPKI_HEX).unwrap();
        assert_eq!(rsa_modulus_bits(&small), Some(1024));
        assert_eq!(
            rsa_modulus_bits(enclaver_key().public_key_spki_der()),
            Some(2048)
        );
        let key = crypto::RsaPrivateKey::generate(crypto::RsaKeySize::Rsa4096).unwrap();
        assert_eq!(rsa_modulus_bits(key.public_key_spki_der()), Some(4096));
        let ec = crypto::EcdsaP384KeyPair::generate()
            .unwrap()
            .public_key_spki_der()
            .unwrap();
        assert_eq!(rsa_modulus_bits(&ec), None);
        for len in 0..small.len() {
            assert_eq!(rsa_modulus_bits(&small[..len]), None);
        }
    }

    #[test]
    fn build_refuses_envelopes_larger_than_parse_accepts() {
        let key = enclaver_key();
        let spki = key.public_key_spki_der();
        assert_eq!(
            build(&vec![0; MAX_ENVELOPE_LEN + 1], spki).unwrap_err(),
            RecipientError::TooLarge {
                len: MAX_ENVELOPE_LEN + 1,
                max: MAX_ENVELOPE_LEN
            }
        );
        // Fits as plaintext, but not once encrypted and wrapped.
        match build(&vec![0; MAX_ENVELOPE_LEN - 100], spki) {
            Err(RecipientError::TooLarge { len, max }) => {
                assert!(len > max);
                assert_eq!(max, MAX_ENVELOPE_LEN);
            }
            other => panic!("{other:?}"),
        }
        let big = vec![0x42; MAX_ENVELOPE_LEN - 1024];
        let ber = build(&big, spki).unwrap();
        assert!(ber.len() <= MAX_ENVELOPE_LEN);
        assert_eq!(decrypt(&ber, &key).unwrap().expose(), &big[..]);
    }
}
