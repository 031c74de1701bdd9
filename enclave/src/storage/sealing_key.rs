//! Where the sealing key comes from.
//!
//! In simulation the key lives in the simulated NSM's state directory (`sealing.key`, 32 bytes,
//! mode 0600), created on first start: the directory is the simulated world, and whoever holds it
//! holds the keys, just as whoever holds a real enclave image's measurement would. On Nitro the
//! key will be released by AWS KMS to this image only (the `--seal-root` milestone); until then a
//! non-simulated enclave runs only with an explicitly requested ephemeral key, whose state cannot
//! survive a restart.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nitro_kms_crypto as crypto;
use nitro_kms_crypto::secret::SecretBytes;

use crate::storage::seal::SealingKey;

/// File name of the simulated sealing key inside the state directory.
pub const FILE_NAME: &str = "sealing.key";

/// Why the sealing key is unavailable (the enclave refuses to start).
#[derive(Debug, thiserror::Error)]
pub enum SealingKeyError {
    /// Reading or creating the key file failed.
    #[error("sealing key {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// The file is not a 32-byte key.
    #[error("sealing key {0} is not 32 bytes; refusing to guess")]
    Corrupt(PathBuf),
    /// No randomness.
    #[error("cannot generate a sealing key")]
    Random,
}

/// Loads the simulated sealing key from `state_dir`, creating it on first use.
pub fn simulated(state_dir: &Path) -> Result<SealingKey, SealingKeyError> {
    let path = state_dir.join(FILE_NAME);
    let io_err = |source| SealingKeyError::Io {
        path: path.clone(),
        source,
    };
    fs::create_dir_all(state_dir).map_err(io_err)?;
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut file) => {
            let key = crypto::random_secret(32).map_err(|_| SealingKeyError::Random)?;
            file.write_all(key.expose()).map_err(io_err)?;
            file.sync_all().map_err(io_err)?;
            SealingKey::new(key).map_err(|_| SealingKeyError::Corrupt(path.clone()))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let bytes = SecretBytes::new(fs::read(&path).map_err(io_err)?);
            SealingKey::new(bytes).map_err(|_| SealingKeyError::Corrupt(path.clone()))
        }
        Err(e) => Err(io_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::seal::{SnapshotHeader, StoreId, open_snapshot, seal_snapshot};

    #[test]
    fn the_simulated_key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = simulated(dir.path()).unwrap();
        let header = SnapshotHeader {
            store_id: StoreId([1; 16]),
            generation: 1,
            last_seq: 0,
        };
        let sealed = seal_snapshot(&first, &header, b"state").unwrap();
        let second = simulated(dir.path()).unwrap();
        assert_eq!(
            open_snapshot(&second, &sealed).unwrap().1.expose(),
            b"state"
        );
        let mode = fs::metadata(dir.path().join(FILE_NAME))
            .unwrap()
            .permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
    }

    #[test]
    fn a_truncated_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE_NAME), [0u8; 31]).unwrap();
        assert!(matches!(
            simulated(dir.path()),
            Err(SealingKeyError::Corrupt(_))
        ));
    }
}
