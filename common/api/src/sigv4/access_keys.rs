//! The access keys a SigV4 verifier accepts ([`AccessKeyStore`]), and the principal each one
//! stands for.
//!
//! [`crate::sigv4::verify()`] looks the access key of a request up here, recomputes the signature
//! with its secret, and answers with its principal, which is what the enclave's key policies
//! judge. The parent proxy reads the store from a TOML file (`--credentials FILE`):
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

/// Access key id of the simulation's built-in access key (20 characters, as AWS's are).
pub const SIMULATION_ACCESS_KEY_ID: &str = "AKIANITROKMSSIMULATE";
/// Secret of the simulation's built-in access key. Public on purpose: simulation only.
pub const SIMULATION_SECRET_ACCESS_KEY: &str = "nitro-kms/simulation/not-a-secret/0000000";
/// Principal of the simulation's built-in access key.
pub const SIMULATION_PRINCIPAL: &str = "arn:aws:iam::111122223333:user/simulation";

/// One accepted access key: its secret, the session token requests must carry (if any), and the
/// principal it stands for.
#[derive(Clone)]
pub struct AccessKey {
    secret: SecretBytes,
    /// A session token the requests must carry, if configured.
    pub session_token: Option<String>,
    /// The principal ARN the enclave's key policies see.
    pub principal: String,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("secret_access_key", &"[REDACTED]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("principal", &self.principal)
            .finish()
    }
}

impl AccessKey {
    /// An access key with this secret, optional session token and principal.
    pub fn new(secret_access_key: &str, session_token: Option<String>, principal: &str) -> Self {
        AccessKey {
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

/// The accepted access keys, by access key id.
#[derive(Debug, Default)]
pub struct AccessKeyStore {
    by_access_key: HashMap<String, AccessKey>,
}

/// Why the access keys file (`--credentials`) is unusable.
#[derive(Debug, thiserror::Error)]
#[error("credentials file {path}: {reason}")]
pub struct AccessKeysFileError {
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

impl AccessKeyStore {
    /// Adds (or replaces) an access key.
    pub fn insert(&mut self, access_key_id: &str, access_key: AccessKey) {
        self.by_access_key
            .insert(access_key_id.to_owned(), access_key);
    }

    /// The access key with this id.
    pub fn get(&self, access_key_id: &str) -> Option<&AccessKey> {
        self.by_access_key.get(access_key_id)
    }

    /// The configured access key ids.
    pub fn access_key_ids(&self) -> Vec<String> {
        self.by_access_key.keys().cloned().collect()
    }

    /// A copy of one access key.
    pub fn take_clone(&self, access_key_id: &str) -> Option<AccessKey> {
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

    /// The simulation's built-in access key.
    pub fn simulation() -> AccessKeyStore {
        let mut store = AccessKeyStore::default();
        store.insert(
            SIMULATION_ACCESS_KEY_ID,
            AccessKey::new(SIMULATION_SECRET_ACCESS_KEY, None, SIMULATION_PRINCIPAL),
        );
        store
    }

    /// Reads an access keys file (TOML, see the module docs).
    pub fn load(path: &Path) -> Result<AccessKeyStore, AccessKeysFileError> {
        let err = |reason: String| AccessKeysFileError {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// Reads access keys from the text of an access keys file (TOML, see the module docs);
    /// `origin` names it in errors. The enclave reads sealed credentials files through this
    /// (`docs/sealed-credentials.md`): the same format as `--credentials`.
    ///
    /// An error's reason may quote the offending line of `text`: show it only to whoever
    /// already holds the file.
    pub fn parse(origin: &str, text: &str) -> Result<AccessKeyStore, AccessKeysFileError> {
        let err = |reason: String| AccessKeysFileError {
            path: origin.to_owned(),
            reason,
        };
        if text.len() > 1 << 20 {
            return Err(err("larger than 1 MiB".into()));
        }
        let file: File = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut store = AccessKeyStore::default();
        for e in file.credential {
            if !e.principal.starts_with("arn:") {
                return Err(err(format!(
                    "principal of {} is not an ARN: {}",
                    e.access_key_id, e.principal
                )));
            }
            store.insert(
                &e.access_key_id,
                AccessKey::new(&e.secret_access_key, e.session_token, &e.principal),
            );
        }
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secret_and_the_session_token() {
        let key = AccessKey::new(
            SIMULATION_SECRET_ACCESS_KEY,
            Some("session-token-value".to_owned()),
            SIMULATION_PRINCIPAL,
        );
        let shown = format!("{key:?} {:?}", AccessKeyStore::simulation());
        assert!(!shown.contains(SIMULATION_SECRET_ACCESS_KEY), "{shown}");
        assert!(!shown.contains("session-token-value"), "{shown}");
        assert!(shown.contains(SIMULATION_PRINCIPAL), "{shown}");
    }

    #[test]
    fn load_reads_access_keys_and_refuses_a_principal_that_is_not_an_arn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.toml");
        std::fs::write(
            &path,
            "[[credential]]\naccess_key_id = \"AKIDEXAMPLE\"\nsecret_access_key = \"s\"\n\
             principal = \"arn:aws:iam::111122223333:user/alice\"\nsession_token = \"t\"\n",
        )
        .unwrap();
        let store = AccessKeyStore::load(&path).unwrap();
        assert_eq!(store.len(), 1);
        let key = store.get("AKIDEXAMPLE").unwrap();
        assert_eq!(key.secret_access_key(), "s");
        assert_eq!(key.session_token.as_deref(), Some("t"));
        assert_eq!(key.principal, "arn:aws:iam::111122223333:user/alice");

        std::fs::write(
            &path,
            "[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\nprincipal = \"alice\"\n",
        )
        .unwrap();
        let err = AccessKeyStore::load(&path).unwrap_err().to_string();
        assert!(err.contains("is not an ARN"), "{err}");
    }
}
