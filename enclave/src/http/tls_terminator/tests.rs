//! The late-bound TLS terminator over a real listener (a Unix socket): a ClientHello before the
//! identity exists is closed; once the slot is filled the same port completes handshakes with
//! the attested leaf and serves HTTP over them.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use nitro_kms_api::sigv4::AccessKeyStore;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_wire::transport::{self, Address};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::watch;
use tokio_rustls::TlsConnector;

use super::*;
use crate::http::access_keys::AccessKeys;
use crate::http::{HttpEndpoint, HttpLimits, Protocols, serve};
use crate::tls::identity::new_identity;
use crate::tls::{ServiceTls, TlsSettings};

/// Serves an endpoint (service never ready) on a Unix socket in `dir`, TLS through a terminator
/// over `identity`, cleartext refused.
async fn serve_on(dir: &Path, identity: IdentitySlot) -> (std::path::PathBuf, watch::Sender<bool>) {
    let path = dir.join("http.sock");
    let listener = transport::listen(&Address::Unix(path.clone()))
        .await
        .unwrap();
    let (_service_tx, service) = watch::channel(None);
    let endpoint = Arc::new(HttpEndpoint {
        service,
        access_keys: Arc::new(AccessKeys::new(AccessKeyStore::simulation())),
        region: "us-east-1".to_owned(),
        regions: crate::region_allowlist::RegionAllowlist::one("us-east-1"),
        limits: HttpLimits {
            header_timeout: Duration::from_secs(5),
            ..HttpLimits::default()
        },
        metrics: Default::default(),
        identity: identity.clone(),
        forward: crate::replica_forward::ReplicaForward::new(
            Arc::new(crate::storage::ParentLink::new(Duration::from_secs(1))),
            watch::channel(None).1,
            Duration::from_secs(1),
        ),
    });
    let protocols = Protocols {
        cleartext: false,
        tls: Some(Arc::new(ServiceTlsTerminator::new(identity))),
    };
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(serve(listener, endpoint, protocols, stop));
    (path, stop_tx)
}

/// A TLS identity on a simulated NSM in `dir`.
fn service_tls(dir: &Path) -> Arc<ServiceTls> {
    let nsm = Arc::new(SimulatedNsm::open(SimulatedNsmConfig::new(dir)).unwrap());
    let now = crate::clock::system()();
    let stored = new_identity(now).unwrap();
    Arc::new(ServiceTls::new(&stored, nsm, TlsSettings::simulation(), now).unwrap())
}

/// A client that trusts only `ca` (DER) for `localhost`.
fn connector(ca: &[u8]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ca.to_vec())).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn a_client_hello_before_the_identity_exists_is_closed_and_served_once_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let slot = IdentitySlot::new();
    let (path, _stop) = serve_on(dir.path(), slot.clone()).await;
    let tls = service_tls(&dir.path().join("nsm"));
    let connector = connector(tls.keys().ca_certificate());
    let localhost = ServerName::try_from("localhost").unwrap();

    // No identity yet: the handshake fails, the connection is closed.
    let tcp = UnixStream::connect(&path).await.unwrap();
    let early = tokio::time::timeout(
        Duration::from_secs(10),
        connector.connect(localhost.clone(), tcp),
    )
    .await
    .expect("the connection is closed, not left hanging");
    assert!(early.is_err(), "a handshake completed without an identity");

    // Filled once: the same port now completes the handshake with the CA's leaf.
    slot.set(tls.clone()).unwrap();
    assert!(slot.set(tls.clone()).is_err(), "the identity is set once");
    let tcp = UnixStream::connect(&path).await.unwrap();
    let mut session = connector.connect(localhost, tcp).await.unwrap();
    let (_, server) = session.get_ref();
    let presented = server.peer_certificates().unwrap();
    assert_eq!(presented.len(), 2);
    assert_eq!(presented[1].as_ref(), tls.keys().ca_certificate());

    // HTTP over it: the well-known CA answer, as the same endpoint serves it on cleartext.
    session
        .write_all(b"GET /.well-known/nitro-kms/ca.pem HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    session.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("application/x-pem-file"), "{answer}");
    assert!(answer.contains(&tls.ca_pem()), "{answer}");
}
