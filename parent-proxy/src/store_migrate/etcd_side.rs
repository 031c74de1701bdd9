//! The sealed state in etcd, in the fleet's layout ([`nitro_kms_etcd::layout`]), read and
//! written by the operator's migration: sealed bytes only, nothing opened.

use nitro_kms_etcd::layout::{self, Head};
use nitro_kms_etcd::{Compare, EtcdClient, KeyValue, Op, RangeRequest, Txn, prefix_end};
use nitro_kms_parent_link::sealed_headers;

use super::MigrateError;
use super::sealed_files::SealedState;

/// etcd refuses a transaction of more than 128 operations (its default `--max-txn-ops`).
pub const MAX_TXN_OPS: usize = 128;
/// Journal bytes put in one transaction at most (one larger record goes alone): etcd refuses a
/// request over 1.5 MiB by default (`--max-request-bytes`), and the JSON gateway sends values as
/// base64 (4/3 of their size).
pub const MAX_TXN_BYTES: usize = 768 << 10;
/// Journal records read per page.
const PAGE: i64 = 64;

/// What the prefix holds now: the keys a migration must not overwrite.
#[derive(Debug, Default)]
pub struct Occupancy {
    /// The leader's id, if an enclave leads the prefix.
    pub leader: Option<String>,
    /// A snapshot is there.
    pub snapshot: bool,
    /// A head is there.
    pub head: bool,
}

/// Reads which of `snapshot`, `head` and `leader` exist under `prefix`.
pub async fn occupancy(client: &EtcdClient, prefix: &[u8]) -> Result<Occupancy, MigrateError> {
    Ok(Occupancy {
        leader: get(client, layout::leader(prefix), None)
            .await?
            .map(|kv| leader_id(&kv.value)),
        snapshot: get(client, layout::snapshot(prefix), None).await?.is_some(),
        head: get(client, layout::head(prefix), None).await?.is_some(),
    })
}

/// The leader's id from its JSON value (`{"id":"<hex>",...}`), or a placeholder.
fn leader_id(value: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Leader {
        id: String,
    }
    serde_json::from_slice::<Leader>(value)
        .ok()
        .map(|l| l.id)
        .filter(|id| id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "<unreadable id>".into())
}

async fn get(
    client: &EtcdClient,
    key: Vec<u8>,
    revision: Option<i64>,
) -> Result<Option<KeyValue>, MigrateError> {
    let range = client
        .range(RangeRequest {
            key,
            range_end: None,
            revision,
            limit: None,
        })
        .await?;
    Ok(range.kvs.into_iter().next())
}

fn head_absent(prefix: &[u8]) -> Compare {
    Compare::CreateRevision {
        key: layout::head(prefix),
        revision: 0,
    }
}

/// Runs `txn`; a failed compare means something else wrote the prefix meanwhile.
async fn run(client: &EtcdClient, txn: Txn) -> Result<(), MigrateError> {
    if client.txn(txn).await?.succeeded {
        Ok(())
    } else {
        Err(MigrateError::Raced)
    }
}

/// Writes `state` under `prefix`: first clears what an earlier, interrupted run (or, with
/// `replace`, an earlier state) left, then the journal records in batches, then the snapshot and
/// `head` last in one transaction. Every step compares `head` absent, so an enclave never sees a
/// half-written state (without `head` it has nothing to load) and nothing written meanwhile is
/// overwritten.
pub async fn write(
    client: &EtcdClient,
    prefix: &[u8],
    state: &SealedState,
    replace: bool,
) -> Result<(), MigrateError> {
    let journal = layout::journal_prefix(prefix);
    let mut clear = vec![Op::DeleteRange {
        key: journal.clone(),
        range_end: Some(prefix_end(&journal)),
    }];
    let compare = if replace {
        clear.push(Op::DeleteRange {
            key: layout::snapshot(prefix),
            range_end: None,
        });
        clear.push(Op::DeleteRange {
            key: layout::head(prefix),
            range_end: None,
        });
        Vec::new()
    } else {
        vec![
            head_absent(prefix),
            Compare::CreateRevision {
                key: layout::snapshot(prefix),
                revision: 0,
            },
        ]
    };
    run(
        client,
        Txn {
            compare,
            success: clear,
            failure: Vec::new(),
        },
    )
    .await?;
    for batch in batches(&state.records) {
        let success = batch
            .iter()
            .map(|(seq, record)| Op::Put {
                key: layout::journal(prefix, *seq),
                value: record.clone(),
                lease: None,
            })
            .collect();
        run(
            client,
            Txn {
                compare: vec![head_absent(prefix)],
                success,
                failure: Vec::new(),
            },
        )
        .await?;
    }
    let head = Head {
        generation: state.header.generation,
        last_seq: state.last_seq(),
    };
    run(
        client,
        Txn {
            compare: vec![head_absent(prefix)],
            success: vec![
                Op::Put {
                    key: layout::snapshot(prefix),
                    value: state.snapshot.clone(),
                    lease: None,
                },
                Op::Put {
                    key: layout::head(prefix),
                    value: head.encode(),
                    lease: None,
                },
            ],
            failure: Vec::new(),
        },
    )
    .await
}

/// Cuts `records` into transactions of at most [`MAX_TXN_OPS`] puts and [`MAX_TXN_BYTES`] bytes
/// (a single larger record alone).
pub fn batches(records: &[(u64, Vec<u8>)]) -> Vec<&[(u64, Vec<u8>)]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, (_, record)) in records.iter().enumerate() {
        let full = i - start == MAX_TXN_OPS || (i > start && bytes + record.len() > MAX_TXN_BYTES);
        if full {
            out.push(&records[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += record.len();
    }
    if start < records.len() {
        out.push(&records[start..]);
    }
    out
}

/// Reads the state under `prefix` at one revision: the snapshot, `head`, and the journal records
/// up to head's sequence number, checked against each other by their clear headers.
pub async fn read(client: &EtcdClient, prefix: &[u8]) -> Result<SealedState, MigrateError> {
    let first = client
        .range(RangeRequest {
            key: layout::snapshot(prefix),
            range_end: None,
            revision: None,
            limit: None,
        })
        .await?;
    let revision = first.revision;
    let shown = String::from_utf8_lossy(prefix).into_owned();
    let Some(snapshot) = first.kvs.into_iter().next().map(|kv| kv.value) else {
        return Err(MigrateError::Source(format!(
            "etcd prefix {shown:?} holds no snapshot (nothing to move)"
        )));
    };
    let header = sealed_headers::snapshot_header(&snapshot).ok_or_else(|| {
        MigrateError::Source(format!(
            "etcd prefix {shown:?}: the snapshot is not a sealed nitro-kms snapshot"
        ))
    })?;
    let head = get(client, layout::head(prefix), Some(revision))
        .await?
        .ok_or_else(|| {
            MigrateError::Source(format!(
                "etcd prefix {shown:?} has a snapshot but no head (an unfinished write)"
            ))
        })?;
    let head = Head::parse(&head.value)
        .map_err(|e| MigrateError::Source(format!("etcd prefix {shown:?}: {e}")))?;
    if head.generation != header.generation || head.last_seq < header.last_seq {
        return Err(MigrateError::Source(format!(
            "etcd prefix {shown:?}: head {head} does not match the snapshot (generation {}, \
             last seq {})",
            header.generation, header.last_seq
        )));
    }
    let records = read_journal(client, prefix, revision, &header, head).await?;
    Ok(SealedState {
        snapshot,
        header,
        records,
    })
}

/// The records `snapshot.last_seq + 1 ..= head.last_seq`, page by page at `revision`.
async fn read_journal(
    client: &EtcdClient,
    prefix: &[u8],
    revision: i64,
    snapshot: &sealed_headers::SnapshotHeader,
    head: Head,
) -> Result<Vec<(u64, Vec<u8>)>, MigrateError> {
    let end = prefix_end(&layout::journal_prefix(prefix));
    let mut records = Vec::new();
    let mut next = snapshot.last_seq.saturating_add(1);
    while next <= head.last_seq {
        let page = client
            .range(RangeRequest {
                key: layout::journal(prefix, next),
                range_end: Some(end.clone()),
                revision: Some(revision),
                limit: Some(PAGE),
            })
            .await?;
        if page.kvs.is_empty() {
            break;
        }
        for kv in page.kvs {
            let Some(seq) = layout::journal_seq(prefix, &kv.key) else {
                return Err(MigrateError::Source(format!(
                    "etcd key {:?} under the journal is not a journal record's",
                    String::from_utf8_lossy(&kv.key)
                )));
            };
            if seq > head.last_seq {
                break;
            }
            let fits = sealed_headers::record_header(&kv.value).is_some_and(|r| {
                r.seq == seq
                    && r.generation == snapshot.generation
                    && r.store_id == snapshot.store_id
                    && r.framed_len == kv.value.len() as u64
            });
            if seq != next || !fits {
                return Err(MigrateError::Source(format!(
                    "journal record {seq} in etcd does not continue the snapshot (expected \
                     record {next} of generation {})",
                    snapshot.generation
                )));
            }
            records.push((seq, kv.value));
            next = seq.saturating_add(1);
        }
    }
    if next <= head.last_seq {
        return Err(MigrateError::Source(format!(
            "etcd head says {head} but journal record {next} is missing"
        )));
    }
    Ok(records)
}
