//! Tests of the state store: reads, appends, snapshot installs, the seal root, and the checks
//! that keep an append on the snapshot it follows.

use super::*;

fn persist(action: PersistAction, offset: u64, total: u64, payload: &[u8]) -> Persist {
    Persist {
        id: 1,
        action,
        offset,
        total,
        payload: payload.to_vec(),
    }
}

#[test]
fn reads_of_a_fresh_directory_are_empty() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    for action in [PersistAction::ReadSnapshot, PersistAction::ReadJournal] {
        let ack = store.handle(&persist(action, 0, 0, b""), 1024);
        assert_eq!(ack.status, Status::OK);
        assert_eq!((ack.total, ack.payload.len()), (0, 0));
    }
}

#[test]
fn appends_at_the_expected_length_and_refuses_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    let ack = store.handle(&persist(PersistAction::AppendJournal, 0, 0, b"abc"), 1024);
    assert_eq!((ack.status, ack.total), (Status::OK, 3));
    let ack = store.handle(&persist(PersistAction::AppendJournal, 3, 0, b"de"), 1024);
    assert_eq!((ack.status, ack.total), (Status::OK, 5));
    // The enclave thinks the journal is shorter than it is: refused, file unchanged.
    let ack = store.handle(&persist(PersistAction::AppendJournal, 3, 0, b"zz"), 1024);
    assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    assert_eq!(
        String::from_utf8(ack.payload).unwrap(),
        "journal is 5 bytes, the enclave expected 3"
    );
    assert_eq!(fs::read(store.journal_path()).unwrap(), b"abcde");
}

#[test]
fn reads_are_chunked_with_the_file_length() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    store.handle(
        &persist(PersistAction::AppendJournal, 0, 0, b"0123456789"),
        4,
    );
    let ack = store.handle(&persist(PersistAction::ReadJournal, 4, 0, b""), 4);
    assert_eq!((ack.total, ack.payload.as_slice()), (10, &b"4567"[..]));
    let ack = store.handle(&persist(PersistAction::ReadJournal, 10, 0, b""), 4);
    assert_eq!((ack.total, ack.payload.len()), (10, 0));
    let ack = store.handle(&persist(PersistAction::ReadJournal, 11, 0, b""), 4);
    assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
}

#[test]
fn a_complete_snapshot_replaces_the_old_one_and_empties_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    store.handle(&persist(PersistAction::AppendJournal, 0, 0, b"old"), 1024);
    let ack = store.handle(&persist(PersistAction::WriteSnapshot, 0, 6, b"new"), 1024);
    assert_eq!((ack.status, ack.total), (Status::OK, 3));
    // Not installed until the last chunk.
    assert!(!store.snapshot_path().exists());
    assert_eq!(fs::read(store.journal_path()).unwrap(), b"old");
    let ack = store.handle(&persist(PersistAction::WriteSnapshot, 3, 6, b"snp"), 1024);
    assert_eq!((ack.status, ack.total), (Status::OK, 6));
    assert_eq!(fs::read(store.snapshot_path()).unwrap(), b"newsnp");
    assert_eq!(fs::read(store.journal_path()).unwrap(), b"");
    assert!(!dir.path().join(PARTIAL_FILE).exists());
}

#[test]
fn the_seal_root_is_created_once_and_the_first_blob_wins() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    let ack = store.handle(&persist(PersistAction::ReadSealRoot, 0, 0, b""), 1024);
    assert_eq!(
        (ack.status, ack.total, ack.payload.len()),
        (Status::OK, 0, 0)
    );
    let ack = store.handle(
        &persist(PersistAction::CreateSealRoot, 0, 0, b"first"),
        1024,
    );
    assert_eq!(
        (ack.status, ack.payload.as_slice()),
        (Status::OK, &b"first"[..])
    );
    // A second enclave (or a retry) gets the stored blob back, not its own.
    let ack = store.handle(
        &persist(PersistAction::CreateSealRoot, 0, 0, b"second"),
        1024,
    );
    assert_eq!(
        (ack.status, ack.payload.as_slice()),
        (Status::OK, &b"first"[..])
    );
    let ack = store.handle(&persist(PersistAction::ReadSealRoot, 0, 0, b""), 1024);
    assert_eq!((ack.total, ack.payload.as_slice()), (5, &b"first"[..]));
    assert_eq!(fs::read(store.seal_root_path()).unwrap(), b"first");
    // No temporary file is left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_empty_or_oversized_seal_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    for blob in [Vec::new(), vec![1u8; MAX_SEAL_ROOT_LEN as usize + 1]] {
        let ack = store.handle(&persist(PersistAction::CreateSealRoot, 0, 0, &blob), 1024);
        assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    }
    assert!(!store.seal_root_path().exists());
    fs::write(store.seal_root_path(), vec![0u8; 7000]).unwrap();
    let ack = store.handle(&persist(PersistAction::ReadSealRoot, 0, 0, b""), 1024);
    assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
}

#[test]
fn an_out_of_sequence_snapshot_chunk_is_refused_and_nothing_is_installed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    store.handle(&persist(PersistAction::WriteSnapshot, 0, 6, b"new"), 1024);
    let ack = store.handle(&persist(PersistAction::WriteSnapshot, 4, 6, b"np"), 1024);
    assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    let ack = store.handle(&persist(PersistAction::WriteSnapshot, 3, 6, b"snp"), 1024);
    assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    assert!(!store.snapshot_path().exists());
}

/// A snapshot with a version-1 clear header (the sealed part is filler: the store never opens it).
fn sealed_snapshot(store: u8, generation: u64, last_seq: u64) -> Vec<u8> {
    let mut out = b"NKSS\x01".to_vec();
    out.extend_from_slice(&[store; 16]);
    out.extend_from_slice(&generation.to_be_bytes());
    out.extend_from_slice(&last_seq.to_be_bytes());
    out.extend_from_slice(&[0; 40]);
    out
}

/// A framed journal record with a version-1 clear header.
fn sealed_record(store: u8, generation: u64, seq: u64) -> Vec<u8> {
    let mut body = b"NKSJ\x01".to_vec();
    body.extend_from_slice(&[store; 16]);
    body.extend_from_slice(&generation.to_be_bytes());
    body.extend_from_slice(&seq.to_be_bytes());
    body.extend_from_slice(&[0; 70]);
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

fn install(store: &mut StateStore, snapshot: &[u8]) {
    let ack = store.handle(
        &persist(
            PersistAction::WriteSnapshot,
            0,
            snapshot.len() as u64,
            snapshot,
        ),
        1 << 20,
    );
    assert_eq!(ack.status, Status::OK);
}

fn append(store: &mut StateStore, offset: u64, record: &[u8]) -> PersistAck {
    store.handle(
        &persist(PersistAction::AppendJournal, offset, 0, record),
        1 << 20,
    )
}

#[test]
fn a_record_of_an_older_generation_is_refused_after_another_snapshot_replaced_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    install(&mut store, &sealed_snapshot(1, 4, 10));
    // Another parent (or an operator) puts a later snapshot in place: its journal is empty, as
    // this enclave's is, so the length check alone would let the record through.
    fs::write(store.snapshot_path(), sealed_snapshot(1, 5, 10)).unwrap();
    let ack = append(&mut store, 0, &sealed_record(1, 4, 11));
    assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    assert_eq!(
        String::from_utf8(ack.payload).unwrap(),
        "journal record of generation 4 does not follow the snapshot on disk (generation 5): \
         the snapshot was replaced"
    );
    assert_eq!(fs::read(store.journal_path()).unwrap(), b"");
}

#[test]
fn a_record_is_refused_unless_it_follows_the_snapshot_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    // No snapshot at all.
    let ack = append(&mut store, 0, &sealed_record(1, 4, 11));
    assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    install(&mut store, &sealed_snapshot(1, 4, 10));
    // Another store; not the record after the snapshot's last one.
    for record in [sealed_record(2, 4, 11), sealed_record(1, 4, 12)] {
        let ack = append(&mut store, 0, &record);
        assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(fs::read(store.journal_path()).unwrap(), b"");
    let first = sealed_record(1, 4, 11);
    let ack = append(&mut store, 0, &first);
    assert_eq!((ack.status, ack.total), (Status::OK, first.len() as u64));
    let ack = append(&mut store, first.len() as u64, &sealed_record(1, 4, 12));
    assert_eq!(ack.status, Status::OK);
}

#[test]
fn the_stored_generation_and_sequence_follow_snapshots_and_records_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    assert_eq!(store.position().get(), None);
    install(&mut store, &sealed_snapshot(1, 4, 10));
    assert_eq!(store.position().get(), Some((4, 10)));
    let first = sealed_record(1, 4, 11);
    append(&mut store, 0, &first);
    append(&mut store, first.len() as u64, &sealed_record(1, 4, 12));
    assert_eq!(store.position().get(), Some((4, 12)));
    // A torn tail does not count.
    let mut file = OpenOptions::new()
        .append(true)
        .open(store.journal_path())
        .unwrap();
    file.write_all(&sealed_record(1, 4, 13)[..50]).unwrap();
    let reopened = StateStore::open(dir.path()).unwrap();
    assert_eq!(reopened.position().get(), Some((4, 12)));
    install(&mut store, &sealed_snapshot(1, 5, 12));
    assert_eq!(store.position().get(), Some((5, 12)));
}
