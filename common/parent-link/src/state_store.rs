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
//! guessed at, and the enclave recovers by writing a fresh snapshot. An append is also refused
//! when the record does not continue the snapshot on disk (its clear header names another store
//! or generation, or, on an empty journal, not the sequence number after the snapshot's; see
//! [`crate::sealed_headers`]): another process or an operator replaced the snapshot under the
//! running enclave, and a record appended there would be skipped as stale at the next load after
//! the enclave had been told it was stored. Issue 15 item 5 found exactly that with two parents
//! on one directory; the enclave then commits the mutation in a fresh snapshot instead.
//!
//! The store also keeps the stored state's generation and sequence number
//! ([`StoredPosition`]) for `/metrics`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nitro_kms_wire::{Persist, PersistAck, PersistAction, Status};

use crate::sealed_headers::{self, RECORD_HEADER_PREFIX, SNAPSHOT_HEADER_PREFIX, SnapshotHeader};
use crate::stored_position::StoredPosition;

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
    /// Its clear header, read from the first chunk (for [`StoredPosition`]).
    header: Option<SnapshotHeader>,
}

/// The state directory and the snapshot upload in progress, if any.
pub struct StateStore {
    dir: PathBuf,
    partial: Option<Partial>,
    position: Arc<StoredPosition>,
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
    /// Opens (creating if needed) the state directory `dir`, and reads the generation and
    /// sequence number of the state stored there (see [`StateStore::position`]).
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<StateStore> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        let store = StateStore {
            dir,
            partial: None,
            position: Arc::new(StoredPosition::default()),
        };
        if let Some(snapshot) = store.snapshot_header()? {
            store
                .position
                .snapshot(snapshot.generation, snapshot.last_seq);
            store.read_last_record(&snapshot)?;
        }
        Ok(store)
    }

    /// The generation and sequence number of the stored state, kept up to date as the enclave
    /// writes (shared: the proxy shows it on `/metrics`).
    pub fn position(&self) -> Arc<StoredPosition> {
        self.position.clone()
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
        let record = sealed_headers::record_header(bytes);
        if let Some(record) = record {
            self.check_continues_snapshot(&record, len)?;
        }
        file.write_all(bytes)?;
        file.sync_data()?;
        if let Some(record) = record {
            self.position.record(record.generation, record.seq);
        }
        Ok(len + bytes.len() as u64)
    }

    /// Refuses a record that does not follow the snapshot on disk: another store's or
    /// generation's, or (first in an empty journal) not numbered right after the snapshot.
    fn check_continues_snapshot(
        &self,
        record: &sealed_headers::RecordHeader,
        journal_len: u64,
    ) -> io::Result<()> {
        let Some(snapshot) = self.snapshot_header()? else {
            return Err(io::Error::other(format!(
                "journal record of generation {} has no snapshot to follow",
                record.generation
            )));
        };
        if snapshot.store_id != record.store_id || snapshot.generation != record.generation {
            return Err(io::Error::other(format!(
                "journal record of generation {} does not follow the snapshot on disk \
                 (generation {}): the snapshot was replaced",
                record.generation, snapshot.generation
            )));
        }
        if journal_len == 0 && record.seq != snapshot.last_seq.saturating_add(1) {
            return Err(io::Error::other(format!(
                "journal record {} does not follow the snapshot on disk (last record {})",
                record.seq, snapshot.last_seq
            )));
        }
        Ok(())
    }

    /// The clear header of the snapshot on disk, if there is one of a known version.
    fn snapshot_header(&self) -> io::Result<Option<SnapshotHeader>> {
        let mut prefix = Vec::with_capacity(SNAPSHOT_HEADER_PREFIX);
        match File::open(self.snapshot_path()) {
            Ok(file) => file
                .take(SNAPSHOT_HEADER_PREFIX as u64)
                .read_to_end(&mut prefix)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(sealed_headers::snapshot_header(&prefix))
    }

    /// Walks the journal's length prefixes (reading only the headers) and records the last
    /// complete record that follows `snapshot` in [`StoredPosition`].
    fn read_last_record(&self, snapshot: &SnapshotHeader) -> io::Result<()> {
        let mut file = match File::open(self.journal_path()) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        let mut offset = 0u64;
        let mut header = [0u8; RECORD_HEADER_PREFIX];
        while offset.saturating_add(RECORD_HEADER_PREFIX as u64) <= len {
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut header)?;
            let Some(record) = sealed_headers::record_header(&header) else {
                break;
            };
            let end = offset.saturating_add(record.framed_len);
            if end > len
                || record.store_id != snapshot.store_id
                || record.generation != snapshot.generation
            {
                break;
            }
            self.position.record(record.generation, record.seq);
            offset = end;
        }
        Ok(())
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
                header: sealed_headers::snapshot_header(bytes),
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
        let header = partial.as_ref().and_then(|p| p.header);
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
        if let Some(header) = header {
            self.position.snapshot(header.generation, header.last_seq);
        }
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
mod tests;
