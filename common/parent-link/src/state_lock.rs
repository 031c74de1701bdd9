//! The parent's exclusive hold on its state directory, for as long as it runs.
//!
//! Two parents writing one sealed state lose acknowledged changes: each enclave checks the journal
//! length it expects only when it appends, so a key created through the first parent can vanish
//! at the next load once the second has rewritten the files (issue 15, item 5). So the parent
//! takes an exclusive advisory lock (`flock`) on `parent.lock` in the directory before it serves
//! anything and keeps it until it exits — the kernel drops it when the process dies, however it
//! dies, so a crash never leaves a stale lock. The holder writes its pid into the file, so a
//! second parent can refuse to start with a message that names the process in its way.
//!
//! The lock is advisory: it stops a second nitro-kms parent, not a hostile one, which can do
//! anything to the files anyway (that is what the sealed format and the journal checks are for).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside the state directory.
pub const LOCK_FILE: &str = "parent.lock";

/// Why the state directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum StateLockError {
    /// Another process holds the lock.
    #[error(
        "state directory {} is in use by {} (lock {}): stop it first, or give this one another --state-dir",
        .dir.display(),
        .holder.map_or_else(|| "another process".to_owned(), |pid| format!("process {pid}")),
        .lock.display()
    )]
    Held {
        /// The state directory.
        dir: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The holder's pid, as it wrote it (absent if it had not written it yet).
        holder: Option<u32>,
    },
    /// The lock file could not be opened, locked or written.
    #[error("{}: {source}", .lock.display())]
    Io {
        /// The lock file.
        lock: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// Holds the state directory's lock until dropped (the process's end, for a daemon).
#[derive(Debug)]
pub struct StateDirLock {
    _file: File,
    path: PathBuf,
}

impl StateDirLock {
    /// Takes the lock on `dir` (which must exist) without waiting, and records this process's pid
    /// in it; fails with [`StateLockError::Held`] naming the holder when another process has it.
    pub fn acquire(dir: &Path) -> Result<StateDirLock, StateLockError> {
        let lock = dir.join(LOCK_FILE);
        let io = |source| StateLockError::Io {
            lock: lock.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StateLockError::Held {
                    dir: dir.to_owned(),
                    holder: read_pid(&mut file),
                    lock,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(StateDirLock {
            _file: file,
            path: lock,
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The pid the holder wrote, if the file holds one (at most a few bytes are read).
fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_holders_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = StateDirLock::acquire(dir.path()).unwrap();
        let err = StateDirLock::acquire(dir.path()).unwrap_err();
        match &err {
            StateLockError::Held { holder, .. } => assert_eq!(*holder, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        let message = err.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("parent.lock"), "{message}");
        drop(first);
        let again = StateDirLock::acquire(dir.path()).unwrap();
        assert_eq!(again.path(), dir.path().join(LOCK_FILE));
    }

    #[test]
    fn the_lock_file_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let _held = StateDirLock::acquire(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert_eq!(text, format!("{}\n", std::process::id()));
    }
}
