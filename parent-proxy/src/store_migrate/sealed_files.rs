//! The sealed state as the parent's [`StateStore`](nitro_kms_parent_link::state_store::StateStore)
//! keeps it on disk (`keystore.snapshot` + `keystore.journal`), read and written as opaque bytes:
//! only the clear headers ([`nitro_kms_parent_link::sealed_headers`]) are parsed, to cut the
//! journal into records and to see which of them the enclave's load would use.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use nitro_kms_parent_link::sealed_headers::{self, SnapshotHeader};
use nitro_kms_parent_link::state_store::{
    JOURNAL_FILE, MAX_SNAPSHOT_LEN, PARTIAL_FILE, SNAPSHOT_FILE,
};

use super::MigrateError;

/// Largest journal file read (the enclave's own limit, `MAX_JOURNAL_LEN`, is the same).
pub const MAX_JOURNAL_LEN: u64 = 256 << 20;

/// One framed journal record (its u32 length prefix included) and its sequence number.
pub type Record = (u64, Vec<u8>);

/// A keystore's sealed state: the snapshot and the records that follow it, all still sealed.
pub struct SealedState {
    /// The snapshot's bytes (exactly the file store's `keystore.snapshot`).
    pub snapshot: Vec<u8>,
    /// The snapshot's clear header.
    pub header: SnapshotHeader,
    /// The journal records that continue the snapshot, in order: sequence number and the framed
    /// record (its u32 length prefix included).
    pub records: Vec<Record>,
}

impl std::fmt::Debug for SealedState {
    /// Sizes only: the bytes are sealed state.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedState")
            .field("snapshot_len", &self.snapshot.len())
            .field("header", &self.header)
            .field("records", &self.records.len())
            .finish()
    }
}

impl SealedState {
    /// The sequence number of the last record (the snapshot's when no record follows).
    pub fn last_seq(&self) -> u64 {
        self.records
            .last()
            .map_or(self.header.last_seq, |(seq, _)| *seq)
    }

    /// Bytes of the journal records.
    pub fn journal_len(&self) -> usize {
        self.records.iter().map(|(_, r)| r.len()).sum()
    }
}

/// What reading a journal left out, as the enclave's load would.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// The whole journal belonged to an older snapshot generation (a crash between the two
    /// renames of a snapshot install).
    pub stale_journal: bool,
    /// Bytes of a final record cut short by a crash while appending (never acknowledged).
    pub torn_tail: usize,
}

/// Reads the state directory `dir`: the snapshot and the journal records the enclave's load
/// would replay.
pub fn read(dir: &Path) -> Result<(SealedState, Skipped), MigrateError> {
    let snapshot_path = dir.join(SNAPSHOT_FILE);
    let snapshot = match read_limited(&snapshot_path, MAX_SNAPSHOT_LEN)? {
        Some(bytes) => bytes,
        None => {
            return Err(MigrateError::Source(format!(
                "{}: no sealed snapshot there (nothing to move)",
                snapshot_path.display()
            )));
        }
    };
    let header = sealed_headers::snapshot_header(&snapshot).ok_or_else(|| {
        MigrateError::Source(format!(
            "{}: not a sealed nitro-kms snapshot (format version 1)",
            snapshot_path.display()
        ))
    })?;
    let journal = read_limited(&dir.join(JOURNAL_FILE), MAX_JOURNAL_LEN)?.unwrap_or_default();
    let (records, skipped) = split_journal(&header, &journal)?;
    Ok((
        SealedState {
            snapshot,
            header,
            records,
        },
        skipped,
    ))
}

/// Cuts `journal` into the framed records that continue `snapshot`, by the enclave's load rules
/// as far as the clear headers show them: a journal of an older generation is skipped whole, a
/// final record cut short is dropped (a crash while appending; never acknowledged), and any other
/// record that does not carry on (store id, generation, sequence number) refuses the whole state
/// (the enclave would refuse it too).
pub fn split_journal(
    snapshot: &SnapshotHeader,
    journal: &[u8],
) -> Result<(Vec<Record>, Skipped), MigrateError> {
    let mut skipped = Skipped::default();
    if let Some(first) = sealed_headers::record_header(journal)
        && first.generation < snapshot.generation
    {
        skipped.stale_journal = true;
        return Ok((Vec::new(), skipped));
    }
    let mut records = Vec::new();
    let mut next_seq = snapshot.last_seq.checked_add(1).ok_or_else(|| {
        MigrateError::Source("the snapshot's sequence number is at its end".into())
    })?;
    let mut offset = 0usize;
    while offset < journal.len() {
        let rest = &journal[offset..];
        let announced = framed_len_of(rest);
        // Cut short (or too short for even a length prefix): only the last record can be.
        let Some(framed_len) = announced.filter(|len| *len <= rest.len()) else {
            skipped.torn_tail = rest.len();
            break;
        };
        let is_last = framed_len == rest.len();
        let header = (framed_len >= sealed_headers::RECORD_HEADER_PREFIX)
            .then(|| sealed_headers::record_header(&rest[..framed_len]))
            .flatten();
        let Some(header) = header else {
            // The enclave drops a final record that does not open (a torn write); one before
            // the end makes it refuse the state.
            if is_last {
                skipped.torn_tail = rest.len();
                break;
            }
            return Err(MigrateError::Source(format!(
                "journal record at offset {offset} has no readable header (not a sealed \
                 nitro-kms journal of format version 1)"
            )));
        };
        let misplaced = |what: &str| {
            MigrateError::Source(format!(
                "journal record at offset {offset}: its {what} does not continue the snapshot \
                 (the enclave would refuse this state too)"
            ))
        };
        if header.store_id != snapshot.store_id {
            return Err(misplaced("store id"));
        }
        if header.generation != snapshot.generation {
            return Err(misplaced("generation"));
        }
        if header.seq != next_seq {
            return Err(misplaced("sequence number"));
        }
        records.push((header.seq, rest[..framed_len].to_vec()));
        next_seq = next_seq.saturating_add(1);
        offset += framed_len;
    }
    Ok((records, skipped))
}

/// The framed length a record's u32 prefix announces, if the prefix is there.
fn framed_len_of(bytes: &[u8]) -> Option<usize> {
    let prefix: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    usize::try_from(u32::from_be_bytes(prefix))
        .ok()?
        .checked_add(4)
}

/// Reads `path` whole if it is at most `max` bytes; a missing file is `None`.
fn read_limited(path: &Path, max: u64) -> Result<Option<Vec<u8>>, MigrateError> {
    let io = |e: std::io::Error| MigrateError::Io(format!("{}: {e}", path.display()));
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(MigrateError::Source(format!(
            "{}: larger than {max} bytes",
            path.display()
        )));
    }
    Ok(Some(bytes))
}

/// Whether `dir` already holds a sealed state (a non-empty snapshot or journal file).
pub fn holds_state(dir: &Path) -> bool {
    [SNAPSHOT_FILE, JOURNAL_FILE]
        .iter()
        .any(|name| fs::metadata(dir.join(name)).is_ok_and(|m| m.len() > 0))
}

/// Writes `state` into `dir` as the StateStore keeps it: the journal (the framed records
/// concatenated), then the snapshot, each written to a temporary name, fsync'd and renamed into
/// place, and the directory fsync'd.
pub fn write(dir: &Path, state: &SealedState) -> Result<(), MigrateError> {
    let journal: Vec<u8> = state
        .records
        .iter()
        .flat_map(|(_, record)| record.iter().copied())
        .collect();
    replace(
        dir,
        &format!("{JOURNAL_FILE}.migrating"),
        JOURNAL_FILE,
        &journal,
    )?;
    replace(dir, PARTIAL_FILE, SNAPSHOT_FILE, &state.snapshot)?;
    let io = |e: std::io::Error| MigrateError::Io(format!("{}: {e}", dir.display()));
    File::open(dir).and_then(|d| d.sync_all()).map_err(io)
}

fn replace(dir: &Path, temporary: &str, name: &str, bytes: &[u8]) -> Result<(), MigrateError> {
    let path = dir.join(temporary);
    let io = |e: std::io::Error| MigrateError::Io(format!("{}: {e}", path.display()));
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&path, dir.join(name)).map_err(io)
}
