//! The seal root: on Nitro, the sealing key is released by AWS KMS to this enclave image only.
//!
//! The enclave has no disk and no secret of its own that survives a restart. With
//! `--seal-root kms:ARN` it gets its sealing key from an AWS KMS key whose key policy allows
//! `kms:GenerateDataKey` and `kms:Decrypt` only with a `kms:RecipientAttestation:ImageSha384`
//! (or `PCR0`) condition naming this image:
//!
//! - **first start** (the parent has no seal-root blob): an attested `GenerateDataKey` (AES_256)
//!   under that key. AWS KMS answers with the data key encrypted to the RSA key inside our
//!   attestation document (`CiphertextForRecipient`, opened here) and the `CiphertextBlob`, which
//!   the parent stores beside the sealed state (`CreateSealRoot`; if another enclave of the same
//!   image stored one first, that one is used instead);
//! - **later starts**: an attested `Decrypt` of the stored blob, naming the key (`KeyId`), so a
//!   blob the parent swapped for one under a key it controls fails with `IncorrectKeyException`.
//!
//! The calls go over HTTPS to `kms.REGION.amazonaws.com`, through the parent's egress relay (HTTP
//! CONNECT over vsock), with TLS terminated here: the parent relays only ciphertext. They are
//! signed with credentials the parent hands over in `Credentials` frames (its instance role);
//! those credentials are not what protects the key — the policy's attestation condition is, so the
//! parent calling Decrypt itself (without a Recipient) is denied. The key ARN, the endpoint and the
//! trusted roots come from the enclave's own configuration, which is part of the measured image:
//! a parent that could choose them could point the enclave at a key it can decrypt.
//!
//! An encryption context (`{"nitro-kms": "seal-root"}`) binds the blob to this purpose; a key
//! policy may require it too.
//!
//! The parent relays those answers too, but TLS ends here, so it can only break them, and the
//! attested client refuses what it would not accept from the service either: an answer with a
//! `Plaintext` on the wire or without `CiphertextForRecipient` (an endpoint that ignored the
//! attestation document), or whose envelope does not open to exactly a 32-byte key — that last
//! one failing with the one message of every tampered envelope, so nothing here is a padding
//! oracle (`nitro_kms_client`'s docs).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nitro_kms_api::key_id::KeyRef;
use nitro_kms_api::ops::{DecryptRequest, GenerateDataKeyRequest};
use nitro_kms_api::{Blob, KmsError, KmsErrorType};
use nitro_kms_attest::nsm::Nsm;
use nitro_kms_client::{ClientConfig, ClientError, Credentials, CredentialsProvider, KmsClient};
use nitro_kms_crypto::RsaKeySize;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_wire::{self as wire, PersistAction};
use tokio::sync::watch;

use crate::storage::parent_link::{LinkError, ParentLink};
use crate::storage::seal::SealingKey;

/// Where the parent's egress relay listens, seen from the enclave: CID 3 is always the parent.
pub const DEFAULT_RELAY: &str = "vsock://3:8000";
/// `seal_root_relay` value that connects straight to the endpoint (an enclave simulated on a
/// host that can reach the endpoint itself).
pub const DIRECT: &str = "direct";
/// Encryption context of every seal-root call.
pub const CONTEXT_KEY: &str = "nitro-kms";
/// Its value.
pub const CONTEXT_VALUE: &str = "seal-root";
/// Length of the sealing key, what every seal-root answer must open to (AES_256).
const SEALING_KEY_LEN: usize = nitro_kms_crypto::AES256_KEY_LEN;
/// Longest wait between two attempts after a retryable failure.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Where the sealing key comes from, resolved from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealRoot {
    /// The AWS KMS key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`).
    pub key_arn: String,
    /// The key's region: requests are signed for it.
    pub region: String,
    /// The AWS KMS endpoint, `https://kms.REGION.amazonaws.com` unless configured.
    pub endpoint: String,
    /// The CONNECT relay to reach the endpoint through; `None` connects directly.
    pub relay: Option<String>,
    /// PEM roots to trust instead of the built-in Mozilla roots (a test CA).
    pub ca_file: Option<PathBuf>,
}

impl SealRoot {
    /// Parses `--seal-root kms:ARN` with the optional endpoint, relay and CA settings.
    pub fn resolve(
        spec: &str,
        endpoint: Option<&str>,
        relay: Option<&str>,
        ca_file: Option<PathBuf>,
    ) -> Result<SealRoot, String> {
        let arn = spec.strip_prefix("kms:").ok_or_else(|| {
            format!("--seal-root {spec:?}: expected kms:arn:aws:kms:REGION:ACCOUNT:key/KEY-ID")
        })?;
        let region = match KeyRef::parse(arn) {
            Ok(KeyRef::KeyArn { region, .. }) => region,
            _ => {
                return Err(format!(
                    "--seal-root {spec:?}: {arn:?} is not a KMS key ARN (an alias would let \
                     whoever can move the alias choose the key)"
                ));
            }
        };
        let endpoint = endpoint.map_or_else(
            || format!("https://kms.{region}.amazonaws.com"),
            str::to_owned,
        );
        if !endpoint.starts_with("https://") {
            return Err(format!(
                "--seal-root-endpoint {endpoint:?} must be https:// (the sealing key travels \
                 through the parent; only TLS keeps it from it)"
            ));
        }
        let relay = match relay {
            None => Some(DEFAULT_RELAY.to_owned()),
            Some(DIRECT) => None,
            Some(other) => Some(other.to_owned()),
        };
        Ok(SealRoot {
            key_arn: arn.to_owned(),
            region,
            endpoint,
            relay,
            ca_file,
        })
    }

    fn context() -> HashMap<String, String> {
        HashMap::from([(CONTEXT_KEY.to_owned(), CONTEXT_VALUE.to_owned())])
    }
}

/// Why the sealing key could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum SealRootError {
    /// AWS KMS answered with an error that retrying will not fix (the policy denies this image,
    /// the key is disabled or gone, the blob is not the key's).
    #[error("AWS KMS refused to release the sealing key: {0}")]
    Refused(KmsError),
    /// The answer broke the attested contract (the client's
    /// [`ClientError::UntrustedAnswer`]: a `Plaintext` on the wire, no `CiphertextForRecipient`,
    /// an envelope that does not open to a 32-byte key), or otherwise the protocol.
    #[error("AWS KMS answered unexpectedly: {0}")]
    Unexpected(String),
    /// A failure worth retrying (network, relay, throttling, 5xx, the parent's storage).
    #[error("{0}")]
    Retryable(String),
    /// The settings are unusable (unreadable CA file, bad endpoint).
    #[error("seal root configuration: {0}")]
    Config(String),
}

impl SealRootError {
    fn from_client(error: ClientError) -> SealRootError {
        match error {
            ClientError::Service(e) if retryable(&e) => SealRootError::Retryable(e.to_string()),
            ClientError::Service(e) => SealRootError::Refused(e),
            ClientError::Transport(e) => SealRootError::Retryable(format!("transport: {e}")),
            ClientError::Protocol(e) | ClientError::UntrustedAnswer(e) => {
                SealRootError::Unexpected(e)
            }
            ClientError::Config(e) => SealRootError::Retryable(format!("client: {e}")),
        }
    }

    fn from_link(error: LinkError) -> SealRootError {
        SealRootError::Retryable(format!("parent storage: {error}"))
    }

    /// Whether another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SealRootError::Retryable(_))
    }
}

fn retryable(e: &KmsError) -> bool {
    e.http_status() >= 500
        || matches!(
            e.kind(),
            KmsErrorType::Throttling | KmsErrorType::DependencyTimeout
        )
}

/// Credentials as the parent last sent them, for the client's signing.
struct ParentCredentials(watch::Receiver<Option<wire::Credentials>>);

impl CredentialsProvider for ParentCredentials {
    fn provide(&self) -> Result<(Credentials, Option<SystemTime>), ClientError> {
        let current = self.0.borrow();
        let c = current
            .as_ref()
            .ok_or_else(|| ClientError::Config("the parent has sent no AWS credentials".into()))?;
        let secret = std::str::from_utf8(c.secret_access_key.expose())
            .map_err(|_| ClientError::Config("the secret access key is not UTF-8".into()))?;
        let token = (!c.session_token.is_empty()).then(|| c.session_token.clone());
        let expiry = (c.expiration > 0).then(|| UNIX_EPOCH + Duration::from_secs(c.expiration));
        Ok((Credentials::new(&c.access_key_id, secret, token), expiry))
    }
}

/// Obtains the sealing key, retrying what can be retried (with backoff, logging each failure)
/// and returning at the first final failure. Waits for the parent's credentials first.
pub async fn obtain(
    root: &SealRoot,
    nsm: Arc<dyn Nsm>,
    link: Arc<ParentLink>,
) -> Result<SealingKey, SealRootError> {
    let mut credentials = link.credentials();
    if credentials.borrow().is_none() {
        tracing::info!(
            "nitro-kms-enclave: seal root: waiting for AWS credentials from the parent \
             (nitro-kms-proxy --enclave-credentials)"
        );
        let _ = credentials.wait_for(Option::is_some).await;
    }
    let client = client(root, nsm, credentials)?;
    let mut backoff = Duration::from_millis(500);
    loop {
        match attempt(root, &client, &link).await {
            Ok(key) => return Ok(key),
            Err(e) if e.is_retryable() => {
                tracing::warn!("nitro-kms-enclave: seal root: {e}; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(e) => return Err(e),
        }
    }
}

fn client(
    root: &SealRoot,
    nsm: Arc<dyn Nsm>,
    credentials: watch::Receiver<Option<wire::Credentials>>,
) -> Result<KmsClient, SealRootError> {
    // Placeholder credentials: every call asks the provider below.
    let mut config =
        ClientConfig::new(&root.endpoint, &root.region, Credentials::new("", "", None));
    config.timeout = Duration::from_secs(20);
    config.max_idle = 1;
    config.egress_relay = root.relay.clone();
    if let Some(path) = &root.ca_file {
        config.tls_roots_pem = Some(
            std::fs::read(path)
                .map_err(|e| SealRootError::Config(format!("{}: {e}", path.display())))?,
        );
    }
    KmsClient::new(config)
        .and_then(|c| c.attested(nsm, RsaKeySize::Rsa2048))
        .map(|c| c.with_credentials_provider(Arc::new(ParentCredentials(credentials))))
        .map_err(|e| SealRootError::Config(e.to_string()))
}

/// One try: Decrypt the stored blob, or create the root and store its blob.
async fn attempt(
    root: &SealRoot,
    client: &KmsClient,
    link: &ParentLink,
) -> Result<SealingKey, SealRootError> {
    let stored = link
        .call(PersistAction::ReadSealRoot, 0, 0, Vec::new())
        .await
        .map_err(SealRootError::from_link)?;
    if !stored.payload.is_empty() {
        let key = decrypt(root, client, stored.payload).await?;
        tracing::info!(
            key_arn = %root.key_arn,
            "nitro-kms-enclave: seal root: sealing key released by {}",
            root.key_arn
        );
        return Ok(key);
    }
    let (blob, key) = generate(root, client).await?;
    let kept = link
        .call(PersistAction::CreateSealRoot, 0, 0, blob.clone())
        .await
        .map_err(SealRootError::from_link)?;
    if kept.payload == blob {
        tracing::info!(
            key_arn = %root.key_arn,
            "nitro-kms-enclave: seal root: new sealing key from {}, its blob stored by the parent",
            root.key_arn
        );
        return Ok(key);
    }
    // Another enclave of this image stored its root first: everyone must seal under that one.
    decrypt(root, client, kept.payload).await
}

async fn generate(
    root: &SealRoot,
    client: &KmsClient,
) -> Result<(Vec<u8>, SealingKey), SealRootError> {
    let answer = client
        .generate_data_key(&GenerateDataKeyRequest {
            key_id: Some(root.key_arn.clone()),
            key_spec: Some("AES_256".to_owned()),
            encryption_context: Some(SealRoot::context()),
            ..Default::default()
        })
        .await
        .map_err(SealRootError::from_client)?;
    let blob = answer
        .ciphertext_blob
        .map(Blob::into_vec)
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            SealRootError::Unexpected("GenerateDataKey without a CiphertextBlob".into())
        })?;
    Ok((blob, sealing_key(answer.plaintext)?))
}

async fn decrypt(
    root: &SealRoot,
    client: &KmsClient,
    blob: Vec<u8>,
) -> Result<SealingKey, SealRootError> {
    // The length the client holds the opened plaintext to: a 32-byte sealing key. Another length
    // fails as every tampered envelope does, with one message (no padding oracle).
    let answer = client
        .decrypt_expecting(
            &DecryptRequest {
                ciphertext_blob: Some(Blob::new(blob)),
                key_id: Some(root.key_arn.clone()),
                encryption_context: Some(SealRoot::context()),
                ..Default::default()
            },
            SEALING_KEY_LEN,
        )
        .await
        .map_err(SealRootError::from_client)?;
    sealing_key(answer.plaintext)
}

/// The plaintext the attested client accepted. It has already checked what matters: the answer
/// had a `CiphertextForRecipient` (an endpoint that ignored the attestation document, so that
/// nothing ties the key to this image, is refused) and no `Plaintext` on the wire, and the
/// envelope opened to exactly [`SEALING_KEY_LEN`] bytes; this only turns it into the key type.
fn sealing_key(plaintext: Option<SecretBytes>) -> Result<SealingKey, SealRootError> {
    plaintext
        .and_then(|p| SealingKey::new(p).ok())
        .ok_or_else(|| SealRootError::Unexpected("no 32-byte sealing key in the answer".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn a_key_arn_gives_the_regional_endpoint_and_the_parent_relay() {
        let root = SealRoot::resolve(&format!("kms:{ARN}"), None, None, None).unwrap();
        assert_eq!(root.key_arn, ARN);
        assert_eq!(root.region, "eu-west-1");
        assert_eq!(root.endpoint, "https://kms.eu-west-1.amazonaws.com");
        assert_eq!(root.relay.as_deref(), Some(DEFAULT_RELAY));
        let direct = SealRoot::resolve(&format!("kms:{ARN}"), None, Some(DIRECT), None).unwrap();
        assert_eq!(direct.relay, None);
    }

    #[test]
    fn aliases_plain_http_and_missing_prefixes_are_refused() {
        for (spec, endpoint, needle) in [
            (ARN.to_owned(), None, "expected kms:"),
            ("kms:alias/root".to_owned(), None, "not a KMS key ARN"),
            (
                "kms:arn:aws:kms:eu-west-1:111122223333:alias/root".to_owned(),
                None,
                "not a KMS key ARN",
            ),
            (
                format!("kms:{ARN}"),
                Some("http://127.0.0.1:9600"),
                "https://",
            ),
        ] {
            let err = SealRoot::resolve(&spec, endpoint, None, None).unwrap_err();
            assert!(err.contains(needle), "{spec}: {err}");
        }
    }

    #[test]
    fn throttling_and_server_errors_are_retried_policy_denials_are_not() {
        let retry = |t, m| SealRootError::from_client(ClientError::Service(KmsError::new(t, m)));
        assert!(retry(KmsErrorType::Throttling, "Rate exceeded").is_retryable());
        assert!(retry(KmsErrorType::KMSInternal, "x").is_retryable());
        assert!(!retry(KmsErrorType::AccessDenied, "denied").is_retryable());
        assert!(!retry(KmsErrorType::IncorrectKey, "").is_retryable());
        assert!(SealRootError::from_client(ClientError::Transport("reset".into())).is_retryable());
    }

    #[test]
    fn parent_credentials_are_handed_to_the_signer_with_their_expiry() {
        let (tx, rx) = watch::channel(None);
        let provider = ParentCredentials(rx);
        assert!(provider.provide().is_err());
        tx.send_replace(Some(wire::Credentials {
            access_key_id: "ASIAPARENT".into(),
            secret_access_key: SecretBytes::copy_from(b"secret"),
            session_token: "token".into(),
            expiration: 2_000_000_000,
        }));
        let (creds, expiry) = provider.provide().unwrap();
        assert_eq!(creds.access_key_id, "ASIAPARENT");
        assert_eq!(creds.secret_access_key(), "secret");
        assert_eq!(creds.session_token.as_deref(), Some("token"));
        assert_eq!(
            expiry,
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
    }
}
