//! Tests of the shared enums (wire strings, accepted sets) and structures (tag rules).

use super::*;
use std::fmt;
use std::str::FromStr;

#[test]
fn enum_wire_strings_round_trip() {
    fn all<E: KmsEnum + FromStr + PartialEq + fmt::Debug>() {
        for &v in E::ALL {
            assert_eq!(E::from_wire(v.as_str()), Some(v));
        }
    }
    all::<DataKeySpec>();
    all::<DataKeyPairSpec>();
    all::<KeySpec>();
    all::<CustomerMasterKeySpec>();
    all::<KeyUsageType>();
    all::<KeyState>();
    all::<EncryptionAlgorithmSpec>();
    all::<SigningAlgorithmSpec>();
    all::<MacAlgorithmSpec>();
    all::<OriginType>();
}

#[test]
fn unknown_enum_strings_are_errors_not_panics() {
    assert_eq!(
        "AES_512".parse::<DataKeySpec>(),
        Err(UnknownEnumValue {
            shape: "DataKeySpec",
            value: "AES_512".into()
        })
    );
    assert!(serde_json::from_str::<KeyState>(r#""enabled""#).is_err());
    assert_eq!(DataKeySpec::parse_accepted("aes_256"), None);
}

#[test]
fn enums_serialize_as_their_wire_strings() {
    assert_eq!(
        serde_json::to_string(&KeyState::PendingDeletion).unwrap(),
        r#""PendingDeletion""#
    );
    assert_eq!(
        serde_json::from_str::<ResourceOwnerType>(r#""SELF""#).unwrap(),
        ResourceOwnerType::SelfOwned
    );
}

#[test]
fn value_sets_use_the_order_recorded_from_aws() {
    assert_eq!(DataKeySpec::value_set(), "[AES_256, AES_128]");
    assert_eq!(
        MacAlgorithmSpec::value_set(),
        "[HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]"
    );
    assert_eq!(
        CustomerMasterKeySpec::value_set(),
        "[RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]"
    );
    assert!(KeySpec::value_set().starts_with(
        "[RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512"
    ));
    assert!(
        KeyUsageType::value_set().starts_with("[ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC")
    );
    assert_eq!(KeyAgreementAlgorithmSpec::value_set(), "[ECDH]");
}

#[test]
fn accepted_sets_are_model_values_without_duplicates_or_sm2() {
    fn check<E: KmsEnum + PartialEq + fmt::Debug>() {
        for (i, v) in E::ACCEPTED.iter().enumerate() {
            assert!(E::ALL.contains(v), "{v:?}");
            assert!(!E::ACCEPTED[..i].contains(v), "duplicate {v:?}");
            assert!(!v.as_str().starts_with("SM2"), "{v:?}");
        }
    }
    check::<DataKeySpec>();
    check::<DataKeyPairSpec>();
    check::<KeySpec>();
    check::<CustomerMasterKeySpec>();
    check::<KeyUsageType>();
    check::<EncryptionAlgorithmSpec>();
    check::<SigningAlgorithmSpec>();
    check::<MacAlgorithmSpec>();
    check::<OriginType>();
    check::<ResourceOwnerType>();
    check::<DryRunModifierType>();
    check::<KeyEncryptionMechanism>();
    // Every non-SM2 model value is accepted.
    fn complete<E: KmsEnum + PartialEq + fmt::Debug>() {
        for v in E::ALL {
            assert!(
                E::ACCEPTED.contains(v) || v.as_str().starts_with("SM2"),
                "{v:?}"
            );
        }
    }
    complete::<KeySpec>();
    complete::<DataKeyPairSpec>();
    complete::<KeyUsageType>();
    complete::<EncryptionAlgorithmSpec>();
}

#[test]
fn rsa_oaep_limits_reproduce_recorded_encrypt_errors() {
    // Recorded from real AWS for Encrypt with plaintexts over the limit.
    let cases = [
        (
            KeySpec::Rsa2048,
            EncryptionAlgorithmSpec::RsaesOaepSha1,
            "Algorithm RSAES_OAEP_SHA_1 and key spec RSA_2048 cannot encrypt data larger than 214 bytes.",
        ),
        (
            KeySpec::Rsa2048,
            EncryptionAlgorithmSpec::RsaesOaepSha256,
            "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.",
        ),
        (
            KeySpec::Rsa3072,
            EncryptionAlgorithmSpec::RsaesOaepSha1,
            "Algorithm RSAES_OAEP_SHA_1 and key spec RSA_3072 cannot encrypt data larger than 342 bytes.",
        ),
        (
            KeySpec::Rsa3072,
            EncryptionAlgorithmSpec::RsaesOaepSha256,
            "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_3072 cannot encrypt data larger than 318 bytes.",
        ),
        (
            KeySpec::Rsa4096,
            EncryptionAlgorithmSpec::RsaesOaepSha1,
            "Algorithm RSAES_OAEP_SHA_1 and key spec RSA_4096 cannot encrypt data larger than 470 bytes.",
        ),
        (
            KeySpec::Rsa4096,
            EncryptionAlgorithmSpec::RsaesOaepSha256,
            "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_4096 cannot encrypt data larger than 446 bytes.",
        ),
    ];
    for (spec, alg, recorded) in cases {
        let max = rsa_oaep_max_plaintext_len(spec, alg).unwrap();
        let err = crate::error::KmsError::rsa_plaintext_too_large(alg.as_str(), spec.as_str(), max);
        assert_eq!(err.type_name(), "ValidationException");
        assert_eq!(err.message(), recorded);
    }
    assert_eq!(
        rsa_oaep_max_plaintext_len(
            KeySpec::SymmetricDefault,
            EncryptionAlgorithmSpec::SymmetricDefault
        ),
        None
    );
}

#[test]
fn key_spec_usage_table_allows_defaults_and_rejects_mismatches() {
    assert_eq!(
        KeySpec::SymmetricDefault.allowed_usages(),
        &[KeyUsageType::EncryptDecrypt]
    );
    assert!(
        !KeySpec::Rsa2048
            .allowed_usages()
            .contains(&KeyUsageType::KeyAgreement)
    );
    assert!(
        KeySpec::EccNistP256
            .allowed_usages()
            .contains(&KeyUsageType::KeyAgreement)
    );
    assert_eq!(
        KeySpec::Hmac256.allowed_usages(),
        &[KeyUsageType::GenerateVerifyMac]
    );
}

#[test]
fn tag_rules_reject_duplicates_too_many_and_reserved_prefixes() {
    let dup = [Tag::new("a", "1"), Tag::new("a", "2")];
    assert_eq!(
        check_tag_rules(&dup).unwrap_err().message(),
        "Duplicate tag keys"
    );
    let many: Vec<Tag> = (0..51).map(|i| Tag::new(format!("k{i}"), "v")).collect();
    assert_eq!(
        check_tag_rules(&many).unwrap_err().message(),
        "Too many tags"
    );
    let fifty: Vec<Tag> = (0..50).map(|i| Tag::new(format!("k{i}"), "v")).collect();
    assert!(check_tag_rules(&fifty).is_ok());
    for key in ["aws:x", "AWS:x", "Aws:"] {
        assert_eq!(
            check_tag_rules(&[Tag::new(key, "v")])
                .unwrap_err()
                .message(),
            "Tags beginning with aws: are reserved"
        );
    }
    assert!(check_tag_rules(&[Tag::new("awsx", "v"), Tag::new("é", "")]).is_ok());
}
