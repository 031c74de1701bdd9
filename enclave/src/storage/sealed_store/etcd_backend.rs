//! The sealed state in etcd (`storage = "etcd"`): loading it, writing it as the elected leader,
//! and following it by watch as a follower. The etcd conversation itself (layout, fenced
//! transactions, the lease) is [`EtcdStore`]'s; this file is what the keystore does with it.
//!
//! - **Load**: the snapshot, head and journal read at one revision (linearizable: the newest
//!   state), opened with every check of the file store; a head that the records do not reach, or a
//!   record that does not authenticate, is refused (etcd stores each record whole, so nothing can
//!   be torn).
//! - **Write** (leader only, [`EtcdStore::fence`]): the record (or, every
//!   [`COMPACT_AFTER_RECORDS`], a snapshot) goes to etcd in one fenced transaction and is applied
//!   here only once etcd answered that it applied it. An answer lost on the way (a timeout) leaves
//!   the write undecided: nothing is applied here, and the watch settles it (the record shows up
//!   as the next one, or never). A write refused because `head` moved is such an earlier write
//!   that landed: the leader re-reads and tries once more. A write refused because the `leader`
//!   key is not this enclave's ends its leadership.
//! - **Follow** (every enclave, leader included): a watch of the store's prefix from the revision
//!   the state was read at. Records are applied in sequence (the leader's own are already applied
//!   and skipped); a new snapshot replaces the state (never an older one); the `leader` key's
//!   deletion starts a campaign, which comes after every record before it in the watch, so a new
//!   leader has applied everything its predecessor acknowledged. A broken or compacted watch is
//!   re-established after a full re-read.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use nitro_kms_etcd::layout::Head;
use nitro_kms_etcd::{EtcdError, EventKind, WatchBatch};
use tokio::sync::watch;

use super::{
    COMPACT_AFTER_RECORDS, CatchUpReport, CommitError, LoadError, LoadFailure, LoadReport,
    Position, SealedKeystore, SealedState, SnapshotMark, StoredState,
};
use crate::keystore::{Keystore, Mutation};
use crate::storage::etcd_store::{EtcdStore, KeyKind, Role, StoredBytes, WriteOutcome, leader_id};
use crate::storage::parent_link::ParentLink;
use crate::storage::seal::{self, JournalCursor, SealingKey, SnapshotHeader, StoreId};

/// Longest pause between attempts to reach etcd again.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

impl SealedKeystore {
    /// Loads the sealed state from etcd (see the [module](self) docs): the handle of the
    /// configured region. Start [`SealedKeystore::follow_etcd`] next.
    pub async fn load_from_etcd(
        link: Arc<ParentLink>,
        etcd: Arc<EtcdStore>,
        key: SealingKey,
    ) -> Result<(SealedKeystore, LoadReport), LoadFailure> {
        let stored = match read_from_etcd(&etcd, &key).await {
            Ok(stored) => stored,
            Err(error) => {
                let key = matches!(error, LoadError::Etcd(_)).then_some(key);
                return Err(LoadFailure { error, key });
            }
        };
        let state = SealedState {
            keystore: std::sync::RwLock::new(stored.keystore),
            position: tokio::sync::Mutex::new(stored.position),
            link,
            key,
            etcd: Some(etcd),
        };
        Ok((
            SealedKeystore {
                state: Arc::new(state),
                region: None,
            },
            stored.report,
        ))
    }

    /// Starts following the etcd store (and campaigning for its leadership) until `stop` flips;
    /// `None` with the file store.
    pub fn follow_etcd(&self, stop: watch::Receiver<bool>) -> Option<tokio::task::JoinHandle<()>> {
        let etcd = self.state.etcd.clone()?;
        Some(tokio::spawn(self.state.clone().follow(etcd, stop)))
    }

    /// The etcd store, with `storage = "etcd"` (its role and metrics).
    pub fn etcd(&self) -> Option<Arc<EtcdStore>> {
        self.state.etcd.clone()
    }
}

impl SealedState {
    /// [`SealedState::commit`] with the etcd store.
    pub(super) async fn commit_to_etcd(
        &self,
        etcd: &Arc<EtcdStore>,
        mutation: &Mutation,
    ) -> Result<(), CommitError> {
        let mut writer = self.position.lock().await;
        for attempt in 0..2 {
            let Some(fence) = etcd.fence() else {
                return Err(CommitError::ReadReplica);
            };
            self.read(|k| k.check(mutation))?;
            let (generation, last_seq) = writer.cursor.high_water();
            let expected = Head {
                generation,
                last_seq,
            };
            let mut outcome = None;
            if writer.needs_snapshot || writer.records_since_snapshot >= COMPACT_AFTER_RECORDS {
                let mut next_state = self.read(Keystore::clone);
                next_state.apply(mutation)?;
                let header = SnapshotHeader {
                    store_id: writer.cursor.store_id,
                    generation: generation.saturating_add(1),
                    last_seq: writer.cursor.next_seq,
                };
                let sealed = seal::seal_snapshot(
                    &self.key,
                    &header,
                    next_state.to_snapshot_bytes()?.expose(),
                )?;
                let next = Head {
                    generation: header.generation,
                    last_seq: header.last_seq,
                };
                match etcd
                    .install_snapshot(fence, Some(expected), next, sealed)
                    .await
                {
                    Ok(WriteOutcome::Written { .. }) => {
                        self.install(next_state);
                        writer.cursor = JournalCursor::after_snapshot(&header);
                        writer.records_since_snapshot = 0;
                        writer.needs_snapshot = false;
                        return Ok(());
                    }
                    Ok(other) => outcome = Some(other),
                    // etcd refused the snapshot itself (most likely over its request size,
                    // `--max-request-bytes`): the journal still works, so append this mutation
                    // and try the snapshot again after another COMPACT_AFTER_RECORDS records.
                    Err(e @ (EtcdError::Server { .. } | EtcdError::TooLarge { .. })) => {
                        tracing::warn!(
                            "nitro-kms-enclave: etcd refused the snapshot ({e}); appending \
                             instead, next attempt in {COMPACT_AFTER_RECORDS} records"
                        );
                        writer.records_since_snapshot = 0;
                        writer.needs_snapshot = false;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            let outcome = match outcome {
                Some(outcome) => outcome,
                None => {
                    let record = mutation.to_record_bytes()?;
                    let (framed, next) =
                        seal::seal_record(&self.key, &writer.cursor, record.expose())?;
                    match etcd.append(fence, expected, framed).await? {
                        WriteOutcome::Written { .. } => {
                            self.apply(mutation)?;
                            writer.cursor = next;
                            writer.records_since_snapshot += 1;
                            return Ok(());
                        }
                        other => other,
                    }
                }
            };
            match outcome {
                WriteOutcome::HeadMoved(head) if attempt == 0 => {
                    tracing::info!(
                        "nitro-kms-enclave: etcd head is {head:?}, not {generation}/{last_seq}: an \
                         earlier write landed after all; catching up before writing"
                    );
                    self.reread(etcd, &mut writer)
                        .await
                        .map_err(|e| CommitError::CatchUp(e.to_string()))?;
                }
                WriteOutcome::HeadMoved(_) => {
                    etcd.step_down("etcd's head keeps moving under this leader")
                        .await;
                    return Err(CommitError::ReadReplica);
                }
                WriteOutcome::NotLeader | WriteOutcome::Written { .. } => {
                    etcd.step_down("the leader key is no longer this enclave's")
                        .await;
                    return Err(CommitError::ReadReplica);
                }
            }
        }
        Err(CommitError::ReadReplica)
    }

    /// [`SealedState::catch_up`] with the etcd store: the watch keeps the state current, so this
    /// only reports where it stands.
    pub(super) async fn catch_up_from_etcd(
        &self,
        _etcd: &Arc<EtcdStore>,
    ) -> Result<CatchUpReport, LoadError> {
        let position = self.position.lock().await;
        Ok(CatchUpReport {
            applied: 0,
            reloaded: false,
            high_water: position.cursor.high_water(),
        })
    }

    /// Reads the whole state from etcd again and serves it, unless it is older than the state
    /// served so far. `Ok(true)` when etcd holds no state at all yet (a new store).
    async fn reread(&self, etcd: &EtcdStore, position: &mut Position) -> Result<bool, LoadError> {
        let stored = read_from_etcd(etcd, &self.key).await?;
        position.revision = position.revision.max(stored.position.revision);
        if stored.report.fresh {
            return Ok(true);
        }
        let (served, found) = (
            position.cursor.high_water(),
            stored.position.cursor.high_water(),
        );
        seal::check_not_rolled_back(served, found)?;
        if found != served {
            self.install(stored.keystore);
            position.cursor = stored.position.cursor;
            position.records_since_snapshot = stored.position.records_since_snapshot;
        }
        Ok(false)
    }

    /// Follows the store until `stop` flips (see the [module](self) docs).
    async fn follow(self: Arc<Self>, etcd: Arc<EtcdStore>, mut stop: watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(100);
        let ttl = etcd.lease_ttl();
        'watching: loop {
            if *stop.borrow() {
                break;
            }
            if etcd.leader_hint().is_none() {
                self.campaign(&etcd, &stop).await;
            }
            let from = self.position.lock().await.revision.saturating_add(1);
            let mut stream = match etcd.watch(from).await {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!("nitro-kms-enclave: cannot watch the etcd store: {e}");
                    etcd.metrics.set_watch(false, now_ms());
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => break,
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            etcd.metrics.set_watch(true, now_ms());
            loop {
                let batch = tokio::select! {
                    batch = stream.next() => batch,
                    _ = tokio::time::sleep(ttl) => {
                        // Quiet: nobody may lead (a leader that died before this watch began).
                        if etcd.leader_hint().is_none() {
                            self.campaign(&etcd, &stop).await;
                        }
                        continue;
                    }
                    _ = stop.changed() => break 'watching,
                };
                let batch = match batch {
                    Ok(batch) => batch,
                    Err(e) => {
                        tracing::warn!(
                            "nitro-kms-enclave: the etcd watch ended: {e}; watching again"
                        );
                        etcd.metrics.set_watch(false, now_ms());
                        if matches!(e, nitro_kms_etcd::EtcdError::Compacted { .. }) {
                            self.reread_or_log(&etcd).await;
                        }
                        continue 'watching;
                    }
                };
                backoff = Duration::from_millis(100);
                if batch.compact_revision.is_some() || batch.canceled {
                    tracing::warn!(
                        "nitro-kms-enclave: the etcd watch was compacted or cancelled; reading the whole state again"
                    );
                    self.reread_or_log(&etcd).await;
                    continue 'watching;
                }
                match self.apply_batch(&etcd, batch).await {
                    Ok(leader_gone) => {
                        if leader_gone {
                            self.campaign(&etcd, &stop).await;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(
                            "nitro-kms-enclave: an etcd change did not follow the state served ({e}); reading the whole state again"
                        );
                        self.reread_or_log(&etcd).await;
                        continue 'watching;
                    }
                }
            }
        }
        if matches!(etcd.role(), Role::Leader { .. }) {
            etcd.resign().await;
        }
    }

    async fn reread_or_log(&self, etcd: &EtcdStore) {
        let mut position = self.position.lock().await;
        if let Err(e) = self.reread(etcd, &mut position).await {
            tracing::error!("nitro-kms-enclave: cannot read the etcd store again: {e}");
        }
    }

    /// Campaigns for the leadership; on a win, catches up to the head (writing the first snapshot
    /// of a new store) before writes are accepted. A failure to catch up gives the office back.
    async fn campaign(&self, etcd: &Arc<EtcdStore>, stop: &watch::Receiver<bool>) {
        match etcd.campaign(stop.clone()).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!("nitro-kms-enclave: etcd campaign failed: {e}");
                return;
            }
        }
        if let Err(e) = self.take_office(etcd).await {
            tracing::error!("nitro-kms-enclave: elected, but cannot catch up with etcd: {e}");
            etcd.step_down("could not catch up after the election")
                .await;
            tokio::time::sleep(etcd.lease_ttl() / 4).await;
        }
    }

    async fn take_office(&self, etcd: &Arc<EtcdStore>) -> Result<(), CommitError> {
        let mut position = self.position.lock().await;
        let fresh = self
            .reread(etcd, &mut position)
            .await
            .map_err(|e| CommitError::CatchUp(e.to_string()))?;
        if fresh {
            // A new store: its first snapshot fixes the store id every record will carry.
            let Some(fence) = etcd.fence_unready() else {
                return Err(CommitError::ReadReplica);
            };
            let header = SnapshotHeader {
                store_id: position.cursor.store_id,
                generation: 1,
                last_seq: 0,
            };
            let state = self.read(Keystore::clone);
            let sealed =
                seal::seal_snapshot(&self.key, &header, state.to_snapshot_bytes()?.expose())?;
            let next = Head {
                generation: 1,
                last_seq: 0,
            };
            match etcd.install_snapshot(fence, None, next, sealed).await? {
                WriteOutcome::Written { revision } => {
                    position.cursor = JournalCursor::after_snapshot(&header);
                    position.records_since_snapshot = 0;
                    position.revision = position.revision.max(revision);
                }
                _ => return Err(CommitError::ReadReplica),
            }
        }
        etcd.ready();
        let (generation, sequence) = position.cursor.high_water();
        tracing::info!(
            id = %etcd.id(),
            generation,
            sequence,
            "nitro-kms-enclave: leading the etcd store from generation {generation}, sequence {sequence}"
        );
        Ok(())
    }

    /// Applies one watch batch; `Ok(true)` when the `leader` key was deleted (time to campaign).
    async fn apply_batch(&self, etcd: &EtcdStore, batch: WatchBatch) -> Result<bool, LoadError> {
        let mut position = self.position.lock().await;
        let mut cursor = position.cursor;
        let mut records = position.records_since_snapshot;
        let mut next: Option<Keystore> = None;
        let mut leader_gone = false;
        let mut head_seen = None;
        for event in batch.events {
            match (etcd.classify(&event.kv.key), event.kind) {
                (KeyKind::Journal(seq), EventKind::Put) => {
                    if seq < cursor.next_seq {
                        continue;
                    }
                    if seq > cursor.next_seq {
                        return Err(LoadError::EtcdInconsistent(format!(
                            "record {seq} arrived before record {}",
                            cursor.next_seq
                        )));
                    }
                    let replay = seal::replay_from(&self.key, &cursor, &event.kv.value)?;
                    if replay.dropped_tail.is_some() || replay.records.len() != 1 {
                        return Err(LoadError::EtcdInconsistent(format!(
                            "record {seq} does not authenticate"
                        )));
                    }
                    let keystore = next.get_or_insert_with(|| self.read(Keystore::clone));
                    for record in &replay.records {
                        keystore.apply(&Mutation::from_record_bytes(record.expose())?)?;
                    }
                    cursor = replay.cursor;
                    records = records.saturating_add(1);
                }
                (KeyKind::Snapshot, EventKind::Put) => {
                    let (header, state) = seal::open_snapshot(&self.key, &event.kv.value)?;
                    if header.generation <= cursor.generation {
                        continue;
                    }
                    if cursor.generation > 0 {
                        seal::check_not_rolled_back(
                            cursor.high_water(),
                            (header.generation, header.last_seq),
                        )?;
                    }
                    next = Some(Keystore::from_snapshot_bytes(state.expose())?);
                    cursor = JournalCursor::after_snapshot(&header);
                    records = 0;
                }
                (KeyKind::Head, EventKind::Put) => head_seen = Head::parse(&event.kv.value).ok(),
                (KeyKind::Leader, EventKind::Delete) => leader_gone = true,
                (KeyKind::Leader, EventKind::Put) => {
                    if let Some(id) = leader_id(&event.kv.value)
                        && id != etcd.id()
                    {
                        if matches!(etcd.role(), Role::Leader { .. }) {
                            etcd.step_down("another enclave holds the leader key").await;
                        }
                        etcd.set_follower(Some(id));
                    }
                }
                _ => {}
            }
        }
        if let Some(keystore) = next {
            self.install(keystore);
        }
        position.cursor = cursor;
        position.records_since_snapshot = records;
        position.revision = position.revision.max(batch.revision);
        let (_, applied) = cursor.high_water();
        if let Some(head) = head_seen {
            etcd.metrics
                .lag_records
                .store(head.last_seq.saturating_sub(applied), Ordering::Relaxed);
        }
        if leader_gone {
            if matches!(etcd.role(), Role::Leader { .. }) {
                etcd.step_down("etcd deleted the leader key (the lease expired)")
                    .await;
            } else {
                etcd.set_follower(None);
            }
        }
        Ok(leader_gone)
    }
}

/// The wall clock in ms since the epoch (for the watch-outage gauge).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Reads and opens the stored state (every check of the file store's load; see the module docs).
async fn read_from_etcd(etcd: &EtcdStore, key: &SealingKey) -> Result<StoredState, LoadError> {
    let stored = etcd.read().await?;
    if let Some(leader) = &stored.leader {
        etcd.set_follower(Some(leader.clone()));
    }
    open_stored(key, &stored)
}

/// Rebuilds the keystore from what etcd holds, refusing anything that does not hold together.
fn open_stored(key: &SealingKey, stored: &StoredBytes) -> Result<StoredState, LoadError> {
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
    let (keystore, cursor) = match &stored.snapshot {
        None => {
            if !stored.journal.is_empty() || stored.head.is_some() {
                return Err(LoadError::EtcdInconsistent(
                    "journal records or a head but no snapshot".into(),
                ));
            }
            report.fresh = true;
            let header = SnapshotHeader {
                store_id: StoreId::random()?,
                generation: 0,
                last_seq: 0,
            };
            (Keystore::new(), JournalCursor::after_snapshot(&header))
        }
        Some(bytes) => {
            let (header, state) = seal::open_snapshot(key, bytes)?;
            let mut keystore = Keystore::from_snapshot_bytes(state.expose())?;
            let mut journal = Vec::new();
            for (_, record) in &stored.journal {
                journal.extend_from_slice(record);
            }
            let replay = seal::replay(key, &header, &journal)?;
            if replay.dropped_tail.is_some() {
                return Err(LoadError::EtcdInconsistent(
                    "a journal record does not authenticate".into(),
                ));
            }
            for record in &replay.records {
                keystore.apply(&Mutation::from_record_bytes(record.expose())?)?;
            }
            report.replayed = replay.records.len();
            report.generation = header.generation;
            (keystore, replay.cursor)
        }
    };
    let (generation, sequence) = cursor.high_water();
    let expected = Head {
        generation,
        last_seq: sequence,
    };
    match stored.head {
        Some(head) if head == expected => {}
        None if report.fresh => {}
        head => {
            return Err(LoadError::EtcdInconsistent(format!(
                "the head says {head:?} but the records end at {generation}/{sequence}"
            )));
        }
    }
    report.keys = keystore.keys().count();
    report.aliases = keystore.aliases().count();
    report.sequence = sequence;
    Ok(StoredState {
        keystore,
        position: Position {
            snapshot: SnapshotMark::default(),
            cursor,
            journal_len: 0,
            records_since_snapshot: report.replayed as u64,
            needs_snapshot: false,
            revision: stored.revision,
        },
        report,
    })
}

#[cfg(test)]
mod tests;
