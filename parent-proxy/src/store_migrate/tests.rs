//! Tests of the migration: the journal cut as the enclave's load would, the batches, and whole
//! moves files -> etcd -> files against a real etcd (skipped loudly without one).

use nitro_kms_parent_link::sealed_headers::SnapshotHeader;
use nitro_kms_parent_link::state_store::{JOURNAL_FILE, SNAPSHOT_FILE, StateStore};

use super::etcd_side::{MAX_TXN_BYTES, MAX_TXN_OPS, batches};
use super::sealed_files::{self, split_journal};
use super::*;

const STORE: [u8; 16] = [7; 16];

fn snapshot(generation: u64, last_seq: u64) -> Vec<u8> {
    let mut s = b"NKSS\x01".to_vec();
    s.extend_from_slice(&STORE);
    s.extend_from_slice(&generation.to_be_bytes());
    s.extend_from_slice(&last_seq.to_be_bytes());
    s.extend_from_slice(b"sealed snapshot body, opaque here");
    s
}

/// A framed record: u32 length | "NKSJ" | 1 | store | generation | seq | opaque body.
fn record(generation: u64, seq: u64, body: usize) -> Vec<u8> {
    let mut r = b"NKSJ\x01".to_vec();
    r.extend_from_slice(&STORE);
    r.extend_from_slice(&generation.to_be_bytes());
    r.extend_from_slice(&seq.to_be_bytes());
    r.extend(std::iter::repeat_n(0xab, body));
    let mut framed = (r.len() as u32).to_be_bytes().to_vec();
    framed.extend(r);
    framed
}

fn header(generation: u64, last_seq: u64) -> SnapshotHeader {
    SnapshotHeader {
        store_id: STORE,
        generation,
        last_seq,
    }
}

#[test]
fn journal_records_that_continue_the_snapshot_are_kept_in_order() {
    let journal = [record(3, 11, 20), record(3, 12, 5)].concat();
    let (records, skipped) = split_journal(&header(3, 10), &journal).unwrap();
    assert_eq!(records.iter().map(|r| r.0).collect::<Vec<_>>(), [11, 12]);
    assert_eq!(records.concat_bytes(), journal);
    assert_eq!(skipped, sealed_files::Skipped::default());
}

trait Concat {
    fn concat_bytes(&self) -> Vec<u8>;
}

impl Concat for Vec<(u64, Vec<u8>)> {
    fn concat_bytes(&self) -> Vec<u8> {
        self.iter().flat_map(|(_, r)| r.clone()).collect()
    }
}

#[test]
fn a_journal_of_an_older_generation_is_skipped_whole() {
    let journal = [record(2, 5, 10), record(2, 6, 10)].concat();
    let (records, skipped) = split_journal(&header(3, 10), &journal).unwrap();
    assert!(records.is_empty());
    assert!(skipped.stale_journal);
}

#[test]
fn a_torn_final_record_is_left_behind_at_every_cut() {
    let good = record(3, 11, 30);
    let last = record(3, 12, 30);
    for cut in 1..last.len() {
        let journal = [good.clone(), last[..cut].to_vec()].concat();
        let (records, skipped) = split_journal(&header(3, 10), &journal).unwrap();
        assert_eq!(records.len(), 1, "cut at {cut}");
        assert_eq!(skipped.torn_tail, cut, "cut at {cut}");
    }
}

#[test]
fn a_record_that_does_not_continue_the_snapshot_refuses_the_state() {
    let gap = [record(3, 11, 5), record(3, 13, 5)].concat();
    assert!(split_journal(&header(3, 10), &gap).is_err());
    let other_generation = [record(3, 11, 5), record(4, 12, 5)].concat();
    assert!(split_journal(&header(3, 10), &other_generation).is_err());
    let mut garbage_in_the_middle = record(3, 11, 5);
    garbage_in_the_middle[5] = b'X';
    let journal = [garbage_in_the_middle, record(3, 12, 5)].concat();
    assert!(split_journal(&header(3, 10), &journal).is_err());
}

#[test]
fn batches_stay_under_etcds_txn_limits() {
    let many: Vec<(u64, Vec<u8>)> = (0..300).map(|i| (i, vec![0; 10])).collect();
    let cut = batches(&many);
    assert_eq!(
        cut.iter().map(|b| b.len()).collect::<Vec<_>>(),
        [MAX_TXN_OPS, MAX_TXN_OPS, 300 - 2 * MAX_TXN_OPS]
    );
    let big: Vec<(u64, Vec<u8>)> = (0..3).map(|i| (i, vec![0; MAX_TXN_BYTES])).collect();
    assert_eq!(batches(&big).len(), 3);
    assert!(batches(&[]).is_empty());
}

#[test]
fn sides_parse_from_the_command_line() {
    assert_eq!("etcd".parse::<Side>().unwrap(), Side::Etcd);
    assert_eq!(
        "files:/var/lib/x".parse::<Side>().unwrap(),
        Side::Files("/var/lib/x".into())
    );
    assert!("files:".parse::<Side>().is_err());
    assert!("s3".parse::<Side>().is_err());
}

/// Writes the cluster's CA and an operator identity (a member's certificate: it has clientAuth)
/// and returns the arguments for `prefix`.
fn etcd_args(
    cluster: &nitro_kms_etcd::testing::TestCluster,
    dir: &std::path::Path,
    from: Side,
    to: Side,
) -> MigrateArgs {
    MigrateArgs {
        from,
        to,
        etcd_endpoints: Some(
            cluster
                .endpoints()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
        etcd_ca: Some(dir.join("ca.pem")),
        etcd_cert: Some(dir.join("m0.crt")),
        etcd_key: Some(dir.join("m0.key")),
        etcd_prefix: "/migrate/".into(),
        etcd_timeout_ms: 5000,
        force: false,
    }
}

/// A one-member etcd in a temporary directory (with its CA and certificates in `DIR/etcd`), or
/// None, said loudly, when there is no etcd binary.
async fn start_cluster() -> Option<(
    tempfile::TempDir,
    std::path::PathBuf,
    nitro_kms_etcd::testing::TestCluster,
)> {
    if nitro_kms_etcd::testing::etcd_binary().is_none() {
        eprintln!("SKIPPED: no etcd binary on PATH (Debian package etcd-server)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd_dir = dir.path().join("etcd");
    std::fs::create_dir_all(&etcd_dir).unwrap();
    let cluster = nitro_kms_etcd::testing::TestCluster::start(1, &etcd_dir)
        .await
        .unwrap();
    Some((dir, etcd_dir, cluster))
}

#[tokio::test]
async fn a_state_moves_to_etcd_and_back_byte_for_byte() {
    let Some((dir, etcd_dir, cluster)) = start_cluster().await else {
        return;
    };
    let source = dir.path().join("source");
    std::fs::create_dir_all(&source).unwrap();
    let snap = snapshot(4, 20);
    // 200 records: more than one transaction; then a torn tail the enclave would drop.
    let records: Vec<Vec<u8>> = (21..221).map(|seq| record(4, seq, 40)).collect();
    let journal = records.concat();
    std::fs::write(source.join(SNAPSHOT_FILE), &snap).unwrap();
    std::fs::write(
        source.join(JOURNAL_FILE),
        [journal.clone(), record(4, 221, 40)[..17].to_vec()].concat(),
    )
    .unwrap();

    let to_etcd = etcd_args(&cluster, &etcd_dir, Side::Files(source.clone()), Side::Etcd);
    let moved = run(&to_etcd).await.unwrap();
    assert_eq!(
        (moved.generation, moved.last_seq, moved.records),
        (4, 220, 200)
    );
    assert_eq!(moved.skipped.torn_tail, 17);
    let client = cluster.client(None).unwrap();
    let head = client
        .range(nitro_kms_etcd::RangeRequest {
            key: b"/migrate/head".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(head.kvs[0].value, b"4/220");

    // Once there, a second move to the same prefix is refused without --force.
    let again = run(&to_etcd).await.unwrap_err();
    assert!(matches!(again, MigrateError::Occupied(_)), "{again}");

    let target = dir.path().join("target");
    let back = etcd_args(&cluster, &etcd_dir, Side::Etcd, Side::Files(target.clone()));
    let moved = run(&back).await.unwrap();
    assert_eq!(
        (moved.generation, moved.last_seq, moved.records),
        (4, 220, 200)
    );
    assert_eq!(std::fs::read(target.join(SNAPSHOT_FILE)).unwrap(), snap);
    assert_eq!(std::fs::read(target.join(JOURNAL_FILE)).unwrap(), journal);
    // The StateStore reads them as its own.
    let store = StateStore::open(&target).unwrap();
    assert_eq!(store.position().get(), Some((4, 220)));
    drop(store);
    let again = run(&back).await.unwrap_err();
    assert!(matches!(again, MigrateError::Occupied(_)), "{again}");
}

#[tokio::test]
async fn a_prefix_an_enclave_leads_is_refused_with_the_reason() {
    let Some((dir, etcd_dir, cluster)) = start_cluster().await else {
        return;
    };
    let client = cluster.client(None).unwrap();
    client
        .put(
            b"/migrate/leader".to_vec(),
            br#"{"id":"00aa11bb","since_ms":1}"#.to_vec(),
            None,
        )
        .await
        .unwrap();
    let target = dir.path().join("target");
    let args = etcd_args(&cluster, &etcd_dir, Side::Etcd, Side::Files(target.clone()));
    let refused = run(&args).await.unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("00aa11bb") && text.contains("keep writing"),
        "{text}"
    );
    assert!(!sealed_files::holds_state(&target));
}

/// The number of journal keys under the test prefix, and its head.
async fn etcd_journal_and_head(client: &nitro_kms_etcd::EtcdClient) -> (usize, Vec<u8>) {
    let journal = client
        .range(nitro_kms_etcd::RangeRequest {
            key: b"/migrate/journal/".to_vec(),
            range_end: Some(nitro_kms_etcd::prefix_end(b"/migrate/journal/")),
            ..Default::default()
        })
        .await
        .unwrap();
    let head = client
        .range(nitro_kms_etcd::RangeRequest {
            key: b"/migrate/head".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
    (
        journal.kvs.len(),
        head.kvs
            .first()
            .map(|kv| kv.value.clone())
            .unwrap_or_default(),
    )
}

#[tokio::test]
async fn leftovers_of_an_interrupted_run_are_cleared_and_force_replaces_a_whole_state() {
    let Some((dir, etcd_dir, cluster)) = start_cluster().await else {
        return;
    };
    let client = cluster.client(None).unwrap();
    // An interrupted run left journal records but no head: nothing loadable, cleared on rerun.
    client
        .put(
            nitro_kms_etcd::layout::journal(b"/migrate/", 99),
            record(1, 99, 5),
            None,
        )
        .await
        .unwrap();
    let source = dir.path().join("source");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::write(source.join(SNAPSHOT_FILE), snapshot(2, 5)).unwrap();
    std::fs::write(source.join(JOURNAL_FILE), record(2, 6, 8)).unwrap();
    let mut args = etcd_args(&cluster, &etcd_dir, Side::Files(source.clone()), Side::Etcd);
    run(&args).await.unwrap();
    assert_eq!(etcd_journal_and_head(&client).await, (1, b"2/6".to_vec()));

    // --force replaces it whole: the old records go with it.
    std::fs::write(source.join(SNAPSHOT_FILE), snapshot(3, 40)).unwrap();
    std::fs::write(source.join(JOURNAL_FILE), b"").unwrap();
    args.force = true;
    let moved = run(&args).await.unwrap();
    assert_eq!(
        (moved.generation, moved.last_seq, moved.records),
        (3, 40, 0)
    );
    assert_eq!(etcd_journal_and_head(&client).await, (0, b"3/40".to_vec()));
}
