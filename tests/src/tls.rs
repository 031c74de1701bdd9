//! A TLS terminator on loopback for the tests of clients that verify `https://` endpoints: a
//! self-signed certificate for one name, and the plaintext of each connection forwarded to an
//! upstream (the simulated proxy). Binding and forwarding are separate steps so that its port
//! can be given to the proxy (say, in an egress allowlist) before the proxy's own port is known.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A bound, not yet serving, TLS terminator.
pub struct TlsFront {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    /// Its loopback port.
    pub port: u16,
    /// The self-signed certificate, in PEM: the root a client must trust.
    pub root_pem: String,
}

impl TlsFront {
    /// Binds `127.0.0.1:0` with a fresh certificate for `name`.
    ///
    /// # Panics
    /// If the certificate cannot be made or the port bound: a broken test setup.
    pub async fn bind(name: &str) -> TlsFront {
        let certified = rcgen::generate_simple_self_signed(vec![name.to_owned()])
            .unwrap_or_else(|e| panic!("certificate: {e}"));
        let root_pem = certified.cert.pem();
        let chain = vec![certified.cert.der().clone()];
        Self::serve_certificate(chain, certified.signing_key.serialize_der(), root_pem).await
    }

    /// Binds `127.0.0.1:0` with a certificate for `name` issued by a fresh test CA (what a
    /// real endpoint has: a leaf under a root); `root_pem` is the CA.
    ///
    /// # Panics
    /// If the certificates cannot be made or the port bound: a broken test setup.
    pub async fn bind_with_test_ca(name: &str) -> TlsFront {
        let fail = |e: rcgen::Error| -> ! { panic!("test CA: {e}") };
        let mut ca_params =
            rcgen::CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| fail(e));
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "nitro-kms test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_key = rcgen::KeyPair::generate().unwrap_or_else(|e| fail(e));
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap_or_else(|e| fail(e));
        let leaf_key = rcgen::KeyPair::generate().unwrap_or_else(|e| fail(e));
        let leaf = rcgen::CertificateParams::new(vec![name.to_owned()])
            .and_then(|p| p.signed_by(&leaf_key, &ca))
            .unwrap_or_else(|e| fail(e));
        let chain = vec![leaf.der().clone(), ca.der().clone()];
        Self::serve_certificate(chain, leaf_key.serialize_der(), ca.pem()).await
    }

    async fn serve_certificate(
        chain: Vec<rustls::pki_types::CertificateDer<'static>>,
        key_der: Vec<u8>,
        root_pem: String,
    ) -> TlsFront {
        let key = rustls::pki_types::PrivateKeyDer::try_from(key_der)
            .unwrap_or_else(|e| panic!("key: {e}"));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .unwrap_or_else(|e| panic!("TLS configuration: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local address: {e}"))
            .port();
        TlsFront {
            listener,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            port,
            root_pem,
        }
    }

    /// Serves from now on: each accepted connection's TLS is terminated and its plaintext
    /// relayed to `upstream` (`host:port`).
    pub fn forward_to(self, upstream: String) {
        let TlsFront {
            listener, acceptor, ..
        } = self;
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(mut tls) = acceptor.accept(tcp).await
                        && let Ok(mut plain) = tokio::net::TcpStream::connect(&upstream).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                });
            }
        });
    }
}
