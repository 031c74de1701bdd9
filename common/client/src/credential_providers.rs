//! The AWS credentials a client signs with and where they come from: [`Credentials`] (an access key
//! id, its secret (zeroizing, redacted) and an optional session token), and the
//! [`CredentialsProvider`]s that supply and renew them ([`DefaultChain`]: environment, then the
//! shared credentials file). Signing itself is [`nitro_kms_api::sigv4::sign_request`].

use nitro_kms_crypto::secret::SecretBytes;

use crate::error::ClientError;

/// Credentials that sign requests.
#[derive(Clone)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    secret: SecretBytes,
    /// A session token (temporary credentials), if any.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

impl Credentials {
    /// Explicit credentials.
    pub fn new(
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<String>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.to_owned(),
            secret: SecretBytes::copy_from(secret_access_key.as_bytes()),
            session_token,
        }
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` from the environment.
    pub fn from_env() -> Result<Self, ClientError> {
        let id = std::env::var("AWS_ACCESS_KEY_ID")
            .map_err(|_| ClientError::Config("AWS_ACCESS_KEY_ID is not set".into()))?;
        let secret = std::env::var("AWS_SECRET_ACCESS_KEY")
            .map_err(|_| ClientError::Config("AWS_SECRET_ACCESS_KEY is not set".into()))?;
        Ok(Self::new(
            &id,
            &secret,
            std::env::var("AWS_SESSION_TOKEN").ok(),
        ))
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &str {
        std::str::from_utf8(self.secret.expose()).unwrap_or_default()
    }
}

/// A source of credentials that may expire (temporary credentials from STS, a container or the
/// instance metadata service). The client asks again before the current ones expire.
pub trait CredentialsProvider: Send + Sync {
    /// Fresh credentials and, if they expire, when.
    fn provide(&self) -> Result<(Credentials, Option<std::time::SystemTime>), ClientError>;
}

/// Credentials that never change (explicit ones).
impl CredentialsProvider for Credentials {
    fn provide(&self) -> Result<(Credentials, Option<std::time::SystemTime>), ClientError> {
        Ok((self.clone(), None))
    }
}

/// The usual chain: the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, and `AWS_CREDENTIAL_EXPIRATION` as Unix seconds if set), then the shared
/// credentials file (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`, profile
/// `AWS_PROFILE` or `default`). Read again at every refresh, so rotated files are picked up.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultChain;

impl CredentialsProvider for DefaultChain {
    fn provide(&self) -> Result<(Credentials, Option<std::time::SystemTime>), ClientError> {
        if let Ok(creds) = Credentials::from_env() {
            let expiry = std::env::var("AWS_CREDENTIAL_EXPIRATION")
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .map(|s| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
            return Ok((creds, expiry));
        }
        let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
        let path = std::env::var("AWS_SHARED_CREDENTIALS_FILE").unwrap_or_else(|_| {
            format!(
                "{}/.aws/credentials",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        let text = std::fs::read_to_string(&path)
            .map_err(|_| ClientError::Config("Unable to locate credentials".into()))?;
        let mut section = String::new();
        let (mut id, mut secret, mut token) = (None, None, None);
        for line in text.lines().map(str::trim) {
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = s.trim().to_owned();
            } else if section == profile
                && let Some((k, v)) = line.split_once('=')
            {
                let v = Some(v.trim().to_owned());
                match k.trim() {
                    "aws_access_key_id" => id = v,
                    "aws_secret_access_key" => secret = v,
                    "aws_session_token" => token = v,
                    _ => {}
                }
            }
        }
        match (id, secret) {
            (Some(id), Some(secret)) => Ok((Credentials::new(&id, &secret, token), None)),
            _ => Err(ClientError::Config(format!(
                "Unable to locate credentials (profile {profile} in {path})"
            ))),
        }
    }
}
