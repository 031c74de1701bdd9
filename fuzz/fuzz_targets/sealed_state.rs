//! The sealed state the parent hands back at start (`SealedKeystore::load` without the link):
//! `seal::open_snapshot`, `Keystore::from_snapshot_bytes`, `seal::journal_generation`,
//! `seal::replay`, `Mutation::from_record_bytes` and `Keystore::apply`, then the compaction's
//! `to_snapshot_bytes`.
//!
//! Raw bytes from a parent stop at AES-GCM, so the input's first byte also picks modes that seal
//! the fuzzed plaintext with the fixed key first, to reach the decoders behind the
//! authentication and the journal's torn-tail and ordering rules (see `SealedMode`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nitro_kms_enclave::keystore::{Keystore, Mutation};
use nitro_kms_enclave::storage::seal::{self, JournalCursor, SealingKey, SnapshotHeader};
use nitro_kms_fuzz::{SNAPSHOT_HEADER, SealedMode, sealing_key, split_raw_state, split_records};

/// Replays `journal` after `header` onto `keystore`, as the load does.
fn replay_onto(key: &SealingKey, header: &SnapshotHeader, journal: &[u8], keystore: &mut Keystore) {
    if seal::journal_generation(journal).is_some_and(|g| g < header.generation) {
        return;
    }
    let Ok(replay) = seal::replay(key, header, journal) else {
        return;
    };
    for record in &replay.records {
        let Ok(mutation) = Mutation::from_record_bytes(record.expose()) else {
            return;
        };
        let _ = keystore.check(&mutation);
        if keystore.apply(&mutation).is_err() {
            return;
        }
    }
}

/// Seals `records` as the journal after [`SNAPSHOT_HEADER`].
fn seal_journal(key: &SealingKey, records: &[&[u8]]) -> Vec<u8> {
    let mut cursor = JournalCursor::after_snapshot(&SNAPSHOT_HEADER);
    let mut journal = Vec::new();
    for record in records {
        let Ok((framed, next)) = seal::seal_record(key, &cursor, record) else {
            break;
        };
        journal.extend(framed);
        cursor = next;
    }
    journal
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let Some(key) = sealing_key() else {
        return;
    };
    let mut keystore = Keystore::new();
    match SealedMode::from_selector(*selector) {
        SealedMode::Raw => {
            let (snapshot, journal) = split_raw_state(rest);
            let header = match seal::open_snapshot(&key, snapshot) {
                Ok((header, state)) => match Keystore::from_snapshot_bytes(state.expose()) {
                    Ok(loaded) => {
                        keystore = loaded;
                        header
                    }
                    Err(_) => return,
                },
                Err(_) => SNAPSHOT_HEADER,
            };
            replay_onto(&key, &header, journal, &mut keystore);
        }
        SealedMode::PlainSnapshot => {
            let Ok(sealed) = seal::seal_snapshot(&key, &SNAPSHOT_HEADER, rest) else {
                return;
            };
            let Ok((_, state)) = seal::open_snapshot(&key, &sealed) else {
                return;
            };
            let Ok(loaded) = Keystore::from_snapshot_bytes(state.expose()) else {
                return;
            };
            keystore = loaded;
        }
        SealedMode::PlainRecords => {
            let journal = seal_journal(&key, &split_records(rest));
            replay_onto(&key, &SNAPSHOT_HEADER, &journal, &mut keystore);
        }
        SealedMode::TornRecords => {
            let mut journal = seal_journal(&key, &split_records(rest));
            let cut = rest
                .iter()
                .fold(0usize, |acc, b| acc.wrapping_add(usize::from(*b)));
            journal.truncate(cut % (journal.len() + 1));
            replay_onto(&key, &SNAPSHOT_HEADER, &journal, &mut keystore);
        }
    }
    let _ = keystore.to_snapshot_bytes();
    let _ = keystore.keys().count();
});
