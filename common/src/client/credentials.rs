//! AWS credentials for signing: an access key id, its secret (zeroizing, redacted) and an optional
//! session token.

use crate::secret::SecretBytes;

use super::ClientError;

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
