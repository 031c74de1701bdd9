//! The keystore made durable: loaded from the parent at start, every mutation journaled and
//! acknowledged before it takes effect.
//!
//! [`SealedKeystore`] joins three pieces: the in-memory [`Keystore`], the sealed format of
//! [`crate::seal`], and the parent's storage reached through [`ParentLink`].
//!
//! - **Reads** take a short read lock on the keystore; no I/O ever happens under it.
//! - **Writes** ([`SealedKeystore::commit`]) are serialized by a writer lock: check the mutation,
//!   seal it as the next journal record, have the parent append it durably, and only then apply it.
//!   A failed or unanswered append changes nothing; because the parent may or may not have kept
//!   the record, the next write is a full snapshot instead of an append, which makes the question
//!   moot (installing a snapshot empties the journal).
//! - **Start** ([`SealedKeystore::load`]) reads the snapshot and journal, refuses anything that
//!   does not authenticate, drops a torn final record, and writes a fresh snapshot (compaction,
//!   one generation up) before serving. An empty parent (no snapshot, no journal) is a first start;
//!   a journal without a snapshot is refused, never mistaken for one.

use std::sync::{Arc, RwLock};

use nitro_kms_common::wire::PersistAction;

use crate::keystore::{Keystore, KeystoreError, Mutation};
use crate::parent_link::{LinkError, ParentLink};
use crate::seal::{
    self, JournalCursor, MAX_STATE_LEN, SealError, SealingKey, SnapshotHeader, StoreId,
};

/// After this many journal records the next write is a snapshot instead (bounds replay time).
pub const COMPACT_AFTER_RECORDS: u64 = 1024;
/// Largest journal the enclave reads back at start.
pub const MAX_JOURNAL_LEN: usize = 256 << 20;

/// Why the sealed state could not be loaded: the enclave refuses to serve.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The parent could not deliver the state.
    #[error("cannot read the sealed state from the parent: {0}")]
    Link(#[from] LinkError),
    /// The state does not authenticate or is out of order.
    #[error("sealed state refused: {0}")]
    Seal(#[from] SealError),
    /// An authentic state that does not decode or apply (a bug or a foreign format version).
    #[error("sealed state is inconsistent: {0}")]
    Keystore(#[from] KeystoreError),
    /// A journal exists but the snapshot it belongs to does not.
    #[error("the parent has a journal of {0} bytes but no snapshot")]
    JournalWithoutSnapshot(usize),
}

/// A failed [`SealedKeystore::load`]: the error, and the sealing key back when the failure was the
/// link's (so the caller can retry without the key ever being copied).
#[derive(Debug)]
pub struct LoadFailure {
    /// What went wrong.
    pub error: LoadError,
    /// The key, returned for a retry after a [`LoadError::Link`].
    pub key: Option<SealingKey>,
}

/// Why a mutation was not committed; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The mutation does not apply (a race with another write); nothing was sent.
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// Sealing failed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The parent did not store it durably.
    #[error(transparent)]
    Link(#[from] LinkError),
}

/// What [`SealedKeystore::load`] found, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadReport {
    /// Whether this was a first start (no stored state).
    pub fresh: bool,
    /// Journal records replayed.
    pub replayed: usize,
    /// Bytes of a torn final journal record dropped.
    pub dropped_tail_bytes: usize,
    /// Whether a stale journal (older generation than the snapshot) was skipped.
    pub skipped_stale_journal: bool,
    /// Keys and aliases loaded.
    pub keys: usize,
    /// Aliases loaded.
    pub aliases: usize,
    /// The generation now in force (after compaction).
    pub generation: u64,
}

/// Writer-side state: where the next record goes.
struct Writer {
    cursor: JournalCursor,
    journal_len: u64,
    records_since_snapshot: u64,
    needs_snapshot: bool,
}

/// The durable keystore.
pub struct SealedKeystore {
    keystore: RwLock<Keystore>,
    writer: tokio::sync::Mutex<Writer>,
    link: Arc<ParentLink>,
    key: SealingKey,
}

impl std::fmt::Debug for SealedKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedKeystore").finish_non_exhaustive()
    }
}

impl SealedKeystore {
    /// Loads the sealed state through `link` (waiting for the parent to connect), replays it, and
    /// compacts it into a fresh snapshot. Any authentication failure is an error: the caller must
    /// refuse to serve rather than start empty.
    pub async fn load(
        link: Arc<ParentLink>,
        key: SealingKey,
    ) -> Result<(SealedKeystore, LoadReport), LoadFailure> {
        match Self::try_load(&link, &key).await {
            Ok((keystore, writer, report)) => Ok((
                SealedKeystore {
                    keystore: RwLock::new(keystore),
                    writer: tokio::sync::Mutex::new(writer),
                    link,
                    key,
                },
                report,
            )),
            Err(error) => {
                let key = matches!(error, LoadError::Link(_)).then_some(key);
                Err(LoadFailure { error, key })
            }
        }
    }

    async fn try_load(
        link: &ParentLink,
        key: &SealingKey,
    ) -> Result<(Keystore, Writer, LoadReport), LoadError> {
        link.wait_connected().await;
        let snapshot = link
            .read_all(PersistAction::ReadSnapshot, MAX_STATE_LEN + 1024)
            .await?;
        let journal = link
            .read_all(PersistAction::ReadJournal, MAX_JOURNAL_LEN)
            .await?;
        let mut report = LoadReport {
            fresh: false,
            replayed: 0,
            dropped_tail_bytes: 0,
            skipped_stale_journal: false,
            keys: 0,
            aliases: 0,
            generation: 0,
        };
        let (header, keystore) = if snapshot.is_empty() {
            if !journal.is_empty() {
                return Err(LoadError::JournalWithoutSnapshot(journal.len()));
            }
            report.fresh = true;
            let header = SnapshotHeader {
                store_id: StoreId::random()?,
                generation: 0,
                last_seq: 0,
            };
            (header, Keystore::new())
        } else {
            let (header, state) = seal::open_snapshot(key, &snapshot)?;
            let mut keystore = Keystore::from_snapshot_bytes(state.expose())?;
            let stale = seal::journal_generation(&journal).is_some_and(|g| g < header.generation);
            let mut last_seq = header.last_seq;
            if stale {
                report.skipped_stale_journal = true;
            } else if !journal.is_empty() {
                let replay = seal::replay(key, &header, &journal)?;
                for record in &replay.records {
                    keystore.apply(&Mutation::from_record_bytes(record.expose())?)?;
                }
                report.replayed = replay.records.len();
                report.dropped_tail_bytes = replay.dropped_tail.map_or(0, |t| t.len);
                last_seq = replay.cursor.next_seq.saturating_sub(1);
            }
            (SnapshotHeader { last_seq, ..header }, keystore)
        };
        // Compact: the new snapshot holds everything, the journal starts empty (and a torn tail
        // is gone with it).
        let next = SnapshotHeader {
            generation: header.generation.saturating_add(1),
            ..header
        };
        let sealed = seal::seal_snapshot(key, &next, keystore.to_snapshot_bytes()?.expose())?;
        link.write_snapshot(&sealed).await?;
        report.keys = keystore.keys().count();
        report.aliases = keystore.aliases().count();
        report.generation = next.generation;
        let writer = Writer {
            cursor: JournalCursor::after_snapshot(&next),
            journal_len: 0,
            records_since_snapshot: 0,
            needs_snapshot: false,
        };
        Ok((keystore, writer, report))
    }

    /// Runs `f` on the current keystore under a short read lock. Never do I/O in `f`.
    pub fn read<R>(&self, f: impl FnOnce(&Keystore) -> R) -> R {
        let guard = self.keystore.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Makes `mutation` durable through the parent, then applies it. On any error nothing changed.
    pub async fn commit(&self, mutation: Mutation) -> Result<(), CommitError> {
        let mut writer = self.writer.lock().await;
        self.read(|k| k.check(&mutation))?;
        if writer.needs_snapshot || writer.records_since_snapshot >= COMPACT_AFTER_RECORDS {
            return self.commit_as_snapshot(&mut writer, &mutation).await;
        }
        let record = mutation.to_record_bytes()?;
        let (framed, next) = seal::seal_record(&self.key, &writer.cursor, record.expose())?;
        match self
            .link
            .call(PersistAction::AppendJournal, writer.journal_len, 0, framed)
            .await
        {
            Ok(ack) => {
                self.apply(&mutation)?;
                writer.cursor = next;
                writer.journal_len = ack.total;
                writer.records_since_snapshot += 1;
                Ok(())
            }
            Err(e) => {
                // The parent may or may not hold the record: settle it with a snapshot next time.
                writer.needs_snapshot = true;
                Err(e.into())
            }
        }
    }

    /// Commits by writing a whole new snapshot that includes `mutation`.
    async fn commit_as_snapshot(
        &self,
        writer: &mut Writer,
        mutation: &Mutation,
    ) -> Result<(), CommitError> {
        let mut next_state = self.read(Keystore::clone);
        next_state.apply(mutation)?;
        let header = SnapshotHeader {
            store_id: writer.cursor.store_id,
            generation: writer.cursor.generation.saturating_add(1),
            last_seq: writer.cursor.next_seq,
        };
        let sealed =
            seal::seal_snapshot(&self.key, &header, next_state.to_snapshot_bytes()?.expose())?;
        match self.link.write_snapshot(&sealed).await {
            Ok(()) => {
                *self.keystore.write().unwrap_or_else(|e| e.into_inner()) = next_state;
                writer.cursor = JournalCursor::after_snapshot(&header);
                writer.journal_len = 0;
                writer.records_since_snapshot = 0;
                writer.needs_snapshot = false;
                Ok(())
            }
            Err(e) => {
                writer.needs_snapshot = true;
                Err(e.into())
            }
        }
    }

    fn apply(&self, mutation: &Mutation) -> Result<(), KeystoreError> {
        self.keystore
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .apply(mutation)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::test_support;

    #[tokio::test]
    async fn the_journal_is_folded_into_a_snapshot_after_the_compaction_threshold() {
        let (svc, _clock, parent) = test_support::service().await;
        let reply = svc
            .handle("CreateKey", "arn:aws:iam::111122223333:root", b"{}")
            .await;
        let created: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        let mut largest_journal = 0;
        for i in 0..COMPACT_AFTER_RECORDS + 5 {
            let tags = BTreeMap::from([("n".to_owned(), i.to_string())]);
            svc.store
                .commit(Mutation::TagResource {
                    key_id: key_id.clone(),
                    tags,
                })
                .await
                .unwrap();
            largest_journal = largest_journal.max(parent.lock().unwrap().journal.len());
        }
        {
            let files = parent.lock().unwrap();
            // The journal grew, then a snapshot took it over and it started again.
            assert!(
                largest_journal > files.journal.len() * 100,
                "{largest_journal}"
            );
            assert!(!files.snapshot.is_empty());
        }
        let last = (COMPACT_AFTER_RECORDS + 4).to_string();
        assert_eq!(
            svc.store
                .read(|ks| ks.key(&key_id).unwrap().tags["n"].clone()),
            last
        );
        // A restart on the same parent (snapshot + the records after it) sees the same state.
        let before = svc.store.read(Keystore::clone);
        let (reloaded, report) = SealedKeystore::load(
            test_support::memory_link(parent),
            test_support::sealing_key(),
        )
        .await
        .unwrap();
        // CreateKey + 1023 tags filled the journal; tag 1024 went into a snapshot; 5 followed.
        assert_eq!(report.replayed, 5);
        assert_eq!(reloaded.read(Keystore::clone), before);
    }
}
