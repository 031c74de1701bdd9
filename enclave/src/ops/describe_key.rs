//! DescribeKey: a key's metadata. Works in every key state; aliases resolve. [`metadata`] is the
//! one place `KeyMetadata` is built (CreateKey returns it too).

use std::sync::Arc;

use nitro_kms_api::ops::{DescribeKeyRequest, DescribeKeyResponse};
use nitro_kms_api::types::{
    CustomerMasterKeySpec, EncapsulationAlgorithmSpec, EncryptionAlgorithmSpec,
    ExpirationModelType, KeyAgreementAlgorithmSpec, KeyManagerType, KeyMetadata, KeySpec, KeyState,
    KeyUsageType, MultiRegionConfiguration, MultiRegionKey, MultiRegionKeyType, OriginType,
    SigningAlgorithmSpec,
};
use nitro_kms_api::{KmsError, Operation, Timestamp, key_id};

use super::access::{self, Aliases};
use super::ciphertext;
use crate::context::Context;
use crate::keystore::{KeyStateRecord, StoredKey};

const OP: Operation = Operation::DescribeKey;

/// Runs DescribeKey for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: DescribeKeyRequest,
) -> Result<DescribeKeyResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        Ok(DescribeKeyResponse {
            key_metadata: Some(metadata(svc, &key)),
        })
    })
}

/// The `KeyMetadata` AWS returns for `key`.
pub fn metadata(svc: &Context, key: &StoredKey) -> KeyMetadata {
    use KeySpec::*;
    let (key_state, enabled, deletion_date, window) = match key.state {
        KeyStateRecord::Enabled => (KeyState::Enabled, true, None, None),
        KeyStateRecord::Disabled => (KeyState::Disabled, false, None, None),
        KeyStateRecord::PendingDeletion {
            deletion_date_ms,
            window_days,
        } => (
            KeyState::PendingDeletion,
            false,
            Some(Timestamp::from_epoch_millis(
                i64::try_from(deletion_date_ms).unwrap_or(i64::MAX),
            )),
            Some(i32::from(window_days)),
        ),
        KeyStateRecord::PendingImport => (KeyState::PendingImport, false, None, None),
        // No DeletionDate yet: AWS shows only the waiting period until the last replica goes.
        KeyStateRecord::PendingReplicaDeletion { window_days } => (
            KeyState::PendingReplicaDeletion,
            false,
            None,
            Some(i32::from(window_days)),
        ),
    };
    let imported = key.import.as_ref();
    // Only while imported material is present (AWS leaves both out of a PendingImport key).
    let (expiration_model, valid_to) = match (imported, &key.material) {
        (Some(import), Some(_)) => match import.valid_to_ms {
            Some(at) => (
                Some(ExpirationModelType::KeyMaterialExpires),
                Some(super::key_rotation::timestamp(at)),
            ),
            None => (Some(ExpirationModelType::KeyMaterialDoesNotExpire), None),
        },
        _ => (None, None),
    };
    let usage = key.key_usage;
    let encryption_algorithms = match (key.key_spec, usage) {
        (SymmetricDefault, _) => Some(vec![EncryptionAlgorithmSpec::SymmetricDefault]),
        (Rsa2048 | Rsa3072 | Rsa4096, KeyUsageType::EncryptDecrypt) => Some(vec![
            EncryptionAlgorithmSpec::RsaesOaepSha1,
            EncryptionAlgorithmSpec::RsaesOaepSha256,
        ]),
        _ => None,
    };
    let signing_algorithms = match (key.key_spec, usage) {
        (Rsa2048 | Rsa3072 | Rsa4096, KeyUsageType::SignVerify) => Some(vec![
            SigningAlgorithmSpec::RsassaPssSha256,
            SigningAlgorithmSpec::RsassaPssSha384,
            SigningAlgorithmSpec::RsassaPssSha512,
            SigningAlgorithmSpec::RsassaPkcs1V15Sha256,
            SigningAlgorithmSpec::RsassaPkcs1V15Sha384,
            SigningAlgorithmSpec::RsassaPkcs1V15Sha512,
        ]),
        (EccNistP256 | EccSecgP256k1, KeyUsageType::SignVerify) => {
            Some(vec![SigningAlgorithmSpec::EcdsaSha256])
        }
        (EccNistP384, KeyUsageType::SignVerify) => Some(vec![SigningAlgorithmSpec::EcdsaSha384]),
        (EccNistP521, KeyUsageType::SignVerify) => Some(vec![SigningAlgorithmSpec::EcdsaSha512]),
        (EccNistEdwards25519, KeyUsageType::SignVerify) => Some(vec![
            SigningAlgorithmSpec::Ed25519Sha512,
            SigningAlgorithmSpec::Ed25519PhSha512,
        ]),
        (MlDsa44 | MlDsa65 | MlDsa87, KeyUsageType::SignVerify) => {
            Some(vec![SigningAlgorithmSpec::MlDsaShake256])
        }
        _ => None,
    };
    let mac_algorithms = super::mac_key::spec_algorithm(key.key_spec).map(|a| vec![a]);
    let encapsulation_algorithms = (usage == KeyUsageType::EncapsulateDecapsulate)
        .then(|| vec![EncapsulationAlgorithmSpec::MlKem]);
    let key_agreement_algorithms =
        (usage == KeyUsageType::KeyAgreement).then(|| vec![KeyAgreementAlgorithmSpec::Ecdh]);
    let multi_region_configuration = multi_region_configuration(svc, key);
    KeyMetadata {
        aws_account_id: Some(svc.identity.account.clone()),
        arn: Some(svc.identity.key_arn(&key.key_id)),
        creation_date: Some(Timestamp::from_epoch_millis(
            i64::try_from(key.creation_date_ms).unwrap_or(i64::MAX),
        )),
        current_key_material_id: (key.key_spec == SymmetricDefault)
            .then(|| key.material.as_ref().map(ciphertext::material_id_hex))
            .flatten(),
        customer_master_key_spec: CustomerMasterKeySpec::from_key_spec(key.key_spec),
        deletion_date,
        description: Some(key.description.clone()),
        enabled: Some(enabled),
        encapsulation_algorithms,
        encryption_algorithms,
        key_agreement_algorithms,
        key_id: key.key_id.clone(),
        key_manager: Some(KeyManagerType::Customer),
        key_spec: Some(key.key_spec),
        key_state: Some(key_state),
        key_usage: Some(usage),
        mac_algorithms,
        multi_region: Some(multi_region_configuration.is_some()),
        multi_region_configuration,
        origin: Some(match imported {
            Some(_) => OriginType::External,
            None => OriginType::AwsKms,
        }),
        expiration_model,
        valid_to,
        pending_deletion_window_in_days: window,
        signing_algorithms,
        ..KeyMetadata::default()
    }
}

/// A multi-Region key's `MultiRegionConfiguration` (`None` for a single-Region key), as every
/// region's copy shows it: `PRIMARY` in the primary's region, else `REPLICA`; `PrimaryKey` the
/// primary's ARN and region, `ReplicaKeys` every replica's (AWS: `PrimaryKey` "includes the
/// current KMS key if it is the primary key", `ReplicaKeys` likewise for a replica).
fn multi_region_configuration(svc: &Context, key: &StoredKey) -> Option<MultiRegionConfiguration> {
    let config = key.multi_region_in(&svc.identity.region)?;
    let in_region = |region: &str| MultiRegionKey {
        arn: Some(key_id::key_arn(region, &svc.identity.account, &key.key_id)),
        region: Some(region.to_owned()),
    };
    Some(MultiRegionConfiguration {
        multi_region_key_type: Some(if config.primary_region == svc.identity.region {
            MultiRegionKeyType::Primary
        } else {
            MultiRegionKeyType::Replica
        }),
        primary_key: Some(in_region(&config.primary_region)),
        replica_keys: Some(
            config
                .replica_regions
                .iter()
                .map(|region| in_region(region))
                .collect(),
        ),
    })
}
