//! An in-process HTTPS server that presents a service identity made by
//! [`nitro_kms_attest::service::fixture`] and serves the enclave's well-known routes from a
//! simulated NSM — `GET /.well-known/nitro-kms/attestation?nonce=HEX` (a fresh document with that
//! nonce, `application/cbor`) and `GET /.well-known/nitro-kms/ca.pem` — plus `200 {}` to any
//! `POST` (a KMS call). It counts the application bytes it read, so a test can show that a client
//! refused the server before sending a request byte. The enclave's real server replaces it once
//! it serves these routes itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Makes the attestation route's document for a nonce.
pub type DocumentFor = Arc<dyn Fn(&[u8]) -> Vec<u8> + Send + Sync>;

/// What the server presents and serves.
pub struct ServiceServerSpec {
    /// The certificate chain presented in the handshake (DER, leaf first).
    pub chain: Vec<Vec<u8>>,
    /// The leaf's key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
    /// The attestation route's document for a nonce.
    pub document: DocumentFor,
    /// The CA route's PEM.
    pub ca_pem: String,
}

/// A running server.
pub struct ServiceServer {
    /// Its loopback port.
    pub port: u16,
    app_bytes: Arc<AtomicU64>,
    requests: Arc<AtomicU64>,
    ended: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ServiceServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ServiceServer {
    /// Binds `127.0.0.1:0` and serves `spec` until dropped.
    ///
    /// # Panics
    /// If the TLS configuration is refused or the port cannot be bound: a broken test setup.
    pub async fn start(spec: ServiceServerSpec) -> ServiceServer {
        Self::start_with_versions(spec, rustls::DEFAULT_VERSIONS).await
    }

    /// As [`start`](Self::start), speaking only the TLS `versions` given (say, TLS 1.2 alone).
    ///
    /// The key is not checked against the leaf: a test can present a genuine chain with a key of
    /// its own, as a relay that copied the enclave's certificate would.
    ///
    /// # Panics
    /// If the TLS configuration is refused or the port cannot be bound: a broken test setup.
    pub async fn start_with_versions(
        spec: ServiceServerSpec,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> ServiceServer {
        let chain = spec
            .chain
            .iter()
            .map(|c| rustls::pki_types::CertificateDer::from(c.clone()))
            .collect();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::try_from(spec.key_pkcs8.clone())
            .unwrap_or_else(|e| panic!("key: {e}"));
        let signing_key = provider
            .key_provider
            .load_private_key(key)
            .unwrap_or_else(|e| panic!("key: {e}"));
        let certified = Arc::new(rustls::sign::CertifiedKey::new(chain, signing_key));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .map(|builder| {
                builder
                    .with_no_client_auth()
                    .with_cert_resolver(Arc::new(FixedCertificate(certified)))
            })
            .unwrap_or_else(|e| panic!("TLS configuration: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local address: {e}"))
            .port();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let app_bytes = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(AtomicU64::new(0));
        let spec = Arc::new(spec);
        let ended = Arc::new(AtomicU64::new(0));
        let (bytes, count, done) = (app_bytes.clone(), requests.clone(), ended.clone());
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, spec) = (acceptor.clone(), spec.clone());
                let (bytes, count, done) = (bytes.clone(), count.clone(), done.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        serve(tls, &spec, &bytes, &count).await;
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        ServiceServer {
            port,
            app_bytes,
            requests,
            ended,
            task,
        }
    }

    /// Application (decrypted) bytes read from clients so far.
    pub fn app_bytes_read(&self) -> u64 {
        self.app_bytes.load(Ordering::SeqCst)
    }

    /// Waits (up to 10 s) until `n` connections have ended, handshake failed or closed, so that
    /// what they read is all counted.
    pub async fn wait_for_ended_connections(&self, n: u64) {
        for _ in 0..1000 {
            if self.ended.load(Ordering::SeqCst) >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Connections ended so far.
    pub fn ended_connections(&self) -> u64 {
        self.ended.load(Ordering::SeqCst)
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Presents one certificate chain and key to every client.
#[derive(Debug)]
struct FixedCertificate(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for FixedCertificate {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// Answers HTTP/1.1 requests on one connection until it closes.
async fn serve(
    mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    spec: &ServiceServerSpec,
    bytes: &AtomicU64,
    count: &AtomicU64,
) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let mut chunk = [0u8; 4096];
            match tls.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    bytes.fetch_add(n as u64, Ordering::SeqCst);
                    buf.extend_from_slice(&chunk[..n]);
                }
            }
            if buf.len() > 65536 {
                return;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match tls.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    bytes.fetch_add(n as u64, Ordering::SeqCst);
                    buf.extend_from_slice(&chunk[..n]);
                }
            }
        }
        buf.drain(..head_end + length);
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let (status, content_type, body) = route(head.starts_with("POST"), &target, spec);
        count.fetch_add(1, Ordering::SeqCst);
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if tls.write_all(answer.as_bytes()).await.is_err()
            || tls.write_all(&body).await.is_err()
            || tls.flush().await.is_err()
        {
            return;
        }
    }
}

fn route(
    post: bool,
    target: &str,
    spec: &ServiceServerSpec,
) -> (&'static str, &'static str, Vec<u8>) {
    if post {
        return ("200 OK", "application/x-amz-json-1.1", b"{}".to_vec());
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path {
        "/.well-known/nitro-kms/attestation" => {
            let nonce = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("nonce="))
                .and_then(|h| hex::decode(h).ok());
            match nonce {
                Some(nonce) if nonce.len() <= 64 => {
                    ("200 OK", "application/cbor", (spec.document)(&nonce))
                }
                _ => ("400 Bad Request", "text/plain", b"bad nonce".to_vec()),
            }
        }
        "/.well-known/nitro-kms/ca.pem" => (
            "200 OK",
            "application/x-pem-file",
            spec.ca_pem.as_bytes().to_vec(),
        ),
        _ => ("404 Not Found", "text/plain", b"not found".to_vec()),
    }
}
