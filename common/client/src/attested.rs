//! The attested mode of [`crate::KmsClient`]: requests carry a `Recipient` and answers are
//! unwrapped locally.
//!
//! The client keeps one RSA key (2048 bits by default) for its lifetime. For every
//! GenerateDataKey, Decrypt, GenerateRandom and GenerateDataKeyPair it asks the NSM for a fresh
//! attestation document binding that key's public half, sends it as `Recipient`, and decrypts the
//! `CiphertextForRecipient` it gets back (RSA-OAEP in aws-lc, constant time) into the response's
//! plaintext member — so callers see the same response shape as without attestation, while the
//! parent only ever relays ciphertext. What an answer must hold to be accepted at all is
//! `attested_answer.rs`'s part; opening the envelope is this file's.
//!
//! # One failure, one message: no padding oracle
//!
//! `CiphertextForRecipient` is CMS EnvelopedData: RSA-OAEP wraps an AES-256 key, and the content
//! is AES-256-CBC with PKCS#7 padding and **no MAC**. Whoever relays the answer (the parent) can
//! rewrite the content, and if the application behaved differently depending on *why* opening
//! failed — bad padding here, a value of the wrong length there — the parent would hold a
//! padding oracle and could read the data key a byte at a time (truncate the content to the
//! block it wants, vary the IV, watch the answer). So [`open_envelope`] has exactly one
//! failure, [`ClientError::UntrustedAnswer`] with the message [`OPEN_FAILED`], for every cause:
//! an envelope that does not parse, one addressed to another key, a failed RSA-OAEP step, bad
//! padding, and an opened value that is not what the request asked for (its length, or for a
//! key pair its PKCS#8 structure, spec and public half — all of which follow from the padding
//! and the decrypted bytes, so they are part of the oracle too).
//!
//! Timing: the work on the secret-dependent path is the same whatever fails. Once an envelope
//! parses, one RSA-OAEP decryption and one AES-CBC decryption always run: a failed OAEP step
//! continues with a random content key (`nitro_kms_attest::recipient`'s "random filling"), and
//! the padding check is aws-lc's. An envelope that does not parse, or is addressed to another key,
//! is decided by bytes the parent itself wrote, so its outcome tells the parent nothing it did
//! not know; even so, this file then opens a decoy envelope of the same shape with the client's
//! key, so that path costs one RSA-OAEP and one AES-CBC step too. The check of the opened value
//! (a length comparison; for a key pair, parsing a PKCS#8 key) only runs after the padding was
//! valid; it costs microseconds against the milliseconds of the RSA step, which the caller sees
//! as noise. What no client can hide is success versus failure; a value of the requested length
//! and shape only comes out of an envelope the parent did not tamper with (or one it built
//! itself, which is the next issue's subject: the parent forging whole answers).
//!
//! Not every change is caught: a flipped IV byte, or one in a content block before the last two,
//! changes bytes of the value without touching the padding, and the value is accepted. The parent
//! then makes the application use a key that differs from the real one by a difference it chose,
//! without learning the key; AWS's format (no MAC) leaves no way to notice that.
//!
//! Decrypt has no requested length, so there "opened" versus "not opened" is visible for any
//! tampered envelope; [`crate::KmsClient::decrypt_expecting`] takes the length the caller knows
//! (e.g. 32 for an AES-256 data key) and closes that too.

use std::sync::Arc;

use nitro_kms_api::Blob;
use nitro_kms_api::types::RecipientInfo;
use nitro_kms_attest::nsm::{Nsm, NsmExt};
use nitro_kms_attest::recipient::{self, IV_LEN, RecipientEnvelope};
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_crypto::{RsaKeySize, RsaPrivateKey};

use crate::error::ClientError;

/// The one message of every failure to open a `CiphertextForRecipient` into what the request
/// asked for (module docs: no oracle).
pub const OPEN_FAILED: &str = "CiphertextForRecipient does not open to what was asked for";

/// Content length of the decoy envelope opened when the real one does not parse: three AES
/// blocks, a 32-byte data key and its padding block.
const DECOY_CONTENT_LEN: usize = 48;

/// The recipient side: the NSM and the client's RSA key.
pub struct Attestation {
    nsm: Arc<dyn Nsm>,
    key: RsaPrivateKey,
}

impl std::fmt::Debug for Attestation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attestation")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Attestation {
    /// A fresh RSA key of `size`, attested through `nsm` on every call.
    pub fn new(nsm: Arc<dyn Nsm>, size: RsaKeySize) -> Result<Self, ClientError> {
        let key = RsaPrivateKey::generate(size)
            .map_err(|e| ClientError::Config(format!("cannot make the recipient key: {e}")))?;
        Ok(Attestation { nsm, key })
    }

    /// A `Recipient` member with a fresh document.
    pub fn recipient(&self) -> Result<RecipientInfo, ClientError> {
        let document = self
            .nsm
            .attest(Some(self.key.public_key_spki_der()), None, None)
            .map_err(|e| ClientError::Config(format!("the NSM refused to attest: {e:?}")))?;
        Ok(RecipientInfo {
            key_encryption_algorithm: Some("RSAES_OAEP_SHA_256".to_owned()),
            attestation_document: Some(Blob::new(document)),
        })
    }

    /// The recipient key's public half (DER SPKI), what the documents bind.
    pub fn public_key_spki_der(&self) -> &[u8] {
        self.key.public_key_spki_der()
    }

    /// Opens a `CiphertextForRecipient` with the client's key: [`open_envelope`].
    pub fn open(
        &self,
        envelope: &Blob,
        is_expected: impl FnOnce(&SecretBytes) -> bool,
    ) -> Result<SecretBytes, ClientError> {
        open_envelope(envelope.as_bytes(), &self.key, is_expected)
    }
}

/// Opens a `CiphertextForRecipient` with `key` and accepts the value only if `is_expected`
/// holds for it. Every failure, whatever its cause, is the same [`ClientError::UntrustedAnswer`]
/// with [`OPEN_FAILED`], after the same work (module docs). The attested client and the CLI
/// (`nitro-kms recipient decrypt`) both open envelopes through it.
pub fn open_envelope(
    envelope: &[u8],
    key: &RsaPrivateKey,
    is_expected: impl FnOnce(&SecretBytes) -> bool,
) -> Result<SecretBytes, ClientError> {
    let opened = match recipient::parse(envelope) {
        Ok(parsed) if parsed.is_addressed_to(key) => parsed.decrypt(key).ok(),
        _ => {
            // Public bytes decided this; spend what a real attempt spends anyway.
            let _ = decoy(key).decrypt(key);
            None
        }
    };
    opened
        .filter(|value| is_expected(value))
        .ok_or_else(|| ClientError::UntrustedAnswer(OPEN_FAILED.to_owned()))
}

/// An envelope of the usual shape that never opens: an encrypted key of the modulus' size
/// (RSA-OAEP rejects all zeros) and three blocks of content.
fn decoy(key: &RsaPrivateKey) -> RecipientEnvelope {
    RecipientEnvelope {
        subject_key_identifier: Vec::new(),
        encrypted_key: vec![0; key.bits() / 8],
        iv: [0; IV_LEN],
        ciphertext: vec![0; DECOY_CONTENT_LEN],
    }
}
