//! The service's identity keys: made at the first start of a leader, kept in the sealed keystore,
//! and parsed for use ([`ServiceKeys`]).
//!
//! [`ensure`] is what start-up calls once the sealed state is loaded: the identity stored there,
//! or — on a leader that has none (a first start, or a state from before issue 16) — a new one,
//! committed as a journaled mutation before it is used. A read replica never writes: it catches
//! up with the leader's state until the leader's identity is there.

use std::time::Duration;

use nitro_kms_crypto::{self as crypto, EcdsaP384KeyPair, RsaKeySize, RsaPrivateKey};

use crate::clock::Clock;
use crate::keystore::{KeystoreError, Mutation, ServiceIdentity};
use crate::storage::sealed_store::{CommitError, SealedKeystore};

use super::certificate;
use super::error::TlsError;

/// Pause between a replica's catch-ups while it waits for the leader's identity, and between a
/// leader's attempts when the parent did not store the new identity.
const RETRY: Duration = Duration::from_millis(500);

/// The identity keys, parsed: what the certificates and the well-known answers are made from.
pub struct ServiceKeys {
    ca_key: EcdsaP384KeyPair,
    ca_certificate: Vec<u8>,
    ca_spki: Vec<u8>,
    provisioning_key: RsaPrivateKey,
    provisioning_digest: [u8; crypto::SHA256_LEN],
}

impl std::fmt::Debug for ServiceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceKeys")
            .field("ca_sha256", &self.ca_fingerprint_hex())
            .field("provisioning_key", &self.provisioning_key)
            .finish_non_exhaustive()
    }
}

impl ServiceKeys {
    /// Parses a stored identity, checking that it holds together: a P-384 CA key whose
    /// certificate names its public key, and an RSA-3072 provisioning key.
    pub fn from_stored(identity: &ServiceIdentity) -> Result<Self, TlsError> {
        let ca_key = EcdsaP384KeyPair::from_pkcs8_der(identity.ca_key.expose())?;
        let ca_spki = ca_key.public_key_spki_der()?;
        if certificate::subject_public_key_info(&identity.ca_certificate)? != ca_spki {
            return Err(TlsError::StoredIdentity(
                "the CA certificate is not the CA key's",
            ));
        }
        let provisioning_key = RsaPrivateKey::from_pkcs8_der(identity.provisioning_key.expose())?;
        if provisioning_key.bits() != RsaKeySize::Rsa3072.bits() {
            return Err(TlsError::StoredIdentity(
                "the provisioning key is not RSA-3072",
            ));
        }
        let provisioning_digest = crypto::sha256(provisioning_key.public_key_spki_der());
        Ok(Self {
            ca_key,
            ca_certificate: identity.ca_certificate.clone(),
            ca_spki,
            provisioning_key,
            provisioning_digest,
        })
    }

    /// The CA's signing key.
    pub fn ca_key(&self) -> &EcdsaP384KeyPair {
        &self.ca_key
    }

    /// The CA certificate, DER.
    pub fn ca_certificate(&self) -> &[u8] {
        &self.ca_certificate
    }

    /// The CA's public key, DER SubjectPublicKeyInfo: the `public_key` of every document.
    pub fn ca_spki(&self) -> &[u8] {
        &self.ca_spki
    }

    /// SHA-256 of the CA certificate's DER, lower-case hex (what `service verify` prints).
    pub fn ca_fingerprint_hex(&self) -> String {
        crypto::hex_lower(&crypto::sha256(&self.ca_certificate))
    }

    /// The provisioning key (sealed credentials are encrypted to it).
    pub fn provisioning_key(&self) -> &RsaPrivateKey {
        &self.provisioning_key
    }

    /// The provisioning key's public half, DER SubjectPublicKeyInfo.
    pub fn provisioning_spki(&self) -> &[u8] {
        self.provisioning_key.public_key_spki_der()
    }

    /// SHA-256 of [`Self::provisioning_spki`]: the `user_data` of every document.
    pub fn provisioning_digest(&self) -> &[u8; crypto::SHA256_LEN] {
        &self.provisioning_digest
    }
}

/// A new identity: fresh keys and the CA certificate, made at `now_ms` (ms since the epoch).
pub fn new_identity(now_ms: u64) -> Result<ServiceIdentity, TlsError> {
    let ca_key = EcdsaP384KeyPair::generate()?;
    let ca_certificate = certificate::ca_certificate(&ca_key, now_ms / 1000)?;
    let provisioning_key = RsaPrivateKey::generate(RsaKeySize::Rsa3072)?;
    Ok(ServiceIdentity {
        ca_key: ca_key.pkcs8_der().clone(),
        ca_certificate,
        provisioning_key: provisioning_key.pkcs8_der().clone(),
        created_ms: now_ms,
    })
}

/// Whether [`ensure`] found the identity or made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// It was in the sealed state.
    Loaded,
    /// This enclave (a leader) made and committed it.
    Created,
}

/// The service identity of the sealed state, made and committed first when a leader has none;
/// a read replica waits (catching up) until the leader's is there. Retries for as long as the
/// parent does not store or deliver it: the caller bounds the wait (start-up stops on a signal).
/// Fails only on what a retry cannot mend (a key that cannot be made).
pub async fn ensure(
    store: &SealedKeystore,
    clock: &Clock,
) -> Result<(ServiceIdentity, Origin), TlsError> {
    loop {
        if let Some(identity) = store.read(|k| k.service_identity().cloned()) {
            return Ok((identity, Origin::Loaded));
        }
        if store.is_replica() {
            if let Err(e) = store.catch_up().await {
                tracing::warn!("nitro-kms-enclave: waiting for the leader's service identity: {e}");
            }
            if store.read(|k| k.service_identity().is_none()) {
                tokio::time::sleep(RETRY).await;
            }
            continue;
        }
        let now_ms = clock();
        let identity = tokio::task::spawn_blocking(move || new_identity(now_ms))
            .await
            .map_err(|_| TlsError::StoredIdentity("key generation did not finish"))??;
        match store
            .commit(Mutation::CreateServiceIdentity(identity.clone()))
            .await
        {
            Ok(()) => return Ok((identity, Origin::Created)),
            // Made meanwhile, or this enclave became a replica: read it on the next turn.
            Err(CommitError::Keystore(KeystoreError::ServiceIdentityExists))
            | Err(CommitError::ReadReplica) => {}
            Err(e @ (CommitError::Link(_) | CommitError::Etcd(_) | CommitError::CatchUp(_))) => {
                tracing::warn!(
                    "nitro-kms-enclave: cannot store the new service identity yet ({e}); retrying"
                );
                tokio::time::sleep(RETRY).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests;
