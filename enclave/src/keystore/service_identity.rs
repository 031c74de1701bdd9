//! The service's identity keys, kept in the sealed keystore: the TLS CA key and certificate and
//! the provisioning key (issue 16).
//!
//! Made once, at the first start of a leader, by [`super::Mutation::CreateServiceIdentity`], and
//! loaded with the rest of the sealed state after that: so the CA a client pinned and the
//! provisioning key it sealed credentials to survive restarts, and read replicas (which load the
//! same sealed state) present the same ones. What the keys are for, and the format built on them,
//! is `crate::tls` and `docs/service-identity.md`.

use std::fmt;

use nitro_kms_crypto::secret::SecretBytes;
use serde::{Deserialize, Serialize};

use super::records::{de_secret, ser_secret};

/// The identity keys of the service, as the sealed state stores them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceIdentity {
    /// The TLS CA's private key: ECDSA P-384, PKCS#8 DER.
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    pub ca_key: SecretBytes,
    /// The CA's self-signed certificate (DER), made with the key: stored, not rebuilt, so its
    /// bytes (and the fingerprint clients print and pin) stay the same across restarts.
    #[serde(with = "serde_bytes")]
    pub ca_certificate: Vec<u8>,
    /// The provisioning key: RSA-3072, PKCS#8 DER (sealed credentials are encrypted to it).
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    pub provisioning_key: SecretBytes,
    /// When it was made, ms since the epoch.
    pub created_ms: u64,
}

impl fmt::Debug for ServiceIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceIdentity")
            .field("ca_key", &self.ca_key)
            .field(
                "ca_certificate_sha256",
                &hex::encode(nitro_kms_crypto::sha256(&self.ca_certificate)),
            )
            .field("provisioning_key", &self.provisioning_key)
            .field("created_ms", &self.created_ms)
            .finish()
    }
}
