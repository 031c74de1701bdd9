//! Tests of the TLS identity of one process: the leaf under the CA, its attestation extension,
//! renewal, a real handshake, the well-known answers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use nitro_kms_attest::attestation::{TrustAnchor, VerifyOptions, parse_unverified, verify};
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_attest::service::certificate::ServiceCertificate;
use nitro_kms_attest::service::extension::ID_PE_CMW;
use nitro_kms_crypto::{self as crypto, SignatureEncoding};
use rustls::pki_types::{CertificateDer, ServerName};

use super::*;
use crate::tls::identity::new_identity;
use crate::tls::well_known::MAX_NONCE_LEN;

const T0: u64 = 1_750_000_000_000;

/// A simulated NSM in `dir` reading `clock` (ms), and an identity made at that time.
fn fixture(dir: &std::path::Path, clock: Clock) -> (Arc<SimulatedNsm>, ServiceIdentity) {
    let reading = clock.clone();
    let nsm =
        SimulatedNsm::open(SimulatedNsmConfig::new(dir).with_clock(move || reading())).unwrap();
    (Arc::new(nsm), new_identity(clock()).unwrap())
}

fn leaf_der(tls: &ServiceTls) -> Vec<u8> {
    tls.current().cert[0].as_ref().to_vec()
}

#[test]
fn the_leaf_is_signed_by_the_ca_and_carries_a_document_binding_the_ca_and_provisioning_key() {
    let dir = tempfile::tempdir().unwrap();
    let (nsm, stored) = fixture(dir.path(), crate::clock::system());
    let tls = ServiceTls::new(
        &stored,
        nsm.clone(),
        TlsSettings::simulation(),
        crate::clock::system()(),
    )
    .unwrap();
    let chain = tls.current();
    assert_eq!(chain.cert.len(), 2);
    assert_eq!(chain.cert[1].as_ref(), tls.keys().ca_certificate());

    // x509-cert decodes the leaf whole (id-pe-cmw has small arcs), and finds the extension by
    // its OID, once, not critical.
    let leaf = leaf_der(&tls);
    let decoded = <x509_cert::Certificate as der::Decode>::from_der(&leaf).unwrap();
    let by_oid: Vec<_> = decoded
        .tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .filter(|e| e.extn_id == ID_PE_CMW)
        .collect();
    assert_eq!(by_oid.len(), 1);
    assert!(!by_oid[0].critical);

    // The CA's key signed the leaf.
    let cert = ServiceCertificate::parse(&leaf, "the leaf").unwrap();
    crypto::verify_p384_sha384(
        tls.keys().ca_key().public_point(),
        cert.tbs(),
        cert.signature(),
        SignatureEncoding::Asn1,
    )
    .unwrap();

    // The extension: a CMW holding the NSM's document binding the CA and the provisioning key,
    // without a nonce; it verifies under the simulated root.
    let extension = cert.attestation_extension().unwrap();
    assert!(!extension.critical);
    let payload = parse_unverified(&extension.document).unwrap();
    assert_eq!(payload.public_key.as_deref(), Some(tls.keys().ca_spki()));
    let digest = crypto::sha256(&tls.provisioning_key_der());
    assert_eq!(payload.user_data.as_deref(), Some(&digest[..]));
    assert_eq!(payload.nonce, None);
    let root = TrustAnchor::simulated_from_pem(nsm.root_certificate_pem().as_bytes()).unwrap();
    let verified = verify(
        &extension.document,
        &VerifyOptions::new(root, SystemTime::now()),
    )
    .unwrap();
    // No leaf outlives the document's signing certificate.
    assert!(tls.not_after_ms() / 1000 <= verified.leaf_not_after);
}

#[test]
fn openssl_verifies_the_chain_for_localhost_and_shows_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let (nsm, stored) = fixture(dir.path(), crate::clock::system());
    let tls = ServiceTls::new(
        &stored,
        nsm,
        TlsSettings::simulation(),
        crate::clock::system()(),
    )
    .unwrap();
    let ca = dir.path().join("ca.pem");
    let leaf = dir.path().join("leaf.pem");
    std::fs::write(&ca, tls.ca_pem()).unwrap();
    std::fs::write(&leaf, crate::tls::certificate::pem(&leaf_der(&tls))).unwrap();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl must be installed for this test");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    let (ca, leaf) = (ca.to_str().unwrap(), leaf.to_str().unwrap());
    let (ok, text) = openssl(&[
        "verify",
        "-CAfile",
        ca,
        "-verify_hostname",
        "localhost",
        leaf,
    ]);
    assert!(ok, "{text}");
    let (ok, text) = openssl(&[
        "verify",
        "-CAfile",
        ca,
        "-verify_hostname",
        "example.com",
        leaf,
    ]);
    assert!(!ok, "{text}");
    let (ok, text) = openssl(&["x509", "-noout", "-text", "-in", leaf]);
    assert!(ok, "{text}");
    assert!(
        text.contains(nitro_kms_attest::service::ATTESTATION_EXTENSION_OID),
        "{text}"
    );
    assert!(
        text.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
        "{text}"
    );
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
}

#[test]
fn the_leaf_is_renewed_before_it_expires_and_the_resolver_serves_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let now = Arc::new(AtomicU64::new(T0));
    let reading = now.clone();
    let clock: Clock = Arc::new(move || reading.load(Ordering::SeqCst));
    let (nsm, stored) = fixture(dir.path(), clock.clone());
    let settings = TlsSettings {
        renewal: RenewalPolicy {
            max_lifetime: Duration::from_secs(600),
            renew_after: Duration::from_secs(60),
            retry_after: Duration::from_secs(5),
        },
        ..TlsSettings::simulation()
    };
    let tls = ServiceTls::new(&stored, nsm, settings, clock()).unwrap();
    let first = tls.current();
    let first_not_after = tls.not_after_ms();
    assert_eq!(first_not_after, T0 + 600_000);
    assert_eq!(tls.next_renewal_ms(), T0 + 60_000);

    now.store(T0 + 59_000, Ordering::SeqCst);
    assert!(!tls.renew_if_due(clock()).unwrap());
    assert!(Arc::ptr_eq(&first, &tls.current()));

    now.store(T0 + 60_000, Ordering::SeqCst);
    assert!(tls.renew_if_due(clock()).unwrap());
    let second = tls.current();
    assert!(!Arc::ptr_eq(&first, &second));
    // Renewed while the first leaf was still valid, with a new key and a later expiry.
    assert!(clock() < first_not_after);
    assert_ne!(first.cert[0], second.cert[0]);
    assert_eq!(second.cert[1], first.cert[1]);
    assert_eq!(tls.not_after_ms(), T0 + 660_000);
    assert_eq!(tls.next_renewal_ms(), T0 + 120_000);
}

#[test]
fn a_short_lived_leaf_is_due_two_thirds_into_its_validity() {
    let policy = RenewalPolicy::default();
    assert_eq!(policy.due_ms(T0, T0 + 30_000), T0 + 20_000);
    assert_eq!(policy.due_ms(T0, T0 + 3_600_000), T0 + 240_000);
}

async fn handshake(tls: &ServiceTls, name: &str) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(tls.keys().ca_certificate().to_vec()))
        .map_err(|e| e.to_string())?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![b"http/1.1".to_vec()];
    let (client_io, server_io) = tokio::io::duplex(1 << 16);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config());
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let server_name = ServerName::try_from(name.to_owned()).map_err(|e| e.to_string())?;
    let (server, client) = tokio::join!(
        acceptor.accept(server_io),
        connector.connect(server_name, client_io)
    );
    let client = client.map_err(|e| e.to_string())?;
    assert_eq!(client.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    drop(server);
    Ok(())
}

#[tokio::test]
async fn a_client_trusting_only_the_ca_completes_a_handshake_for_localhost_only() {
    let dir = tempfile::tempdir().unwrap();
    let (nsm, stored) = fixture(dir.path(), crate::clock::system());
    let tls = ServiceTls::new(
        &stored,
        nsm,
        TlsSettings::simulation(),
        crate::clock::system()(),
    )
    .unwrap();
    handshake(&tls, "localhost").await.unwrap();
    handshake(&tls, "127.0.0.1").await.unwrap();
    let refused = handshake(&tls, "kms.example.com").await.unwrap_err();
    assert!(
        refused.contains("NotValidForName") || refused.contains("not valid for name"),
        "{refused}"
    );
}

#[test]
fn the_attestation_endpoint_binds_the_nonce_and_refuses_one_over_64_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (nsm, stored) = fixture(dir.path(), crate::clock::system());
    let tls = ServiceTls::new(
        &stored,
        nsm,
        TlsSettings::simulation(),
        crate::clock::system()(),
    )
    .unwrap();
    let nonce = [0x5a; MAX_NONCE_LEN];
    let document = tls.attestation_document(&nonce).unwrap();
    let payload = parse_unverified(&document).unwrap();
    assert_eq!(payload.nonce.as_deref(), Some(&nonce[..]));
    assert_eq!(payload.public_key.as_deref(), Some(tls.keys().ca_spki()));
    assert_eq!(
        payload.user_data.as_deref(),
        Some(&crypto::sha256(&tls.provisioning_key_der())[..])
    );

    let refused = tls
        .attestation_document(&[0; MAX_NONCE_LEN + 1])
        .unwrap_err();
    assert!(matches!(refused, WellKnownError::NonceTooLong { len: 65 }));
    assert_eq!(refused.status(), 400);
    let hex = "ab".repeat(MAX_NONCE_LEN);
    assert_eq!(well_known::parse_nonce(&hex).unwrap().len(), MAX_NONCE_LEN);
    assert_eq!(
        well_known::parse_nonce(&(hex + "ab")).unwrap_err().status(),
        400
    );
    assert!(matches!(
        well_known::parse_nonce("zz"),
        Err(WellKnownError::NonceNotHex)
    ));

    assert!(tls.ca_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
    let spki = tls.provisioning_key_der();
    assert!(nitro_kms_crypto::RsaPublicKey::from_spki_der(&spki).is_ok());
}

#[tokio::test]
async fn start_makes_the_identity_once_and_a_restart_serves_the_same_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (nsm, _) = fixture(dir.path(), crate::clock::system());
    let (svc, _clock, parent) = crate::test_support::service().await;
    let clock = crate::clock::system();
    let first = ServiceTls::start(&svc.store, nsm.clone(), TlsSettings::simulation(), &clock)
        .await
        .unwrap();
    assert_eq!(first.origin(), Origin::Created);
    drop(svc);
    let (restarted, _) = SealedKeystore::load(
        crate::test_support::memory_link(parent),
        crate::test_support::sealing_key(),
    )
    .await
    .unwrap();
    let again = ServiceTls::start(&restarted, nsm, TlsSettings::simulation(), &clock)
        .await
        .unwrap();
    assert_eq!(again.origin(), Origin::Loaded);
    assert_eq!(again.ca_pem(), first.ca_pem());
    assert_eq!(again.provisioning_key_der(), first.provisioning_key_der());
    // A new leaf (and key) per process, under the same CA.
    assert_ne!(again.current().cert[0], first.current().cert[0]);
    assert_eq!(again.current().cert[1], first.current().cert[1]);
}

#[test]
fn tls_names_replace_the_local_defaults_and_a_bad_name_is_refused() {
    assert_eq!(
        TlsSettings::for_names(&[]).unwrap(),
        TlsSettings::simulation()
    );
    let named =
        TlsSettings::for_names(&["kms.internal.example".into(), "10.0.0.5".into()]).unwrap();
    assert_eq!(
        named.names,
        [
            ServiceName::Dns("kms.internal.example".into()),
            ServiceName::Ip([10, 0, 0, 5].into()),
        ]
    );
    assert!(TlsSettings::for_names(&["not a name".into()]).is_err());
}
