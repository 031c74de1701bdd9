//! The sealed-state format: the keystore as the untrusted parent stores it.
//!
//! The enclave has no disk. The parent keeps two files for it — a **snapshot** of the whole
//! keystore and an append-only **journal** of the mutations since — and both are opaque to it:
//! AES-256-GCM under a [`SealingKey`] that never leaves the enclave. This module is only the byte
//! format (bytes in, bytes out); what a record means is the keystore's business.
//!
//! # Snapshot
//!
//! ```text
//! "NKSS" | version 0x01 | store id (16) | generation (u64 BE) | last seq (u64 BE) | nonce (12)
//!        | AES-256-GCM(state) | tag (16)          AAD = the 49 header bytes
//! ```
//!
//! # Journal: a sequence of framed records
//!
//! ```text
//! length (u32 BE, of what follows)
//! "NKSJ" | version 0x01 | store id (16) | generation (u64 BE) | seq (u64 BE) | chain (32) | nonce (12)
//!        | AES-256-GCM(record) | tag (16)          AAD = the 81 header bytes
//! ```
//!
//! `seq` counts from the snapshot's `last seq + 1` without gaps; `generation` is the snapshot's
//! (the parent starts an empty journal when it stores a new snapshot); `chain` is SHA-256 of the
//! previous framed record (for the first record, of `"NKSJ chain" | store id | generation |
//! last seq`). The store id binds records to one keystore, the chain fixes their order: a record
//! removed, swapped, duplicated or spliced in from another store is detected.
//!
//! # Torn tail versus corruption
//!
//! A crash while appending can only damage the **last** record: its length prefix or body may be
//! cut short, or its body may not authenticate. [`replay`] drops such a final record and reports
//! where to truncate ([`TailDrop`]); the records before it are intact. A record that fails
//! anywhere else, or one that authenticates but has the wrong sequence number, chain, store or
//! generation, was not written by a crash: replay refuses the whole state. (A parent that
//! corrupts a length prefix so that it points past the end makes the rest look torn; that is the
//! same power it has to cut the file at a record boundary — see the rollback limit below.)
//!
//! # Rollback: what can and cannot be detected
//!
//! The enclave reads the state only when it starts. While it runs it knows the newest
//! `(generation, seq)` it wrote, and every append names the journal length it expects (and is
//! checked, once acknowledged, against the snapshot the enclave wrote: see `sealed_store`), so an
//! honest parent cannot make it build on an older journal or another snapshot silently; [`check_not_rolled_back`] is the
//! check for any later re-read of the state: a read replica that reloads the whole state (several
//! enclaves sharing one store, see `sealed_store` and `docs/horizontal-scale.md`) refuses one older
//! than what it already served. After a restart it knows nothing: a parent can hand back an older,
//! complete and authentic snapshot and journal (or cut the journal at a record boundary), and that
//! is indistinguishable from the real thing. Closing that gap needs a monotonic counter outside the
//! parent's control — on AWS, e.g. a counter kept by KMS or a DynamoDB conditional write made
//! through the attested channel — which is future work.

use nitro_kms_crypto as crypto;
use nitro_kms_crypto::secret::SecretBytes;

const SNAPSHOT_MAGIC: &[u8; 4] = b"NKSS";
const JOURNAL_MAGIC: &[u8; 4] = b"NKSJ";
const FORMAT_VERSION: u8 = 1;
/// Length of a snapshot header (the AAD of its ciphertext).
pub const SNAPSHOT_HEADER_LEN: usize = 4 + 1 + 16 + 8 + 8 + crypto::GCM_NONCE_LEN;
/// Length of a journal record header (the AAD of its ciphertext).
pub const RECORD_HEADER_LEN: usize = 4 + 1 + 16 + 8 + 8 + 32 + crypto::GCM_NONCE_LEN;
/// Largest sealed keystore state.
pub const MAX_STATE_LEN: usize = 64 << 20;
/// Largest journal record (one mutation).
pub const MAX_RECORD_LEN: usize = 1 << 20;

/// The key that seals the keystore. 32 bytes, held only in the enclave.
pub struct SealingKey(SecretBytes);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey([REDACTED])")
    }
}

impl SealingKey {
    /// Wraps 32 secret bytes.
    pub fn new(key: SecretBytes) -> Result<Self, SealError> {
        if key.len() != crypto::AES256_KEY_LEN {
            return Err(SealError::BadKey);
        }
        Ok(Self(key))
    }

    /// A 32-byte key for another purpose, derived from this one with HKDF-SHA256 and `label`
    /// (one label per purpose, e.g. `nitro-kms replica forward v1`): whoever holds the sealing
    /// key — only enclaves of this image — can derive it; nobody else can, and knowing the
    /// derived key says nothing about the sealing key.
    pub fn derive(&self, label: &[u8]) -> Result<SecretBytes, SealError> {
        crypto::hkdf_sha256(self.0.expose(), b"", label, crypto::AES256_KEY_LEN)
            .map_err(|_| SealError::BadKey)
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self, SealError> {
        Self::new(crypto::random_secret(crypto::AES256_KEY_LEN).map_err(|_| SealError::BadKey)?)
    }
}

/// Identifies one keystore, chosen at random when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreId(pub [u8; 16]);

impl StoreId {
    /// A fresh random id.
    pub fn random() -> Result<Self, SealError> {
        crypto::random_array()
            .map(Self)
            .map_err(|_| SealError::BadKey)
    }
}

/// Why sealed state was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The sealing key is not 32 bytes, or no randomness was available.
    #[error("invalid sealing key")]
    BadKey,
    /// The state or record is over its size limit.
    #[error("sealed data of {len} bytes is over the {max}-byte limit")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The snapshot is malformed or does not authenticate under this key.
    #[error("snapshot does not authenticate")]
    BadSnapshot,
    /// A journal record before the last one is malformed or does not authenticate.
    #[error("journal record at offset {offset} is corrupt (not at the tail)")]
    CorruptRecord {
        /// Byte offset of the record's length prefix.
        offset: usize,
    },
    /// An authentic record is out of place: wrong store, generation, sequence number or chain.
    #[error("journal record at offset {offset} is out of order or from another store: {what}")]
    MisplacedRecord {
        /// Byte offset of the record's length prefix.
        offset: usize,
        /// Which field did not match.
        what: &'static str,
    },
    /// The state is older than what this enclave already wrote.
    #[error(
        "sealed state ({found_generation}, {found_seq}) is older than ({seen_generation}, {seen_seq})"
    )]
    RolledBack {
        /// Generation the enclave last saw.
        seen_generation: u64,
        /// Sequence number the enclave last saw.
        seen_seq: u64,
        /// Generation found.
        found_generation: u64,
        /// Sequence number found.
        found_seq: u64,
    },
    /// Encryption failed.
    #[error("cannot seal: {0}")]
    Crypto(#[from] crypto::CryptoError),
}

/// What a snapshot says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotHeader {
    /// The keystore it belongs to.
    pub store_id: StoreId,
    /// Incremented at every compaction.
    pub generation: u64,
    /// Sequence number of the last journal record folded into it (0 for none).
    pub last_seq: u64,
}

/// Seals the whole keystore state.
pub fn seal_snapshot(
    key: &SealingKey,
    header: &SnapshotHeader,
    state: &[u8],
) -> Result<Vec<u8>, SealError> {
    if state.len() > MAX_STATE_LEN {
        return Err(SealError::TooLarge {
            len: state.len(),
            max: MAX_STATE_LEN,
        });
    }
    let nonce: [u8; crypto::GCM_NONCE_LEN] = crypto::random_array()?;
    let mut out = Vec::with_capacity(SNAPSHOT_HEADER_LEN + state.len() + crypto::GCM_TAG_LEN);
    out.extend_from_slice(SNAPSHOT_MAGIC);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&header.store_id.0);
    out.extend_from_slice(&header.generation.to_be_bytes());
    out.extend_from_slice(&header.last_seq.to_be_bytes());
    out.extend_from_slice(&nonce);
    let sealed = crypto::aes256_gcm_seal(key.0.expose(), &nonce, &out, state)?;
    out.extend(sealed);
    Ok(out)
}

/// Opens a snapshot: its header and the state, or [`SealError::BadSnapshot`].
pub fn open_snapshot(
    key: &SealingKey,
    bytes: &[u8],
) -> Result<(SnapshotHeader, SecretBytes), SealError> {
    if bytes.len() > MAX_STATE_LEN + SNAPSHOT_HEADER_LEN + crypto::GCM_TAG_LEN {
        return Err(SealError::TooLarge {
            len: bytes.len(),
            max: MAX_STATE_LEN,
        });
    }
    let (header, sealed) = bytes
        .split_at_checked(SNAPSHOT_HEADER_LEN)
        .ok_or(SealError::BadSnapshot)?;
    let mut r = Fields(header);
    if r.take::<4>() != Some(*SNAPSHOT_MAGIC) || r.take::<1>() != Some([FORMAT_VERSION]) {
        return Err(SealError::BadSnapshot);
    }
    let store_id = StoreId(r.take().ok_or(SealError::BadSnapshot)?);
    let generation = r.u64().ok_or(SealError::BadSnapshot)?;
    let last_seq = r.u64().ok_or(SealError::BadSnapshot)?;
    let nonce = r.take().ok_or(SealError::BadSnapshot)?;
    let state = crypto::aes256_gcm_open(key.0.expose(), &nonce, header, sealed)
        .map_err(|_| SealError::BadSnapshot)?;
    Ok((
        SnapshotHeader {
            store_id,
            generation,
            last_seq,
        },
        state,
    ))
}

/// Where the next journal record goes: what it must carry to be accepted on replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalCursor {
    /// The keystore.
    pub store_id: StoreId,
    /// The snapshot generation the journal follows.
    pub generation: u64,
    /// The next record's sequence number.
    pub next_seq: u64,
    /// SHA-256 of the previous framed record (or the chain start).
    pub chain: [u8; 32],
}

impl JournalCursor {
    /// The cursor of an empty journal following `snapshot`.
    pub fn after_snapshot(snapshot: &SnapshotHeader) -> Self {
        let mut start = b"NKSJ chain".to_vec();
        start.extend_from_slice(&snapshot.store_id.0);
        start.extend_from_slice(&snapshot.generation.to_be_bytes());
        start.extend_from_slice(&snapshot.last_seq.to_be_bytes());
        Self {
            store_id: snapshot.store_id,
            generation: snapshot.generation,
            next_seq: snapshot.last_seq.saturating_add(1),
            chain: crypto::sha256(&start),
        }
    }

    /// `(generation, last written seq)`: the high-water mark for [`check_not_rolled_back`].
    pub fn high_water(&self) -> (u64, u64) {
        (self.generation, self.next_seq.saturating_sub(1))
    }
}

/// The generation written in the header of a journal's first record, unauthenticated.
///
/// Used only to recognise a journal left over from before the last snapshot (the parent crashed
/// between installing the snapshot and emptying the journal): such records are already folded into
/// the snapshot and are skipped. A parent that forges this field can only make the enclave ignore
/// the journal, which it could do anyway by deleting it (see the rollback limit above).
pub fn journal_generation(journal: &[u8]) -> Option<u64> {
    let field = journal.get(4 + 4 + 1 + 16..4 + 4 + 1 + 16 + 8)?;
    if journal.get(4..8) != Some(JOURNAL_MAGIC.as_slice()) {
        return None;
    }
    Some(u64::from_be_bytes(field.try_into().ok()?))
}

/// Seals one record at `cursor`: returns the framed bytes to append and the next cursor.
pub fn seal_record(
    key: &SealingKey,
    cursor: &JournalCursor,
    record: &[u8],
) -> Result<(Vec<u8>, JournalCursor), SealError> {
    if record.len() > MAX_RECORD_LEN {
        return Err(SealError::TooLarge {
            len: record.len(),
            max: MAX_RECORD_LEN,
        });
    }
    let nonce: [u8; crypto::GCM_NONCE_LEN] = crypto::random_array()?;
    let mut header = Vec::with_capacity(RECORD_HEADER_LEN);
    header.extend_from_slice(JOURNAL_MAGIC);
    header.push(FORMAT_VERSION);
    header.extend_from_slice(&cursor.store_id.0);
    header.extend_from_slice(&cursor.generation.to_be_bytes());
    header.extend_from_slice(&cursor.next_seq.to_be_bytes());
    header.extend_from_slice(&cursor.chain);
    header.extend_from_slice(&nonce);
    let sealed = crypto::aes256_gcm_seal(key.0.expose(), &nonce, &header, record)?;
    let body_len = header.len() + sealed.len();
    let mut framed = Vec::with_capacity(4 + body_len);
    // body_len <= RECORD_HEADER_LEN + 1 MiB + 16, far below u32::MAX.
    framed.extend_from_slice(&u32::try_from(body_len).unwrap_or(u32::MAX).to_be_bytes());
    framed.extend(header);
    framed.extend(sealed);
    let next = JournalCursor {
        next_seq: cursor.next_seq.saturating_add(1),
        chain: crypto::sha256(&framed),
        ..*cursor
    };
    Ok((framed, next))
}

/// A final record lost to a torn write: the caller truncates the journal at `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TailDrop {
    /// Where the damaged record starts (truncate the journal to this length).
    pub offset: usize,
    /// How many bytes were dropped.
    pub len: usize,
}

/// The result of replaying a journal.
#[derive(Debug)]
pub struct Replay {
    /// The records, in order, to apply on top of the snapshot.
    pub records: Vec<SecretBytes>,
    /// Where the next record goes.
    pub cursor: JournalCursor,
    /// A damaged final record that was dropped, if any (log it, truncate, continue).
    pub dropped_tail: Option<TailDrop>,
}

/// Replays `journal` after `snapshot`. See the module docs for the torn-tail rule.
pub fn replay(
    key: &SealingKey,
    snapshot: &SnapshotHeader,
    journal: &[u8],
) -> Result<Replay, SealError> {
    replay_from(key, &JournalCursor::after_snapshot(snapshot), journal)
}

/// Replays journal bytes that continue from `cursor`, with every check of [`replay`].
///
/// A read replica catching up reads only the part of the journal after the records it already
/// applied; its first new record must carry on exactly where the last one left off (sequence
/// number, generation, store and chain), so bytes that belong to another journal (the leader
/// installed a new snapshot meanwhile) are refused rather than applied. Offsets in errors and in
/// [`TailDrop`] are relative to `journal`.
pub fn replay_from(
    key: &SealingKey,
    cursor: &JournalCursor,
    journal: &[u8],
) -> Result<Replay, SealError> {
    let mut cursor = *cursor;
    let mut records = Vec::new();
    let mut offset = 0usize;
    while offset < journal.len() {
        let rest = journal.get(offset..).unwrap_or_default();
        let torn = || TailDrop {
            offset,
            len: rest.len(),
        };
        let Some(len_bytes) = rest.get(..4) else {
            return Ok(Replay {
                records,
                cursor,
                dropped_tail: Some(torn()),
            });
        };
        let body_len =
            u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]) as usize;
        let Some(framed) = rest.get(..4 + body_len) else {
            // Cut short: only a crash while writing the last record does this.
            return Ok(Replay {
                records,
                cursor,
                dropped_tail: Some(torn()),
            });
        };
        let is_last = framed.len() == rest.len();
        let opened = if body_len > RECORD_HEADER_LEN + MAX_RECORD_LEN + crypto::GCM_TAG_LEN {
            None
        } else {
            open_record(key, framed.get(4..).unwrap_or_default())
        };
        let Some((fields, record)) = opened else {
            if is_last {
                return Ok(Replay {
                    records,
                    cursor,
                    dropped_tail: Some(torn()),
                });
            }
            return Err(SealError::CorruptRecord { offset });
        };
        let misplaced = |what| SealError::MisplacedRecord { offset, what };
        if fields.store_id != cursor.store_id {
            return Err(misplaced("store id"));
        }
        if fields.generation != cursor.generation {
            return Err(misplaced("generation"));
        }
        if fields.seq != cursor.next_seq {
            return Err(misplaced("sequence number"));
        }
        if !crypto::constant_time_eq(&fields.chain, &cursor.chain) {
            return Err(misplaced("chain"));
        }
        records.push(record);
        cursor = JournalCursor {
            next_seq: cursor.next_seq.saturating_add(1),
            chain: crypto::sha256(framed),
            ..cursor
        };
        offset += framed.len();
    }
    Ok(Replay {
        records,
        cursor,
        dropped_tail: None,
    })
}

struct RecordFields {
    store_id: StoreId,
    generation: u64,
    seq: u64,
    chain: [u8; 32],
}

/// Authenticates and decrypts one record body (after the length prefix); `None` if it does not.
fn open_record(key: &SealingKey, body: &[u8]) -> Option<(RecordFields, SecretBytes)> {
    let (header, sealed) = body.split_at_checked(RECORD_HEADER_LEN)?;
    let mut r = Fields(header);
    if r.take::<4>()? != *JOURNAL_MAGIC || r.take::<1>()? != [FORMAT_VERSION] {
        return None;
    }
    let fields = RecordFields {
        store_id: StoreId(r.take()?),
        generation: r.u64()?,
        seq: r.u64()?,
        chain: r.take()?,
    };
    let nonce = r.take()?;
    let record = crypto::aes256_gcm_open(key.0.expose(), &nonce, header, sealed).ok()?;
    Some((fields, record))
}

/// Refuses state older than the high-water mark `seen` this enclave already wrote.
pub fn check_not_rolled_back(seen: (u64, u64), found: (u64, u64)) -> Result<(), SealError> {
    if found < seen {
        return Err(SealError::RolledBack {
            seen_generation: seen.0,
            seen_seq: seen.1,
            found_generation: found.0,
            found_seq: found.1,
        });
    }
    Ok(())
}

/// A cursor over fixed-size header fields.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_at_checked(N)?;
        self.0 = rest;
        head.try_into().ok()
    }

    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_be_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SealingKey {
        SealingKey::new(SecretBytes::copy_from(&[5; 32])).unwrap()
    }

    fn snap(store: u8) -> SnapshotHeader {
        SnapshotHeader {
            store_id: StoreId([store; 16]),
            generation: 3,
            last_seq: 10,
        }
    }

    /// A journal of `n` records after `snap(1)`, and the byte offsets where each record starts.
    fn journal(n: usize) -> (Vec<u8>, Vec<usize>) {
        let mut cursor = JournalCursor::after_snapshot(&snap(1));
        let mut out = Vec::new();
        let mut starts = Vec::new();
        for i in 0..n {
            starts.push(out.len());
            let (framed, next) =
                seal_record(&key(), &cursor, format!("record {i}").as_bytes()).unwrap();
            out.extend(framed);
            cursor = next;
        }
        (out, starts)
    }

    fn texts(replay: &Replay) -> Vec<String> {
        replay
            .records
            .iter()
            .map(|r| String::from_utf8_lossy(r.expose()).into_owned())
            .collect()
    }

    #[test]
    fn journal_generation_reads_the_first_records_generation() {
        let (bytes, _) = journal(2);
        assert_eq!(journal_generation(&bytes), Some(3));
        assert_eq!(journal_generation(&bytes[..20]), None);
        assert_eq!(journal_generation(b""), None);
        let mut bad = bytes.clone();
        bad[4] = b'X';
        assert_eq!(journal_generation(&bad), None);
    }

    #[test]
    fn snapshot_round_trips_and_its_header_is_pinned() {
        let sealed = seal_snapshot(&key(), &snap(1), b"state").unwrap();
        assert_eq!(&sealed[..4], b"NKSS");
        assert_eq!(sealed[4], 1);
        assert_eq!(&sealed[5..21], &[1; 16]);
        assert_eq!(&sealed[21..29], &3u64.to_be_bytes());
        assert_eq!(&sealed[29..37], &10u64.to_be_bytes());
        assert_eq!(sealed.len(), SNAPSHOT_HEADER_LEN + 5 + 16);
        let (header, state) = open_snapshot(&key(), &sealed).unwrap();
        assert_eq!(header, snap(1));
        assert_eq!(state.expose(), b"state");
    }

    #[test]
    fn tampered_truncated_or_foreign_snapshots_are_refused() {
        let sealed = seal_snapshot(&key(), &snap(1), b"state").unwrap();
        let other = SealingKey::new(SecretBytes::copy_from(&[6; 32])).unwrap();
        assert_eq!(
            open_snapshot(&other, &sealed).unwrap_err(),
            SealError::BadSnapshot
        );
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x10;
            assert_eq!(
                open_snapshot(&key(), &bad).unwrap_err(),
                SealError::BadSnapshot,
                "byte {i}"
            );
        }
        for len in 0..sealed.len() {
            assert!(open_snapshot(&key(), &sealed[..len]).is_err(), "len {len}");
        }
    }

    #[test]
    fn journal_replays_every_record_in_order() {
        let (j, _) = journal(5);
        let r = replay(&key(), &snap(1), &j).unwrap();
        assert_eq!(
            texts(&r),
            ["record 0", "record 1", "record 2", "record 3", "record 4"]
        );
        assert_eq!(r.dropped_tail, None);
        assert_eq!(r.cursor.next_seq, 16);
        assert_eq!(r.cursor.high_water(), (3, 15));
    }

    #[test]
    fn torn_last_record_is_dropped_at_every_cut() {
        let (j, starts) = journal(3);
        let last = starts[2];
        for cut in last + 1..j.len() {
            let r = replay(&key(), &snap(1), &j[..cut]).unwrap();
            assert_eq!(texts(&r), ["record 0", "record 1"], "cut {cut}");
            assert_eq!(
                r.dropped_tail,
                Some(TailDrop {
                    offset: last,
                    len: cut - last
                })
            );
        }
    }

    #[test]
    fn flipped_bit_in_the_last_record_is_a_dropped_tail_but_in_the_middle_is_corruption() {
        let (j, starts) = journal(3);
        let mut bad_last = j.clone();
        *bad_last.last_mut().unwrap() ^= 1;
        let r = replay(&key(), &snap(1), &bad_last).unwrap();
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.dropped_tail.map(|t| t.offset), Some(starts[2]));

        let mut bad_middle = j.clone();
        bad_middle[starts[1] + 40] ^= 1;
        assert_eq!(
            replay(&key(), &snap(1), &bad_middle).unwrap_err(),
            SealError::CorruptRecord { offset: starts[1] }
        );
    }

    #[test]
    fn removed_swapped_duplicated_and_spliced_records_are_refused() {
        let (j, s) = journal(3);
        let rec = |i: usize| j[s[i]..*s.get(i + 1).unwrap_or(&j.len())].to_vec();
        let removed = [rec(0), rec(2)].concat();
        assert!(matches!(
            replay(&key(), &snap(1), &removed),
            Err(SealError::MisplacedRecord {
                what: "sequence number",
                ..
            })
        ));
        let swapped = [rec(1), rec(0), rec(2)].concat();
        assert!(matches!(
            replay(&key(), &snap(1), &swapped),
            Err(SealError::MisplacedRecord { .. })
        ));
        let duplicated = [rec(0), rec(0), rec(1)].concat();
        assert!(matches!(
            replay(&key(), &snap(1), &duplicated),
            Err(SealError::MisplacedRecord { .. })
        ));
        // A record of another store, sealed under the same key, spliced into this journal.
        let (foreign, _) =
            seal_record(&key(), &JournalCursor::after_snapshot(&snap(2)), b"x").unwrap();
        let spliced = [rec(0), foreign, rec(1)].concat();
        assert!(matches!(
            replay(&key(), &snap(1), &spliced),
            Err(SealError::MisplacedRecord {
                what: "store id",
                ..
            })
        ));
        // The journal of another generation does not follow this snapshot.
        let newer = SnapshotHeader {
            generation: 4,
            ..snap(1)
        };
        assert!(matches!(
            replay(&key(), &newer, &j),
            Err(SealError::MisplacedRecord {
                what: "generation",
                ..
            })
        ));
    }

    #[test]
    fn appending_after_a_dropped_tail_gives_a_journal_that_replays_fully() {
        let (j, starts) = journal(3);
        let torn = &j[..j.len() - 5];
        let r = replay(&key(), &snap(1), torn).unwrap();
        let tail = r.dropped_tail.unwrap();
        assert_eq!(tail.offset, starts[2]);
        let mut repaired = torn[..tail.offset].to_vec();
        let (framed, _) = seal_record(&key(), &r.cursor, b"after repair").unwrap();
        repaired.extend(framed);
        let again = replay(&key(), &snap(1), &repaired).unwrap();
        assert_eq!(texts(&again), ["record 0", "record 1", "after repair"]);
        assert_eq!(again.dropped_tail, None);
    }

    #[test]
    fn rollback_check_refuses_only_older_state() {
        assert!(check_not_rolled_back((3, 15), (3, 14)).is_err());
        assert!(check_not_rolled_back((3, 15), (2, 99)).is_err());
        assert!(check_not_rolled_back((3, 15), (3, 15)).is_ok());
        assert!(check_not_rolled_back((3, 15), (4, 0)).is_ok());
    }

    #[test]
    fn sealing_key_must_be_32_bytes_and_debug_is_redacted() {
        assert_eq!(
            SealingKey::new(SecretBytes::copy_from(&[0; 31])).unwrap_err(),
            SealError::BadKey
        );
        assert_eq!(format!("{:?}", key()), "SealingKey([REDACTED])");
    }

    proptest! {
        #[test]
        fn replay_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = replay(&key(), &snap(1), &bytes);
            let _ = open_snapshot(&key(), &bytes);
        }

        #[test]
        fn any_truncation_yields_a_clean_prefix_of_the_records(cut in 0usize..2000) {
            let (j, _) = journal(6);
            let cut = cut % (j.len() + 1);
            let r = replay(&key(), &snap(1), &j[..cut]).unwrap();
            let all: Vec<String> = (0..6).map(|i| format!("record {i}")).collect();
            prop_assert_eq!(texts(&r), all[..r.records.len()].to_vec());
        }
    }
}
