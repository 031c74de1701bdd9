//! Parsing an envelope: BER in, the four fields decryption needs out.
//!
//! The parser walks the fixed schema of the module docs field by field and checks every fixed
//! value (content types, versions, algorithm identifiers) as it goes, so a [`RecipientEnvelope`]
//! only exists for an envelope we know how to decrypt. It is liberal in encoding (definite or
//! indefinite lengths, primitive or chunked strings, hash parameters NULL or absent) because
//! BER and RFC 4055 allow all of them and OpenSSL writes some of them; see [`super::ber`].

use super::ber::{Reader, tag};
use super::envelope::RecipientEnvelope;
use super::error::RecipientError;
use super::schema::{
    ENVELOPED_DATA_VERSION, ID_AES_256_CBC, ID_DATA, ID_ENVELOPED_DATA, ID_MGF_1, ID_P_SPECIFIED,
    ID_RSAES_OAEP, ID_SHA_256, IV_LEN, KEY_TRANS_RECIPIENT_INFO_VERSION, MAX_ENVELOPE_LEN,
    describe_oid,
};
use const_oid::ObjectIdentifier;

/// AES block size: the content ciphertext is a positive number of blocks (PKCS#7 always pads).
const AES_BLOCK_LEN: usize = 16;

/// Parses a BER `ContentInfo` holding a KMS `CiphertextForRecipient` envelope.
///
/// Refuses inputs over [`MAX_ENVELOPE_LEN`] before reading them. Accepts what AWS KMS and
/// OpenSSL emit (definite or indefinite lengths, primitive or chunked `encryptedContent`) and
/// nothing but the one shape KMS uses: one key-transport recipient identified by subject key
/// identifier, RSAES-OAEP with SHA-256/MGF1-SHA-256 and an empty label, AES-256-CBC.
/// Trailing bytes after the `ContentInfo` are an error.
pub fn parse(ber: &[u8]) -> Result<RecipientEnvelope, RecipientError> {
    if ber.len() > MAX_ENVELOPE_LEN {
        return Err(RecipientError::TooLarge {
            len: ber.len(),
            max: MAX_ENVELOPE_LEN,
        });
    }
    let mut r = Reader::new(ber);
    let envelope = r.constructed(tag::SEQUENCE, "ContentInfo", |r| {
        let content_type = r.oid("ContentInfo.contentType")?;
        expect_content_type(
            content_type,
            ID_ENVELOPED_DATA,
            "ContentInfo",
            "id-envelopedData",
        )?;
        r.constructed(tag::CONTEXT_0, "ContentInfo.content", |r| {
            r.constructed(tag::SEQUENCE, "EnvelopedData", enveloped_data)
        })
    })?;
    r.expect_end("ContentInfo")?;
    Ok(envelope)
}

/// `EnvelopedData` (RFC 5652 §6.1), from `version` to the end.
fn enveloped_data(r: &mut Reader<'_>) -> Result<RecipientEnvelope, RecipientError> {
    let version = r.small_integer("EnvelopedData.version")?;
    expect_version("EnvelopedData", ENVELOPED_DATA_VERSION, version)?;
    if r.peek_tag() == Some(tag::CONTEXT_0) {
        return Err(RecipientError::Unsupported("EnvelopedData.originatorInfo"));
    }
    let (subject_key_identifier, encrypted_key) =
        r.constructed(tag::SET, "EnvelopedData.recipientInfos", |r| {
            if r.is_at_end() {
                return Err(RecipientError::Malformed(
                    "EnvelopedData.recipientInfos is empty".into(),
                ));
            }
            let recipient = recipient_info(r)?;
            if !r.is_at_end() {
                return Err(RecipientError::Unsupported("more than one RecipientInfo"));
            }
            Ok(recipient)
        })?;
    let (iv, ciphertext) = r.constructed(
        tag::SEQUENCE,
        "EnvelopedData.encryptedContentInfo",
        encrypted_content_info,
    )?;
    if r.peek_tag() == Some(tag::CONTEXT_1) {
        return Err(RecipientError::Unsupported(
            "EnvelopedData.unprotectedAttrs",
        ));
    }
    Ok(RecipientEnvelope {
        subject_key_identifier,
        encrypted_key,
        iv,
        ciphertext,
    })
}

/// One `RecipientInfo`, which must be a `KeyTransRecipientInfo` (§6.2.1) with a subject key
/// identifier. Returns `(rid, encryptedKey)`.
fn recipient_info(r: &mut Reader<'_>) -> Result<(Vec<u8>, Vec<u8>), RecipientError> {
    // RecipientInfo is a CHOICE; name the alternatives we do not support.
    let other = match r.peek_tag() {
        Some(0xA1) => Some("KeyAgreeRecipientInfo (kari)"),
        Some(0xA2) => Some("KEKRecipientInfo (kekri)"),
        Some(0xA3) => Some("PasswordRecipientInfo (pwri)"),
        Some(0xA4) => Some("OtherRecipientInfo (ori)"),
        _ => None,
    };
    if let Some(other) = other {
        return Err(RecipientError::Unsupported(other));
    }
    r.constructed(tag::SEQUENCE, "KeyTransRecipientInfo", |r| {
        let version = r.small_integer("KeyTransRecipientInfo.version")?;
        // Look at rid before judging the version: version 0 goes with issuerAndSerialNumber,
        // and "unsupported rid" is the more useful message for that envelope.
        if r.peek_tag() == Some(tag::SEQUENCE) {
            return Err(RecipientError::Unsupported(
                "KeyTransRecipientInfo.rid as issuerAndSerialNumber (only subjectKeyIdentifier)",
            ));
        }
        expect_version(
            "KeyTransRecipientInfo",
            KEY_TRANS_RECIPIENT_INFO_VERSION,
            version,
        )?;
        let rid = r.octet_string(tag::CONTEXT_0_PRIMITIVE, "KeyTransRecipientInfo.rid")?;
        if rid.is_empty() {
            return Err(RecipientError::Malformed(
                "KeyTransRecipientInfo.rid is an empty subject key identifier".into(),
            ));
        }
        r.constructed(
            tag::SEQUENCE,
            "KeyTransRecipientInfo.keyEncryptionAlgorithm",
            key_encryption_algorithm,
        )?;
        let encrypted_key =
            r.octet_string(tag::OCTET_STRING, "KeyTransRecipientInfo.encryptedKey")?;
        if encrypted_key.is_empty() {
            return Err(RecipientError::Malformed(
                "KeyTransRecipientInfo.encryptedKey is empty".into(),
            ));
        }
        Ok((rid, encrypted_key))
    })
}

/// The contents of `keyEncryptionAlgorithm`: id-RSAES-OAEP with RSAES-OAEP-params (RFC 4055
/// §4.1) naming SHA-256, MGF1 with SHA-256 and the empty label. Every parameter has a SHA-1
/// default, so each must be present; an explicit empty-label `pSourceFunc` is accepted.
fn key_encryption_algorithm(r: &mut Reader<'_>) -> Result<(), RecipientError> {
    let unsupported = |why: String| RecipientError::UnsupportedKeyEncryptionAlgorithm(why);
    let algorithm = r.oid("keyEncryptionAlgorithm.algorithm")?;
    if algorithm != ID_RSAES_OAEP.as_bytes() {
        return Err(unsupported(format!(
            "{} (only id-RSAES-OAEP is supported)",
            describe_oid(algorithm)
        )));
    }
    if r.is_at_end() {
        return Err(unsupported(
            "id-RSAES-OAEP without parameters means SHA-1 (only SHA-256 is supported)".into(),
        ));
    }
    r.constructed(tag::SEQUENCE, "RSAES-OAEP-params", |r| {
        if r.peek_tag() != Some(tag::CONTEXT_0) {
            return Err(unsupported(
                "RSAES-OAEP hashFunc absent, i.e. SHA-1 (only SHA-256 is supported)".into(),
            ));
        }
        r.constructed(tag::CONTEXT_0, "RSAES-OAEP-params.hashFunc", |r| {
            sha256_algorithm(r, "RSAES-OAEP-params.hashFunc")
        })?;
        if r.peek_tag() != Some(tag::CONTEXT_1) {
            return Err(unsupported(
                "RSAES-OAEP maskGenFunc absent, i.e. MGF1 with SHA-1 (only SHA-256 is supported)"
                    .into(),
            ));
        }
        r.constructed(tag::CONTEXT_1, "RSAES-OAEP-params.maskGenFunc", |r| {
            r.constructed(tag::SEQUENCE, "RSAES-OAEP-params.maskGenFunc", |r| {
                let mgf = r.oid("maskGenFunc.algorithm")?;
                if mgf != ID_MGF_1.as_bytes() {
                    return Err(unsupported(format!(
                        "RSAES-OAEP maskGenFunc {} (only MGF1 is supported)",
                        describe_oid(mgf)
                    )));
                }
                sha256_algorithm(r, "maskGenFunc.parameters")
            })
        })?;
        if r.peek_tag() == Some(tag::CONTEXT_2) {
            r.constructed(tag::CONTEXT_2, "RSAES-OAEP-params.pSourceFunc", |r| {
                r.constructed(tag::SEQUENCE, "RSAES-OAEP-params.pSourceFunc", |r| {
                    let source = r.oid("pSourceFunc.algorithm")?;
                    if source != ID_P_SPECIFIED.as_bytes() {
                        return Err(unsupported(format!(
                            "RSAES-OAEP pSourceFunc {} (only id-pSpecified is supported)",
                            describe_oid(source)
                        )));
                    }
                    let label = r.octet_string(tag::OCTET_STRING, "pSourceFunc.parameters")?;
                    if !label.is_empty() {
                        return Err(unsupported(format!(
                            "RSAES-OAEP with a {}-byte label (only the empty label is supported)",
                            label.len()
                        )));
                    }
                    Ok(())
                })
            })?;
        }
        Ok(())
    })
}

/// An `AlgorithmIdentifier` for SHA-256, with NULL or absent parameters (RFC 4055 §2.1 says
/// both must be accepted; KMS writes NULL, OpenSSL omits it).
fn sha256_algorithm(r: &mut Reader<'_>, what: &'static str) -> Result<(), RecipientError> {
    r.constructed(tag::SEQUENCE, what, |r| {
        let hash = r.oid(what)?;
        if hash != ID_SHA_256.as_bytes() {
            return Err(RecipientError::UnsupportedKeyEncryptionAlgorithm(format!(
                "{what} is {} (only SHA-256 is supported)",
                describe_oid(hash)
            )));
        }
        if !r.is_at_end() {
            r.null(what)?;
        }
        Ok(())
    })
}

/// `EncryptedContentInfo` (§6.1): id-data, AES-256-CBC with its IV, and the ciphertext.
fn encrypted_content_info(r: &mut Reader<'_>) -> Result<([u8; IV_LEN], Vec<u8>), RecipientError> {
    let content_type = r.oid("EncryptedContentInfo.contentType")?;
    expect_content_type(content_type, ID_DATA, "EncryptedContentInfo", "id-data")?;
    let iv = r.constructed(
        tag::SEQUENCE,
        "EncryptedContentInfo.contentEncryptionAlgorithm",
        |r| {
            let algorithm = r.oid("contentEncryptionAlgorithm.algorithm")?;
            if algorithm != ID_AES_256_CBC.as_bytes() {
                return Err(RecipientError::UnsupportedContentEncryptionAlgorithm(
                    format!("{} (only aes256-CBC is supported)", describe_oid(algorithm)),
                ));
            }
            if r.is_at_end() {
                return Err(RecipientError::Malformed(
                    "aes256-CBC parameters (the IV) are missing".into(),
                ));
            }
            let iv = r.octet_string(tag::OCTET_STRING, "aes256-CBC IV")?;
            <[u8; IV_LEN]>::try_from(iv.as_slice()).map_err(|_| {
                RecipientError::Malformed(format!(
                    "aes256-CBC IV is {} bytes, expected {IV_LEN}",
                    iv.len()
                ))
            })
        },
    )?;
    if r.is_at_end() {
        return Err(RecipientError::Unsupported(
            "detached content (EncryptedContentInfo.encryptedContent is absent)",
        ));
    }
    let ciphertext = r.octet_string(
        tag::CONTEXT_0_PRIMITIVE,
        "EncryptedContentInfo.encryptedContent",
    )?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(AES_BLOCK_LEN) {
        return Err(RecipientError::Malformed(format!(
            "encryptedContent is {} bytes, not a positive multiple of the {AES_BLOCK_LEN}-byte \
             AES block",
            ciphertext.len()
        )));
    }
    Ok((iv, ciphertext))
}

fn expect_content_type(
    found: &[u8],
    expected: ObjectIdentifier,
    structure: &'static str,
    expected_name: &'static str,
) -> Result<(), RecipientError> {
    if found == expected.as_bytes() {
        Ok(())
    } else {
        Err(RecipientError::UnexpectedContentType {
            structure,
            expected: expected_name,
            found: describe_oid(found),
        })
    }
}

fn expect_version(structure: &'static str, expected: u8, found: i64) -> Result<(), RecipientError> {
    let expected = i64::from(expected);
    if found == expected {
        Ok(())
    } else {
        Err(RecipientError::UnexpectedVersion {
            structure,
            expected,
            found,
        })
    }
}

#[cfg(test)]
mod tests;
