//! What Encapsulate and Decapsulate check about their key after [`super::access`] found,
//! authorized and state-checked it, and the mapping from KMS key specs to the crypto crate's
//! ML-KEM parameter sets.
//!
//! - The usage: a key that is not an `ENCAPSULATE_DECAPSULATE` ML-KEM key is
//!   `InvalidKeyUsageException` `<key-arn> key usage is SIGN_VERIFY which is not valid for
//!   Encapsulate.` (the wording AWS uses for every usage mismatch, recorded for Sign).
//! - The algorithm: the model allows only `ML_KEM`, which validation already enforced.
//! - The material: a key stored without its decapsulation key (created before this service
//!   generated ML-KEM keys, when CreateKey kept such keys as metadata) can never encapsulate, so
//!   it is `KMSInvalidStateException` ([`super::signing_key::material`]).

use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto::kem::KemKeyKind;

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::{KeyMaterial, Keystore};

/// An Encapsulate or Decapsulate request that passed the key checks.
pub struct Checked<'k> {
    /// The key's ARN, for the answer.
    pub key_arn: String,
    /// The key's decapsulation key (FIPS 203 expanded `dk`).
    pub material: &'k KeyMaterial,
    /// The key's parameter set.
    pub kind: KemKeyKind,
}

/// The crypto crate's parameter set of an ML-KEM key spec; `None` for the others.
pub fn kem_kind(spec: KeySpec) -> Option<KemKeyKind> {
    match spec {
        KeySpec::MlKem512 => Some(KemKeyKind::MlKem512),
        KeySpec::MlKem768 => Some(KemKeyKind::MlKem768),
        KeySpec::MlKem1024 => Some(KemKeyKind::MlKem1024),
        _ => None,
    }
}

/// Runs the checks Encapsulate and Decapsulate share, in AWS's order: the key (aliases allowed),
/// the policy (`op`'s action, `kms:Encapsulate` / `kms:Decapsulate`), its state, then an ML-KEM
/// `ENCAPSULATE_DECAPSULATE` key with material.
pub fn check<'k>(
    svc: &Context,
    ks: &'k Keystore,
    caller: &str,
    op: Operation,
    key_id: &str,
) -> Result<Checked<'k>, KmsError> {
    let key = access::resolve(svc, ks, caller, op, key_id, Aliases::Allowed)?;
    let key = access::authorize(svc, key, caller, op, &Default::default(), None)?.stored();
    access::require_usable(svc, key)?;
    let key_arn = svc.identity.key_arn(&key.key_id);
    let (Some(kind), KeyUsageType::EncapsulateDecapsulate) =
        (kem_kind(key.key_spec), key.key_usage)
    else {
        return Err(KmsError::invalid_key_usage(
            &key_arn,
            key.key_usage.as_str(),
            op.name(),
        ));
    };
    let material = super::signing_key::material(svc, key)?;
    Ok(Checked {
        key_arn,
        material,
        kind,
    })
}
