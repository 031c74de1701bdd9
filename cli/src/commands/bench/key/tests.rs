use nitro_kms_api::types::structures::KeyMetadata;
use nitro_kms_api::types::{KeySpec, KeyState, KeyUsageType};

use super::super::workload::{BENCH_ALIAS, KeyNeed};
use super::check_usable;

const SYMMETRIC: KeyNeed = KeyNeed {
    spec: KeySpec::SymmetricDefault,
    usage: KeyUsageType::EncryptDecrypt,
};
const P256_SIGNING: KeyNeed = KeyNeed {
    spec: KeySpec::EccNistP256,
    usage: KeyUsageType::SignVerify,
};

fn key(state: KeyState, spec: KeySpec, usage: KeyUsageType) -> KeyMetadata {
    KeyMetadata {
        key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
        key_state: Some(state),
        key_spec: Some(spec),
        key_usage: Some(usage),
        ..KeyMetadata::default()
    }
}

#[test]
fn an_enabled_symmetric_encryption_key_is_usable() {
    let usable = key(
        KeyState::Enabled,
        KeySpec::SymmetricDefault,
        KeyUsageType::EncryptDecrypt,
    );
    assert_eq!(check_usable(&usable, SYMMETRIC, BENCH_ALIAS), Ok(()));
}

#[test]
fn a_disabled_or_asymmetric_key_behind_the_alias_says_pass_key_id_or_delete_the_alias() {
    for bad in [
        key(
            KeyState::Disabled,
            KeySpec::SymmetricDefault,
            KeyUsageType::EncryptDecrypt,
        ),
        key(
            KeyState::PendingDeletion,
            KeySpec::SymmetricDefault,
            KeyUsageType::EncryptDecrypt,
        ),
        key(
            KeyState::Enabled,
            KeySpec::Rsa2048,
            KeyUsageType::SignVerify,
        ),
        key(
            KeyState::Enabled,
            KeySpec::Hmac256,
            KeyUsageType::GenerateVerifyMac,
        ),
    ] {
        let message = check_usable(&bad, SYMMETRIC, BENCH_ALIAS).unwrap_err();
        assert!(!message.contains('\n'), "{message}");
        for part in [
            BENCH_ALIAS,
            bad.key_id.as_str(),
            "--key-id",
            "delete-alias",
            bad.key_state.unwrap().as_str(),
            bad.key_spec.unwrap().as_str(),
        ] {
            assert!(message.contains(part), "{part} not in: {message}");
        }
    }
}

#[test]
fn a_key_whose_metadata_lacks_its_state_is_not_assumed_usable() {
    let unknown = KeyMetadata {
        key_id: "k".into(),
        ..KeyMetadata::default()
    };
    assert!(
        check_usable(&unknown, SYMMETRIC, BENCH_ALIAS)
            .unwrap_err()
            .contains("unknown")
    );
}

#[test]
fn a_signing_run_needs_an_enabled_key_of_its_spec_and_says_so_with_its_own_alias() {
    let alias = P256_SIGNING.alias();
    let usable = key(
        KeyState::Enabled,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
    );
    assert_eq!(check_usable(&usable, P256_SIGNING, &alias), Ok(()));
    for bad in [
        key(
            KeyState::Enabled,
            KeySpec::EccNistP384,
            KeyUsageType::SignVerify,
        ),
        key(
            KeyState::Enabled,
            KeySpec::EccNistP256,
            KeyUsageType::KeyAgreement,
        ),
        key(
            KeyState::Disabled,
            KeySpec::EccNistP256,
            KeyUsageType::SignVerify,
        ),
    ] {
        let message = check_usable(&bad, P256_SIGNING, &alias).unwrap_err();
        for part in [
            alias.as_str(),
            "ECC_NIST_P256 SIGN_VERIFY key",
            "--key-id",
            "delete-alias",
        ] {
            assert!(message.contains(part), "{part} not in: {message}");
        }
    }
}
