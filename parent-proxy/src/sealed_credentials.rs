//! `--sealed-credentials FILE` (`NITRO_KMS_PROXY_SEALED_CREDENTIALS`): the caller credentials
//! the operator sealed to the enclave's provisioning key (`nitro-kms credentials seal`,
//! `docs/sealed-credentials.md`), handed to the enclave over the control link.
//!
//! The proxy cannot read the file; it only carries it. [`start`] reads it once (refusing, at
//! start-up, a file that is not a sealed credentials file at all; waiting for one that is not
//! there yet), then polls its modification
//! time and length every [`POLL`] and reads it again when they change, so that putting a newly
//! sealed file in place rotates the enclave's access keys without a restart. The link
//! ([`nitro_kms_parent_link::SealedFile`]) sends the bytes after every connection's Hello and
//! again on every change, and logs the enclave's Acks (in force, or why refused).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use nitro_kms_crypto::sealed_credentials::{self, MAX_SEALED_LEN};
use nitro_kms_parent_link::SealedFile;
use tokio::sync::watch;

/// How often the file's modification time is compared.
pub const POLL: Duration = Duration::from_secs(2);

/// What identifies a version of the file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Result<Stamp, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// Reads the file, checking it is a sealed credentials file of acceptable size (the enclave
/// decides everything else).
fn read(path: &Path) -> Result<Vec<u8>, String> {
    if stamp(path)?.len > MAX_SEALED_LEN as u64 {
        return Err(format!(
            "{}: larger than {MAX_SEALED_LEN} bytes",
            path.display()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    sealed_credentials::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(bytes)
}

/// Reads `path` and keeps reading it when it changes, until `stop`. A file that is not there yet
/// is waited for (the operator seals it once the enclave runs: its provisioning key is made at
/// the first start); one that is there but unusable fails the start. A later unreadable version
/// is logged and the previous one kept.
pub fn start(path: PathBuf, stop: watch::Receiver<bool>) -> Result<SealedFile, String> {
    let (mut last, first) = if path.exists() {
        let stamp = stamp(&path)?;
        let bytes = read(&path)?;
        tracing::info!(
            path = %path.display(),
            bytes = bytes.len(),
            "sealed credentials {} ({} bytes) will be handed to the enclave",
            path.display(),
            bytes.len()
        );
        (Some(stamp), Some(Arc::new(bytes)))
    } else {
        tracing::warn!(
            path = %path.display(),
            "sealed credentials {} not there yet: they are sent to the enclave once they appear",
            path.display()
        );
        (None, None)
    };
    let (tx, rx) = watch::channel(first);
    tokio::spawn(async move {
        let mut stop = stop;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = crate::stopped(&mut stop) => return,
            }
            let Ok(now) = stamp(&path) else { continue };
            if last == Some(now) {
                continue;
            }
            last = Some(now);
            match read(&path) {
                Ok(bytes) => {
                    let changed = tx.borrow().as_deref() != Some(&bytes);
                    if changed {
                        tracing::info!(
                            path = %path.display(),
                            "sealed credentials changed; sending them to the enclave"
                        );
                        tx.send_replace(Some(Arc::new(bytes)));
                    }
                }
                Err(e) => {
                    tracing::warn!("sealed credentials not re-read (keeping the previous): {e}")
                }
            }
        }
    });
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_that_is_not_sealed_credentials_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.toml");
        let plaintext = "[[credential]]\naccess_key_id = \"AKIAEXAMPLEEXAMPLE01\"\n\
                         secret_access_key = \"s\"\nprincipal = \"arn:aws:iam::1:user/a\"\n";
        std::fs::write(&path, plaintext).unwrap();
        let (_stop_tx, stop) = watch::channel(false);
        let refused = start(path, stop).unwrap_err();
        assert!(refused.contains("bad magic"), "{refused}");
    }

    #[tokio::test]
    async fn a_file_that_appears_or_changes_later_is_picked_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.sealed");
        let (_stop_tx, stop) = watch::channel(false);
        let mut file = start(path.clone(), stop).unwrap();
        assert!(file.borrow().is_none());
        let key = nitro_kms_crypto::RsaPrivateKey::generate(nitro_kms_crypto::RsaKeySize::Rsa2048)
            .unwrap();
        let sealed = sealed_credentials::seal(key.public_key_spki_der(), 1, b"x").unwrap();
        std::fs::write(&path, &sealed).unwrap();
        file.changed().await.unwrap();
        assert_eq!(file.borrow().as_deref(), Some(&sealed));
        let newer = sealed_credentials::seal(key.public_key_spki_der(), 2, b"xy").unwrap();
        std::fs::write(&path, &newer).unwrap();
        file.changed().await.unwrap();
        assert_eq!(file.borrow().as_deref(), Some(&newer));
    }
}
