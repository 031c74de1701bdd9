//! An etcd v3 client for the nitro-kms fleet, spoken over etcd's JSON gRPC gateway on HTTP/1.1.
//!
//! # Why the JSON gateway
//! The usual Rust client (`etcd-client`) speaks gRPC: it needs `protoc` at build time on every
//! developer machine and in CI, and it brings its own transport. The enclave has no network of its
//! own: every byte to etcd goes through the parent's egress relay (HTTP CONNECT), and TLS must end
//! inside the enclave. Every etcd v3 server also answers the same API as JSON on its client port
//! (`POST /v3/kv/range`, `/v3/kv/txn`, `/v3/lease/grant`, `/v3/watch`, ...), which plain
//! HTTP/1.1 over any byte stream reaches: that is what this crate speaks, with hyper's client
//! connections over a stream we open ourselves.
//!
//! # Why an injected transport
//! How bytes reach an endpoint is a [`Connect`]: [`TcpConnect`] dials directly (tests, tools,
//! simulation); [`RelayConnect`] asks the parent's egress relay for a tunnel first. TLS
//! ([`Tls::Rustls`], roots = only the etcd cluster's CA, with the enclave's client certificate)
//! then runs inside that stream, so the parent only ever relays ciphertext.
//!
//! # The wire
//! The gateway's JSON has quirks this crate hides: int64s are strings, bytes are base64, and
//! defaults (false, 0, PUT, empty) are omitted. Responses are read behind a size limit and parsed
//! with serde; no input makes the client panic. [`layout`] names the keys the fleet keeps in etcd.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod client;
mod connect;
mod endpoint;
mod error;
mod json;
pub mod layout;
mod pool;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod types;
mod watch;

pub use client::{ClientOptions, EtcdClient, Stats};
pub use connect::{Connect, Io, RelayConnect, TcpConnect, Tls};
pub use endpoint::Endpoint;
pub use error::EtcdError;
pub use types::{
    Compare, Event, EventKind, KeyValue, Lease, Op, OpResponse, RangeRequest, RangeResponse, Txn,
    TxnResponse, WatchBatch,
};
pub use watch::WatchStream;

/// etcd's `range_end` for "every key that starts with `prefix`": the prefix with its last byte
/// below 0xff incremented (trailing 0xff bytes dropped). An empty or all-0xff prefix gives
/// `[0]`, etcd's "every key from `key` on".
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

#[cfg(test)]
mod cluster_tests;
#[cfg(test)]
mod tests;
