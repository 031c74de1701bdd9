use super::*;
use der::{DecodePem, Encode};

fn key(seed_byte: u8) -> EtcdClientKey {
    derive_p256_client_key(&[seed_byte; 32]).unwrap()
}

#[test]
fn the_same_seed_derives_the_same_key() {
    let a = key(7);
    let b = key(7);
    assert_eq!(a.pkcs8_der(), b.pkcs8_der());
    assert_eq!(a.public_key_spki_der(), b.public_key_spki_der());
}

#[test]
fn another_seed_derives_another_key() {
    assert_ne!(key(7).public_key_spki_der(), key(8).public_key_spki_der());
}

#[test]
fn a_seed_that_is_not_32_bytes_is_refused() {
    assert!(matches!(
        derive_p256_client_key(&[1; 31]),
        Err(EtcdClientKeyError::SeedLength(31))
    ));
}

#[test]
fn scalars_outside_one_to_the_order_are_not_valid() {
    assert!(!is_valid_p256_scalar(&[0; 32]));
    assert!(!is_valid_p256_scalar(&P256_ORDER));
    assert!(!is_valid_p256_scalar(&[0xff; 32]));
    let mut below = P256_ORDER;
    below[31] -= 1;
    assert!(is_valid_p256_scalar(&below));
    let mut one = [0; 32];
    one[31] = 1;
    assert!(is_valid_p256_scalar(&one));
}

#[test]
fn the_derived_key_is_usable_by_rustls_style_pkcs8_parsers() {
    let k = key(3);
    rcgen::KeyPair::try_from(k.pkcs8_der()).unwrap();
    aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        k.pkcs8_der(),
    )
    .unwrap();
}

#[test]
fn the_csr_parses_and_carries_the_derived_key_and_the_name() {
    let k = key(5);
    let pem = k
        .certificate_signing_request_pem(DEFAULT_COMMON_NAME)
        .unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    let csr = x509_cert::request::CertReq::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(
        csr.info.public_key.to_der().unwrap(),
        k.public_key_spki_der()
    );
    assert!(
        csr.info
            .subject
            .to_string()
            .contains("CN=nitro-kms-enclave")
    );
}

fn certificate_for(key_pair: &rcgen::KeyPair) -> Vec<u8> {
    let params = rcgen::CertificateParams::new(vec!["client".to_owned()]).unwrap();
    params.self_signed(key_pair).unwrap().der().to_vec()
}

#[test]
fn a_certificate_for_the_derived_key_matches() {
    let k = key(9);
    let key_pair = rcgen::KeyPair::try_from(k.pkcs8_der()).unwrap();
    assert!(certificate_public_key_matches(
        &certificate_for(&key_pair),
        k.public_key_spki_der()
    ));
}

#[test]
fn a_certificate_for_another_key_or_garbage_does_not_match() {
    let k = key(9);
    let other = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    assert!(!certificate_public_key_matches(
        &certificate_for(&other),
        k.public_key_spki_der()
    ));
    assert!(!certificate_public_key_matches(
        b"not a certificate",
        k.public_key_spki_der()
    ));
}

#[test]
fn debug_redacts_the_private_key() {
    let k = key(1);
    let shown = format!("{k:?}");
    assert!(shown.contains("<redacted>"));
    assert!(shown.contains(&k.spki_sha256_hex()));
}
