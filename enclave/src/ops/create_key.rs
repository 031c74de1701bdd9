//! CreateKey: a new KMS key in this account and region.
//!
//! SYMMETRIC_DEFAULT keys get 256-bit AES-GCM material and do everything the data-key family
//! needs; HMAC keys get a random MAC key of their size; signing keys (ML-DSA included), RSA
//! encryption keys and `KEY_AGREEMENT` keys get a fresh PKCS#8 private key, ML-KEM keys a FIPS 203
//! decapsulation key. Origin `EXTERNAL` makes a SYMMETRIC_DEFAULT or HMAC key without material,
//! `PendingImport` until ImportKeyMaterial (asymmetric imports are refused). `MultiRegion=true`
//! makes a multi-Region primary key (`mrk-` id). The policy defaults to AWS's default key policy
//! (the account may do everything); a given policy must parse and must pass the lockout safety
//! check unless
//! `BypassPolicyLockoutSafetyCheck` is set.

use std::collections::BTreeMap;
use std::sync::Arc;

use nitro_kms_api::ops::{CreateKeyRequest, CreateKeyResponse};
use nitro_kms_api::types::{KeySpec, KeyUsageType, OriginType};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};
use nitro_kms_crypto as crypto;

use super::access;
use super::describe_key::metadata;
use crate::ciphertext_blob;
use crate::context::Context;
use crate::keystore::{
    ImportedOrigin, KeyMaterial, KeyStateRecord, MultiRegionConfig, Mutation, StoredKey,
};
use crate::policy;

/// Runs CreateKey for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: CreateKeyRequest,
) -> Result<CreateKeyResponse, KmsError> {
    let spec = req
        .key_spec()
        .ok_or_else(|| KmsError::internal("unvalidated key spec"))?;
    let usage = req.key_usage().ok_or_else(KmsError::key_usage_required)?;
    if let Some(store) = &req.custom_key_store_id {
        // This service has no custom key stores (see `super::custom_key_stores`).
        return Err(KmsError::custom_key_store_not_found(store));
    }
    let external = match req.origin() {
        Some(OriginType::AwsKms) | None => false,
        Some(OriginType::External) if super::imported_key::material_len(spec).is_some() => true,
        Some(OriginType::External) => {
            // Asymmetric imports are not served: answered as AWS did before it supported them.
            return Err(KmsError::new(
                KmsErrorType::UnsupportedOperation,
                format!(
                    "KeySpec {} is not supported for Origin EXTERNAL",
                    spec.as_str()
                ),
            ));
        }
        Some(other) => {
            return Err(KmsError::new(
                KmsErrorType::UnsupportedOperation,
                format!(
                    "Origin {} is not supported by this key store.",
                    other.as_str()
                ),
            ));
        }
    };
    // A multi-Region key (issue 18) is a primary key in this region: id `mrk-` and 32 hex
    // digits, as AWS makes them; its material is what replicas in other regions will share.
    let multi_region = req.multi_region == Some(true);
    let key_id = if multi_region {
        new_multi_region_key_id()?
    } else {
        new_key_id()?
    };
    let key_arn = svc.identity.key_arn(&key_id);
    let policy_text = match req.policy {
        Some(text) => {
            check_new_policy(
                caller,
                &key_arn,
                &text,
                req.bypass_policy_lockout_safety_check == Some(true),
            )?;
            text
        }
        None => policy::default_policy(&svc.identity.account),
    };
    let tags = access::tag_map(req.tags);
    let key = StoredKey {
        key_id,
        creation_date_ms: (svc.clock)(),
        description: req.description.unwrap_or_default(),
        key_spec: spec,
        key_usage: usage,
        state: match external {
            true => KeyStateRecord::PendingImport,
            false => KeyStateRecord::Enabled,
        },
        policy: policy_text,
        tags,
        material: match external {
            true => None,
            false => new_material(spec, usage).await?,
        },
        rotation: Default::default(),
        import: external.then(Box::<ImportedOrigin>::default),
        grants: Vec::new(),
        multi_region: multi_region.then(|| {
            Box::new(MultiRegionConfig {
                primary_region: svc.identity.region.clone(),
                replica_regions: Vec::new(),
            })
        }),
    };
    let described = metadata(svc, &key);
    super::commit::commit(svc, Mutation::CreateKey(key)).await?;
    Ok(CreateKeyResponse {
        key_metadata: Some(described),
    })
}

/// A fresh random (version 4) key id.
fn new_key_id() -> Result<String, KmsError> {
    let mut bytes: [u8; 16] =
        crypto::random_array().map_err(|_| KmsError::internal("no randomness available"))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Ok(ciphertext_blob::format_key_id(&bytes))
}

/// A fresh multi-Region key id: `mrk-` and 32 random lower-case hex digits (AWS's form,
/// `mrk-1234abcd12ab34cd56ef1234567890ab`).
fn new_multi_region_key_id() -> Result<String, KmsError> {
    let bytes: [u8; 16] =
        crypto::random_array().map_err(|_| KmsError::internal("no randomness available"))?;
    Ok(format!(
        "{}{}",
        ciphertext_blob::MULTI_REGION_PREFIX,
        crypto::hex_lower(&bytes)
    ))
}

/// Material for the specs that have it here: random bytes for symmetric and HMAC keys, a fresh
/// PKCS#8 private key for `SIGN_VERIFY`, RSA `ENCRYPT_DECRYPT` and `KEY_AGREEMENT` keys, the FIPS
/// 203 decapsulation key for ML-KEM keys (fast: no blocking pool needed). A private key is
/// generated on the blocking pool, as
/// GenerateDataKeyPair does: an RSA-4096 key takes long enough to stall the other requests of an
/// async worker.
async fn new_material(spec: KeySpec, usage: KeyUsageType) -> Result<Option<KeyMaterial>, KmsError> {
    let rng = |_| KmsError::internal("no randomness available");
    type Generate = Box<dyn FnOnce() -> Result<crypto::SecretBytes, crypto::CryptoError> + Send>;
    let generate: Option<Generate> = match (private_key_kind(spec, usage), usage) {
        (Some(kind), _) => Some(Box::new(move || {
            crypto::signing::generate_signing_key(kind)
        })),
        (None, KeyUsageType::KeyAgreement) => super::derive_shared_secret::agreement_curve(spec)
            .map(|curve| {
                Box::new(move || crypto::key_agreement::generate_agreement_key(curve)) as _
            }),
        _ => None,
    };
    if let Some(generate) = generate {
        let secret = tokio::task::spawn_blocking(generate)
            .await
            .map_err(|_| KmsError::internal("key generation was interrupted"))?
            .map_err(|_| KmsError::internal("key generation failed"))?;
        return Ok(Some(KeyMaterial {
            id: crypto::random_array().map_err(rng)?,
            secret,
        }));
    }
    if let (Some(kind), KeyUsageType::EncapsulateDecapsulate) =
        (super::kem_key::kem_kind(spec), usage)
    {
        let secret = crypto::kem::generate_kem_key(kind)
            .map_err(|_| KmsError::internal("key generation failed"))?;
        return Ok(Some(KeyMaterial {
            id: crypto::random_array().map_err(rng)?,
            secret,
        }));
    }
    let len = match (spec, usage) {
        (KeySpec::SymmetricDefault, _) => 32,
        (KeySpec::Hmac224, _) => 28,
        (KeySpec::Hmac256, _) => 32,
        (KeySpec::Hmac384, _) => 48,
        (KeySpec::Hmac512, _) => 64,
        _ => return Ok(None),
    };
    Ok(Some(KeyMaterial {
        id: crypto::random_array().map_err(rng)?,
        secret: crypto::random_secret(len).map_err(rng)?,
    }))
}

/// The private key to generate for an asymmetric key of `spec` and `usage`, if it has one here.
/// RSA `ENCRYPT_DECRYPT` keys are the same PKCS#8 RSA keys as RSA signing keys (one generator,
/// `nitro_kms_crypto::signing`); only the usage decides what they may do.
fn private_key_kind(spec: KeySpec, usage: KeyUsageType) -> Option<crypto::signing::SigningKeyKind> {
    let kind = super::signing_key::signing_kind(spec)?;
    let rsa = matches!(spec, KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096);
    match usage {
        KeyUsageType::SignVerify => Some(kind),
        KeyUsageType::EncryptDecrypt if rsa => Some(kind),
        _ => None,
    }
}

/// A policy given to CreateKey or PutKeyPolicy must parse, and unless the caller bypasses the
/// check it must still let the caller change the policy later (AWS's lockout safety check).
pub fn check_new_policy(
    caller: &str,
    key_arn: &str,
    text: &str,
    bypass_lockout_check: bool,
) -> Result<(), KmsError> {
    let parsed = policy::Policy::parse(text)
        .map_err(|e| KmsError::new(KmsErrorType::MalformedPolicyDocument, e.0))?;
    if bypass_lockout_check {
        return Ok(());
    }
    let ctx = policy::RequestContext {
        principal_arn: caller.to_owned(),
        action: Operation::PutKeyPolicy.iam_action(),
        key_arn: key_arn.to_owned(),
        encryption_context: BTreeMap::new(),
        attestation: None,
        condition_keys: BTreeMap::new(),
    };
    match parsed.evaluate(&ctx) {
        policy::Decision::Allow => Ok(()),
        _ => Err(KmsError::new(
            KmsErrorType::MalformedPolicyDocument,
            "The new key policy will not allow you to update the key policy in the future.",
        )),
    }
}
