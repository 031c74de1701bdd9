//! The service checks, one test per refusal, on fixtures made as the enclave makes them.

use std::time::{Duration, SystemTime};

use super::fixture::{FixtureCa, LeafSpec, ServiceFixture};
use super::*;
use crate::nsm::NsmExt;

const PCR0: [u8; 48] = [0x11; 48];

fn fixture() -> (tempfile::TempDir, ServiceFixture) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = ServiceFixture::open(dir.path(), PCR0, Duration::ZERO).unwrap();
    (dir, fixture)
}

fn trust(fixture: &ServiceFixture) -> ServiceTrust {
    ServiceTrust::new(fixture.root().unwrap()).with_pcr(0, PCR0.to_vec())
}

fn check(
    fixture: &ServiceFixture,
    spec: &LeafSpec,
    host: &str,
) -> Result<ServiceFacts, ServiceVerifyError> {
    let leaf = fixture.leaf(spec).unwrap();
    verify_service_chain(&leaf.der, host, SystemTime::now(), &trust(fixture))
}

#[test]
fn a_leaf_made_as_the_enclave_makes_it_is_accepted_for_each_simulation_name() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    for host in ["localhost", "LOCALHOST.", "127.0.0.1", "::1"] {
        let facts =
            verify_service_chain(&leaf.der, host, SystemTime::now(), &trust(&fixture)).unwrap();
        assert_eq!(
            facts.pcr_hex(0).as_deref(),
            Some(hex::encode(PCR0).as_str())
        );
        assert_eq!(facts.ca_spki, fixture.ca().spki().unwrap());
        assert_eq!(
            facts.user_data.as_deref(),
            Some(nitro_kms_crypto::sha256(fixture.provisioning_spki()).as_slice())
        );
        assert!(facts.simulated);
    }
}

#[test]
fn the_missing_extension_error_names_the_oid() {
    // Spelled out in error.rs, which does not import mod.rs.
    assert!(
        ServiceVerifyError::ExtensionMissing
            .to_string()
            .contains(ATTESTATION_EXTENSION_OID)
    );
}

/// The content octets of an OID given as arcs of up to 128 bits.
fn oid_content(arcs: &[u128]) -> Vec<u8> {
    let mut out = Vec::new();
    for arc in std::iter::once(arcs[0] * 40 + arcs[1]).chain(arcs[2..].iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    out
}

#[test]
fn a_leaf_in_the_format_before_id_pe_cmw_is_refused() {
    let (_dir, fixture) = fixture();
    // The old format: OID 2.25.<UUID> (a 128-bit arc rcgen cannot write, so a placeholder of the
    // same encoded length is swapped for it) holding the raw document.
    let old: u128 = 173_094_623_430_793_324_269_502_837_453_476_775_801;
    let placeholder = [2, 25, (1 << 63) + 1, (1 << 56) + 2];
    assert_eq!(
        oid_content(&[2, 25, old]).len(),
        oid_content(&placeholder).len()
    );
    let spec = LeafSpec {
        extension_arcs: placeholder.iter().map(|&a| a as u64).collect(),
        extension_value: Some(fixture.document(None).unwrap()),
        ..LeafSpec::simulation()
    };
    let mut der = fixture.leaf(&spec).unwrap().der;
    let from = oid_content(&placeholder);
    let at = der.windows(from.len()).position(|w| w == from).unwrap();
    der.splice(at..at + from.len(), oid_content(&[2, 25, old]));
    let err =
        verify_service_chain(&der, "localhost", SystemTime::now(), &trust(&fixture)).unwrap_err();
    assert!(
        matches!(
            err,
            ServiceVerifyError::CertificateParse {
                what: "the server certificate",
                ..
            }
        ),
        "{err:?}"
    );
    // The old OID under a parseable certificate finds no document either: the same leaf with a
    // short private OID in its place.
    let spec = LeafSpec {
        extension_arcs: vec![1, 3, 6, 1, 4, 1, 99999, 1],
        ..spec
    };
    assert_eq!(
        check(&fixture, &spec, "localhost").unwrap_err(),
        ServiceVerifyError::ExtensionMissing
    );
}

#[test]
fn the_raw_document_under_the_new_oid_is_refused_as_malformed() {
    let (_dir, fixture) = fixture();
    let spec = LeafSpec {
        extension_value: Some(fixture.document(None).unwrap()),
        ..LeafSpec::simulation()
    };
    let err = check(&fixture, &spec, "localhost").unwrap_err();
    assert!(
        matches!(
            err,
            ServiceVerifyError::ExtensionMalformed(extension::ExtensionError::NotCmw(_))
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("malformed"), "{err}");
}

#[test]
fn another_pcr0_is_refused_naming_both_values() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let trust = ServiceTrust::new(fixture.root().unwrap()).with_pcr(0, vec![0x22; 48]);
    let err = verify_service_chain(&leaf.der, "localhost", SystemTime::now(), &trust).unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::PcrMismatch { index: 0, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.starts_with("PCR0 is 1111"), "{text}");
    assert!(text.contains("expected 2222"), "{text}");
}

#[test]
fn a_pcr_the_document_lacks_is_refused() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let trust = trust(&fixture).with_pcr(20, vec![0; 48]);
    let err = verify_service_chain(&leaf.der, "localhost", SystemTime::now(), &trust).unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::PcrMissing { index: 20, .. }),
        "{err:?}"
    );
}

#[test]
fn a_document_of_another_root_is_refused() {
    let (_dir, fixture) = fixture();
    let (_other_dir, other) = self::fixture();
    let spec = LeafSpec {
        document: Some(
            other
                .document_binding(&fixture.ca().spki().unwrap(), None)
                .unwrap(),
        ),
        ..LeafSpec::simulation()
    };
    let err = check(&fixture, &spec, "localhost").unwrap_err();
    assert_eq!(err, ServiceVerifyError::UntrustedRoot);
    assert!(err.to_string().contains("pinned root"), "{err}");
}

#[test]
fn a_stale_document_is_refused_when_a_maximum_age_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = ServiceFixture::open(dir.path(), PCR0, Duration::from_secs(600)).unwrap();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let now = SystemTime::now();
    // No limit: bounded by the document's certificate only.
    verify_service_chain(&leaf.der, "localhost", now, &trust(&fixture)).unwrap();
    let limited = trust(&fixture).with_max_age(Some(Duration::from_secs(60)));
    let err = verify_service_chain(&leaf.der, "localhost", now, &limited).unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::StaleDocument { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("stale"), "{err}");
}

#[test]
fn a_leaf_not_signed_by_the_attested_ca_is_refused() {
    let (_dir, fixture) = fixture();
    let other_ca = FixtureCa::generate("another CA").unwrap();
    let leaf = fixture
        .leaf_signed_by(&LeafSpec::simulation(), &other_ca)
        .unwrap();
    let err = verify_service_chain(&leaf.der, "localhost", SystemTime::now(), &trust(&fixture))
        .unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::NotSignedByAttestedCa { .. }),
        "{err:?}"
    );
    // And a document that binds the other CA, on a leaf the fixture's CA signed: same refusal.
    let spec = LeafSpec {
        document: Some(
            fixture
                .document_binding(&other_ca.spki().unwrap(), None)
                .unwrap(),
        ),
        ..LeafSpec::simulation()
    };
    let err = check(&fixture, &spec, "localhost").unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::NotSignedByAttestedCa { .. }),
        "{err:?}"
    );
}

#[test]
fn a_leaf_without_the_extension_is_refused() {
    let (_dir, fixture) = fixture();
    let spec = LeafSpec {
        with_extension: false,
        ..LeafSpec::simulation()
    };
    assert_eq!(
        check(&fixture, &spec, "localhost").unwrap_err(),
        ServiceVerifyError::ExtensionMissing
    );
}

#[test]
fn a_critical_extension_is_refused() {
    let (_dir, fixture) = fixture();
    let spec = LeafSpec {
        critical: true,
        ..LeafSpec::simulation()
    };
    assert_eq!(
        check(&fixture, &spec, "localhost").unwrap_err(),
        ServiceVerifyError::ExtensionCritical
    );
}

#[test]
fn another_host_name_is_refused() {
    let (_dir, fixture) = fixture();
    for host in ["kms.example.com", "127.0.0.2", "localhost.evil", "*"] {
        let err = check(&fixture, &LeafSpec::simulation(), host).unwrap_err();
        assert!(
            matches!(err, ServiceVerifyError::NameMismatch { .. }),
            "{host}: {err:?}"
        );
    }
}

#[test]
fn an_expired_leaf_is_refused() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let later = SystemTime::UNIX_EPOCH + Duration::from_secs(4_200_000_000 * 25);
    let err = verify_service_chain(&leaf.der, "localhost", later, &trust(&fixture)).unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::CertificateExpired { .. }),
        "{err:?}"
    );
}

#[test]
fn a_document_without_public_key_names_no_ca() {
    let (_dir, fixture) = fixture();
    let spec = LeafSpec {
        document: Some(fixture.nsm().attest(None, None, None).unwrap()),
        ..LeafSpec::simulation()
    };
    assert_eq!(
        check(&fixture, &spec, "localhost").unwrap_err(),
        ServiceVerifyError::NoPublicKey
    );
}

#[test]
fn the_well_known_document_must_echo_the_nonce() {
    let (_dir, fixture) = fixture();
    let nonce = [7u8; 32];
    let document = fixture.document(Some(&nonce)).unwrap();
    let now = SystemTime::now();
    let facts = verify_service_document(&document, &nonce, now, &trust(&fixture)).unwrap();
    verify_ca_certificate(fixture.ca().der(), &facts).unwrap();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    verify_issued_by_attested_ca(&leaf.der, &facts).unwrap();
    let err = verify_service_document(&document, &[8u8; 32], now, &trust(&fixture)).unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::NonceMismatch { .. }),
        "{err:?}"
    );
    let other_ca = FixtureCa::generate("another CA").unwrap();
    assert!(matches!(
        verify_ca_certificate(other_ca.der(), &facts),
        Err(ServiceVerifyError::CaKeyMismatch { .. })
    ));
}

#[test]
fn the_caching_verifier_refuses_and_accepts_as_the_function_does() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let now = SystemTime::now();
    let verifier = ServiceVerifier::new(trust(&fixture));
    let once = verifier.verify_chain(&leaf.der, "localhost", now).unwrap();
    let again = verifier.verify_chain(&leaf.der, "127.0.0.1", now).unwrap();
    assert_eq!(once, again);
    assert_eq!(
        once,
        verify_service_chain(&leaf.der, "localhost", now, &trust(&fixture)).unwrap()
    );
    // A cached document still meets every check that is not its signature.
    let err = verifier
        .verify_chain(&leaf.der, "kms.example.com", now)
        .unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::NameMismatch { .. }),
        "{err:?}"
    );
    let pinned_elsewhere = ServiceVerifier::new(trust(&fixture).with_pcr(0, vec![0; 48]));
    let err = pinned_elsewhere
        .verify_chain(&leaf.der, "localhost", now)
        .unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::PcrMismatch { .. }),
        "{err:?}"
    );
    let stale = ServiceVerifier::new(trust(&fixture).with_max_age(Some(Duration::from_secs(60))));
    stale.verify_chain(&leaf.der, "localhost", now).unwrap();
    let later = now + Duration::from_secs(120);
    let err = stale
        .verify_chain(&leaf.der, "localhost", later)
        .unwrap_err();
    assert!(
        matches!(err, ServiceVerifyError::StaleDocument { .. }),
        "{err:?}"
    );
}
