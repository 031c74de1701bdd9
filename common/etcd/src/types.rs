//! The requests and answers of the etcd v3 API this client speaks, as plain Rust values (the
//! JSON shapes are in `json`).

/// A range read (linearizable): `key`, or `[key, range_end)` when `range_end` is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeRequest {
    /// The key, or the start of the range.
    pub key: Vec<u8>,
    /// The end of the range (exclusive); see [`crate::prefix_end`].
    pub range_end: Option<Vec<u8>>,
    /// Read at this revision (None: the latest).
    pub revision: Option<i64>,
    /// At most this many keys (None: all).
    pub limit: Option<i64>,
}

/// The answer to a range read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeResponse {
    /// The store's revision when the read was served.
    pub revision: i64,
    /// The keys found, in key order.
    pub kvs: Vec<KeyValue>,
    /// More keys matched than `limit` let through.
    pub more: bool,
    /// How many keys matched.
    pub count: i64,
}

/// One key and its metadata.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: Vec<u8>,
    /// The value (sealed bytes in this project: never logged).
    pub value: Vec<u8>,
    /// The revision that created the key (fencing compares on it).
    pub create_revision: i64,
    /// The revision of the last change.
    pub mod_revision: i64,
    /// How many times the key was written since its creation.
    pub version: i64,
    /// The lease the key is attached to (0: none).
    pub lease: i64,
}

impl std::fmt::Debug for KeyValue {
    /// Values are redacted: they may be sealed state.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyValue")
            .field("key", &String::from_utf8_lossy(&self.key))
            .field("value_len", &self.value.len())
            .field("create_revision", &self.create_revision)
            .field("mod_revision", &self.mod_revision)
            .field("version", &self.version)
            .field("lease", &self.lease)
            .finish()
    }
}

/// A granted lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// The lease id.
    pub id: i64,
    /// The TTL granted (etcd may raise a too-small one).
    pub ttl_secs: i64,
}

/// An atomic transaction: if every compare holds, `success` runs, else `failure`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Txn {
    /// The conditions (all must hold).
    pub compare: Vec<Compare>,
    /// Run when they hold.
    pub success: Vec<Op>,
    /// Run when one does not.
    pub failure: Vec<Op>,
}

/// One condition of a [`Txn`]; every one is an equality.
#[derive(Clone, PartialEq, Eq)]
pub enum Compare {
    /// The key's value equals `value` (a missing key never does).
    Value {
        /// The key.
        key: Vec<u8>,
        /// The expected value.
        value: Vec<u8>,
    },
    /// The key's create revision equals `revision` (0: the key does not exist).
    CreateRevision {
        /// The key.
        key: Vec<u8>,
        /// The expected create revision.
        revision: i64,
    },
    /// The key's mod revision equals `revision`.
    ModRevision {
        /// The key.
        key: Vec<u8>,
        /// The expected mod revision.
        revision: i64,
    },
    /// The key is attached to `lease`.
    Lease {
        /// The key.
        key: Vec<u8>,
        /// The expected lease id.
        lease: i64,
    },
}

impl std::fmt::Debug for Compare {
    /// Expected values are redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Compare::Value { key, value } => write!(
                f,
                "Value({:?} == <{} bytes>)",
                String::from_utf8_lossy(key),
                value.len()
            ),
            Compare::CreateRevision { key, revision } => write!(
                f,
                "CreateRevision({:?} == {revision})",
                String::from_utf8_lossy(key)
            ),
            Compare::ModRevision { key, revision } => write!(
                f,
                "ModRevision({:?} == {revision})",
                String::from_utf8_lossy(key)
            ),
            Compare::Lease { key, lease } => {
                write!(f, "Lease({:?} == {lease})", String::from_utf8_lossy(key))
            }
        }
    }
}

/// One operation of a [`Txn`] branch.
#[derive(Clone, PartialEq, Eq)]
pub enum Op {
    /// Put `value` at `key`, attached to `lease` if given.
    Put {
        /// The key.
        key: Vec<u8>,
        /// The value.
        value: Vec<u8>,
        /// The lease to attach the key to.
        lease: Option<i64>,
    },
    /// Delete `key`, or `[key, range_end)`.
    DeleteRange {
        /// The key, or the start of the range.
        key: Vec<u8>,
        /// The end of the range (exclusive).
        range_end: Option<Vec<u8>>,
    },
    /// Read a range.
    Range(RangeRequest),
}

impl std::fmt::Debug for Op {
    /// Values are redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Op::Put { key, value, lease } => write!(
                f,
                "Put({:?}, <{} bytes>, lease {lease:?})",
                String::from_utf8_lossy(key),
                value.len()
            ),
            Op::DeleteRange { key, range_end } => write!(
                f,
                "DeleteRange({:?}, {:?})",
                String::from_utf8_lossy(key),
                range_end
                    .as_ref()
                    .map(|e| String::from_utf8_lossy(e).into_owned())
            ),
            Op::Range(range) => write!(f, "Range({range:?})"),
        }
    }
}

/// The answer to a [`Txn`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxnResponse {
    /// Whether the compares held (`success` ran) or not (`failure` ran).
    pub succeeded: bool,
    /// The store's revision after the transaction.
    pub revision: i64,
    /// One answer per operation of the branch that ran, in order.
    pub responses: Vec<OpResponse>,
}

/// The answer to one [`Op`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResponse {
    /// A put was done.
    Put,
    /// A delete was done.
    DeleteRange {
        /// How many keys it deleted.
        deleted: i64,
    },
    /// A range was read.
    Range(RangeResponse),
}

/// One answer of a watch: the events of one revision batch, or a notice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchBatch {
    /// The store's revision when the batch was sent.
    pub revision: i64,
    /// The changes, in revision order.
    pub events: Vec<Event>,
    /// Set when the start revision was compacted: history before it is gone (reload, rewatch).
    pub compact_revision: Option<i64>,
    /// The server ended the watch.
    pub canceled: bool,
}

/// One change seen by a watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Put or delete.
    pub kind: EventKind,
    /// The key after the change (for a delete: the key and the deleting revision, no value).
    pub kv: KeyValue,
}

/// The kind of an [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The key was written.
    Put,
    /// The key was deleted.
    Delete,
}
