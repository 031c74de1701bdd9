//! The JSON gateway's shapes: encoding requests and decoding answers.
//!
//! The gateway writes int64s as strings, bytes as base64 and omits defaults (false, 0, empty,
//! `PUT`), so every field here has a default and integers accept a string or a number.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{
    Compare, EtcdError, Event, EventKind, KeyValue, Op, OpResponse, RangeRequest, RangeResponse,
    TxnResponse, WatchBatch,
};

fn b64(bytes: &[u8]) -> Value {
    Value::String(B64.encode(bytes))
}

fn int(n: i64) -> Value {
    Value::String(n.to_string())
}

/// An int64 as the gateway writes it: a string (or, tolerated, a number); absent or null = 0.
fn de_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int {
        Text(String),
        Number(i64),
    }
    match Option::<Int>::deserialize(d)? {
        None => Ok(0),
        Some(Int::Number(n)) => Ok(n),
        Some(Int::Text(s)) => s
            .parse()
            .map_err(|_| serde::de::Error::custom("invalid int64")),
    }
}

/// Bytes as the gateway writes them: base64; absent or null = empty.
fn de_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(Vec::new()),
        Some(s) => B64
            .decode(s)
            .map_err(|_| serde::de::Error::custom("invalid base64")),
    }
}

#[derive(Deserialize, Default)]
struct WireHeader {
    #[serde(default, deserialize_with = "de_int")]
    revision: i64,
}

#[derive(Deserialize, Default)]
struct WireKv {
    #[serde(default, deserialize_with = "de_bytes")]
    key: Vec<u8>,
    #[serde(default, deserialize_with = "de_bytes")]
    value: Vec<u8>,
    #[serde(default, deserialize_with = "de_int")]
    create_revision: i64,
    #[serde(default, deserialize_with = "de_int")]
    mod_revision: i64,
    #[serde(default, deserialize_with = "de_int")]
    version: i64,
    #[serde(default, deserialize_with = "de_int")]
    lease: i64,
}

impl From<WireKv> for KeyValue {
    fn from(w: WireKv) -> Self {
        KeyValue {
            key: w.key,
            value: w.value,
            create_revision: w.create_revision,
            mod_revision: w.mod_revision,
            version: w.version,
            lease: w.lease,
        }
    }
}

#[derive(Deserialize, Default)]
struct WireRange {
    #[serde(default)]
    header: WireHeader,
    #[serde(default)]
    kvs: Vec<WireKv>,
    #[serde(default)]
    more: bool,
    #[serde(default, deserialize_with = "de_int")]
    count: i64,
}

impl From<WireRange> for RangeResponse {
    fn from(w: WireRange) -> Self {
        RangeResponse {
            revision: w.header.revision,
            kvs: w.kvs.into_iter().map(KeyValue::from).collect(),
            more: w.more,
            count: w.count,
        }
    }
}

#[derive(Deserialize, Default)]
struct WireHeaderOnly {
    #[serde(default)]
    header: WireHeader,
}

#[derive(Deserialize, Default)]
struct WireDelete {
    #[serde(default, deserialize_with = "de_int")]
    deleted: i64,
}

#[derive(Deserialize)]
struct WireOpResponse {
    response_put: Option<Value>,
    response_delete_range: Option<WireDelete>,
    response_range: Option<WireRange>,
}

#[derive(Deserialize)]
struct WireTxn {
    #[serde(default)]
    header: WireHeader,
    #[serde(default)]
    succeeded: bool,
    #[serde(default)]
    responses: Vec<WireOpResponse>,
}

#[derive(Deserialize)]
struct WireLease {
    #[serde(default, rename = "ID", deserialize_with = "de_int")]
    id: i64,
    #[serde(default, rename = "TTL", deserialize_with = "de_int")]
    ttl: i64,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct WireEvent {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    kv: WireKv,
}

#[derive(Deserialize, Default)]
struct WireWatch {
    #[serde(default)]
    header: WireHeader,
    #[serde(default)]
    created: bool,
    #[serde(default)]
    canceled: bool,
    #[serde(default, deserialize_with = "de_int")]
    compact_revision: i64,
    #[serde(default)]
    events: Vec<WireEvent>,
}

/// One object of a streamed answer: `{"result": ...}` or `{"error": ...}`.
#[derive(Deserialize)]
struct StreamItem<T> {
    result: Option<T>,
    error: Option<WireStreamError>,
}

#[derive(Deserialize)]
struct WireStreamError {
    #[serde(default, deserialize_with = "de_int")]
    grpc_code: i64,
    #[serde(default, deserialize_with = "de_int")]
    http_code: i64,
    #[serde(default)]
    message: String,
}

/// The gateway's error body: `{"error": "...", "code": N, "message": "..."}`.
#[derive(Deserialize)]
struct WireError {
    #[serde(default, deserialize_with = "de_int")]
    code: i64,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8], what: &str) -> Result<T, EtcdError> {
    serde_json::from_slice(body).map_err(|e| EtcdError::Decode(format!("{what}: {e}")))
}

/// The error an HTTP answer with a non-200 `status` stands for.
pub(crate) fn decode_error(status: u16, body: &[u8]) -> EtcdError {
    let (code, message) = match serde_json::from_slice::<WireError>(body) {
        Ok(e) => (e.code, e.message.or(e.error).unwrap_or_default()),
        Err(_) => (
            0,
            String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        ),
    };
    EtcdError::Server {
        status,
        code,
        message,
    }
}

fn range_json(r: &RangeRequest) -> Value {
    let mut m = Map::new();
    m.insert("key".into(), b64(&r.key));
    if let Some(end) = &r.range_end {
        m.insert("range_end".into(), b64(end));
    }
    if let Some(rev) = r.revision {
        m.insert("revision".into(), int(rev));
    }
    if let Some(limit) = r.limit {
        m.insert("limit".into(), int(limit));
    }
    Value::Object(m)
}

fn put_json(key: &[u8], value: &[u8], lease: Option<i64>) -> Value {
    let mut m = Map::new();
    m.insert("key".into(), b64(key));
    m.insert("value".into(), b64(value));
    if let Some(lease) = lease {
        m.insert("lease".into(), int(lease));
    }
    Value::Object(m)
}

fn compare_json(c: &Compare) -> Value {
    match c {
        Compare::Value { key, value } => {
            json!({"result": "EQUAL", "target": "VALUE", "key": b64(key), "value": b64(value)})
        }
        Compare::CreateRevision { key, revision } => {
            json!({"result": "EQUAL", "target": "CREATE", "key": b64(key), "create_revision": int(*revision)})
        }
        Compare::ModRevision { key, revision } => {
            json!({"result": "EQUAL", "target": "MOD", "key": b64(key), "mod_revision": int(*revision)})
        }
        Compare::Lease { key, lease } => {
            json!({"result": "EQUAL", "target": "LEASE", "key": b64(key), "lease": int(*lease)})
        }
    }
}

fn op_json(op: &Op) -> Value {
    match op {
        Op::Put { key, value, lease } => json!({"request_put": put_json(key, value, *lease)}),
        Op::DeleteRange { key, range_end } => {
            let mut m = Map::new();
            m.insert("key".into(), b64(key));
            if let Some(end) = range_end {
                m.insert("range_end".into(), b64(end));
            }
            json!({"request_delete_range": Value::Object(m)})
        }
        Op::Range(r) => json!({"request_range": range_json(r)}),
    }
}

fn bytes_of(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// `POST /v3/kv/range`.
pub(crate) fn encode_range(r: &RangeRequest) -> Vec<u8> {
    bytes_of(range_json(r))
}

/// `POST /v3/kv/put`.
pub(crate) fn encode_put(key: &[u8], value: &[u8], lease: Option<i64>) -> Vec<u8> {
    bytes_of(put_json(key, value, lease))
}

/// `POST /v3/kv/txn`.
pub(crate) fn encode_txn(txn: &crate::Txn) -> Vec<u8> {
    bytes_of(json!({
        "compare": txn.compare.iter().map(compare_json).collect::<Vec<_>>(),
        "success": txn.success.iter().map(op_json).collect::<Vec<_>>(),
        "failure": txn.failure.iter().map(op_json).collect::<Vec<_>>(),
    }))
}

/// `POST /v3/lease/grant`.
pub(crate) fn encode_lease_grant(ttl_secs: i64) -> Vec<u8> {
    bytes_of(json!({"TTL": int(ttl_secs), "ID": int(0)}))
}

/// `POST /v3/lease/keepalive` and `/v3/lease/revoke`.
pub(crate) fn encode_lease_id(id: i64) -> Vec<u8> {
    bytes_of(json!({"ID": int(id)}))
}

/// `POST /v3/kv/compaction` (physical: returns once the compaction is done).
pub(crate) fn encode_compaction(revision: i64) -> Vec<u8> {
    bytes_of(json!({"revision": int(revision), "physical": true}))
}

/// `POST /v3/watch`: one create request (the stream stays open after it).
pub(crate) fn encode_watch(key: &[u8], range_end: Option<&[u8]>, start_revision: i64) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("key".into(), b64(key));
    if let Some(end) = range_end {
        m.insert("range_end".into(), b64(end));
    }
    if start_revision > 0 {
        m.insert("start_revision".into(), int(start_revision));
    }
    bytes_of(json!({"create_request": Value::Object(m)}))
}

/// The answer to a range.
pub(crate) fn decode_range(body: &[u8]) -> Result<RangeResponse, EtcdError> {
    parse::<WireRange>(body, "range").map(RangeResponse::from)
}

/// The answer to a put: the revision it made.
pub(crate) fn decode_put(body: &[u8]) -> Result<i64, EtcdError> {
    Ok(parse::<WireHeaderOnly>(body, "put")?.header.revision)
}

/// An answer with only a header (lease revoke, compaction).
pub(crate) fn decode_revoke(body: &[u8]) -> Result<(), EtcdError> {
    parse::<WireHeaderOnly>(body, "lease revoke").map(|_| ())
}

/// The answer to a txn.
pub(crate) fn decode_txn(body: &[u8]) -> Result<TxnResponse, EtcdError> {
    let wire = parse::<WireTxn>(body, "txn")?;
    let mut responses = Vec::with_capacity(wire.responses.len());
    for r in wire.responses {
        responses.push(
            match (r.response_put, r.response_delete_range, r.response_range) {
                (Some(_), None, None) => OpResponse::Put,
                (None, Some(d), None) => OpResponse::DeleteRange { deleted: d.deleted },
                (None, None, Some(range)) => OpResponse::Range(range.into()),
                _ => {
                    return Err(EtcdError::Decode(
                        "txn: an operation answer of no single kind".into(),
                    ));
                }
            },
        );
    }
    Ok(TxnResponse {
        succeeded: wire.succeeded,
        revision: wire.header.revision,
        responses,
    })
}

/// The answer to a lease grant.
pub(crate) fn decode_lease_grant(body: &[u8]) -> Result<crate::Lease, EtcdError> {
    let wire = parse::<WireLease>(body, "lease grant")?;
    if let Some(error) = wire.error.filter(|e| !e.is_empty()) {
        return Err(EtcdError::Server {
            status: 200,
            code: 0,
            message: error,
        });
    }
    if wire.id == 0 {
        return Err(EtcdError::Decode("lease grant: no lease id".into()));
    }
    Ok(crate::Lease {
        id: wire.id,
        ttl_secs: wire.ttl,
    })
}

/// One streamed object: its `result`, or the stream's `error` as an [`EtcdError`].
fn stream_result<'a, T: Deserialize<'a>>(line: &'a [u8], what: &str) -> Result<T, EtcdError> {
    let item = parse::<StreamItem<T>>(line, what)?;
    if let Some(e) = item.error {
        return Err(EtcdError::Server {
            status: u16::try_from(e.http_code).unwrap_or(0),
            code: e.grpc_code,
            message: e.message,
        });
    }
    item.result
        .ok_or_else(|| EtcdError::Decode(format!("{what}: neither result nor error")))
}

/// The first object of a keepalive answer: the TTL left, or None when the lease is gone (the
/// gateway then omits `TTL`).
pub(crate) fn decode_keepalive(line: &[u8]) -> Result<Option<i64>, EtcdError> {
    let lease = stream_result::<WireLease>(line, "lease keepalive")?;
    Ok(Some(lease.ttl).filter(|ttl| *ttl > 0))
}

/// One object of a watch stream. `Ok(None)`: the creation notice (nothing to report).
pub(crate) fn decode_watch(line: &[u8]) -> Result<Option<WatchBatch>, EtcdError> {
    let w = stream_result::<WireWatch>(line, "watch")?;
    if w.created && w.events.is_empty() && !w.canceled && w.compact_revision == 0 {
        return Ok(None);
    }
    let mut events = Vec::with_capacity(w.events.len());
    for e in w.events {
        let kind = match e.kind.as_deref() {
            None | Some("PUT") => EventKind::Put,
            Some("DELETE") => EventKind::Delete,
            Some(_) => return Err(EtcdError::Decode("watch: unknown event type".into())),
        };
        events.push(Event {
            kind,
            kv: e.kv.into(),
        });
    }
    Ok(Some(WatchBatch {
        revision: w.header.revision,
        events,
        compact_revision: Some(w.compact_revision).filter(|r| *r != 0),
        canceled: w.canceled,
    }))
}

/// Splits a streamed body into newline-separated objects; an object may span chunks, and none
/// (nor the unfinished rest) may exceed `limit` bytes.
pub(crate) struct Lines {
    buffer: Vec<u8>,
    limit: usize,
}

impl Lines {
    /// An empty splitter bounded by `limit`.
    pub(crate) fn new(limit: usize) -> Self {
        Lines {
            buffer: Vec::new(),
            limit,
        }
    }

    /// Adds `chunk`; returns the complete, non-blank objects it finished.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<Vec<u8>>, EtcdError> {
        self.buffer.extend_from_slice(chunk);
        let mut out = Vec::new();
        while let Some(at) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=at).collect();
            if line.len() > self.limit {
                return Err(EtcdError::TooLarge { limit: self.limit });
            }
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                out.push(line);
            }
        }
        if self.buffer.len() > self.limit {
            return Err(EtcdError::TooLarge { limit: self.limit });
        }
        Ok(out)
    }

    /// What is left when the stream ends (an object without its final newline), if not blank.
    pub(crate) fn finish(&mut self) -> Option<Vec<u8>> {
        let rest = std::mem::take(&mut self.buffer);
        rest.iter()
            .any(|b| !b.is_ascii_whitespace())
            .then_some(rest)
    }
}

#[cfg(test)]
mod tests;
