//! The access keys the proxy accepts, and the principal each one stands for.
//!
//! Read from a TOML file (`--credentials FILE`):
//!
//! ```toml
//! [[credential]]
//! access_key_id = "AKIAEXAMPLEEXAMPLE01"
//! secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
//! principal = "arn:aws:iam::111122223333:user/alice"
//! # session_token = "..."   (optional: then requests must carry it)
//! ```
//!
//! In simulation one documented pair ([`SIMULATION_ACCESS_KEY_ID`],
//! [`SIMULATION_SECRET_ACCESS_KEY`]) is configured automatically, so the AWS CLI works at once.
//! Secrets are held in zeroizing memory and never printed by `Debug`.

use std::collections::HashMap;
use std::path::Path;

use nitro_kms_crypto::secret::SecretBytes;
use serde::Deserialize;

/// Access key id of the simulation's built-in credential (20 characters, as AWS's are).
pub const SIMULATION_ACCESS_KEY_ID: &str = "AKIANITROKMSSIMULATE";
/// Secret of the simulation's built-in credential. Public on purpose: simulation only.
pub const SIMULATION_SECRET_ACCESS_KEY: &str = "nitro-kms/simulation/not-a-secret/0000000";
/// Principal of the simulation's built-in credential.
pub const SIMULATION_PRINCIPAL: &str = "arn:aws:iam::111122223333:user/simulation";

/// One accepted access key.
#[derive(Clone)]
pub struct Credential {
    secret: SecretBytes,
    /// A session token the requests must carry, if configured.
    pub session_token: Option<String>,
    /// The principal ARN the enclave's key policies see.
    pub principal: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("secret_access_key", &"[REDACTED]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("principal", &self.principal)
            .finish()
    }
}

impl Credential {
    /// A credential.
    pub fn new(secret_access_key: &str, session_token: Option<String>, principal: &str) -> Self {
        Credential {
            secret: SecretBytes::copy_from(secret_access_key.as_bytes()),
            session_token,
            principal: principal.to_owned(),
        }
    }

    /// The secret access key (valid UTF-8: it was built from a `&str`).
    pub fn secret_access_key(&self) -> &str {
        std::str::from_utf8(self.secret.expose()).unwrap_or_default()
    }
}

/// Access key id -> credential.
#[derive(Debug, Default)]
pub struct CredentialStore {
    by_access_key: HashMap<String, Credential>,
}

/// Why the credentials file is unusable.
#[derive(Debug, thiserror::Error)]
#[error("credentials file {path}: {reason}")]
pub struct CredentialsError {
    path: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    credential: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    access_key_id: String,
    secret_access_key: String,
    principal: String,
    session_token: Option<String>,
}

impl CredentialStore {
    /// Adds a credential.
    pub fn insert(&mut self, access_key_id: &str, credential: Credential) {
        self.by_access_key
            .insert(access_key_id.to_owned(), credential);
    }

    /// The credential of an access key.
    pub fn get(&self, access_key_id: &str) -> Option<&Credential> {
        self.by_access_key.get(access_key_id)
    }

    /// The configured access key ids.
    pub fn access_key_ids(&self) -> Vec<String> {
        self.by_access_key.keys().cloned().collect()
    }

    /// A copy of one credential.
    pub fn take_clone(&self, access_key_id: &str) -> Option<Credential> {
        self.by_access_key.get(access_key_id).cloned()
    }

    /// How many access keys are configured.
    pub fn len(&self) -> usize {
        self.by_access_key.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.by_access_key.is_empty()
    }

    /// The simulation's built-in credential.
    pub fn simulation() -> CredentialStore {
        let mut store = CredentialStore::default();
        store.insert(
            SIMULATION_ACCESS_KEY_ID,
            Credential::new(SIMULATION_SECRET_ACCESS_KEY, None, SIMULATION_PRINCIPAL),
        );
        store
    }

    /// Reads a credentials file (TOML, see the module docs).
    pub fn load(path: &Path) -> Result<CredentialStore, CredentialsError> {
        let err = |reason: String| CredentialsError {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        if text.len() > 1 << 20 {
            return Err(err("larger than 1 MiB".into()));
        }
        let file: File = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let mut store = CredentialStore::default();
        for e in file.credential {
            if !e.principal.starts_with("arn:") {
                return Err(err(format!(
                    "principal of {} is not an ARN: {}",
                    e.access_key_id, e.principal
                )));
            }
            store.insert(
                &e.access_key_id,
                Credential::new(&e.secret_access_key, e.session_token, &e.principal),
            );
        }
        Ok(store)
    }
}
