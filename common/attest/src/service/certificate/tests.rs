//! The one certificate reader, on leaves made as the enclave makes them and on garbage.

use std::time::Duration;

use nitro_kms_crypto::{EcdsaP384KeyPair, SignatureEncoding, verify_p384_sha384};

use super::*;
use crate::attestation::cert_builder::{CertSpec, self_signed};
use crate::attestation::parse_unverified;
use crate::service::fixture::{LeafSpec, ServiceFixture};

#[test]
fn a_fixture_leaf_parses_whole_and_its_document_is_found_by_oid() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = ServiceFixture::open(dir.path(), [0x11; 48], Duration::ZERO).unwrap();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    // x509-cert decodes it: the OID no longer stops it.
    let whole = x509_cert::Certificate::from_der(&leaf.der).unwrap();
    let cert = ServiceCertificate::parse(&leaf.der, "the leaf").unwrap();
    assert_eq!(
        cert.tbs(),
        der::Encode::to_der(whole.tbs_certificate()).unwrap()
    );
    let found = cert.attestation_extension().unwrap();
    assert!(!found.critical);
    let payload = parse_unverified(&found.document).unwrap();
    assert_eq!(
        payload.public_key.as_deref(),
        Some(&fixture.ca().spki().unwrap()[..])
    );
    let names: Vec<String> = cert
        .subject_alt_names()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(names, ["localhost", "127.0.0.1", "::1"]);
    assert!(cert.is_ecdsa_sha384());
}

#[test]
fn a_certificate_without_the_extension_has_none_and_its_signature_checks() {
    let key = EcdsaP384KeyPair::generate().unwrap();
    let der = self_signed(&CertSpec::root("CN=r", 1_700_000_000, 1_800_000_000), &key).unwrap();
    let cert = ServiceCertificate::parse(&der, "the root").unwrap();
    assert_eq!(
        cert.attestation_extension(),
        Err(ServiceVerifyError::ExtensionMissing)
    );
    // Basic constraints, key usage, subject key identifier.
    assert_eq!(cert.extensions().len(), 3);
    assert_eq!(
        (cert.not_before(), cert.not_after()),
        (1_700_000_000, 1_800_000_000)
    );
    assert_eq!(cert.spki(), key.public_key_spki_der().unwrap());
    verify_p384_sha384(
        key.public_point(),
        cert.tbs(),
        cert.signature(),
        SignatureEncoding::Asn1,
    )
    .unwrap();
}

#[test]
fn garbage_and_oversized_input_are_typed_errors_not_panics() {
    for input in [
        &b""[..],
        &[0x30, 0x03, 0x02, 0x01, 0x01],
        &[0x30, 0x84, 0xff, 0xff],
    ] {
        assert!(matches!(
            ServiceCertificate::parse(input, "garbage"),
            Err(ServiceVerifyError::CertificateParse {
                what: "garbage",
                ..
            })
        ));
    }
    let big = vec![0x30; MAX_CERTIFICATE_LEN + 1];
    let err = ServiceCertificate::parse(&big, "big").unwrap_err();
    assert!(err.to_string().contains("over the limit"), "{err}");
}
