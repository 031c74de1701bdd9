//! `KmsClient`: an async AWS KMS client that signs with SigV4 and reuses its connections.
//!
//! It speaks the KMS JSON 1.1 protocol over HTTP/1.1 to any endpoint — `nitro-kms-proxy`, or
//! anything else that speaks KMS — through [`crate::transport`], so the connection may be TCP, a
//! Unix socket or vsock (an enclave reaching a relay on its parent). Connections are kept and
//! reused: a hundred sequential calls use one connection.
//!
//! With [`KmsClient::attested`] the data-key calls carry a `Recipient` and are unwrapped locally
//! (see [`Attestation`]).
//!
//! Status: HTTP only. HTTPS (rustls, for real AWS KMS through an egress relay), GenerateDataKeyPair
//! in attested mode and credential refresh are the rest of this milestone.
//!
//! ```no_run
//! # async fn demo() -> Result<(), nitro_kms_common::client::ClientError> {
//! use nitro_kms_common::client::{ClientConfig, Credentials, KmsClient};
//! use nitro_kms_common::kms::ops::GenerateDataKeyRequest;
//! let client = KmsClient::new(ClientConfig::new(
//!     "http://127.0.0.1:9600",
//!     "us-east-1",
//!     Credentials::from_env()?,
//! ))?;
//! let key = client
//!     .generate_data_key(&GenerateDataKeyRequest {
//!         key_id: Some("alias/app".into()),
//!         key_spec: Some("AES_256".into()),
//!         ..Default::default()
//!     })
//!     .await?;
//! # let _ = key; Ok(()) }
//! ```

mod attested;
mod connection_pool;
mod credentials;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use attested::Attestation;
pub use credentials::Credentials;

use crate::kms::ops::{
    DecryptRequest, DecryptResponse, GenerateDataKeyRequest, GenerateDataKeyResponse,
    GenerateDataKeyWithoutPlaintextRequest, GenerateDataKeyWithoutPlaintextResponse,
    GenerateRandomRequest, GenerateRandomResponse,
};
use crate::kms::{KmsError, Operation};
use crate::sigv4::{self, SignedRequest};
use crate::transport::Address;
use connection_pool::ConnectionPool;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// KMS answered with an error (its `__type`, message and HTTP status).
    #[error("{0}")]
    Service(KmsError),
    /// The endpoint could not be reached or the connection failed.
    #[error("transport: {0}")]
    Transport(String),
    /// The answer was not what the protocol promises.
    #[error("unexpected response: {0}")]
    Protocol(String),
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
}

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
        }
    }
}

/// The KMS client. Cheap to share (`Arc`), safe to call concurrently.
#[derive(Debug)]
pub struct KmsClient {
    config: ClientConfig,
    host: String,
    pool: ConnectionPool,
    attestation: Option<Attestation>,
}

/// `http://h:p` → (transport address, Host header).
fn parse_endpoint(endpoint: &str) -> Result<(Address, String), ClientError> {
    if let Some(rest) = endpoint.strip_prefix("http://") {
        let authority = rest.trim_end_matches('/');
        let address = format!("tcp://{authority}")
            .parse()
            .map_err(|e| ClientError::Config(format!("{endpoint}: {e}")))?;
        return Ok((address, authority.to_owned()));
    }
    if endpoint.starts_with("https://") {
        return Err(ClientError::Config(
            "https endpoints are not supported yet (use http:// to nitro-kms-proxy)".into(),
        ));
    }
    let address: Address = endpoint
        .parse()
        .map_err(|e| ClientError::Config(format!("{endpoint}: {e}")))?;
    Ok((address, "localhost".to_owned()))
}

impl KmsClient {
    /// A client for `config` (no connection is made until the first call).
    pub fn new(config: ClientConfig) -> Result<KmsClient, ClientError> {
        let (address, host) = parse_endpoint(&config.endpoint)?;
        Ok(KmsClient {
            pool: ConnectionPool::new(address, config.max_idle),
            host,
            config,
            attestation: None,
        })
    }

    /// Makes this client attested: its GenerateDataKey, Decrypt and GenerateRandom calls carry a
    /// `Recipient` (a fresh document from `nsm` binding an RSA key of `size` kept for the client's
    /// life) and their plaintext is unwrapped locally from `CiphertextForRecipient`.
    pub fn attested(
        mut self,
        nsm: std::sync::Arc<dyn crate::nsm::Nsm>,
        size: crate::crypto::RsaKeySize,
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
        let amz_date = sigv4::format_amz_date(now);
        let mut headers = vec![
            (
                "content-type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            ("host".to_owned(), self.host.clone()),
            ("x-amz-date".to_owned(), amz_date.clone()),
            ("x-amz-target".to_owned(), op.target()),
        ];
        let creds = &self.config.credentials;
        if let Some(token) = &creds.session_token {
            headers.push(("x-amz-security-token".to_owned(), token.clone()));
        }
        let names: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
        let signed: Vec<&str> = names.iter().map(String::as_str).collect();
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: headers.clone(),
            body,
        };
        let signature = sigv4::signature(
            &req,
            &signed,
            creds.secret_access_key(),
            &amz_date,
            &self.config.region,
            "kms",
        )
        .map_err(ClientError::Service)?;
        headers.push((
            "authorization".to_owned(),
            format!(
                "{} Credential={}/{}/{}/kms/aws4_request, SignedHeaders={}, Signature={signature}",
                sigv4::ALGORITHM,
                creds.access_key_id,
                amz_date.get(..8).unwrap_or_default(),
                self.config.region,
                signed.join(";")
            ),
        ));
        Ok(headers)
    }

    /// GenerateDataKey (attested when the client is; `Plaintext` is filled either way).
    pub async fn generate_data_key(
        &self,
        request: &GenerateDataKeyRequest,
    ) -> Result<GenerateDataKeyResponse, ClientError> {
        let Some(att) = &self.attestation else {
            return self.call(Operation::GenerateDataKey, request).await;
        };
        let mut request = request.clone();
        request.recipient = Some(att.recipient()?);
        let mut response: GenerateDataKeyResponse =
            self.call(Operation::GenerateDataKey, &request).await?;
        if let Some(envelope) = &response.ciphertext_for_recipient {
            response.plaintext = Some(att.open(envelope)?);
        }
        Ok(response)
    }

    /// GenerateDataKeyWithoutPlaintext.
    pub async fn generate_data_key_without_plaintext(
        &self,
        request: &GenerateDataKeyWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyWithoutPlaintextResponse, ClientError> {
        self.call(Operation::GenerateDataKeyWithoutPlaintext, request)
            .await
    }

    /// Decrypt (attested when the client is; `Plaintext` is filled either way).
    pub async fn decrypt(&self, request: &DecryptRequest) -> Result<DecryptResponse, ClientError> {
        let Some(att) = &self.attestation else {
            return self.call(Operation::Decrypt, request).await;
        };
        let mut request = request.clone();
        request.recipient = Some(att.recipient()?);
        let mut response: DecryptResponse = self.call(Operation::Decrypt, &request).await?;
        if let Some(envelope) = &response.ciphertext_for_recipient {
            response.plaintext = Some(att.open(envelope)?);
        }
        Ok(response)
    }

    /// GenerateRandom (attested when the client is; `Plaintext` is filled either way).
    pub async fn generate_random(
        &self,
        request: &GenerateRandomRequest,
    ) -> Result<GenerateRandomResponse, ClientError> {
        let Some(att) = &self.attestation else {
            return self.call(Operation::GenerateRandom, request).await;
        };
        let mut request = request.clone();
        request.recipient = Some(att.recipient()?);
        let mut response: GenerateRandomResponse =
            self.call(Operation::GenerateRandom, &request).await?;
        if let Some(envelope) = &response.ciphertext_for_recipient {
            response.plaintext = Some(att.open(envelope)?);
        }
        Ok(response)
    }
}
