//! The enclave's sealed keystore on the parent's disk: answers `Persist` frames.
//!
//! The enclave has no disk, so the parent stores its state for it in two files under a state
//! directory. Both are opaque here (AES-256-GCM under a key only the enclave holds); this module
//! only makes them durable and answers the enclave's reads:
//!
//! - `keystore.snapshot`: the whole keystore, replaced atomically (written to
//!   `keystore.snapshot.partial`, fsync'd, renamed over, directory fsync'd);
//! - `keystore.journal`: the mutations since that snapshot, appended and fsync'd before the ack.
//!
//! - `seal-root.blob`: with `--seal-root`, the AWS KMS ciphertext of the sealing key itself,
//!   created once (never overwritten) and handed back at every start.
//!
//! Installing a new snapshot also empties the journal (the snapshot folds it in). The two renames
//! cannot be one atomic step; a crash between them leaves the new snapshot with the old journal,
//! whose records belong to an older generation and which the enclave recognises and skips.
//!
//! An append names the journal length the enclave expects ([`Persist::offset`]); if the file
//! disagrees (a previous ack was lost, or someone else wrote) the append is refused rather than
//! guessed at, and the enclave recovers by writing a fresh snapshot.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use nitro_kms_wire::{Persist, PersistAck, PersistAction, Status};

/// File name of the sealed snapshot.
pub const SNAPSHOT_FILE: &str = "keystore.snapshot";
/// File name of the sealed journal.
pub const JOURNAL_FILE: &str = "keystore.journal";
/// File name of a snapshot being received.
pub const PARTIAL_FILE: &str = "keystore.snapshot.partial";
/// Largest snapshot the parent accepts (the enclave's own limit is lower).
pub const MAX_SNAPSHOT_LEN: u64 = 256 << 20;
/// File name of the seal-root blob: the AWS KMS `CiphertextBlob` of the enclave's sealing key
/// (`--seal-root`). Written once, never replaced by the enclave: losing it loses every key.
pub const SEAL_ROOT_FILE: &str = "seal-root.blob";
/// Largest seal-root blob (an AWS KMS ciphertext blob is at most 6144 bytes).
pub const MAX_SEAL_ROOT_LEN: u64 = 6144;

/// A snapshot being received in chunks.
struct Partial {
    file: File,
    total: u64,
    written: u64,
}

/// The state directory and the snapshot upload in progress, if any.
pub struct StateStore {
    dir: PathBuf,
    partial: Option<Partial>,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("dir", &self.dir)
            .field("receiving_snapshot", &self.partial.is_some())
            .finish()
    }
}

impl StateStore {
    /// Opens (creating if needed) the state directory `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<StateStore> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(StateStore { dir, partial: None })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the snapshot file.
    pub fn snapshot_path(&self) -> PathBuf {
        self.dir.join(SNAPSHOT_FILE)
    }

    /// Path of the journal file.
    pub fn journal_path(&self) -> PathBuf {
        self.dir.join(JOURNAL_FILE)
    }

    /// Performs one `Persist` request and builds its ack. `max_chunk` bounds the payload of a read
    /// (it must fit the negotiated frame limit with room for the ack's other fields).
    ///
    /// Failures become a 500 ack with the reason as text; the enclave then fails the KMS request
    /// that needed the write (`KMSInternalException`) and changes nothing.
    pub fn handle(&mut self, request: &Persist, max_chunk: usize) -> PersistAck {
        let result = match request.action {
            PersistAction::ReadSnapshot => {
                read_chunk(&self.snapshot_path(), request.offset, max_chunk)
            }
            PersistAction::ReadJournal => {
                read_chunk(&self.journal_path(), request.offset, max_chunk)
            }
            PersistAction::AppendJournal => self
                .append(request.offset, &request.payload)
                .map(|len| (len, Vec::new())),
            PersistAction::WriteSnapshot => self
                .write_snapshot_chunk(request.offset, request.total, &request.payload)
                .map(|written| (written, Vec::new())),
            PersistAction::ReadSealRoot => self.read_seal_root(),
            PersistAction::CreateSealRoot => self.create_seal_root(&request.payload),
        };
        match result {
            Ok((total, payload)) => PersistAck {
                id: request.id,
                status: Status::OK,
                total,
                payload,
            },
            Err(e) => PersistAck::failed(request.id, &e.to_string()),
        }
    }

    /// Path of the seal-root blob.
    pub fn seal_root_path(&self) -> PathBuf {
        self.dir.join(SEAL_ROOT_FILE)
    }

    fn read_seal_root(&self) -> io::Result<(u64, Vec<u8>)> {
        let path = self.seal_root_path();
        match fs::metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, Vec::new())),
            Err(e) => return Err(e),
            Ok(m) if m.len() > MAX_SEAL_ROOT_LEN => {
                return Err(io::Error::other(format!(
                    "{} is {} bytes, over the {MAX_SEAL_ROOT_LEN}-byte limit",
                    path.display(),
                    m.len()
                )));
            }
            Ok(_) => {}
        }
        let blob = fs::read(&path)?;
        Ok((blob.len() as u64, blob))
    }

    /// Stores `blob` unless a seal root exists (written to a temporary file, fsync'd, then
    /// hard-linked into place: the link fails if the name exists, so two enclaves racing on
    /// first start cannot both win). Answers with the blob now stored.
    fn create_seal_root(&self, blob: &[u8]) -> io::Result<(u64, Vec<u8>)> {
        if blob.is_empty() || blob.len() as u64 > MAX_SEAL_ROOT_LEN {
            return Err(io::Error::other(format!(
                "a seal-root blob of {} bytes is not 1..={MAX_SEAL_ROOT_LEN}",
                blob.len()
            )));
        }
        let existing = self.read_seal_root()?;
        if existing.0 > 0 {
            return Ok(existing);
        }
        let temporary = self
            .dir
            .join(format!("{SEAL_ROOT_FILE}.{}.new", std::process::id()));
        {
            let mut file = File::create(&temporary)?;
            file.write_all(blob)?;
            file.sync_all()?;
        }
        let linked = fs::hard_link(&temporary, self.seal_root_path());
        let _ = fs::remove_file(&temporary);
        match linked {
            Ok(()) => sync_dir(&self.dir)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        self.read_seal_root()
    }

    fn append(&mut self, expected_len: u64, bytes: &[u8]) -> io::Result<u64> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.journal_path())?;
        let len = file.metadata()?.len();
        if len != expected_len {
            return Err(io::Error::other(format!(
                "journal is {len} bytes, the enclave expected {expected_len}"
            )));
        }
        file.write_all(bytes)?;
        file.sync_data()?;
        Ok(len + bytes.len() as u64)
    }

    fn write_snapshot_chunk(&mut self, offset: u64, total: u64, bytes: &[u8]) -> io::Result<u64> {
        if total > MAX_SNAPSHOT_LEN {
            return Err(io::Error::other(format!(
                "snapshot of {total} bytes is over the {MAX_SNAPSHOT_LEN}-byte limit"
            )));
        }
        if offset == 0 {
            let file = File::create(self.dir.join(PARTIAL_FILE))?;
            self.partial = Some(Partial {
                file,
                total,
                written: 0,
            });
        }
        let Some(partial) = self.partial.as_mut() else {
            return Err(io::Error::other(
                "snapshot chunk without a snapshot in progress",
            ));
        };
        let end = offset.saturating_add(bytes.len() as u64);
        if partial.total != total || partial.written != offset || end > total {
            self.partial = None;
            return Err(io::Error::other("snapshot chunk out of sequence"));
        }
        partial.file.write_all(bytes)?;
        partial.written = end;
        if end < total {
            return Ok(end);
        }
        let partial = self.partial.take();
        if let Some(p) = partial {
            p.file.sync_all()?;
        }
        fs::rename(self.dir.join(PARTIAL_FILE), self.snapshot_path())?;
        sync_dir(&self.dir)?;
        // The snapshot folds the journal in: start an empty one, also atomically.
        let empty = self.dir.join(format!("{JOURNAL_FILE}.new"));
        File::create(&empty)?.sync_all()?;
        fs::rename(&empty, self.journal_path())?;
        sync_dir(&self.dir)?;
        Ok(end)
    }
}

/// Reads up to `max` bytes of `path` from `offset`; returns the file length and the bytes. A
/// missing file is empty (a first start).
fn read_chunk(path: &Path, offset: u64, max: usize) -> io::Result<(u64, Vec<u8>)> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound && offset == 0 => {
            return Ok((0, Vec::new()));
        }
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if offset > len {
        return Err(io::Error::other(format!(
            "read at {offset} past the end of a {len}-byte file"
        )));
    }
    file.seek(SeekFrom::Start(offset))?;
    let want = usize::try_from(len - offset).unwrap_or(usize::MAX).min(max);
    let mut buf = vec![0; want];
    file.read_exact(&mut buf)?;
    Ok((len, buf))
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persist(action: PersistAction, offset: u64, total: u64, payload: &[u8]) -> Persist {
        Persist {
            id: 1,
            action,
            offset,
            total,
            payload: payload.to_vec(),
        }
    }

    #[test]
    fn reads_of_a_fresh_directory_are_empty() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = StateStore::open(dir.path()).unwrap();
        for action in [PersistAction::ReadSnapshot, PersistAction::ReadJournal] {
            let ack = store.handle(&persist(action, 0, 0, b""), 1024);
            assert_eq!(ack.status, Status::OK);
            assert_eq!((ack.total, ack.payload.len()), (0, 0));
        }
    }

    #[test]
    fn appends_at_the_expected_length_and_refuses_a_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = StateStore::open(dir.path()).unwrap();
        let ack = store.handle(&persist(PersistAction::AppendJournal, 0, 0, b"abc"), 1024);
        assert_eq!((ack.status, ack.total), (Status::OK, 3));
        let ack = store.handle(&persist(PersistAction::AppendJournal, 3, 0, b"de"), 1024);
        assert_eq!((ack.status, ack.total), (Status::OK, 5));
        // The enclave thinks the journal is shorter than it is: refused, file unchanged.
        let ack = store.handle(&persist(PersistAction::AppendJournal, 3, 0, b"zz"), 1024);
        assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
        assert_eq!(
            String::from_utf8(ack.payload).unwrap(),
            "journal is 5 bytes, the enclave expected 3"
        );
        assert_eq!(fs::read(store.journal_path()).unwrap(), b"abcde");
    }

    #[test]
    fn reads_are_chunked_with_the_file_length() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = StateStore::open(dir.path()).unwrap();
        store.handle(
            &persist(PersistAction::AppendJournal, 0, 0, b"0123456789"),
            4,
        );
        let ack = store.handle(&persist(PersistAction::ReadJournal, 4, 0, b""), 4);
        assert_eq!((ack.total, ack.payload.as_slice()), (10, &b"4567"[..]));
        let ack = store.handle(&persist(PersistAction::ReadJournal, 10, 0, b""), 4);
        assert_eq!((ack.total, ack.payload.len()), (10, 0));
        let ack = store.handle(&persist(PersistAction::ReadJournal, 11, 0, b""), 4);
        assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_complete_snapshot_replaces_the_old_one_and_empties_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = StateStore::open(dir.path()).unwrap();
        store.handle(&persist(PersistAction::AppendJournal, 0, 0, b"old"), 1024);
        let ack = store.handle(&persist(PersistAction::WriteSnapshot, 0, 6, b"new"), 1024);
        assert_eq!((ack.status, ack.total), (Status::OK, 3));
        // Not installed until the last chunk.
        assert!(!store.snapshot_path().exists());
        assert_eq!(fs::read(store.journal_path()).unwrap(), b"old");
        let ack = store.handle(&persist(PersistAction::WriteSnapshot, 3, 6, b"snp"), 1024);
        assert_eq!((ack.status, ack.total), (Status::OK, 6));
        assert_eq!(fs::read(store.snapshot_path()).unwrap(), b"newsnp");
        assert_eq!(fs::read(store.journal_path()).unwrap(), b"");
        assert!(!dir.path().join(PARTIAL_FILE).exists());
    }

    #[test]
    fn the_seal_root_is_created_once_and_the_first_blob_wins() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = StateStore::open(dir.path()).unwrap();
        let ack = store.handle(&persist(PersistAction::ReadSealRoot, 0, 0, b""), 1024);
        assert_eq!(
            (ack.status, ack.total, ack.payload.len()),
            (Status::OK, 0, 0)
        );
        let ack = store.handle(
            &persist(PersistAction::CreateSealRoot, 0, 0, b"first"),
            1024,
        );
        assert_eq!(
            (ack.status, ack.payload.as_slice()),
            (Status::OK, &b"first"[..])
        );
        // A second enclave (or a retry) gets the stored blob back, not its own.
        let ack = store.handle(
            &persist(PersistAction::CreateSealRoot, 0, 0, b"second"),
            1024,
        );
        assert_eq!(
            (ack.status, ack.payload.as_slice()),
            (Status::OK, &b"first"[..])
        );
        let ack = store.handle(&persist(PersistAction::ReadSealRoot, 0, 0, b""), 1024);
        assert_eq!((ack.total, ack.payload.as_slice()), (5, &b"first"[..]));
        assert_eq!(fs::read(store.seal_root_path()).unwrap(), b"first");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_empty_or_oversized_seal_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = StateStore::open(dir.path()).unwrap();
        for blob in [Vec::new(), vec![1u8; MAX_SEAL_ROOT_LEN as usize + 1]] {
            let ack = store.handle(&persist(PersistAction::CreateSealRoot, 0, 0, &blob), 1024);
            assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
        }
        assert!(!store.seal_root_path().exists());
        fs::write(store.seal_root_path(), vec![0u8; 7000]).unwrap();
        let ack = store.handle(&persist(PersistAction::ReadSealRoot, 0, 0, b""), 1024);
        assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn an_out_of_sequence_snapshot_chunk_is_refused_and_nothing_is_installed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = StateStore::open(dir.path()).unwrap();
        store.handle(&persist(PersistAction::WriteSnapshot, 0, 6, b"new"), 1024);
        let ack = store.handle(&persist(PersistAction::WriteSnapshot, 4, 6, b"np"), 1024);
        assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
        let ack = store.handle(&persist(PersistAction::WriteSnapshot, 3, 6, b"snp"), 1024);
        assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
        assert!(!store.snapshot_path().exists());
    }
}
