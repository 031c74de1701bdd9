//! [`KmsClient`]: the configuration ([`ClientConfig`]), the endpoint it reaches, the credentials
//! it caches and renews, and the calls, each signed with [`nitro_kms_api::sigv4::sign_request`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::attested::Attestation;
use crate::attested_answer;
use crate::connection_pool::ConnectionPool;
use crate::credential_providers::{Credentials, CredentialsProvider};
use crate::error::ClientError;
use crate::server_trust::tls_settings;
use nitro_kms_api::ops::{
    DecryptRequest, DecryptResponse, GenerateDataKeyPairRequest, GenerateDataKeyPairResponse,
    GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse, GenerateRandomRequest, GenerateRandomResponse,
};
use nitro_kms_api::sigv4::{SignedRequest, SigningKey, sign_request};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_attest::service::ServiceTrust;
use nitro_kms_wire::http_connect::ConnectTarget;
use nitro_kms_wire::transport::Address;

/// Where and as whom to call.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `http://HOST:PORT`, `unix:///path` or `vsock://CID:PORT`.
    pub endpoint: String,
    /// The region requests are signed for.
    pub region: String,
    /// Who signs.
    pub credentials: Credentials,
    /// Deadline of one call.
    pub timeout: Duration,
    /// Idle connections kept.
    pub max_idle: usize,
    /// For `https://`: trust these PEM roots instead of the Mozilla roots (webpki-roots).
    pub tls_roots_pem: Option<Vec<u8>>,
    /// Connect here instead of the URL's host (e.g. `vsock://3:8000`, a relay on the parent),
    /// still sending the URL's host as `Host` and as the TLS server name.
    pub connect_to: Option<String>,
    /// An HTTP CONNECT relay to go through (`vsock://3:8000`, `unix:///path`, `tcp://HOST:PORT`),
    /// such as `nitro-kms-proxy --egress`: each new connection goes to the relay, asks it with
    /// `CONNECT` for the URL's `host:port`, and only after a `200` runs TLS (verifying the URL's
    /// host) and HTTP inside the tunnel. Unlike [`connect_to`](Self::connect_to), the relay
    /// learns the destination from the request, so one relay serves several hosts, each of
    /// which it can allow or refuse. Needs an `http://` or `https://` endpoint; excludes
    /// `connect_to`.
    pub egress_relay: Option<String>,
    /// For `https://`: trust the server only if its certificate proves an attested nitro-kms
    /// enclave (the document in it verifies against the pinned root, carries the expected PCRs,
    /// and names the CA that signed the certificate), checked in the handshake of every new
    /// connection before a request byte is sent. With [`tls_roots_pem`](Self::tls_roots_pem)
    /// too, both must pass. Needs an `https://` endpoint. `None`: the web PKI, as against AWS.
    pub service_trust: Option<ServiceTrust>,
    /// For `https://`: resume earlier TLS sessions on new connections (rustls's in-memory
    /// session cache; the default). `false` makes every new connection a full handshake, which
    /// is what `nitro-kms bench --new-connection-per-request` measures.
    pub tls_resumption: bool,
}

impl ClientConfig {
    /// A configuration with a 30-second timeout and up to 8 idle connections.
    pub fn new(endpoint: &str, region: &str, credentials: Credentials) -> Self {
        ClientConfig {
            endpoint: endpoint.to_owned(),
            region: region.to_owned(),
            credentials,
            timeout: Duration::from_secs(30),
            max_idle: 8,
            tls_roots_pem: None,
            connect_to: None,
            egress_relay: None,
            service_trust: None,
            tls_resumption: true,
        }
    }

    /// Trusts the server only as an attested nitro-kms enclave (see
    /// [`service_trust`](Self::service_trust)).
    pub fn with_service_trust(mut self, trust: ServiceTrust) -> Self {
        self.service_trust = Some(trust);
        self
    }
}

/// The KMS client. Cheap to share (`Arc`), safe to call concurrently.
#[derive(Debug)]
pub struct KmsClient {
    config: ClientConfig,
    host: String,
    pool: ConnectionPool,
    attestation: Option<Attestation>,
    credentials: CredentialCache,
}

/// How long before expiry credentials are refreshed.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// The current credentials and the provider that renews them.
struct CredentialCache {
    provider: std::sync::Arc<dyn CredentialsProvider>,
    current: std::sync::Mutex<Option<(Credentials, Option<SystemTime>)>>,
}

impl std::fmt::Debug for CredentialCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialCache").finish_non_exhaustive()
    }
}

impl CredentialCache {
    /// Credentials valid for at least [`REFRESH_BEFORE_EXPIRY`] (asking the provider if needed).
    fn get(&self) -> Result<Credentials, ClientError> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = |expiry: &Option<SystemTime>| {
            expiry.is_none_or(|t| t > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
        };
        if let Some((creds, expiry)) = current.as_ref()
            && fresh(expiry)
        {
            return Ok(creds.clone());
        }
        let (creds, expiry) = self.provider.provide()?;
        *current = Some((creds.clone(), expiry));
        Ok(creds)
    }
}

/// The parts of an endpoint URL: where to connect, the `Host` header, TLS or not, and the
/// CONNECT target when the connection goes through an egress relay.
struct Endpoint {
    address: Address,
    host: String,
    tls_host: Option<String>,
    tunnel: Option<ConnectTarget>,
}

/// `http://h[:p]`, `https://h[:p]`, or a transport address (`unix:///path`, `vsock://CID:PORT`).
fn parse_endpoint(config: &ClientConfig) -> Result<Endpoint, ClientError> {
    let endpoint = config.endpoint.as_str();
    let bad = |e: String| ClientError::Config(format!("{endpoint}: {e}"));
    let (authority, tls, default_port) = if let Some(rest) = endpoint.strip_prefix("https://") {
        (rest, true, 443)
    } else if let Some(rest) = endpoint.strip_prefix("http://") {
        (rest, false, 80)
    } else {
        if config.egress_relay.is_some() {
            return Err(bad(
                "an egress relay needs an http:// or https:// endpoint (CONNECT names a host:port)"
                    .to_owned(),
            ));
        }
        let address: Address = endpoint.parse().map_err(|e| bad(format!("{e}")))?;
        return Ok(Endpoint {
            address,
            host: "localhost".to_owned(),
            tls_host: None,
            tunnel: None,
        });
    };
    let authority = authority.trim_end_matches('/');
    let (hostname, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, p.to_owned()),
        _ => (authority, default_port.to_string()),
    };
    let (target, tunnel) = match (&config.connect_to, &config.egress_relay) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "connect_to and egress_relay exclude each other".to_owned()
            ));
        }
        (Some(relay), None) => (relay.clone(), None),
        (None, Some(relay)) => {
            let tunnel: ConnectTarget = format!("{hostname}:{port}")
                .parse()
                .map_err(|e| bad(format!("{e}")))?;
            (relay.clone(), Some(tunnel))
        }
        (None, None) => (format!("tcp://{hostname}:{port}"), None),
    };
    Ok(Endpoint {
        address: target.parse().map_err(|e| bad(format!("{e}")))?,
        host: authority.to_owned(),
        tls_host: tls.then(|| hostname.to_owned()),
        tunnel,
    })
}

/// The connection pool for `config`'s endpoint, and the `Host` header.
fn pool_for(config: &ClientConfig) -> Result<(ConnectionPool, String), ClientError> {
    let endpoint = parse_endpoint(config)?;
    let tls = match &endpoint.tls_host {
        Some(h) => Some(tls_settings(
            h,
            config.tls_roots_pem.as_deref(),
            config.service_trust.as_ref(),
            config.tls_resumption,
        )?),
        None if config.service_trust.is_some() => {
            return Err(ClientError::Config(format!(
                "{}: service trust needs an https:// endpoint (the attestation is checked in \
                 the TLS handshake)",
                config.endpoint
            )));
        }
        None => None,
    };
    let pool = ConnectionPool::new(endpoint.address, endpoint.tunnel, tls, config.max_idle);
    Ok((pool, endpoint.host))
}

impl KmsClient {
    /// A client for `config` (no connection is made until the first call).
    pub fn new(config: ClientConfig) -> Result<KmsClient, ClientError> {
        let (pool, host) = pool_for(&config)?;
        Ok(KmsClient {
            pool,
            host,
            credentials: CredentialCache {
                provider: std::sync::Arc::new(config.credentials.clone()),
                current: std::sync::Mutex::new(None),
            },
            config,
            attestation: None,
        })
    }

    /// Trusts the server only as an attested nitro-kms enclave
    /// ([`ClientConfig::service_trust`]): every new connection checks the document in the
    /// server's certificate in the TLS handshake and fails, sending nothing, if it does not prove
    /// an enclave under `trust`. Needs an `https://` endpoint.
    pub fn with_service_trust(mut self, trust: ServiceTrust) -> Result<Self, ClientError> {
        self.config.service_trust = Some(trust);
        let (pool, host) = pool_for(&self.config)?;
        self.pool = pool;
        self.host = host;
        Ok(self)
    }

    /// Takes credentials from `provider` instead of the configuration's, asking it again
    /// [`REFRESH_BEFORE_EXPIRY`] before the ones it gave expire.
    pub fn with_credentials_provider(
        mut self,
        provider: std::sync::Arc<dyn CredentialsProvider>,
    ) -> Self {
        self.credentials = CredentialCache {
            provider,
            current: std::sync::Mutex::new(None),
        };
        self
    }

    /// Makes this client attested: its GenerateDataKey, GenerateDataKeyPair, Decrypt and
    /// GenerateRandom calls carry a `Recipient` (a fresh document from `nsm` binding an RSA key of
    /// `size` kept for the client's life) and their plaintext is unwrapped locally from
    /// `CiphertextForRecipient`; answers that break the attested contract are refused
    /// ([`ClientError::UntrustedAnswer`]).
    pub fn attested(
        mut self,
        nsm: std::sync::Arc<dyn nitro_kms_attest::nsm::Nsm>,
        size: nitro_kms_crypto::RsaKeySize,
    ) -> Result<Self, ClientError> {
        self.attestation = Some(Attestation::new(nsm, size)?);
        Ok(self)
    }

    /// Connections opened so far (for tests of reuse).
    pub fn connections_opened(&self) -> u64 {
        self.pool.opened()
    }

    /// Calls `op` with a typed request and decodes the typed response.
    pub async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        op: Operation,
        request: &Req,
    ) -> Result<Resp, ClientError> {
        let body = serde_json::to_vec(request)
            .map_err(|e| ClientError::Protocol(format!("cannot encode the request: {e}")))?;
        let answer = self.call_raw(op, body).await?;
        let text = if answer.is_empty() {
            b"{}".as_slice()
        } else {
            &answer
        };
        serde_json::from_slice(text)
            .map_err(|e| ClientError::Protocol(format!("cannot decode the {op} response: {e}")))
    }

    /// Calls `op` with a raw JSON body; returns the raw JSON answer (errors decoded).
    pub async fn call_raw(&self, op: Operation, body: Vec<u8>) -> Result<Vec<u8>, ClientError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let headers = self.signed_headers(op, &body, now)?;
        let (status, answer) =
            tokio::time::timeout(self.config.timeout, self.pool.post(headers, body))
                .await
                .map_err(|_| {
                    ClientError::Transport(format!("no answer within {:?}", self.config.timeout))
                })??;
        if (200..300).contains(&status) {
            return Ok(answer);
        }
        let err = KmsError::from_json(&answer).map_err(|e| {
            ClientError::Protocol(format!(
                "HTTP {status} with a body that is not a KMS error: {e}"
            ))
        })?;
        Err(ClientError::Service(err))
    }

    fn signed_headers(
        &self,
        op: Operation,
        body: &[u8],
        now: i64,
    ) -> Result<Vec<(String, String)>, ClientError> {
        let mut headers = vec![
            (
                "content-type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            ("host".to_owned(), self.host.clone()),
            ("x-amz-target".to_owned(), op.target()),
        ];
        let creds = &self.credentials.get()?;
        let key = SigningKey {
            access_key_id: &creds.access_key_id,
            secret_access_key: creds.secret_access_key(),
            session_token: creds.session_token.as_deref(),
        };
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: headers.clone(),
            body,
        };
        let signed =
            sign_request(&req, &key, &self.config.region, now).map_err(ClientError::Service)?;
        headers.extend(signed.into_pairs());
        Ok(headers)
    }

    /// GenerateDataKey. Attested when the client is: `Plaintext` is then the opened
    /// `CiphertextForRecipient`, and an answer breaking the attested contract (module docs of
    /// `attested_answer.rs`: a `Plaintext` on the wire, no envelope, a key of another length than
    /// the `KeySpec`/`NumberOfBytes` asked for) is [`ClientError::UntrustedAnswer`].
    pub async fn generate_data_key(
        &self,
        request: &GenerateDataKeyRequest,
    ) -> Result<GenerateDataKeyResponse, ClientError> {
        let Some(att) = &self.attestation else {
            return self.call(Operation::GenerateDataKey, request).await;
        };
        let mut request = request.clone();
        request.recipient = Some(att.recipient()?);
        let response = self.call(Operation::GenerateDataKey, &request).await?;
        attested_answer::accept_data_key(att, &request, response)
    }

    /// GenerateDataKeyWithoutPlaintext.
    pub async fn generate_data_key_without_plaintext(
        &self,
        request: &GenerateDataKeyWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyWithoutPlaintextResponse, ClientError> {
        self.call(Operation::GenerateDataKeyWithoutPlaintext, request)
            .await
    }

    /// GenerateDataKeyPair. Attested when the client is: `PrivateKeyPlaintext` is then the
    /// opened `CiphertextForRecipient`, which must be a PKCS#8 private key of the `KeyPairSpec`
    /// asked for, the half of the answer's `PublicKey`; otherwise
    /// [`ClientError::UntrustedAnswer`].
    pub async fn generate_data_key_pair(
        &self,
        request: &GenerateDataKeyPairRequest,
    ) -> Result<GenerateDataKeyPairResponse, ClientError> {
        let Some(att) = &self.attestation else {
            return self.call(Operation::GenerateDataKeyPair, request).await;
        };
        let mut request = request.clone();
        request.recipient = Some(att.recipient()?);
        let response = self.call(Operation::GenerateDataKeyPair, &request).await?;
        attested_answer::accept_key_pair(att, &request, response)
    }

    /// Decrypt. Attested when the client is: `Plaintext` is then the opened
    /// `CiphertextForRecipient`; an answer without one, or with a `Plaintext` on the wire, is
    /// [`ClientError::UntrustedAnswer`]. When the caller knows the plaintext's length, use
    /// [`decrypt_expecting`](Self::decrypt_expecting).
    pub async fn decrypt(&self, request: &DecryptRequest) -> Result<DecryptResponse, ClientError> {
        self.decrypt_checked(request, None).await
    }

    /// Decrypt of a plaintext of `len` bytes (an AES-256 data key: 32). Attested, a plaintext of
    /// another length is the same one error as an envelope that does not open, so a parent that
    /// tampers with the envelope learns nothing from how the call fails (`attested.rs`); not
    /// attested, it is [`ClientError::Protocol`].
    pub async fn decrypt_expecting(
        &self,
        request: &DecryptRequest,
        len: usize,
    ) -> Result<DecryptResponse, ClientError> {
        self.decrypt_checked(request, Some(len)).await
    }

    async fn decrypt_checked(
        &self,
        request: &DecryptRequest,
        expected_len: Option<usize>,
    ) -> Result<DecryptResponse, ClientError> {
        let Some(att) = &self.attestation else {
            let response: DecryptResponse = self.call(Operation::Decrypt, request).await?;
            let len = response.plaintext.as_ref().map_or(0, |p| p.len());
            return match expected_len {
                Some(expected) if expected != len => Err(ClientError::Protocol(format!(
                    "Decrypt returned {len} bytes, {expected} were expected"
                ))),
                _ => Ok(response),
            };
        };
        let mut request = request.clone();
        request.recipient = Some(att.recipient()?);
        let response = self.call(Operation::Decrypt, &request).await?;
        attested_answer::accept_decrypt(att, expected_len, response)
    }

    /// GenerateRandom. Attested when the client is: `Plaintext` is then the opened
    /// `CiphertextForRecipient`, which must hold `NumberOfBytes` bytes; otherwise
    /// [`ClientError::UntrustedAnswer`].
    pub async fn generate_random(
        &self,
        request: &GenerateRandomRequest,
    ) -> Result<GenerateRandomResponse, ClientError> {
        let Some(att) = &self.attestation else {
            return self.call(Operation::GenerateRandom, request).await;
        };
        let mut request = request.clone();
        request.recipient = Some(att.recipient()?);
        let response = self.call(Operation::GenerateRandom, &request).await?;
        attested_answer::accept_random(att, &request, response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(endpoint: &str) -> ClientConfig {
        ClientConfig::new(
            endpoint,
            "us-east-1",
            Credentials::new("AKIAEXAMPLEEXAMPLE00", "secret", None),
        )
    }

    #[test]
    fn an_egress_relay_tunnels_to_the_url_host_and_port() {
        let mut https = config("https://KMS.us-east-1.amazonaws.com");
        https.egress_relay = Some("vsock://3:8000".into());
        let endpoint = parse_endpoint(&https).unwrap();
        assert_eq!(endpoint.address.to_string(), "vsock://3:8000");
        assert_eq!(
            endpoint.tunnel.map(|t| t.to_string()).as_deref(),
            Some("kms.us-east-1.amazonaws.com:443")
        );
        assert_eq!(
            endpoint.tls_host.as_deref(),
            Some("KMS.us-east-1.amazonaws.com")
        );
        let mut http = config("http://localhost:9600/");
        http.egress_relay = Some("unix:///run/egress.sock".into());
        let endpoint = parse_endpoint(&http).unwrap();
        assert_eq!(
            endpoint.tunnel.map(|t| t.to_string()).as_deref(),
            Some("localhost:9600")
        );
        assert_eq!(endpoint.tls_host, None);
    }

    #[test]
    fn an_egress_relay_with_connect_to_or_a_socket_endpoint_is_a_configuration_error() {
        let mut both = config("https://kms.example.com");
        both.connect_to = Some("unix:///tmp/a".into());
        both.egress_relay = Some("unix:///tmp/b".into());
        assert!(matches!(KmsClient::new(both), Err(ClientError::Config(_))));
        let mut socket = config("unix:///tmp/kms.sock");
        socket.egress_relay = Some("unix:///tmp/b".into());
        assert!(matches!(
            KmsClient::new(socket),
            Err(ClientError::Config(_))
        ));
        let mut bad_relay = config("https://kms.example.com");
        bad_relay.egress_relay = Some("vsock:3:8000".into());
        assert!(matches!(
            KmsClient::new(bad_relay),
            Err(ClientError::Config(_))
        ));
    }
}
