//! The sealed state kept in etcd v3 (`storage = "etcd"`): a fleet of enclaves on several parents,
//! one writer elected by lease, the others following by watch.
//!
//! This module speaks etcd in sealed bytes only; what the bytes mean (the snapshot and journal
//! formats of [`super::seal`], the keystore) is `super::sealed_store`'s business, which drives it.
//!
//! # Why etcd, and what the parent can still do
//!
//! The file store lives at the parent, which can hand an enclave an older (authentic) state at
//! restart: a rollback. Here the state lives in etcd, reached through the parent's egress relay
//! with TLS that ends in the enclave (roots: only the etcd cluster's CA, from the measured
//! configuration; client certificate: a key derived from the sealing key, `super::etcd_tls`). The
//! parent relays ciphertext it can neither read nor forge nor replay; what it can still do is
//! drop or delay it, which makes the service unavailable, never older.
//!
//! # Layout (`nitro_kms_etcd::layout`, under the configured prefix)
//!
//! `snapshot` (the sealed snapshot), `journal/{seq:020}` (one framed sealed record each),
//! `head` (`"{generation}/{last seq}"`, where the journal stands) and `leader` (the leader's id,
//! put with its lease). The record bytes are exactly the file store's, so a file journal is the
//! concatenation of the journal values in key order (what the migration command relies on).
//!
//! # Writes: one transaction each, fenced
//!
//! Every write compares `head` with the value this enclave last saw **and** the `leader` key's
//! create revision with the one this enclave's campaign made. Both must hold for etcd to apply
//! it, atomically: two enclaves that both believe they lead can never both write, and a leader
//! whose lease expired (etcd deleted its `leader` key) can write nothing more — the fence is part
//! of every write, not a check made before it. An append puts the next record and moves `head`;
//! a snapshot deletes the journal, puts the snapshot and moves `head` to the next generation.
//!
//! # Election
//!
//! A campaign grants a lease (`etcd_lease_ttl_secs`) and puts `leader` with it only if no
//! `leader` exists. The winner renews the lease every third of its TTL and keeps a local deadline
//! measured from when each renewal was **sent** (etcd measures from when it received it, later),
//! so it stops acknowledging writes before etcd can expire the lease and let another win.
//! Followers learn of a leader's end from their watch (the `leader` key deleted), after every
//! record before it, so the next leader starts caught up.
//!
//! - [`EtcdStore`]: the client, the prefix, the election state and the metrics;
//! - [`Role`]: leader or follower, as [`EtcdStore::role`] reports it.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nitro_kms_etcd::layout::{self, Head};
use nitro_kms_etcd::{
    Compare, EtcdClient, EtcdError, Op, OpResponse, RangeRequest, Txn, WatchStream, prefix_end,
};
use tokio::sync::watch;

pub use super::etcd_metrics::EtcdMetrics;

/// Largest number of journal records read back in one range (the leader snapshots every 1024).
const MAX_JOURNAL_RECORDS: i64 = 1 << 16;

/// What this enclave is in the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Another enclave writes (or none yet); `leader` is its id when known.
    Follower {
        /// The leader's id, from the `leader` key.
        leader: Option<String>,
    },
    /// This enclave won a campaign; `ready` once it has caught up to the head and may write.
    Leader {
        /// Whether writes are accepted (after the first catch-up of the term).
        ready: bool,
    },
}

/// The sealed state as etcd holds it at one revision: the bytes, unopened.
#[derive(Debug, Default)]
pub struct StoredBytes {
    /// The sealed snapshot, if any.
    pub snapshot: Option<Vec<u8>>,
    /// The journal records after it, `(seq, framed record)` in order.
    pub journal: Vec<(u64, Vec<u8>)>,
    /// Where `head` says the journal stands.
    pub head: Option<Head>,
    /// The leader's id, if a leader holds the key.
    pub leader: Option<String>,
    /// The etcd revision all of this was read at.
    pub revision: i64,
}

/// What a fenced write came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Applied by etcd at this revision.
    Written {
        /// The revision of the transaction.
        revision: i64,
    },
    /// The `leader` key is no longer this enclave's: it must step down; nothing was written.
    NotLeader,
    /// `head` is not where this enclave expected (an earlier write whose answer was lost did land):
    /// catch up and try again; nothing was written.
    HeadMoved(Option<Head>),
}

/// Which of the store's keys an etcd key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `snapshot`.
    Snapshot,
    /// `head`.
    Head,
    /// `journal/{seq}`.
    Journal(u64),
    /// `leader`.
    Leader,
    /// Anything else under the prefix (ignored).
    Other,
}

/// The election as this enclave holds it.
#[derive(Debug, Default)]
struct Election {
    /// The lease of the current term.
    lease: Option<i64>,
    /// The `leader` key's create revision, the fence of every write.
    revision: Option<i64>,
    /// When the lease may have expired, as far as this enclave can tell.
    deadline: Option<Instant>,
    /// Term counter, so a keepalive task of an old term stops.
    term: u64,
}

/// The etcd side of the sealed state (see the [module](self) docs).
pub struct EtcdStore {
    client: EtcdClient,
    prefix: Vec<u8>,
    lease_ttl: Duration,
    id: String,
    election: Mutex<Election>,
    role: watch::Sender<Role>,
    /// For `/metrics`.
    pub metrics: EtcdMetrics,
}

impl std::fmt::Debug for EtcdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdStore")
            .field("id", &self.id)
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .field("role", &*self.role.borrow())
            .finish_non_exhaustive()
    }
}

impl EtcdStore {
    /// A store on `client` under `prefix`; `id` names this enclave in the `leader` key and logs.
    pub fn new(client: EtcdClient, prefix: Vec<u8>, lease_ttl: Duration, id: String) -> EtcdStore {
        let (role, _) = watch::channel(Role::Follower { leader: None });
        EtcdStore {
            client,
            prefix,
            lease_ttl,
            id,
            election: Mutex::new(Election::default()),
            role,
            metrics: EtcdMetrics::default(),
        }
    }

    /// This enclave's id in the fleet.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The lease TTL this enclave campaigns with.
    pub fn lease_ttl(&self) -> Duration {
        self.lease_ttl
    }

    /// The role now.
    pub fn role(&self) -> Role {
        self.role.borrow().clone()
    }

    /// Changes of the role, for tasks that wait on them.
    pub fn subscribe(&self) -> watch::Receiver<Role> {
        self.role.subscribe()
    }

    /// Whether this enclave may write now: it leads, has caught up, and its lease cannot have
    /// expired yet. The fence (the `leader` key's create revision) when it may.
    pub fn fence(&self) -> Option<i64> {
        if !matches!(*self.role.borrow(), Role::Leader { ready: true }) {
            return None;
        }
        let election = self.lock();
        match (election.revision, election.deadline) {
            (Some(revision), Some(deadline)) if Instant::now() < deadline => Some(revision),
            _ => None,
        }
    }

    /// The fence while this enclave leads but has not caught up yet: for the one write of a new
    /// leader that comes before all others (the first snapshot of a new store).
    pub fn fence_unready(&self) -> Option<i64> {
        if !matches!(*self.role.borrow(), Role::Leader { .. }) {
            return None;
        }
        let election = self.lock();
        match (election.revision, election.deadline) {
            (Some(revision), Some(deadline)) if Instant::now() < deadline => Some(revision),
            _ => None,
        }
    }

    /// The leader's id as this enclave knows it (itself when leading).
    pub fn leader_hint(&self) -> Option<String> {
        match &*self.role.borrow() {
            Role::Leader { .. } => Some(self.id.clone()),
            Role::Follower { leader } => leader.clone(),
        }
    }

    /// Classifies an etcd key of this store.
    pub fn classify(&self, key: &[u8]) -> KeyKind {
        if key == layout::snapshot(&self.prefix).as_slice() {
            KeyKind::Snapshot
        } else if key == layout::head(&self.prefix).as_slice() {
            KeyKind::Head
        } else if key == layout::leader(&self.prefix).as_slice() {
            KeyKind::Leader
        } else if let Some(seq) = layout::journal_seq(&self.prefix, key) {
            KeyKind::Journal(seq)
        } else {
            KeyKind::Other
        }
    }

    /// Reads the whole stored state at one revision: the snapshot first (its revision fixes the
    /// rest), then head, leader and journal at that revision. Linearizable: the newest state.
    pub async fn read(&self) -> Result<StoredBytes, EtcdError> {
        let first = self
            .timed(self.client.range(RangeRequest {
                key: layout::snapshot(&self.prefix),
                range_end: None,
                revision: None,
                limit: None,
            }))
            .await?;
        let revision = first.revision;
        let at = |key: Vec<u8>, range_end: Option<Vec<u8>>, limit: Option<i64>| RangeRequest {
            key,
            range_end,
            revision: Some(revision),
            limit,
        };
        let head = self
            .timed(
                self.client
                    .range(at(layout::head(&self.prefix), None, None)),
            )
            .await?;
        let leader = self
            .timed(
                self.client
                    .range(at(layout::leader(&self.prefix), None, None)),
            )
            .await?;
        let journal_prefix = layout::journal_prefix(&self.prefix);
        let end = prefix_end(&journal_prefix);
        let journal = self
            .timed(
                self.client
                    .range(at(journal_prefix, Some(end), Some(MAX_JOURNAL_RECORDS))),
            )
            .await?;
        if journal.more {
            return Err(EtcdError::TooLarge {
                limit: MAX_JOURNAL_RECORDS as usize,
            });
        }
        Ok(StoredBytes {
            snapshot: first.kvs.into_iter().next().map(|kv| kv.value),
            journal: self.journal_records(journal.kvs),
            head: match head.kvs.first() {
                Some(kv) => Some(
                    Head::parse(&kv.value)
                        .map_err(|e| EtcdError::Decode(format!("the store's head: {e}")))?,
                ),
                None => None,
            },
            leader: leader.kvs.first().and_then(|kv| leader_id(&kv.value)),
            revision,
        })
    }

    /// The journal records from `seq` on, as etcd holds them now, and the revision read at.
    pub async fn read_journal_from(
        &self,
        seq: u64,
    ) -> Result<(Vec<(u64, Vec<u8>)>, i64), EtcdError> {
        let journal_prefix = layout::journal_prefix(&self.prefix);
        let range = self
            .timed(self.client.range(RangeRequest {
                key: layout::journal(&self.prefix, seq),
                range_end: Some(prefix_end(&journal_prefix)),
                revision: None,
                limit: Some(MAX_JOURNAL_RECORDS),
            }))
            .await?;
        if range.more {
            return Err(EtcdError::TooLarge {
                limit: MAX_JOURNAL_RECORDS as usize,
            });
        }
        Ok((self.journal_records(range.kvs), range.revision))
    }

    fn journal_records(&self, kvs: Vec<nitro_kms_etcd::KeyValue>) -> Vec<(u64, Vec<u8>)> {
        kvs.into_iter()
            .filter_map(|kv| layout::journal_seq(&self.prefix, &kv.key).map(|s| (s, kv.value)))
            .collect()
    }

    /// Appends `record` (sequence `expected.last_seq + 1`) if `head` is `expected` and this
    /// enclave still holds the `leader` key created at `fence`.
    pub async fn append(
        &self,
        fence: i64,
        expected: Head,
        record: Vec<u8>,
    ) -> Result<WriteOutcome, EtcdError> {
        let seq = expected.last_seq.saturating_add(1);
        let next = Head {
            generation: expected.generation,
            last_seq: seq,
        };
        let success = vec![
            Op::Put {
                key: layout::journal(&self.prefix, seq),
                value: record,
                lease: None,
            },
            Op::Put {
                key: layout::head(&self.prefix),
                value: next.encode(),
                lease: None,
            },
        ];
        self.fenced_write(fence, Some(expected), success).await
    }

    /// Installs `snapshot` as generation `next.generation` (its last record `next.last_seq`) and
    /// empties the journal, if `head` is `expected` (`None`: no state at all yet) and this
    /// enclave still holds the `leader` key created at `fence`.
    pub async fn install_snapshot(
        &self,
        fence: i64,
        expected: Option<Head>,
        next: Head,
        snapshot: Vec<u8>,
    ) -> Result<WriteOutcome, EtcdError> {
        let journal_prefix = layout::journal_prefix(&self.prefix);
        let success = vec![
            Op::DeleteRange {
                key: journal_prefix.clone(),
                range_end: Some(prefix_end(&journal_prefix)),
            },
            Op::Put {
                key: layout::snapshot(&self.prefix),
                value: snapshot,
                lease: None,
            },
            Op::Put {
                key: layout::head(&self.prefix),
                value: next.encode(),
                lease: None,
            },
        ];
        self.fenced_write(fence, expected, success).await
    }

    async fn fenced_write(
        &self,
        fence: i64,
        expected: Option<Head>,
        success: Vec<Op>,
    ) -> Result<WriteOutcome, EtcdError> {
        let head_key = layout::head(&self.prefix);
        let leader_key = layout::leader(&self.prefix);
        let head_compare = match expected {
            Some(head) => Compare::Value {
                key: head_key.clone(),
                value: head.encode(),
            },
            None => Compare::CreateRevision {
                key: head_key.clone(),
                revision: 0,
            },
        };
        let txn = Txn {
            compare: vec![
                head_compare,
                Compare::CreateRevision {
                    key: leader_key.clone(),
                    revision: fence,
                },
            ],
            success,
            failure: vec![
                Op::Range(RangeRequest {
                    key: head_key,
                    range_end: None,
                    revision: None,
                    limit: None,
                }),
                Op::Range(RangeRequest {
                    key: leader_key,
                    range_end: None,
                    revision: None,
                    limit: None,
                }),
            ],
        };
        let answer = self.timed(self.client.txn(txn)).await?;
        if answer.succeeded {
            self.metrics.writes.fetch_add(1, Ordering::Relaxed);
            return Ok(WriteOutcome::Written {
                revision: answer.revision,
            });
        }
        let mut ranges = answer.responses.into_iter().filter_map(|r| match r {
            OpResponse::Range(range) => Some(range),
            _ => None,
        });
        let head = ranges
            .next()
            .and_then(|r| r.kvs.into_iter().next())
            .and_then(|kv| Head::parse(&kv.value).ok());
        let leader_revision = ranges
            .next()
            .and_then(|r| r.kvs.into_iter().next())
            .map(|kv| kv.create_revision);
        if leader_revision != Some(fence) {
            return Ok(WriteOutcome::NotLeader);
        }
        Ok(WriteOutcome::HeadMoved(head))
    }

    /// Campaigns once: grants a lease and creates the `leader` key with it if there is none.
    /// `Ok(true)`: this enclave leads (not yet ready: the caller catches up, then calls
    /// [`EtcdStore::ready`]); `Ok(false)`: another leads (the role says who).
    pub async fn campaign(
        self: &Arc<Self>,
        stop: watch::Receiver<bool>,
    ) -> Result<bool, EtcdError> {
        if matches!(*self.role.borrow(), Role::Leader { .. }) {
            return Ok(true);
        }
        let ttl_secs = i64::try_from(self.lease_ttl.as_secs()).unwrap_or(5).max(1);
        let sent = Instant::now();
        let lease = self.timed(self.client.lease_grant(ttl_secs)).await?;
        let leader_key = layout::leader(&self.prefix);
        let value = leader_value(&self.id);
        let txn = Txn {
            compare: vec![Compare::CreateRevision {
                key: leader_key.clone(),
                revision: 0,
            }],
            success: vec![Op::Put {
                key: leader_key.clone(),
                value,
                lease: Some(lease.id),
            }],
            failure: vec![Op::Range(RangeRequest {
                key: leader_key,
                range_end: None,
                revision: None,
                limit: None,
            })],
        };
        let answer = match self.timed(self.client.txn(txn)).await {
            Ok(answer) => answer,
            Err(e) => {
                let _ = self.client.lease_revoke(lease.id).await;
                return Err(e);
            }
        };
        if !answer.succeeded {
            let _ = self.client.lease_revoke(lease.id).await;
            let leader = answer.responses.into_iter().find_map(|r| match r {
                OpResponse::Range(range) => range
                    .kvs
                    .into_iter()
                    .next()
                    .and_then(|kv| leader_id(&kv.value)),
                _ => None,
            });
            self.set_follower(leader);
            return Ok(false);
        }
        let term = {
            let mut election = self.lock();
            election.term = election.term.wrapping_add(1);
            election.lease = Some(lease.id);
            election.revision = Some(answer.revision);
            election.deadline = Some(sent + Duration::from_secs(lease.ttl_secs.max(0) as u64));
            election.term
        };
        self.metrics.elections_won.fetch_add(1, Ordering::Relaxed);
        self.metrics
            .lease_left_ms
            .store(lease.ttl_secs.saturating_mul(1000), Ordering::Relaxed);
        self.role.send_replace(Role::Leader { ready: false });
        tracing::info!(
            id = %self.id,
            lease = lease.id,
            revision = answer.revision,
            "nitro-kms-enclave: elected leader of the etcd store (lease {:x}, {} s)",
            lease.id,
            lease.ttl_secs
        );
        tokio::spawn(self.clone().keep_alive(term, lease.id, stop));
        Ok(true)
    }

    /// Marks the leader caught up: writes are accepted from now on.
    pub fn ready(&self) {
        if matches!(*self.role.borrow(), Role::Leader { .. }) {
            self.role.send_replace(Role::Leader { ready: true });
            self.metrics.leader.store(1, Ordering::Relaxed);
        }
    }

    /// Gives up leadership at once (lease lost, fence failed, partition): no write is accepted
    /// from here on; the lease is revoked if etcd can still be reached, so others need not wait
    /// for it to expire.
    pub async fn step_down(&self, why: &str) {
        let lease = {
            let mut election = self.lock();
            election.term = election.term.wrapping_add(1);
            election.revision = None;
            election.deadline = None;
            election.lease.take()
        };
        let was_leader = matches!(*self.role.borrow(), Role::Leader { .. });
        self.set_follower(None);
        if was_leader {
            tracing::warn!(id = %self.id, "nitro-kms-enclave: no longer the etcd store's leader: {why}");
        }
        if let Some(lease) = lease {
            let _ = tokio::time::timeout(self.lease_ttl / 3, self.client.lease_revoke(lease)).await;
        }
    }

    /// Notes who leads, for a follower. Naming this enclave changes nothing: its own `leader` key
    /// (its role is the election's business, not a read's).
    pub fn set_follower(&self, leader: Option<String>) {
        if leader.as_deref() == Some(self.id.as_str()) {
            return;
        }
        self.metrics.leader.store(0, Ordering::Relaxed);
        self.metrics.lease_left_ms.store(0, Ordering::Relaxed);
        let leader = leader.filter(|l| *l != self.id);
        self.role.send_if_modified(|role| {
            let next = Role::Follower { leader };
            if *role == next {
                false
            } else {
                *role = next;
                true
            }
        });
    }

    /// Renews the lease of term `term` every third of its TTL until the term ends; steps down when
    /// etcd says the lease is gone or when the local deadline passes without a renewal.
    async fn keep_alive(self: Arc<Self>, term: u64, lease: i64, mut stop: watch::Receiver<bool>) {
        let period = (self.lease_ttl / 3).max(Duration::from_millis(200));
        loop {
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = stop.changed() => return,
            }
            if self.lock().term != term {
                return;
            }
            let sent = Instant::now();
            let renewed =
                tokio::time::timeout(period, self.timed(self.client.lease_keep_alive(lease))).await;
            let deadline = {
                let mut election = self.lock();
                if election.term != term {
                    return;
                }
                if let Ok(Ok(Some(ttl))) = renewed {
                    let left = Duration::from_secs(ttl.max(0) as u64);
                    election.deadline = Some(sent + left);
                    self.metrics
                        .lease_left_ms
                        .store(ttl.saturating_mul(1000), Ordering::Relaxed);
                }
                election.deadline
            };
            match renewed {
                Ok(Ok(Some(_))) => {}
                Ok(Ok(None)) => {
                    self.step_down("etcd says the lease expired").await;
                    return;
                }
                Ok(Err(_)) | Err(_) => {
                    if deadline.is_none_or(|d| Instant::now() + period >= d) {
                        self.step_down("the lease could not be renewed before it may expire")
                            .await;
                        return;
                    }
                }
            }
        }
    }

    /// A watch of every key of this store from `revision` on.
    pub async fn watch(&self, revision: i64) -> Result<WatchStream, EtcdError> {
        let end = prefix_end(&self.prefix);
        self.timed(self.client.watch(self.prefix.clone(), Some(end), revision))
            .await
    }

    /// Revokes the lease of a leader that is shutting down, so another takes over at once.
    pub async fn resign(&self) {
        self.step_down("shutting down").await;
    }

    /// Runs `request`, recording its round trip and failures in the metrics.
    async fn timed<T>(
        &self,
        request: impl std::future::Future<Output = Result<T, EtcdError>>,
    ) -> Result<T, EtcdError> {
        let started = Instant::now();
        let result = request.await;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.metrics.round_trip_us.store(micros, Ordering::Relaxed);
        if result.is_err() {
            self.metrics.errors.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Election> {
        self.election.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The `leader` key's value for `id`.
fn leader_value(id: &str) -> Vec<u8> {
    let since_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    serde_json::json!({ "id": id, "since_ms": since_ms })
        .to_string()
        .into_bytes()
}

/// The leader's id from the `leader` key's value (`None` for anything else).
pub fn leader_id(value: &[u8]) -> Option<String> {
    if value.len() > 1024 {
        return None;
    }
    let parsed: serde_json::Value = serde_json::from_slice(value).ok()?;
    parsed.get("id")?.as_str().map(str::to_owned)
}
