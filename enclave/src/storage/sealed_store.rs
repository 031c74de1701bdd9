//! The keystore made durable: loaded from the parent at start, every mutation journaled and
//! acknowledged before it takes effect.
//!
//! [`SealedKeystore`] joins three pieces: the in-memory [`Keystore`], the sealed format of
//! [`super::seal`], and the parent's storage reached through [`ParentLink`].
//!
//! - **Reads** take a short read lock on the keystore; no I/O ever happens under it.
//! - **Writes** ([`SealedKeystore::commit`]) are serialized by a writer lock: check the mutation,
//!   seal it as the next journal record, have the parent append it durably, and only then apply it.
//!   A failed or unanswered append changes nothing; because the parent may or may not have kept
//!   the record, the next write is a full snapshot instead of an append, which makes the question
//!   moot (installing a snapshot empties the journal).
//! - **An append only counts where this enclave expects it**: after the parent acknowledges a
//!   record, the enclave checks that the stored snapshot is still the one it wrote (its
//!   `SnapshotMark`); the parent's store refuses a record that does not follow the snapshot on
//!   disk. Either way (refused, or acknowledged on top of a snapshot someone else put there —
//!   another parent on the same directory, an operator restoring files under the running
//!   enclave) the record would be skipped as stale at the next load, so the mutation is not
//!   acknowledged as appended: it is committed once more, in a fresh snapshot of this enclave's
//!   state with the mutation, and acknowledged only when that is stored (issue 15 item 5). A
//!   hostile parent can still acknowledge and drop anything: that is a rollback, see
//!   [`super::seal`].
//! - **Start** ([`SealedKeystore::load`]) reads the snapshot and journal, refuses anything that
//!   does not authenticate, drops a torn final record, and writes a fresh snapshot (compaction,
//!   one generation up) before serving. An empty parent (no snapshot, no journal) is a first start;
//!   a journal without a snapshot is refused, never mistaken for one.
//! - **Catch-up** ([`SealedKeystore::catch_up`]), on a read replica (an enclave the parent sent a
//!   `Sync`, see [`super::read_replica`]): another enclave, the leader, writes the shared state;
//!   this one never writes (not even the start-up compaction) and follows. It reads the journal
//!   after the records it applied and applies the new ones with the same checks as at start;
//!   when the journal no longer continues its own (the leader installed a new snapshot) it reads
//!   the whole state again with the start-up code, and refuses a state older than the one it
//!   served. The new state is built aside and swapped in at once, so requests keep being served
//!   from the old one meanwhile. Because the leader keeps writing while a replica reads, a
//!   replica's reads of the whole state (at start and on reload) are tried again when the
//!   snapshot and journal it got do not hold together.

use std::sync::{Arc, RwLock};

use nitro_kms_crypto::GCM_TAG_LEN;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_wire::PersistAction;

use crate::keystore::{Keystore, KeystoreError, Mutation};
use crate::storage::etcd_store::EtcdStore;
use crate::storage::parent_link::{LinkError, ParentLink};
use crate::storage::seal::{
    self, JournalCursor, MAX_STATE_LEN, SealError, SealingKey, SnapshotHeader, StoreId,
};

/// After this many journal records the next write is a snapshot instead (bounds replay time).
pub const COMPACT_AFTER_RECORDS: u64 = 1024;
/// Largest journal the enclave reads back at start.
pub const MAX_JOURNAL_LEN: usize = 256 << 20;
/// Times a read replica reads the whole state again before it gives up on one catch-up: the
/// leader may replace the snapshot between the replica's reads of the snapshot and the journal,
/// which then do not belong together; the next attempt reads a consistent pair.
pub const RELOAD_ATTEMPTS: u32 = 3;
/// Pause before a read replica's next attempt, times the attempts made so far.
const RELOAD_BACKOFF: std::time::Duration = std::time::Duration::from_millis(20);

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
    /// etcd could not be read (`storage = "etcd"`).
    #[error("cannot read the sealed state from etcd: {0}")]
    Etcd(#[from] nitro_kms_etcd::EtcdError),
    /// What etcd holds does not hold together (`storage = "etcd"`): records missing before the
    /// head, a torn record, a head that does not match the records.
    #[error("the sealed state in etcd is inconsistent: {0}")]
    EtcdInconsistent(String),
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
    /// etcd did not answer, or not in time (`storage = "etcd"`): the write may or may not have
    /// landed; nothing was applied here, and the watch settles which.
    #[error("the etcd store is unavailable: {0}")]
    Etcd(#[from] nitro_kms_etcd::EtcdError),
    /// A leader could not re-read the state before writing (`storage = "etcd"`).
    #[error("cannot catch up with the stored state: {0}")]
    CatchUp(String),
    /// This enclave is a read replica: only the leader changes the shared state (the parent
    /// routes mutations there; this is the safety net).
    #[error("this enclave is a read replica and does not accept changes")]
    ReadReplica,
}

/// Why an append did not commit a mutation.
enum AppendFailure {
    /// The parent refused the record, or stored it after a snapshot that is not this enclave's:
    /// a later load would not apply it. Commit the mutation in a snapshot instead.
    Displaced(String),
    /// Anything else (nothing applied; the parent may or may not hold the record).
    Failed(CommitError),
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
    /// The generation now in force (after compaction; a read replica does not compact).
    pub generation: u64,
    /// The sequence number of the last mutation in force (records count on across snapshots, so
    /// with the generation it only grows: a start-up that logs a lower pair than the one before
    /// it loaded rolled-back files).
    pub sequence: u64,
}

/// What one [`SealedKeystore::catch_up`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchUpReport {
    /// Journal records applied on top of the state already served.
    pub applied: usize,
    /// Whether the whole state was read again instead (the leader installed a new snapshot, or
    /// the journal no longer continued this enclave's).
    pub reloaded: bool,
    /// `(generation, last sequence number)` of the state now served.
    pub high_water: (u64, u64),
}

/// Identifies a stored snapshot cheaply: its length and its last [`GCM_TAG_LEN`] bytes, the
/// AES-GCM tag. Every snapshot is sealed under a fresh random nonce, so two snapshots share a tag
/// only by a 2^-128 chance. A read replica compares the parent's file with this by reading those
/// 16 bytes instead of the whole snapshot, to learn whether the leader replaced it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct SnapshotMark {
    len: u64,
    tail: [u8; GCM_TAG_LEN],
}

impl SnapshotMark {
    /// The mark of `sealed` (all zero for no snapshot).
    fn of(sealed: &[u8]) -> SnapshotMark {
        let tail = sealed
            .len()
            .checked_sub(GCM_TAG_LEN)
            .and_then(|start| sealed.get(start..))
            .and_then(|t| t.try_into().ok())
            .unwrap_or_default();
        SnapshotMark {
            len: sealed.len() as u64,
            tail,
        }
    }

    /// Where its tail starts in the file.
    fn tail_offset(&self) -> u64 {
        self.len.saturating_sub(GCM_TAG_LEN as u64)
    }

    /// Whether the parent's answer to a read at [`Self::tail_offset`] (the file's length and
    /// the bytes from there) is still this snapshot.
    fn matches(&self, total: u64, from_tail: &[u8]) -> bool {
        let expected = if self.len == 0 {
            &[][..]
        } else {
            &self.tail[..]
        };
        total == self.len && from_tail == expected
    }
}

/// Where this enclave stands in the stored state: the snapshot its state came from, how much of
/// the journal after it is applied, and where the next record goes. The leader moves it by
/// writing, a read replica by reading what the leader wrote.
struct Position {
    snapshot: SnapshotMark,
    cursor: JournalCursor,
    journal_len: u64,
    records_since_snapshot: u64,
    needs_snapshot: bool,
    /// With the etcd store: the etcd revision the state served now was read or followed to.
    revision: i64,
}

/// The stored state, read and authenticated: what start-up and a replica's reload share.
struct StoredState {
    keystore: Keystore,
    position: Position,
    report: LoadReport,
}

/// The durable keystore, as one region sees it: every region's handle shares one sealed state
/// (one snapshot and journal at the parent, one writer lock), and each reads and changes only its
/// own region's keys and aliases.
///
/// The configured region's handle ([`SealedKeystore::load`]) reads and writes the keystore as a
/// single-region service always did, so an existing state opens unchanged; another region's
/// ([`SealedKeystore::in_region`]) reads [`Keystore::region`] and journals its mutations wrapped
/// in [`Mutation::InRegion`]. One sealed state rather than one per region keeps what the parent
/// stores, how a read replica follows it and the rollback checks exactly as they were.
pub struct SealedKeystore {
    state: Arc<SealedState>,
    /// `None` for the configured region, else the region whose keys this handle sees.
    region: Option<String>,
}

/// The state every region's [`SealedKeystore`] shares.
struct SealedState {
    keystore: RwLock<Keystore>,
    /// Serializes writes and catch-ups (held across their I/O; readers never take it).
    position: tokio::sync::Mutex<Position>,
    link: Arc<ParentLink>,
    key: SealingKey,
    /// `Some` with `storage = "etcd"`: the state lives there, not at the parent
    /// ([`etcd_backend`]).
    etcd: Option<Arc<EtcdStore>>,
}

impl std::fmt::Debug for SealedKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedKeystore")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl SealedKeystore {
    /// Loads the sealed state (see [`SealedState::load`]): the handle of the configured region.
    pub async fn load(
        link: Arc<ParentLink>,
        key: SealingKey,
    ) -> Result<(SealedKeystore, LoadReport), LoadFailure> {
        let (state, report) = SealedState::load(link, key).await?;
        Ok((
            SealedKeystore {
                state: Arc::new(state),
                region: None,
            },
            report,
        ))
    }

    /// The handle of `region`'s keys and aliases on the same sealed state; `None` is the
    /// configured region's.
    pub fn in_region(&self, region: Option<&str>) -> SealedKeystore {
        SealedKeystore {
            state: self.state.clone(),
            region: region.map(str::to_owned),
        }
    }

    /// Whether this is the configured region's handle (its keys are the keystore's own).
    pub fn is_configured_region(&self) -> bool {
        self.region.is_none()
    }

    /// Runs `f` on this region's keystore under a short read lock. Never do I/O in `f`.
    pub fn read<R>(&self, f: impl FnOnce(&Keystore) -> R) -> R {
        self.state.read(|k| match &self.region {
            None => f(k),
            Some(region) => f(k.region(region)),
        })
    }

    /// The regions other than the configured one that hold keys.
    pub fn other_regions(&self) -> Vec<String> {
        self.state
            .read(|k| k.regions().map(str::to_owned).collect())
    }

    /// A key for another purpose derived from the sealing key ([`SealingKey::derive`]).
    pub fn derive_key(&self, label: &[u8]) -> Result<SecretBytes, SealError> {
        self.state.derive_key(label)
    }

    /// How far the state served now has come ([`SealedState::position`]).
    pub async fn position(&self) -> nitro_kms_wire::Position {
        self.state.position().await
    }

    /// Whether this enclave is a read replica (it follows the leader and never writes).
    pub fn is_replica(&self) -> bool {
        self.state.is_replica()
    }

    /// Makes `mutation` of this region durable through the parent, then applies it. On any error
    /// nothing changed.
    pub async fn commit(&self, mutation: Mutation) -> Result<(), CommitError> {
        self.state.commit(self.regional(mutation)).await
    }

    /// `mutation` of this region's keys as the shared state applies it: wrapped in
    /// [`Mutation::InRegion`] unless this is the configured region's handle. What a
    /// [`SealedKeystore::commit_batch`] of several regions' changes is made of.
    pub fn regional(&self, mutation: Mutation) -> Mutation {
        match &self.region {
            None => mutation,
            Some(region) => Mutation::InRegion {
                region: region.clone(),
                mutation: Box::new(mutation),
            },
        }
    }

    /// Makes `mutations` (each already [`SealedKeystore::regional`] for its region) durable as
    /// one [`Mutation::Batch`] record, then applies them: all or nothing, across regions.
    pub async fn commit_batch(&self, mutations: Vec<Mutation>) -> Result<(), CommitError> {
        self.state.commit(Mutation::Batch(mutations)).await
    }

    /// Brings a read replica up to date ([`SealedState::catch_up`]); every region's handle
    /// follows the one shared state.
    pub async fn catch_up(&self) -> Result<CatchUpReport, LoadError> {
        self.state.catch_up().await
    }
}

impl SealedState {
    /// Loads the sealed state through `link` (waiting for the parent to connect), replays it, and
    /// compacts it into a fresh snapshot — unless the parent made this enclave a read replica,
    /// which serves the state as stored and never writes. Any authentication failure is an error:
    /// the caller must refuse to serve rather than start empty.
    pub async fn load(
        link: Arc<ParentLink>,
        key: SealingKey,
    ) -> Result<(SealedState, LoadReport), LoadFailure> {
        match Self::try_load(&link, &key).await {
            Ok(stored) => Ok((
                SealedState {
                    keystore: RwLock::new(stored.keystore),
                    position: tokio::sync::Mutex::new(stored.position),
                    link,
                    key,
                    etcd: None,
                },
                stored.report,
            )),
            Err(error) => {
                let key = matches!(error, LoadError::Link(_)).then_some(key);
                Err(LoadFailure { error, key })
            }
        }
    }

    async fn try_load(link: &ParentLink, key: &SealingKey) -> Result<StoredState, LoadError> {
        link.wait_connected().await;
        let mut stored = read_consistent(link, key).await?;
        if link.is_replica() {
            return Ok(stored);
        }
        // Compact: the new snapshot holds everything, the journal starts empty (and a torn tail
        // is gone with it).
        let cursor = stored.position.cursor;
        let next = SnapshotHeader {
            store_id: cursor.store_id,
            generation: cursor.generation.saturating_add(1),
            last_seq: cursor.high_water().1,
        };
        let sealed =
            seal::seal_snapshot(key, &next, stored.keystore.to_snapshot_bytes()?.expose())?;
        link.write_snapshot(&sealed).await?;
        stored.report.generation = next.generation;
        stored.report.sequence = next.last_seq;
        stored.position = Position {
            snapshot: SnapshotMark::of(&sealed),
            cursor: JournalCursor::after_snapshot(&next),
            journal_len: 0,
            records_since_snapshot: 0,
            needs_snapshot: false,
            revision: 0,
        };
        Ok(stored)
    }

    /// Runs `f` on the current keystore under a short read lock. Never do I/O in `f`.
    pub fn read<R>(&self, f: impl FnOnce(&Keystore) -> R) -> R {
        let guard = self.keystore.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// A key for another purpose derived from the sealing key ([`SealingKey::derive`]): the
    /// enclaves sharing this sealed state, and nobody else, derive the same one.
    pub fn derive_key(&self, label: &[u8]) -> Result<SecretBytes, SealError> {
        self.key.derive(label)
    }

    /// How far the state served now has come: the generation of its snapshot and the sequence
    /// number of its last record. Waits for a commit or catch-up in progress to finish.
    pub async fn position(&self) -> nitro_kms_wire::Position {
        let (generation, sequence) = self.position.lock().await.cursor.high_water();
        nitro_kms_wire::Position {
            generation,
            sequence,
        }
    }

    /// Whether this enclave is a read replica (it follows the leader and never writes): with the
    /// etcd store, whether it is not the ready leader now.
    pub fn is_replica(&self) -> bool {
        match &self.etcd {
            Some(etcd) => etcd.fence().is_none(),
            None => self.link.is_replica(),
        }
    }

    /// Makes `mutation` durable through the parent, then applies it. On any error nothing changed.
    pub async fn commit(&self, mutation: Mutation) -> Result<(), CommitError> {
        if let Some(etcd) = &self.etcd {
            return self.commit_to_etcd(etcd, &mutation).await;
        }
        if self.is_replica() {
            return Err(CommitError::ReadReplica);
        }
        let mut writer = self.position.lock().await;
        self.read(|k| k.check(&mutation))?;
        if writer.needs_snapshot || writer.records_since_snapshot >= COMPACT_AFTER_RECORDS {
            return self.commit_as_snapshot(&mut writer, &mutation).await;
        }
        match self.append(&mut writer, &mutation).await {
            Ok(()) => Ok(()),
            Err(AppendFailure::Displaced(why)) => {
                // The record is not (or may not be) where a later load would read it: commit the
                // mutation in a snapshot, which replaces whatever is there.
                tracing::warn!(
                    "nitro-kms-enclave: journal append not where this enclave expects it ({why}); \
                     committing in a fresh snapshot"
                );
                self.commit_as_snapshot(&mut writer, &mutation).await
            }
            Err(AppendFailure::Failed(e)) => {
                // The parent may or may not hold the record: settle it with a snapshot next time.
                writer.needs_snapshot = true;
                Err(e)
            }
        }
    }

    /// Appends `mutation` as the next journal record and applies it, if the parent stored it
    /// after the snapshot this enclave wrote: [`AppendFailure::Displaced`] when the parent refused
    /// it or the stored snapshot is no longer this enclave's (nothing applied either way).
    async fn append(
        &self,
        writer: &mut Position,
        mutation: &Mutation,
    ) -> Result<(), AppendFailure> {
        let record = mutation
            .to_record_bytes()
            .map_err(|e| AppendFailure::Failed(e.into()))?;
        let (framed, next) = seal::seal_record(&self.key, &writer.cursor, record.expose())
            .map_err(|e| AppendFailure::Failed(e.into()))?;
        let ack = match self
            .link
            .call(PersistAction::AppendJournal, writer.journal_len, 0, framed)
            .await
        {
            Ok(ack) => ack,
            Err(LinkError::Refused(why)) => return Err(AppendFailure::Displaced(why)),
            Err(e) => return Err(AppendFailure::Failed(e.into())),
        };
        // Checked after the ack: a snapshot put in place before the append landed is seen here
        // (one put there later also emptied the journal, and is another writer's business).
        match self.snapshot_unchanged(&writer.snapshot).await {
            Ok(true) => {}
            Ok(false) => {
                return Err(AppendFailure::Displaced(
                    "the stored snapshot is no longer the one this enclave wrote".into(),
                ));
            }
            Err(e) => return Err(AppendFailure::Failed(e.into())),
        }
        self.apply(mutation)
            .map_err(|e| AppendFailure::Failed(e.into()))?;
        writer.cursor = next;
        writer.journal_len = ack.total;
        writer.records_since_snapshot += 1;
        Ok(())
    }

    /// Commits by writing a whole new snapshot that includes `mutation`.
    async fn commit_as_snapshot(
        &self,
        writer: &mut Position,
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
                self.install(next_state);
                writer.snapshot = SnapshotMark::of(&sealed);
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

    /// Brings a read replica up to date with everything the parent stored before this call:
    /// applies the journal records appended since its position or, when the journal no longer
    /// continues it, reads the whole state again. On an error nothing changed and the state
    /// served so far stays in force. Catch-ups and commits are serialized.
    pub async fn catch_up(&self) -> Result<CatchUpReport, LoadError> {
        if let Some(etcd) = &self.etcd {
            return self.catch_up_from_etcd(etcd).await;
        }
        let mut position = self.position.lock().await;
        let (applied, reloaded) = match self.follow_journal(&mut position).await? {
            Some(applied) => (applied, false),
            None => {
                self.reload(&mut position).await?;
                (0, true)
            }
        };
        Ok(CatchUpReport {
            applied,
            reloaded,
            high_water: position.cursor.high_water(),
        })
    }

    /// Applies the records appended after `position`, if the stored journal still continues
    /// this enclave's; `Ok(None)` when it does not (the state must be read again).
    async fn follow_journal(&self, position: &mut Position) -> Result<Option<usize>, LoadError> {
        let journal = match self
            .link
            .read_from(
                PersistAction::ReadJournal,
                position.journal_len,
                MAX_JOURNAL_LEN,
            )
            .await
        {
            Ok((total, bytes)) if total >= position.journal_len => bytes,
            // Shorter than what was applied: a new journal (the parent refuses a read past the
            // end of a file; the in-memory test parent answers its length).
            Ok(_) | Err(LinkError::Refused(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        // Checked after reading the journal: if the snapshot is still the one this enclave's
        // state came from, no new snapshot (which empties the journal) was installed before that
        // read either, so those bytes continue this enclave's journal.
        if !self.snapshot_unchanged(&position.snapshot).await? {
            return Ok(None);
        }
        if journal.is_empty() {
            return Ok(Some(0));
        }
        // Bytes that do not carry on the chain belong to another journal: read everything again
        // (and let the start-up code judge them).
        let Ok(replay) = seal::replay_from(&self.key, &position.cursor, &journal) else {
            return Ok(None);
        };
        let applied = replay.records.len();
        if applied > 0 {
            let mut next = self.read(Keystore::clone);
            for record in &replay.records {
                let mutation = Mutation::from_record_bytes(record.expose());
                if mutation.and_then(|m| next.apply(&m)).is_err() {
                    return Ok(None);
                }
            }
            self.install(next);
        }
        // A torn final record (a parent crash mid-append) was never acknowledged: stop before it.
        let consumed = journal.len() - replay.dropped_tail.map_or(0, |t| t.len);
        position.journal_len = position.journal_len.saturating_add(consumed as u64);
        position.cursor = replay.cursor;
        position.records_since_snapshot = position
            .records_since_snapshot
            .saturating_add(applied as u64);
        Ok(Some(applied))
    }

    /// Whether the parent's snapshot is still the one `mark` identifies.
    async fn snapshot_unchanged(&self, mark: &SnapshotMark) -> Result<bool, LinkError> {
        match self
            .link
            .call(
                PersistAction::ReadSnapshot,
                mark.tail_offset(),
                0,
                Vec::new(),
            )
            .await
        {
            Ok(ack) => Ok(mark.matches(ack.total, &ack.payload)),
            // A read past the end: the file is shorter, so another snapshot.
            Err(LinkError::Refused(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Reads the whole stored state again and installs it, unless it is older than the state
    /// served so far (a parent rolling the files back).
    async fn reload(&self, position: &mut Position) -> Result<(), LoadError> {
        let stored = read_consistent(&self.link, &self.key).await?;
        seal::check_not_rolled_back(
            position.cursor.high_water(),
            stored.position.cursor.high_water(),
        )?;
        self.install(stored.keystore);
        *position = stored.position;
        Ok(())
    }

    fn install(&self, keystore: Keystore) {
        *self.keystore.write().unwrap_or_else(|e| e.into_inner()) = keystore;
    }

    fn apply(&self, mutation: &Mutation) -> Result<(), KeystoreError> {
        self.keystore
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .apply(mutation)
    }
}

/// [`read_stored`], tried again on a read replica (up to [`RELOAD_ATTEMPTS`] times, a little later
/// each time) when what it read does not hold together: the leader may have replaced the snapshot
/// between the reads of the snapshot and of the journal, or between two chunks. A leader reads
/// alone, so for it any failure is final; so is a link that is down, for anyone.
async fn read_consistent(link: &ParentLink, key: &SealingKey) -> Result<StoredState, LoadError> {
    let mut attempt = 1;
    loop {
        match read_stored(link, key).await {
            Ok(stored) => return Ok(stored),
            Err(
                e @ LoadError::Link(
                    LinkError::NotConnected | LinkError::Closed | LinkError::Timeout(_),
                ),
            ) => return Err(e),
            Err(e) if attempt >= RELOAD_ATTEMPTS || !link.is_replica() => return Err(e),
            Err(_) => {
                tokio::time::sleep(RELOAD_BACKOFF * attempt).await;
                attempt += 1;
            }
        }
    }
}

/// Reads the snapshot and then the journal from the parent and rebuilds the keystore from them,
/// with every authentication check; writes nothing.
async fn read_stored(link: &ParentLink, key: &SealingKey) -> Result<StoredState, LoadError> {
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
        sequence: 0,
    };
    // Where the journal after the snapshot ends up: the next record, and how much was applied.
    let (keystore, cursor, journal_len) = if snapshot.is_empty() {
        if !journal.is_empty() {
            return Err(LoadError::JournalWithoutSnapshot(journal.len()));
        }
        report.fresh = true;
        let header = SnapshotHeader {
            store_id: StoreId::random()?,
            generation: 0,
            last_seq: 0,
        };
        (Keystore::new(), JournalCursor::after_snapshot(&header), 0)
    } else {
        let (header, state) = seal::open_snapshot(key, &snapshot)?;
        let mut keystore = Keystore::from_snapshot_bytes(state.expose())?;
        report.generation = header.generation;
        let stale = seal::journal_generation(&journal).is_some_and(|g| g < header.generation);
        if stale {
            // Already folded into the snapshot; nobody appends to it (the leader writes a
            // snapshot first, which replaces it), so it counts as read.
            report.skipped_stale_journal = true;
            (
                keystore,
                JournalCursor::after_snapshot(&header),
                journal.len(),
            )
        } else {
            let replay = seal::replay(key, &header, &journal)?;
            for record in &replay.records {
                keystore.apply(&Mutation::from_record_bytes(record.expose())?)?;
            }
            report.replayed = replay.records.len();
            report.dropped_tail_bytes = replay.dropped_tail.map_or(0, |t| t.len);
            let applied = journal.len() - report.dropped_tail_bytes;
            (keystore, replay.cursor, applied)
        }
    };
    report.keys = keystore.keys().count();
    report.aliases = keystore.aliases().count();
    report.sequence = cursor.high_water().1;
    Ok(StoredState {
        keystore,
        position: Position {
            snapshot: SnapshotMark::of(&snapshot),
            cursor,
            journal_len: journal_len as u64,
            records_since_snapshot: report.replayed as u64,
            needs_snapshot: false,
            revision: 0,
        },
        report,
    })
}

mod etcd_backend;

#[cfg(test)]
mod tests;
