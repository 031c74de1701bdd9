use super::*;
use nitro_kms_crypto::SecretBytes;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::ServerName;
use std::time::Duration;

fn sealing_key(byte: u8) -> SealingKey {
    SealingKey::new(SecretBytes::new(vec![byte; 32])).unwrap()
}

/// A test CA: its certificate (PEM) and the issuer that signs with it.
struct TestCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn test_ca(name: &str) -> TestCa {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    TestCa {
        pem,
        issuer: Issuer::new(params, key),
    }
}

/// A certificate (PEM) signed by `ca` for `public_key`, valid for `names`.
fn issue(ca: &TestCa, public_key: &impl rcgen::PublicKeyData, names: &[&str]) -> String {
    let params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params.signed_by(public_key, &ca.issuer).unwrap().pem()
}

fn settings(ca: &TestCa, client_certificate_pem: String) -> EtcdStorageConfig {
    EtcdStorageConfig {
        endpoints: vec!["localhost:2379".to_owned()],
        ca_pem: ca.pem.clone().into_bytes(),
        client_certificate_pem: client_certificate_pem.into_bytes(),
        prefix: b"/nitro-kms/".to_vec(),
        relay: None,
        lease_ttl: Duration::from_secs(5),
        timeout: Duration::from_secs(2),
    }
}

/// The client certificate the test CA issues for `sealing_key`'s derived etcd key.
fn certificate_for_the_derived_key(ca: &TestCa, sealing_key: &SealingKey) -> String {
    let key = client_key(sealing_key).unwrap();
    let key_pair = KeyPair::try_from(key.pkcs8_der()).unwrap();
    issue(ca, &key_pair, &["nitro-kms-enclave"])
}

#[test]
fn a_certificate_for_the_derived_key_is_accepted() {
    let ca = test_ca("etcd ca");
    let sealing = sealing_key(1);
    let cert = certificate_for_the_derived_key(&ca, &sealing);
    client_config(&settings(&ca, cert), &sealing).unwrap();
}

#[test]
fn a_certificate_for_another_key_is_refused_with_both_fingerprints() {
    let ca = test_ca("etcd ca");
    let other = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = issue(&ca, &other, &["nitro-kms-enclave"]);
    let sealing = sealing_key(1);
    let err = client_config(&settings(&ca, cert), &sealing).unwrap_err();
    let EtcdTlsError::CertificateNotForThisKey {
        certificate_spki_sha256,
        key_spki_sha256,
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(key_spki_sha256, &spki_sha256_hex(&sealing).unwrap());
    assert_eq!(
        certificate_spki_sha256,
        &nitro_kms_crypto::hex_lower(&nitro_kms_crypto::sha256(
            &rcgen::PublicKeyData::subject_public_key_info(&other)
        ))
    );
    assert!(err.to_string().contains("--print-etcd-csr"), "{err}");
}

#[test]
fn another_sealing_key_makes_another_csr_key_and_the_same_one_the_same() {
    assert_eq!(
        spki_sha256_hex(&sealing_key(1)).unwrap(),
        spki_sha256_hex(&sealing_key(1)).unwrap()
    );
    assert_ne!(
        spki_sha256_hex(&sealing_key(1)).unwrap(),
        spki_sha256_hex(&sealing_key(2)).unwrap()
    );
    assert!(
        csr_pem(&sealing_key(1))
            .unwrap()
            .contains("CERTIFICATE REQUEST")
    );
}

/// A TLS server requiring a client certificate from `client_ca`, presenting a certificate for
/// `localhost` from `server_ca`; returns whether the handshake succeeded on both sides.
async fn handshake(
    client: Arc<rustls::ClientConfig>,
    server_ca: &TestCa,
    client_ca: &TestCa,
) -> Result<(), String> {
    let server_key = KeyPair::generate().unwrap();
    let server_cert =
        CertificateDer::from_pem_slice(issue(server_ca, &server_key, &["localhost"]).as_bytes())
            .unwrap();
    let mut client_roots = rustls::RootCertStore::empty();
    client_roots
        .add(CertificateDer::from_pem_slice(client_ca.pem.as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(client_roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![server_cert],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .unwrap();
    let (client_io, server_io) = tokio::io::duplex(1 << 16);
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let connector = tokio_rustls::TlsConnector::from(client);
    let name = ServerName::try_from("localhost").unwrap();
    let (server, client) = tokio::join!(
        acceptor.accept(server_io),
        connector.connect(name, client_io)
    );
    let mut client = client.map_err(|e| format!("client: {e}"))?;
    let server = server.map_err(|e| format!("server: {e}"))?;
    // TLS 1.3: the server's verdict on the client certificate arrives after the client's
    // handshake; one round trip of data settles it.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut server_read, mut server_write) = tokio::io::split(server);
    let echo = async {
        let mut byte = [0u8; 1];
        server_read.read_exact(&mut byte).await?;
        server_write.write_all(&byte).await?;
        server_write.flush().await
    };
    let ping = async {
        client.write_all(b"x").await?;
        client.flush().await?;
        let mut byte = [0u8; 1];
        client.read_exact(&mut byte).await.map(|_| byte)
    };
    let (echoed, pinged) = tokio::join!(echo, ping);
    echoed.map_err(|e| format!("server: {e}"))?;
    pinged.map_err(|e| format!("client: {e}"))?;
    Ok(())
}

#[tokio::test]
async fn the_client_config_completes_a_mutual_tls_handshake_with_the_etcd_ca() {
    let ca = test_ca("etcd ca");
    let sealing = sealing_key(3);
    let cert = certificate_for_the_derived_key(&ca, &sealing);
    let client = client_config(&settings(&ca, cert), &sealing).unwrap();
    handshake(client, &ca, &ca).await.unwrap();
}

#[tokio::test]
async fn a_server_certificate_from_another_ca_is_refused() {
    let ca = test_ca("etcd ca");
    let other = test_ca("another ca");
    let sealing = sealing_key(3);
    let cert = certificate_for_the_derived_key(&ca, &sealing);
    let client = client_config(&settings(&ca, cert), &sealing).unwrap();
    let err = handshake(client, &other, &ca).await.unwrap_err();
    assert!(err.starts_with("client:"), "{err}");
}
