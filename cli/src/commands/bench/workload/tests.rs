use nitro_kms_api::Operation;
use nitro_kms_api::types::{KeySpec, KeyUsageType};
use serde_json::json;

use super::{MESSAGE, Workload};

#[test]
fn sign_and_verify_default_to_an_ecc_nist_p256_key_signed_with_ecdsa_sha_256() {
    for op in ["Sign", "Verify"] {
        let w = Workload::parse(op, None).unwrap();
        assert_eq!(w.key.spec, KeySpec::EccNistP256);
        assert_eq!(w.key.usage, KeyUsageType::SignVerify);
        assert_eq!(w.algorithm(), Some("ECDSA_SHA_256"));
        assert_eq!(w.key.alias(), "alias/nitro-kms-bench-sign-ecc-nist-p256");
    }
}

#[test]
fn rsa_signing_keys_are_benchmarked_with_rsassa_pss_sha_256() {
    let w = Workload::parse("Sign", Some("RSA_2048")).unwrap();
    assert_eq!(w.op, Operation::Sign);
    assert_eq!(w.algorithm(), Some("RSASSA_PSS_SHA_256"));
    assert_eq!(w.key.alias(), "alias/nitro-kms-bench-sign-rsa-2048");
}

#[test]
fn generate_mac_defaults_to_an_hmac_256_key_and_its_algorithm() {
    let w = Workload::parse("GenerateMac", None).unwrap();
    assert_eq!(w.key.spec, KeySpec::Hmac256);
    assert_eq!(w.key.usage, KeyUsageType::GenerateVerifyMac);
    assert_eq!(w.algorithm(), Some("HMAC_SHA_256"));
    assert_eq!(w.key.alias(), "alias/nitro-kms-bench-mac-hmac-256");
    let w = Workload::parse("GenerateMac", Some("HMAC_512")).unwrap();
    assert_eq!(w.algorithm(), Some("HMAC_SHA_512"));
}

#[test]
fn the_data_key_operations_keep_the_symmetric_key_and_alias_nitro_kms_bench() {
    for op in [
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "Decrypt",
    ] {
        let w = Workload::parse(op, None).unwrap();
        assert_eq!(w.key.spec, KeySpec::SymmetricDefault);
        assert_eq!(w.key.alias(), "alias/nitro-kms-bench");
        assert_eq!(w.algorithm(), None);
        assert!(Workload::parse(op, Some("RSA_2048")).is_err());
    }
}

#[test]
fn a_spec_that_does_not_fit_the_operation_or_an_unbenchmarked_operation_is_refused() {
    for (op, spec) in [
        ("Sign", Some("HMAC_256")),
        ("GenerateMac", Some("ECC_NIST_P256")),
        ("Sign", Some("SYMMETRIC_DEFAULT")),
        ("Sign", Some("ecc_nist_p256")),
        ("Encrypt", None),
        ("NoSuchOperation", None),
    ] {
        let message = Workload::parse(op, spec).unwrap_err();
        assert!(message.contains(spec.unwrap_or(op)), "{message}");
    }
}

#[test]
fn every_body_carries_the_32_byte_raw_message_and_the_algorithm() {
    let w = Workload::parse("Verify", Some("RSA_2048")).unwrap();
    let sign = w.sign_body("k");
    assert_eq!(sign["MessageType"], "RAW");
    assert_eq!(sign["SigningAlgorithm"], "RSASSA_PSS_SHA_256");
    let message = sign["Message"].as_str().unwrap();
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(message)
        .unwrap();
    assert_eq!(decoded.len(), 32);
    assert_eq!(decoded, MESSAGE);
    let verify = w.verify_body("k", &json!("c2ln"));
    assert_eq!(verify["Signature"], "c2ln");
    assert_eq!(verify["Message"], message);
    let mac = Workload::parse("GenerateMac", None).unwrap().mac_body("k");
    assert_eq!(mac["MacAlgorithm"], "HMAC_SHA_256");
    assert_eq!(mac["Message"], message);
}

#[test]
fn the_mutations_are_benchmarked_on_the_symmetric_bench_key() {
    for (op, expected) in [
        ("CreateKey", Operation::CreateKey),
        ("CreateAlias", Operation::CreateAlias),
        ("TagResource", Operation::TagResource),
    ] {
        let w = Workload::parse(op, None).unwrap();
        assert_eq!(w.op, expected);
        assert_eq!(w.key.spec, KeySpec::SymmetricDefault);
        assert_eq!(w.key.alias(), "alias/nitro-kms-bench");
        assert!(Workload::parse(op, Some("HMAC_256")).is_err());
    }
}
