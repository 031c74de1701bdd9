//! What GenerateMac and VerifyMac check about their key after [`super::access`] found,
//! authorized and state-checked it: that it is an HMAC key, and that the request's MAC algorithm
//! is its spec's one. Both errors are `InvalidKeyUsageException` with AWS's recorded texts
//! (aws-kms-real-errors.txt): `<key-arn> key usage is ENCRYPT_DECRYPT which is not valid for
//! GenerateMac.` and `Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.` — the usage
//! first, so a symmetric key named with any algorithm gets the usage text.

use nitro_kms_api::types::{KeySpec, KeyUsageType, MacAlgorithmSpec};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto::mac::MacAlgorithm;

use crate::context::Context;
use crate::keystore::{KeyMaterial, StoredKey};

/// The one MAC algorithm of an HMAC key spec (`HMAC_256` ↔ `HMAC_SHA_256`); `None` for the other
/// specs. DescribeKey lists it as the key's `MacAlgorithms`.
pub fn spec_algorithm(spec: KeySpec) -> Option<MacAlgorithmSpec> {
    match spec {
        KeySpec::Hmac224 => Some(MacAlgorithmSpec::HmacSha224),
        KeySpec::Hmac256 => Some(MacAlgorithmSpec::HmacSha256),
        KeySpec::Hmac384 => Some(MacAlgorithmSpec::HmacSha384),
        KeySpec::Hmac512 => Some(MacAlgorithmSpec::HmacSha512),
        _ => None,
    }
}

/// The crypto crate's name for a KMS MAC algorithm.
fn crypto_algorithm(algorithm: MacAlgorithmSpec) -> MacAlgorithm {
    match algorithm {
        MacAlgorithmSpec::HmacSha224 => MacAlgorithm::Sha224,
        MacAlgorithmSpec::HmacSha256 => MacAlgorithm::Sha256,
        MacAlgorithmSpec::HmacSha384 => MacAlgorithm::Sha384,
        MacAlgorithmSpec::HmacSha512 => MacAlgorithm::Sha512,
    }
}

/// An HMAC key's material and the algorithm to use it with, or `InvalidKeyUsageException` for
/// `op`. `requested` is the validated request's algorithm (validation makes it present).
pub fn hmac_material<'k>(
    svc: &Context,
    key: &'k StoredKey,
    op: Operation,
    requested: Option<MacAlgorithmSpec>,
) -> Result<(&'k KeyMaterial, MacAlgorithm), KmsError> {
    let usage_error = || {
        KmsError::invalid_key_usage(
            &svc.identity.key_arn(&key.key_id),
            key.key_usage.as_str(),
            op.name(),
        )
    };
    let (Some(own), KeyUsageType::GenerateVerifyMac) =
        (spec_algorithm(key.key_spec), key.key_usage)
    else {
        return Err(usage_error());
    };
    let requested = requested.ok_or_else(|| KmsError::internal("unvalidated MAC algorithm"))?;
    if requested != own {
        return Err(KmsError::incompatible_algorithm(
            requested.as_str(),
            key.key_spec.as_str(),
        ));
    }
    let material = key.material.as_ref().ok_or_else(usage_error)?;
    Ok((material, crypto_algorithm(own)))
}
