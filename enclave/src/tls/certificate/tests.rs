//! Tests of the certificate encoding: names, PEM, the CA certificate as OpenSSL reads it.

use super::*;

#[test]
fn service_names_are_ip_addresses_or_dns_names() {
    assert_eq!(
        ServiceName::parse("::1").unwrap(),
        ServiceName::Ip("::1".parse().unwrap())
    );
    assert_eq!(
        ServiceName::parse("127.0.0.1").unwrap(),
        ServiceName::Ip([127, 0, 0, 1].into())
    );
    assert_eq!(
        ServiceName::parse("KMS.example").unwrap(),
        ServiceName::Dns("kms.example".into())
    );
    assert!(ServiceName::parse("*.example").is_ok());
    for bad in ["", "a..b", "spaced name", "é.example", "x/y"] {
        assert!(ServiceName::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn pem_wraps_at_64_characters() {
    let text = pem(&[0xab; 100]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"-----BEGIN CERTIFICATE-----"));
    assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
    assert_eq!(lines[1].len(), 64);
    assert_eq!(lines.len(), 5);
}

#[test]
fn the_ca_certificate_is_a_self_signed_p384_ca_with_path_length_zero() {
    let key = EcdsaP384KeyPair::generate().unwrap();
    let der = ca_certificate(&key, 1_700_000_000).unwrap();
    assert_eq!(
        subject_public_key_info(&der).unwrap(),
        key.public_key_spki_der().unwrap()
    );
    assert_eq!(not_after(&der).unwrap(), 253_402_300_799); // 9999-12-31T23:59:59Z
    let parts =
        nitro_kms_attest::service::certificate::ServiceCertificate::parse(&der, "the CA").unwrap();
    crypto::verify_p384_sha384(
        key.public_point(),
        parts.tbs(),
        parts.signature(),
        SignatureEncoding::Asn1,
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, pem(&der)).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(&path)
        .output()
        .expect("openssl must be installed for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CA:TRUE, pathlen:0"), "{text}");
    assert!(text.contains("Certificate Sign, CRL Sign"), "{text}");
    assert!(text.contains("CN = nitro-kms service CA"), "{text}");
    assert!(text.contains("NIST CURVE: P-384"), "{text}");
    // Self-signed: it verifies as its own root.
    let verify = std::process::Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(&path)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
