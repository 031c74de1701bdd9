use super::*;
use crate::KmsErrorType;
use crate::json;

const KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

#[test]
fn get_parameters_for_import_requires_algorithm_and_spec_and_refuses_sm2() {
    let err =
        json::parse::<GetParametersForImportRequest>(format!(r#"{{"KeyId":"{KEY}"}}"#).as_bytes())
            .unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Validation);
    assert!(
        err.message()
            .contains("'wrappingAlgorithm' failed to satisfy constraint: Member must not be null"),
        "{}",
        err.message()
    );
    let err = json::parse::<GetParametersForImportRequest>(
        format!(r#"{{"KeyId":"{KEY}","WrappingAlgorithm":"SM2PKE","WrappingKeySpec":"SM2"}}"#)
            .as_bytes(),
    )
    .unwrap_err();
    assert!(
        err.message().starts_with("2 validation errors detected"),
        "{}",
        err.message()
    );
    let ok = json::parse::<GetParametersForImportRequest>(
        format!(r#"{{"KeyId":"{KEY}","WrappingAlgorithm":"RSA_AES_KEY_WRAP_SHA_256","WrappingKeySpec":"RSA_4096"}}"#).as_bytes(),
    )
    .unwrap();
    assert_eq!(
        ok.wrapping_algorithm(),
        Some(AlgorithmSpec::RsaAesKeyWrapSha256)
    );
    assert_eq!(ok.wrapping_key_spec(), Some(WrappingKeySpec::Rsa4096));
}

#[test]
fn import_key_material_defaults_to_expiring_material_and_checks_the_material_id() {
    let ok = json::parse::<ImportKeyMaterialRequest>(
        format!(r#"{{"KeyId":"{KEY}","ImportToken":"AQID","EncryptedKeyMaterial":"AQID","ValidTo":1.7E9}}"#).as_bytes(),
    )
    .unwrap();
    assert_eq!(
        ok.expiration_model(),
        ExpirationModelType::KeyMaterialExpires
    );
    assert_eq!(
        ok.valid_to,
        Some(Timestamp::from_epoch_seconds(1_700_000_000))
    );
    assert_eq!(ok.import_type(), None);
    let err = json::parse::<ImportKeyMaterialRequest>(
        format!(r#"{{"KeyId":"{KEY}","ImportToken":"AQID","EncryptedKeyMaterial":"AQID","KeyMaterialId":"ABC"}}"#).as_bytes(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Validation);
    assert!(
        err.message().contains("'keyMaterialId'"),
        "{}",
        err.message()
    );
    let err = json::parse::<ImportKeyMaterialRequest>(
        format!(r#"{{"KeyId":"{KEY}","EncryptedKeyMaterial":"AQID"}}"#).as_bytes(),
    )
    .unwrap_err();
    assert!(
        err.message()
            .contains("'importToken' failed to satisfy constraint: Member must not be null"),
        "{}",
        err.message()
    );
}

#[test]
fn key_material_description_allows_the_models_characters_only() {
    let matches = KEY_MATERIAL_DESCRIPTION_PATTERN.matches;
    assert!(matches("first import: 2026/12 v1.0_a-b"));
    assert!(!matches("émoji"));
    assert!(!matches("a;b"));
}
