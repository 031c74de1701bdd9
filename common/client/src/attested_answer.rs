//! What an attested answer must hold before anything of it reaches the application.
//!
//! The parent relays every byte between an attested client and the service, so it can rewrite
//! the JSON answer: drop `CiphertextForRecipient` and put a key of its choice in `Plaintext`, or
//! change the request's `KeySpec` on the way in so that the genuine answer carries a shorter key.
//! An attested answer is therefore accepted only if
//!
//! - it has a `CiphertextForRecipient` and no `Plaintext` (no `PrivateKeyPlaintext` for a key
//!   pair): KMS answers a `Recipient` with the envelope and an empty or null plaintext member, so
//!   a plaintext member can only have been written by someone else;
//! - the envelope opens, with the client's key, to what the request asked for: a data key of its
//!   `KeySpec` (AES_256 = 32 bytes, AES_128 = 16) or `NumberOfBytes`, `NumberOfBytes` random
//!   bytes, a PKCS#8 DER private key of the `KeyPairSpec` that is the half of the returned
//!   `PublicKey`, or for Decrypt (whose request names no length) anything, unless the caller gave
//!   the length through [`KmsClient::decrypt_expecting`](crate::KmsClient::decrypt_expecting).
//!
//! Anything else is [`ClientError::UntrustedAnswer`] and no part of the answer is returned. The
//! first rule's failures name what was wrong (they are about bytes the parent wrote in the clear);
//! the second rule has one message for every cause, see `attested.rs` (no padding oracle).
//!
//! The CLI's `--recipient` and the enclave's seal root call the typed operations of
//! [`KmsClient`](crate::KmsClient), so these rules are theirs too.

use nitro_kms_api::Blob;
use nitro_kms_api::ops::{
    DecryptResponse, GenerateDataKeyPairRequest, GenerateDataKeyPairResponse,
    GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateRandomRequest, GenerateRandomResponse,
};
use nitro_kms_api::types::DataKeyPairSpec;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_crypto::{EcCurve, RsaKeySize, RsaPrivateKey};

use crate::attested::Attestation;
use crate::error::ClientError;

/// The refusal of an answer that breaks the rules (module docs).
fn refused(why: impl Into<String>) -> ClientError {
    ClientError::UntrustedAnswer(why.into())
}

/// The envelope of an answer that has one and no plaintext member (`member` names it). KMS
/// sends the plaintext member of an attested answer as null or empty, so an empty one passes.
fn envelope_only<'a>(
    envelope: Option<&'a Blob>,
    plaintext: Option<&SecretBytes>,
    member: &str,
) -> Result<&'a Blob, ClientError> {
    if plaintext.is_some_and(|p| !p.is_empty()) {
        return Err(refused(format!(
            "attested answer carries a {member}, which KMS never sends to a Recipient"
        )));
    }
    envelope
        .filter(|e| !e.as_bytes().is_empty())
        .ok_or_else(|| refused("attested answer has no CiphertextForRecipient"))
}

/// GenerateDataKey: the envelope holds a key of the requested length, which becomes `Plaintext`.
pub fn accept_data_key(
    attestation: &Attestation,
    request: &GenerateDataKeyRequest,
    mut response: GenerateDataKeyResponse,
) -> Result<GenerateDataKeyResponse, ClientError> {
    let envelope = envelope_only(
        response.ciphertext_for_recipient.as_ref(),
        response.plaintext.as_ref(),
        "Plaintext",
    )?;
    let len = request.data_key_len().ok_or_else(|| {
        refused("the request names no data key length (KeySpec or NumberOfBytes) to check")
    })?;
    let key = attestation.open(envelope, |key| key.len() == len)?;
    response.plaintext = Some(key);
    Ok(response)
}

/// GenerateRandom: the envelope holds `NumberOfBytes` bytes, which become `Plaintext`.
pub fn accept_random(
    attestation: &Attestation,
    request: &GenerateRandomRequest,
    mut response: GenerateRandomResponse,
) -> Result<GenerateRandomResponse, ClientError> {
    let envelope = envelope_only(
        response.ciphertext_for_recipient.as_ref(),
        response.plaintext.as_ref(),
        "Plaintext",
    )?;
    let len = request
        .byte_count()
        .ok_or_else(|| refused("the request names no NumberOfBytes to check"))?;
    let bytes = attestation.open(envelope, |bytes| bytes.len() == len)?;
    response.plaintext = Some(bytes);
    Ok(response)
}

/// Decrypt: the envelope opens (to `expected_len` bytes when the caller knows the length); its
/// content becomes `Plaintext`.
pub fn accept_decrypt(
    attestation: &Attestation,
    expected_len: Option<usize>,
    mut response: DecryptResponse,
) -> Result<DecryptResponse, ClientError> {
    let envelope = envelope_only(
        response.ciphertext_for_recipient.as_ref(),
        response.plaintext.as_ref(),
        "Plaintext",
    )?;
    let plaintext =
        attestation.open(envelope, |p| expected_len.is_none_or(|len| p.len() == len))?;
    response.plaintext = Some(plaintext);
    Ok(response)
}

/// GenerateDataKeyPair: the envelope holds a PKCS#8 DER private key of the requested spec whose
/// public half is the answer's `PublicKey` (when it has one); it becomes `PrivateKeyPlaintext`.
pub fn accept_key_pair(
    attestation: &Attestation,
    request: &GenerateDataKeyPairRequest,
    mut response: GenerateDataKeyPairResponse,
) -> Result<GenerateDataKeyPairResponse, ClientError> {
    let envelope = envelope_only(
        response.ciphertext_for_recipient.as_ref(),
        response.private_key_plaintext.as_ref(),
        "PrivateKeyPlaintext",
    )?;
    let spec = request
        .key_pair_spec()
        .ok_or_else(|| refused("the request names no KeyPairSpec to check"))?;
    if let Some(answered) = response.key_pair_spec
        && answered != spec
    {
        return Err(refused(format!(
            "attested answer is a {answered} key pair, the request asked for {spec}"
        )));
    }
    let kind = PairKind::of(spec).ok_or_else(|| {
        refused(format!(
            "an attested client cannot check a {spec} private key, so it accepts none"
        ))
    })?;
    let public = response.public_key.as_ref().map(Blob::as_bytes);
    let private = attestation.open(envelope, |pkcs8| kind.is_pair(pkcs8, public))?;
    response.private_key_plaintext = Some(private);
    Ok(response)
}

/// The key pair specs whose private keys the client can parse (those nitro-kms generates).
#[derive(Debug, Clone, Copy)]
enum PairKind {
    Rsa(RsaKeySize),
    Ec(EcCurve),
}

impl PairKind {
    fn of(spec: DataKeyPairSpec) -> Option<PairKind> {
        Some(match spec {
            DataKeyPairSpec::Rsa2048 => PairKind::Rsa(RsaKeySize::Rsa2048),
            DataKeyPairSpec::Rsa3072 => PairKind::Rsa(RsaKeySize::Rsa3072),
            DataKeyPairSpec::Rsa4096 => PairKind::Rsa(RsaKeySize::Rsa4096),
            DataKeyPairSpec::EccNistP256 => PairKind::Ec(EcCurve::P256),
            DataKeyPairSpec::EccNistP384 => PairKind::Ec(EcCurve::P384),
            DataKeyPairSpec::EccNistP521 => PairKind::Ec(EcCurve::P521),
            _ => return None,
        })
    }

    /// Whether `pkcs8` is a private key of this kind whose public half is `public` (if given).
    fn is_pair(self, pkcs8: &SecretBytes, public: Option<&[u8]>) -> bool {
        let derived = match self {
            PairKind::Rsa(size) => RsaPrivateKey::from_pkcs8_der(pkcs8.expose())
                .ok()
                .filter(|key| key.bits() == size.bits())
                .map(|key| key.public_key_spki_der().to_vec()),
            PairKind::Ec(curve) => {
                nitro_kms_crypto::ec_pkcs8_public_key(curve, pkcs8.expose()).ok()
            }
        };
        derived.is_some_and(|spki| public.is_none_or(|p| p == spki.as_slice()))
    }
}

#[cfg(test)]
mod tests;
