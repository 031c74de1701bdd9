//! A hostile parent for the man-in-the-middle tests of issue 16: a TCP listener on loopback that
//! stands where the parent's byte relay stands, in front of the enclave's own endpoint (a Unix
//! socket in the simulation), and does to each connection what its [`Behaviour`] says — relay it
//! honestly, terminate TLS itself, answer a ClientHello in cleartext, or rewrite the TLS records
//! the enclave sends back. It counts what it saw, so a test can show that a client sent it
//! nothing it could read.
//!
//! Beside it, what such a parent can learn on its own from the enclave's socket: the genuine
//! certificate chain (from a handshake of its own), a genuine attestation document (from the
//! well-known route, in cleartext), and the enclave's request counters (`GET /metrics`).

use std::os::unix::net::UnixStream as StdUnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};

use crate::proxy::send;

/// A TLS record of type `application_data`: after the handshake, everything of the session.
const APPLICATION_DATA: u8 = 23;

/// A client record at least this long is a request (a TLS 1.3 client's `Finished`, also of type
/// application data, is well under it; a signed KMS request is well over it).
const REQUEST_RECORD_MIN: usize = 200;

/// What the parent does to each new connection.
#[derive(Clone)]
pub enum Behaviour {
    /// Copies bytes both ways, unchanged: what the parent should do.
    Relay,
    /// Terminates TLS with `chain` (DER, leaf first) and `key_pkcs8` (which need not be the
    /// leaf's key), speaking only `versions`, and forwards the plaintext to the enclave in
    /// cleartext: a parent with a certificate of its own, or with the enclave's.
    Terminate {
        /// The chain presented.
        chain: Vec<Vec<u8>>,
        /// The key the handshake is signed with.
        key_pkcs8: Vec<u8>,
        /// The TLS versions offered.
        versions: &'static [&'static rustls::SupportedProtocolVersion],
    },
    /// Reads the client's first bytes (its ClientHello) and answers them with these bytes (a
    /// cleartext HTTP answer), then closes: a parent that strips TLS.
    AnswerInCleartext(Vec<u8>),
    /// Relays TLS records and, once the client has sent its request, does [`Tamper`] to the
    /// application-data records the enclave sends back.
    Rewrite(Tamper),
}

/// What a [`Behaviour::Rewrite`] parent does to the enclave's records after the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Nothing, but it remembers the records, so that a later connection can replay them.
    Remember,
    /// Flips bits of one byte in the middle of each record.
    FlipByte,
    /// Replaces each record by a genuine one remembered from an earlier connection's answer.
    ReplayRecord,
}

/// What the parent saw and did.
#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    plaintext_read: AtomicU64,
    tampered: AtomicU64,
}

/// The hostile parent. Stops (with every connection it holds) when dropped.
pub struct HostileParent {
    /// Its loopback port.
    pub port: u16,
    behaviour: Arc<Mutex<Behaviour>>,
    counters: Arc<Counters>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl HostileParent {
    /// Listens on `127.0.0.1:0` in front of the enclave's endpoint at `socket`, relaying
    /// honestly until told otherwise ([`set`](Self::set)).
    ///
    /// # Panics
    /// If its runtime cannot be made or the port bound: a broken test setup.
    pub fn start(socket: PathBuf) -> HostileParent {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        // Bound here, served on the parent's own runtime (the caller may be inside another).
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local address: {e}"))
            .port();
        let behaviour = Arc::new(Mutex::new(Behaviour::Relay));
        let counters = Arc::new(Counters::default());
        let remembered = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
        let (mode, count) = (behaviour.clone(), counters.clone());
        runtime.spawn(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((client, _)) = listener.accept().await {
                count.accepted.fetch_add(1, Ordering::SeqCst);
                let now = mode.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let (socket, count, remembered) =
                    (socket.clone(), count.clone(), remembered.clone());
                tokio::spawn(async move {
                    handle(client, &socket, now, &count, &remembered).await;
                });
            }
        });
        HostileParent {
            port,
            behaviour,
            counters,
            runtime: Some(runtime),
        }
    }

    /// What the parent does to connections accepted from now on.
    pub fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap_or_else(|e| e.into_inner()) = behaviour;
    }

    /// `https://localhost:PORT` (the simulation's certificate names `localhost`).
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.counters.accepted.load(Ordering::SeqCst)
    }

    /// Plaintext bytes read from clients whose TLS it terminated.
    pub fn plaintext_read(&self) -> u64 {
        self.counters.plaintext_read.load(Ordering::SeqCst)
    }

    /// Records of the enclave it changed.
    pub fn tampered(&self) -> u64 {
        self.counters.tampered.load(Ordering::SeqCst)
    }
}

impl Drop for HostileParent {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn handle(
    mut client: TcpStream,
    socket: &Path,
    behaviour: Behaviour,
    counters: &Counters,
    remembered: &Mutex<Vec<Vec<u8>>>,
) {
    match behaviour {
        Behaviour::Relay => {
            if let Ok(mut enclave) = UnixStream::connect(socket).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut enclave).await;
            }
        }
        Behaviour::Terminate {
            chain,
            key_pkcs8,
            versions,
        } => {
            let acceptor =
                tokio_rustls::TlsAcceptor::from(server_config(chain, key_pkcs8, versions));
            let Ok(tls) = acceptor.accept(client).await else {
                return;
            };
            if let Ok(enclave) = UnixStream::connect(socket).await {
                forward_counting(tls, enclave, &counters.plaintext_read).await;
            }
        }
        Behaviour::AnswerInCleartext(answer) => {
            let mut hello = [0u8; 512];
            if matches!(client.read(&mut hello).await, Ok(n) if n > 0) {
                let _ = client.write_all(&answer).await;
                let _ = client.shutdown().await;
            }
        }
        Behaviour::Rewrite(tamper) => {
            if let Ok(enclave) = UnixStream::connect(socket).await {
                rewrite(client, enclave, tamper, counters, remembered).await;
            }
        }
    }
}

/// A server configuration presenting `chain` with `key_pkcs8`, whether or not they match.
fn server_config(
    chain: Vec<Vec<u8>>,
    key_pkcs8: Vec<u8>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = PrivateKeyDer::try_from(key_pkcs8).unwrap_or_else(|e| panic!("key: {e}"));
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .unwrap_or_else(|e| panic!("key: {e}"));
    let chain = chain.into_iter().map(CertificateDer::from).collect();
    let certified = Arc::new(rustls::sign::CertifiedKey::new(chain, signing_key));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map(|builder| {
            builder
                .with_no_client_auth()
                .with_cert_resolver(Arc::new(Presents(certified)))
        })
        .unwrap_or_else(|e| panic!("TLS configuration: {e}"));
    Arc::new(config)
}

/// Presents one chain and key to every client.
#[derive(Debug)]
struct Presents(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for Presents {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// Copies the decrypted client stream to the enclave (counting it) and the answers back.
async fn forward_counting<C, E>(client: C, enclave: E, read: &AtomicU64)
where
    C: AsyncRead + AsyncWrite + Unpin,
    E: AsyncRead + AsyncWrite + Unpin,
{
    let (mut client_in, mut client_out) = tokio::io::split(client);
    let (mut enclave_in, mut enclave_out) = tokio::io::split(enclave);
    let upstream = async {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = client_in.read(&mut buf).await {
            if n == 0 {
                break;
            }
            read.fetch_add(n as u64, Ordering::SeqCst);
            if enclave_out.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = enclave_out.shutdown().await;
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut enclave_in, &mut client_out).await;
        let _ = client_out.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}

/// One TLS record (header and payload), or `None` at the end of the stream.
async fn read_record<R: AsyncRead + Unpin>(from: &mut R) -> Option<Vec<u8>> {
    let mut record = vec![0u8; 5];
    from.read_exact(&mut record).await.ok()?;
    let len = usize::from(u16::from_be_bytes([record[3], record[4]]));
    record.resize(5 + len, 0);
    from.read_exact(&mut record[5..]).await.ok()?;
    Some(record)
}

/// Relays record by record; after the client's request, tampers with the enclave's records.
async fn rewrite(
    client: TcpStream,
    enclave: UnixStream,
    tamper: Tamper,
    counters: &Counters,
    remembered: &Mutex<Vec<Vec<u8>>>,
) {
    let requested = AtomicBool::new(false);
    let (mut client_in, mut client_out) = client.into_split();
    let (mut enclave_in, mut enclave_out) = enclave.into_split();
    let upstream = async {
        while let Some(record) = read_record(&mut client_in).await {
            if record[0] == APPLICATION_DATA && record.len() >= REQUEST_RECORD_MIN {
                requested.store(true, Ordering::SeqCst);
            }
            if enclave_out.write_all(&record).await.is_err() {
                break;
            }
        }
        let _ = enclave_out.shutdown().await;
    };
    let downstream = async {
        while let Some(mut record) = read_record(&mut enclave_in).await {
            if record[0] == APPLICATION_DATA && record.len() > 5 && requested.load(Ordering::SeqCst)
            {
                let mut seen = remembered.lock().unwrap_or_else(|e| e.into_inner());
                match tamper {
                    Tamper::Remember => seen.push(record.clone()),
                    Tamper::FlipByte => {
                        let middle = 5 + (record.len() - 5) / 2;
                        record[middle] ^= 0x5a;
                        counters.tampered.fetch_add(1, Ordering::SeqCst);
                    }
                    Tamper::ReplayRecord => {
                        if let Some(old) = seen.iter().max_by_key(|r| r.len()) {
                            record = old.clone();
                            counters.tampered.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            }
            if client_out.write_all(&record).await.is_err() {
                break;
            }
        }
        let _ = client_out.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}

/// The certificate chain the enclave at `socket` presents (DER, leaf first), from a handshake
/// the parent makes itself, trusting anything: what any parent can capture.
///
/// # Panics
/// If the handshake fails: a broken test setup.
pub fn genuine_chain(socket: &Path) -> Vec<Vec<u8>> {
    // On a thread and runtime of its own: the caller may be inside another runtime.
    let socket = socket.to_owned();
    std::thread::spawn(move || capture_chain(&socket))
        .join()
        .unwrap_or_else(|_| panic!("capturing the enclave's chain failed"))
}

fn capture_chain(socket: &Path) -> Vec<Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    runtime.block_on(async {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|e| panic!("TLS: {e}"))
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(TrustsAnything(provider)))
            .with_no_client_auth();
        let stream = UnixStream::connect(socket)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", socket.display()));
        let name = ServerName::try_from("localhost").unwrap_or_else(|e| panic!("name: {e}"));
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, stream)
            .await
            .unwrap_or_else(|e| panic!("handshake with the enclave: {e}"));
        tls.get_ref()
            .1
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .map(|c| c.to_vec())
            .collect()
    })
}

/// A verifier that accepts every certificate (the parent does not care who the enclave is).
#[derive(Debug)]
struct TrustsAnything(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for TrustsAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `GET PATH` on the enclave's socket in cleartext (the simulation allows it): status and body.
///
/// # Panics
/// If the enclave cannot be reached: a broken test setup.
pub fn cleartext_get(socket: &Path, path: &str) -> (u16, Vec<u8>) {
    let mut stream =
        StdUnixStream::connect(socket).unwrap_or_else(|e| panic!("{}: {e}", socket.display()));
    let headers = [("host".to_owned(), "localhost".to_owned())];
    let answer =
        send(&mut stream, "GET", path, &headers, b"").unwrap_or_else(|e| panic!("GET {path}: {e}"));
    (answer.status, answer.body)
}

/// KMS requests the enclave has seen on its endpoint: answered (`nitro_kms_requests_total`, every
/// operation) plus refused before an operation (`nitro_kms_rejected_total`), from `/metrics`.
pub fn enclave_requests(socket: &Path) -> u64 {
    let (status, body) = cleartext_get(socket, "/metrics");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    String::from_utf8_lossy(&body)
        .lines()
        .filter(|l| {
            l.starts_with("nitro_kms_requests_total{") || l.starts_with("nitro_kms_rejected_total")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// A genuine attestation document of the enclave (from the well-known route, nonce `00`): what
/// a parent can put in a certificate of its own.
pub fn genuine_document(socket: &Path) -> Vec<u8> {
    let (status, body) = cleartext_get(socket, "/.well-known/nitro-kms/attestation?nonce=00");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    body
}
