//! `Recipient`: verifying an attestation document and wrapping a secret for the key inside it.
//!
//! GenerateDataKey, Decrypt, GenerateRandom and GenerateDataKeyPair accept a `Recipient`. The
//! enclave verifies the document with `common::attestation` against its pinned roots (the AWS
//! Nitro root always; a simulated root only when the operator passed `--trust-simulated-root`),
//! hands the PCRs to the key policy as `kms:RecipientAttestation:*` condition values, and answers
//! with `CiphertextForRecipient` — the secret in a CMS envelope for the document's RSA key — and
//! never with `Plaintext`. A document that fails any check refuses the request; nothing ever falls
//! back to plaintext.

use std::collections::BTreeMap;
use std::time::SystemTime;

use nitro_kms_api::types::RecipientInfo;
use nitro_kms_api::{Blob, KmsError};
use nitro_kms_attest::attestation::{AttestationError, Verifier};
use nitro_kms_attest::recipient;
use nitro_kms_crypto as crypto;

use crate::policy::AttestationFacts;

/// Verifies recipients' documents against one or more pinned roots. Clones share the verifiers
/// (and their caches): every region's context verifies with the same ones.
#[derive(Debug, Clone)]
pub struct RecipientVerifier {
    verifiers: std::sync::Arc<Vec<Verifier>>,
}

/// A recipient whose document verified: its public key and what the policy may check.
#[derive(Debug, Clone)]
pub struct AttestedRecipient {
    /// DER SubjectPublicKeyInfo of the recipient's RSA key (from the document).
    pub spki: Vec<u8>,
    /// PCRs for policy conditions.
    pub facts: AttestationFacts,
}

impl RecipientVerifier {
    /// A verifier trying each of `verifiers` (one per pinned root).
    pub fn new(verifiers: Vec<Verifier>) -> RecipientVerifier {
        RecipientVerifier {
            verifiers: std::sync::Arc::new(verifiers),
        }
    }

    /// Whether any trusted root is a simulated one (said loudly at start-up).
    pub fn trusts_simulated_root(&self) -> bool {
        self.verifiers.iter().any(|v| v.root().is_simulated())
    }

    /// Verifies `info`'s document as of `now`. A failure is a `ValidationException` naming the
    /// check that failed (the document is the caller's own, so the reason is no secret).
    pub fn verify(
        &self,
        info: &RecipientInfo,
        now: SystemTime,
    ) -> Result<AttestedRecipient, KmsError> {
        let document = info
            .attestation_document
            .as_ref()
            .map(Blob::as_bytes)
            .ok_or_else(|| KmsError::validation("Recipient.AttestationDocument is required."))?;
        if is_base64_text(document) {
            return Err(invalid(DOUBLE_ENCODED));
        }
        let mut first_error: Option<AttestationError> = None;
        for verifier in self.verifiers.iter() {
            match verifier.verify_at(document, now) {
                Ok(doc) => {
                    let spki = doc
                        .public_key
                        .clone()
                        .ok_or_else(|| invalid("the document has no public_key to encrypt to"))?;
                    // Refuse a key we cannot wrap for before any work is done.
                    nitro_kms_crypto::RsaPublicKey::from_spki_der(&spki)
                        .ok()
                        .filter(|k| k.bits() >= recipient::MIN_RECIPIENT_KEY_BITS)
                        .ok_or_else(|| {
                            invalid(
                                "the document's public_key is not an RSA key of at least 2048 bits",
                            )
                        })?;
                    let pcrs: BTreeMap<u16, String> = doc
                        .pcrs
                        .iter()
                        .map(|(i, v)| (*i, crypto::hex_lower(v)))
                        .collect();
                    return Ok(AttestedRecipient {
                        spki,
                        facts: AttestationFacts {
                            image_sha384: doc.image_sha384().unwrap_or_default(),
                            pcrs,
                        },
                    });
                }
                Err(e) => {
                    // A root mismatch only says "not this root"; any other failure is the story.
                    let is_root = matches!(e, AttestationError::RootNotPinned);
                    if first_error.is_none()
                        || (!is_root
                            && matches!(first_error, Some(AttestationError::RootNotPinned)))
                    {
                        first_error = Some(e);
                    }
                }
            }
        }
        Err(invalid(&first_error.map_or_else(
            || "no trusted root is configured".to_owned(),
            |e| e.to_string(),
        )))
    }
}

impl AttestedRecipient {
    /// Wraps `secret` for this recipient: the `CiphertextForRecipient` blob.
    pub fn wrap(&self, secret: &[u8]) -> Result<Blob, KmsError> {
        recipient::build(secret, &self.spki)
            .map(Blob::new)
            .map_err(|e| invalid(&e.to_string()))
    }
}

/// Why a document that is base64 text is refused, and how to send it instead. The AWS CLI v1
/// base64-encodes a blob inside a structure once more than it was given (it has no
/// `--cli-binary-format`, and `fileb://` is not read inside shorthand or JSON), so no CLI v1 form
/// sends a document's bytes. Real AWS KMS refuses such a document too: accepting it here would
/// make a simulation that works where production fails, so the refusal only says what happened.
const DOUBLE_ENCODED: &str = "the document is base64 text, not a COSE_Sign1 structure: it was \
     base64-encoded twice, as the AWS CLI v1 does for a blob inside a structure. Send the \
     document's bytes with the AWS CLI v2 (AttestationDocument=<base64 of the document>), boto3 \
     or any AWS SDK, or `nitro-kms ... --recipient nsm|simulated:DIR`.";

/// Whether `document` is base64 text instead of a COSE_Sign1 document: it does not start as one
/// (a CBOR array of four, `0x84`, or the COSE_Sign1 tag 18, `0xd2`, with which every real
/// document starts, so none is taken for text), and, line breaks aside (`base64` wraps its output
/// unless told `-w0`), it is nothing but the standard base64 alphabet and decodes as base64.
fn is_base64_text(document: &[u8]) -> bool {
    use base64::Engine;
    if matches!(document.first(), Some(0x84) | Some(0xd2)) {
        return false;
    }
    let text: Vec<u8> = document
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\n' | b'\r'))
        .collect();
    !text.is_empty()
        && text
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && base64::engine::general_purpose::STANDARD
            .decode(&text)
            .is_ok()
}

fn invalid(reason: &str) -> KmsError {
    KmsError::validation(format!(
        "The attestation document in Recipient is not valid: {reason}"
    ))
}

#[cfg(test)]
mod tests;
