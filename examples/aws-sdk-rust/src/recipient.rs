//! The application's side of an attested KMS call: an RSA key pair that lives only in this
//! process, an attestation document over its public key, and the opening of what KMS answers.
//!
//! With a `Recipient` (the document and `RSAES_OAEP_SHA_256`), KMS checks the document (signed by
//! the NSM, chained to the Nitro root, PCRs as the key policy requires) and, instead of
//! `Plaintext`, returns `CiphertextForRecipient`: a CMS EnvelopedData that only the private key
//! matching the document's public key opens. The parent instance relaying the call sees neither
//! the private key nor the data key.
//!
//! Everything cryptographic here is nitro-kms's own code (`nitro-kms-attest`, `nitro-kms-crypto`):
//! the NSM (the real `/dev/nsm` or the simulated one of `nitro-kms-proxy --simulate`), the key
//! pair (aws-lc) and the CMS reader, the same the `nitro-kms` CLI uses.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeyEncryptionMechanism, RecipientInfo};
use nitro_kms_attest::nsm::NsmExt;
use nitro_kms_attest::nsm::source::NsmSource;
use nitro_kms_crypto::{RsaKeySize, RsaPrivateKey, SecretBytes};

use crate::error::ExampleError;

/// An RSA key pair and the NSM's attestation document binding its public key.
pub struct AttestedKeyPair {
    key: RsaPrivateKey,
    document: Vec<u8>,
}

impl AttestedKeyPair {
    /// Makes a fresh RSA-2048 key pair and asks the NSM of `source` to attest its public key
    /// (DER SubjectPublicKeyInfo, as KMS expects). `source` is checked first, so a mistyped
    /// `simulated:DIR` is refused here rather than by the service later.
    pub fn new(source: &NsmSource) -> Result<Self, ExampleError> {
        source
            .check_present()
            .map_err(|e| ExampleError::nsm(source, e))?;
        let nsm = source.open().map_err(|e| ExampleError::nsm(source, e))?;
        let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048)
            .map_err(|e| ExampleError::KeyPair(e.to_string()))?;
        let document = nsm
            .attest(Some(key.public_key_spki_der()), None, None)
            .map_err(|e| ExampleError::nsm(source, e))?;
        Ok(Self { key, document })
    }

    /// The attestation document (COSE_Sign1), as sent.
    pub fn document(&self) -> &[u8] {
        &self.document
    }

    /// The `Recipient` parameter of GenerateDataKey, Decrypt, GenerateRandom, ...: the document
    /// and the only key encryption algorithm KMS supports for it.
    pub fn recipient_info(&self) -> RecipientInfo {
        RecipientInfo::builder()
            .key_encryption_algorithm(KeyEncryptionMechanism::RsaesOaepSha256)
            .attestation_document(Blob::new(self.document.clone()))
            .build()
    }

    /// Opens the `CiphertextForRecipient` of an `operation`'s answer with the private key: the
    /// plaintext (here a data key) that KMS would otherwise have sent in `Plaintext`. An answer
    /// that carries `Plaintext` anyway is refused: the data key would have crossed the parent.
    pub fn open(
        &self,
        operation: &'static str,
        plaintext: Option<&Blob>,
        envelope: Option<&Blob>,
    ) -> Result<SecretBytes, ExampleError> {
        if plaintext.is_some() {
            return Err(ExampleError::Answer {
                operation,
                problem: "Plaintext in an answer to a Recipient request",
            });
        }
        let envelope = envelope.ok_or(ExampleError::Answer {
            operation,
            problem: "no CiphertextForRecipient in the answer",
        })?;
        nitro_kms_attest::recipient::decrypt(envelope.as_ref(), &self.key).map_err(|e| {
            ExampleError::Envelope {
                operation,
                reason: e.to_string(),
            }
        })
    }
}

#[cfg(test)]
mod tests;
