//! What the parent can read of the enclave's sealed files without the key: their clear headers.
//!
//! The snapshot and every journal record start with a header the enclave writes in clear (it is
//! the AES-GCM additional data, so the enclave authenticates it; the parent only reads it). The
//! layout is the enclave's (`enclave/src/storage/seal.rs`, format version 1) and is repeated
//! here because the enclave never links this crate:
//!
//! ```text
//! snapshot: "NKSS" | 0x01 | store id (16) | generation (u64 BE) | last seq (u64 BE) | ...
//! record:   length (u32 BE) | "NKSJ" | 0x01 | store id (16) | generation (u64 BE) | seq (u64 BE) | ...
//! ```
//!
//! The [`StateStore`](crate::StateStore) uses them for two things, both for the sake of an honest
//! parent and neither a security boundary (a hostile parent ignores them):
//!
//! - to refuse a journal append that does not continue the snapshot on disk (another process or
//!   an operator replaced the snapshot under the running enclave), so that the enclave never gets
//!   an ack for a record the next load would skip as stale;
//! - to show the stored state's generation and sequence number on `/metrics`.
//!
//! Bytes that do not carry a header of this version are not judged (they are stored as before).

/// Bytes of a snapshot's clear header that [`snapshot_header`] reads.
pub const SNAPSHOT_HEADER_PREFIX: usize = 4 + 1 + 16 + 8 + 8;
/// Bytes of a framed record (length prefix included) that [`record_header`] reads.
pub const RECORD_HEADER_PREFIX: usize = 4 + 4 + 1 + 16 + 8 + 8;

const SNAPSHOT_MAGIC: &[u8; 4] = b"NKSS";
const JOURNAL_MAGIC: &[u8; 4] = b"NKSJ";
const FORMAT_VERSION: u8 = 1;

/// A snapshot's clear header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotHeader {
    /// The keystore it belongs to.
    pub store_id: [u8; 16],
    /// Its generation (one up at every snapshot the enclave writes).
    pub generation: u64,
    /// The sequence number of the last journal record folded into it.
    pub last_seq: u64,
}

/// A journal record's clear header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// The keystore it belongs to.
    pub store_id: [u8; 16],
    /// The generation of the snapshot it follows.
    pub generation: u64,
    /// Its sequence number (the snapshot's last seq + 1 for the first record, then one up).
    pub seq: u64,
    /// Length of the whole framed record, its 4-byte length prefix included.
    pub framed_len: u64,
}

/// The header of the snapshot whose first bytes are `bytes`, if they are one of this version.
pub fn snapshot_header(bytes: &[u8]) -> Option<SnapshotHeader> {
    if bytes.get(..4)? != SNAPSHOT_MAGIC || *bytes.get(4)? != FORMAT_VERSION {
        return None;
    }
    Some(SnapshotHeader {
        store_id: bytes.get(5..21)?.try_into().ok()?,
        generation: u64_at(bytes, 21)?,
        last_seq: u64_at(bytes, 29)?,
    })
}

/// The header of the framed record that starts `bytes`, if it is one of this version.
pub fn record_header(bytes: &[u8]) -> Option<RecordHeader> {
    let body_len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
    if bytes.get(4..8)? != JOURNAL_MAGIC || *bytes.get(8)? != FORMAT_VERSION {
        return None;
    }
    Some(RecordHeader {
        store_id: bytes.get(9..25)?.try_into().ok()?,
        generation: u64_at(bytes, 25)?,
        seq: u64_at(bytes, 33)?,
        framed_len: 4 + u64::from(body_len),
    })
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(generation: u64, last_seq: u64) -> Vec<u8> {
        let mut out = b"NKSS\x01".to_vec();
        out.extend_from_slice(&[7; 16]);
        out.extend_from_slice(&generation.to_be_bytes());
        out.extend_from_slice(&last_seq.to_be_bytes());
        out.extend_from_slice(&[0; 28]);
        out
    }

    fn record(generation: u64, seq: u64) -> Vec<u8> {
        let mut body = b"NKSJ\x01".to_vec();
        body.extend_from_slice(&[7; 16]);
        body.extend_from_slice(&generation.to_be_bytes());
        body.extend_from_slice(&seq.to_be_bytes());
        body.extend_from_slice(&[0; 60]);
        let mut out = (body.len() as u32).to_be_bytes().to_vec();
        out.extend(body);
        out
    }

    #[test]
    fn the_clear_headers_of_version_one_are_read_and_other_bytes_are_not() {
        assert_eq!(
            snapshot_header(&snapshot(3, 41)),
            Some(SnapshotHeader {
                store_id: [7; 16],
                generation: 3,
                last_seq: 41
            })
        );
        let framed = record(3, 42);
        assert_eq!(
            record_header(&framed),
            Some(RecordHeader {
                store_id: [7; 16],
                generation: 3,
                seq: 42,
                framed_len: framed.len() as u64,
            })
        );
        let mut other_version = snapshot(3, 41);
        other_version[4] = 2;
        for bytes in [
            &b"abc"[..],
            &b""[..],
            &other_version,
            &snapshot(3, 41)[..30],
        ] {
            assert_eq!(snapshot_header(bytes), None);
            assert_eq!(record_header(bytes), None);
        }
    }
}
