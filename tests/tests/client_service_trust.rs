#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test
//! `KmsClient` with a service trust: the attested identity is checked in the TLS handshake, and a
//! server that fails it gets no request byte (the fixture server counts what it read).

use std::time::Duration;

use nitro_kms_api::Operation;
use nitro_kms_attest::service::fixture::{FixtureCa, LeafSpec, ServiceFixture};
use nitro_kms_client::{ClientConfig, ClientError, Credentials, KmsClient, ServiceTrust};
use nitro_kms_tests::service_server::{ServiceServer, ServiceServerSpec};

const PCR0: [u8; 48] = [0x5a; 48];

fn fixture() -> (tempfile::TempDir, ServiceFixture) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = ServiceFixture::open(dir.path(), PCR0, Duration::ZERO).unwrap();
    (dir, fixture)
}

async fn serve(fixture: &ServiceFixture, chain: Vec<Vec<u8>>, key_pkcs8: Vec<u8>) -> ServiceServer {
    ServiceServer::start(ServiceServerSpec {
        chain,
        key_pkcs8,
        document: std::sync::Arc::new(|_| Vec::new()),
        ca_pem: fixture.ca().pem(),
    })
    .await
}

fn config(port: u16) -> ClientConfig {
    let mut config = ClientConfig::new(
        &format!("https://localhost:{port}"),
        "us-east-1",
        Credentials::new("AKIAEXAMPLEEXAMPLE00", "secret", None),
    );
    config.timeout = Duration::from_secs(10);
    config
}

fn trust(fixture: &ServiceFixture) -> ServiceTrust {
    ServiceTrust::new(fixture.root().unwrap()).with_pcr(0, PCR0.to_vec())
}

async fn list_keys(client: &KmsClient) -> Result<Vec<u8>, ClientError> {
    client.call_raw(Operation::ListKeys, b"{}".to_vec()).await
}

#[tokio::test]
async fn a_client_that_trusts_the_attested_service_connects_and_sends() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let chain = vec![leaf.der, fixture.ca().der().to_vec()];
    let server = serve(&fixture, chain, leaf.key_pkcs8.expose().to_vec()).await;
    let client = KmsClient::new(config(server.port))
        .unwrap()
        .with_service_trust(trust(&fixture))
        .unwrap();
    assert_eq!(list_keys(&client).await.unwrap(), b"{}");
    assert_eq!(list_keys(&client).await.unwrap(), b"{}");
    assert_eq!(server.requests(), 2);
    assert_eq!(client.connections_opened(), 1, "kept alive, verified once");
    // By IP address too: the simulation's certificate names 127.0.0.1.
    let mut by_ip = config(server.port);
    by_ip.endpoint = format!("https://127.0.0.1:{}", server.port);
    let client = KmsClient::new(by_ip.with_service_trust(trust(&fixture))).unwrap();
    assert_eq!(list_keys(&client).await.unwrap(), b"{}");
}

async fn refused(server: &ServiceServer, trust: ServiceTrust) -> String {
    let client = KmsClient::new(config(server.port))
        .unwrap()
        .with_service_trust(trust)
        .unwrap();
    let err = list_keys(&client).await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
    // Once the server's side of the failed handshake has ended, not one application byte
    // reached it.
    server.wait_for_ended_connections(1).await;
    assert_eq!(server.ended_connections(), 1);
    assert_eq!(server.app_bytes_read(), 0, "the server read request bytes");
    assert_eq!(server.requests(), 0);
    err.to_string()
}

#[tokio::test]
async fn a_document_that_binds_another_ca_fails_the_handshake_before_a_request_byte() {
    let (_dir, fixture) = fixture();
    let other = FixtureCa::generate("attacker CA").unwrap();
    let spec = LeafSpec {
        document: Some(
            fixture
                .document_binding(&other.spki().unwrap(), None)
                .unwrap(),
        ),
        ..LeafSpec::simulation()
    };
    let leaf = fixture.leaf(&spec).unwrap();
    let chain = vec![leaf.der, fixture.ca().der().to_vec()];
    let server = serve(&fixture, chain, leaf.key_pkcs8.expose().to_vec()).await;
    let message = refused(&server, trust(&fixture)).await;
    assert!(
        message.contains("not signed by the attested CA"),
        "{message}"
    );
}

#[tokio::test]
async fn the_genuine_chain_presented_without_its_key_fails_the_handshake_before_a_request_byte() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let chain = vec![leaf.der, fixture.ca().der().to_vec()];
    // A relay that copied the enclave's chain signs the handshake with a key of its own.
    let relay_key = nitro_kms_crypto::EcdsaP384KeyPair::generate().unwrap();
    for versions in [
        &[&rustls::version::TLS13][..],
        &[&rustls::version::TLS12][..],
    ] {
        let server = ServiceServer::start_with_versions(
            ServiceServerSpec {
                chain: chain.clone(),
                key_pkcs8: relay_key.pkcs8_der().expose().to_vec(),
                document: std::sync::Arc::new(|_| Vec::new()),
                ca_pem: fixture.ca().pem(),
            },
            versions,
        )
        .await;
        let message = refused(&server, trust(&fixture)).await;
        assert!(message.contains("ignature"), "{message}");
    }
}

#[tokio::test]
async fn over_tls_1_2_the_attested_service_is_accepted_and_another_image_refused() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let spec = || ServiceServerSpec {
        chain: vec![leaf.der.clone(), fixture.ca().der().to_vec()],
        key_pkcs8: leaf.key_pkcs8.expose().to_vec(),
        document: std::sync::Arc::new(|_| Vec::new()),
        ca_pem: fixture.ca().pem(),
    };
    let tls12 = &[&rustls::version::TLS12][..];
    let server = ServiceServer::start_with_versions(spec(), tls12).await;
    let client = KmsClient::new(config(server.port).with_service_trust(trust(&fixture))).unwrap();
    assert_eq!(list_keys(&client).await.unwrap(), b"{}");
    let server = ServiceServer::start_with_versions(spec(), tls12).await;
    let another = ServiceTrust::new(fixture.root().unwrap()).with_pcr(0, vec![0x01; 48]);
    let message = refused(&server, another).await;
    assert!(message.contains("PCR0 is 5a5a"), "{message}");
}

#[tokio::test]
async fn a_self_made_certificate_fails_the_handshake_before_a_request_byte() {
    let (_dir, fixture) = fixture();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let chain = vec![made.cert.der().to_vec()];
    let server = serve(&fixture, chain, made.signing_key.serialize_der()).await;
    let message = refused(&server, trust(&fixture)).await;
    assert!(
        message.contains("carries no attestation document"),
        "{message}"
    );
}

#[tokio::test]
async fn another_image_fails_the_handshake_naming_pcr0() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let chain = vec![leaf.der, fixture.ca().der().to_vec()];
    let server = serve(&fixture, chain, leaf.key_pkcs8.expose().to_vec()).await;
    let expecting_another = ServiceTrust::new(fixture.root().unwrap()).with_pcr(0, vec![0x01; 48]);
    let message = refused(&server, expecting_another).await;
    assert!(message.contains("PCR0 is 5a5a"), "{message}");
}

#[tokio::test]
async fn without_service_trust_the_web_pki_decides_and_the_ca_bundle_works_as_in_the_aws_cli() {
    let (_dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let chain = vec![leaf.der, fixture.ca().der().to_vec()];
    let server = serve(&fixture, chain, leaf.key_pkcs8.expose().to_vec()).await;
    // Mozilla's roots do not know the service CA.
    let client = KmsClient::new(config(server.port)).unwrap();
    assert!(list_keys(&client).await.is_err());
    // The CA that `nitro-kms service verify` writes, as `--ca-bundle`.
    let mut bundle = config(server.port);
    bundle.tls_roots_pem = Some(fixture.ca().pem().into_bytes());
    let client = KmsClient::new(bundle.clone()).unwrap();
    assert_eq!(list_keys(&client).await.unwrap(), b"{}");
    // Both: the bundle and the attestation must pass.
    let client = KmsClient::new(bundle.with_service_trust(trust(&fixture))).unwrap();
    assert_eq!(list_keys(&client).await.unwrap(), b"{}");
}

#[test]
fn service_trust_over_cleartext_is_a_configuration_error() {
    let (_dir, fixture) = fixture();
    let mut plain = config(9);
    plain.endpoint = "http://127.0.0.1:9".into();
    let err = KmsClient::new(plain.with_service_trust(trust(&fixture))).unwrap_err();
    assert!(matches!(err, ClientError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("https://"), "{err}");
}

#[test]
fn openssl_reads_the_leaf_and_names_the_extension_by_its_oid() {
    let (dir, fixture) = fixture();
    let leaf = fixture.leaf(&LeafSpec::simulation()).unwrap();
    let leaf_path = dir.path().join("leaf.der");
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&leaf_path, &leaf.der).unwrap();
    std::fs::write(&ca_path, fixture.ca().pem()).unwrap();
    let leaf_arg = leaf_path.display().to_string();
    let out = std::process::Command::new("openssl")
        .args([
            "x509", "-inform", "DER", "-in", &leaf_arg, "-noout", "-text",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(nitro_kms_attest::service::ATTESTATION_EXTENSION_OID),
        "{text}"
    );
    let oid = nitro_kms_attest::service::ATTESTATION_EXTENSION_OID;
    assert!(!text.contains(&format!("{oid}: critical")), "{text}");
    // And OpenSSL agrees that the CA signed it.
    let pem_path = dir.path().join("leaf.pem");
    nitro_kms_tests::openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        &leaf_arg,
        "-out",
        &pem_path.display().to_string(),
    ]);
    nitro_kms_tests::openssl(&[
        "verify",
        "-x509_strict",
        "-purpose",
        "sslserver",
        "-CAfile",
        &ca_path.display().to_string(),
        &pem_path.display().to_string(),
    ]);
}
