//! The fleet's keys in etcd, under a configured prefix P (bytes, e.g. `/nitro-kms/prod/`).
//!
//! - `P snapshot`: the sealed snapshot, byte for byte the file store's `snapshot` file;
//! - `P journal/{seq:020}`: one framed journal record (with its u32 length prefix), so the
//!   values in key order concatenate to a file journal (zero-padded: key order = number order);
//! - `P head`: ASCII `"{generation}/{last_seq}"` ([`Head`]), the snapshot generation in force and
//!   the last record's sequence number: every write compares it, so writes are serial;
//! - `P leader`: the leader's JSON, put with its lease (gone when the lease expires); its create
//!   revision is the leader's fencing token.

use std::fmt;

/// `P snapshot`.
pub fn snapshot(prefix: &[u8]) -> Vec<u8> {
    join(prefix, b"snapshot")
}

/// `P head`.
pub fn head(prefix: &[u8]) -> Vec<u8> {
    join(prefix, b"head")
}

/// `P leader`.
pub fn leader(prefix: &[u8]) -> Vec<u8> {
    join(prefix, b"leader")
}

/// `P journal/`: every record's key starts with it (range with [`crate::prefix_end`]).
pub fn journal_prefix(prefix: &[u8]) -> Vec<u8> {
    join(prefix, b"journal/")
}

/// `P journal/{seq:020}`: the key of record `seq`.
pub fn journal(prefix: &[u8], seq: u64) -> Vec<u8> {
    join(prefix, format!("journal/{seq:020}").as_bytes())
}

/// The sequence number of a journal record's key, if `key` is one under `prefix`.
pub fn journal_seq(prefix: &[u8], key: &[u8]) -> Option<u64> {
    let digits = key.strip_prefix(journal_prefix(prefix).as_slice())?;
    if digits.len() != 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + name.len());
    key.extend_from_slice(prefix);
    key.extend_from_slice(name);
    key
}

/// The value of `P head`: the snapshot generation in force and the last record's sequence number
/// (the snapshot's own last_seq when no record follows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Head {
    /// The snapshot generation.
    pub generation: u64,
    /// The last sequence number written.
    pub last_seq: u64,
}

/// Why a `head` value is not `"g/s"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("etcd head value is not \"generation/last_seq\"")]
pub struct HeadError;

impl Head {
    /// Parses `"{generation}/{last_seq}"` (decimal, no sign, no spaces, at most 20 digits each).
    pub fn parse(value: &[u8]) -> Result<Head, HeadError> {
        let number = |digits: &[u8]| -> Result<u64, HeadError> {
            if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(HeadError);
            }
            std::str::from_utf8(digits)
                .map_err(|_| HeadError)?
                .parse()
                .map_err(|_| HeadError)
        };
        let at = value.iter().position(|b| *b == b'/').ok_or(HeadError)?;
        Ok(Head {
            generation: number(&value[..at])?,
            last_seq: number(&value[at + 1..])?,
        })
    }

    /// `"{generation}/{last_seq}"`, the bytes stored.
    pub fn encode(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.generation, self.last_seq)
    }
}

#[cfg(test)]
mod tests;
