//! The attested mode of [`crate::KmsClient`]: requests carry a `Recipient` and answers are
//! unwrapped locally.
//!
//! The client keeps one RSA key (2048 bits by default) for its lifetime. For every
//! GenerateDataKey, Decrypt, GenerateRandom and GenerateDataKeyPair it asks the NSM for a fresh
//! attestation document binding that key's public half, sends it as `Recipient`, and decrypts the
//! `CiphertextForRecipient` it gets back (RSA-OAEP in aws-lc, constant time) into the response's
//! plaintext member — so callers see the same response shape as without attestation, while the
//! parent only ever relays ciphertext.

use std::sync::Arc;

use nitro_kms_api::Blob;
use nitro_kms_api::types::RecipientInfo;
use nitro_kms_attest::nsm::{Nsm, NsmExt};
use nitro_kms_attest::recipient;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_crypto::{RsaKeySize, RsaPrivateKey};

use crate::error::ClientError;

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

    /// Opens a `CiphertextForRecipient`.
    pub fn open(&self, envelope: &Blob) -> Result<SecretBytes, ClientError> {
        recipient::decrypt(envelope.as_bytes(), &self.key)
            .map_err(|e| ClientError::Protocol(format!("cannot open CiphertextForRecipient: {e}")))
    }
}
