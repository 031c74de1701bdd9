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

/// Feeds `input` to every decoder of etcd's answers, as the fuzz target `etcd_answer` does:
/// etcd's answers reach the enclave through the parent's relay (authenticated by TLS, but parsed
/// all the same behind size limits and without panics, as every input from outside). Each decoder
/// sees the whole input, and the streamed-object splitter sees it cut into chunks whose size the
/// first byte picks. Not for anything else.
#[doc(hidden)]
pub fn fuzz_decode_answers(input: &[u8]) {
    let _ = json::decode_range(input);
    let _ = json::decode_put(input);
    let _ = json::decode_revoke(input);
    let _ = json::decode_txn(input);
    let _ = json::decode_lease_grant(input);
    let _ = json::decode_keepalive(input);
    let _ = json::decode_watch(input);
    let _ = json::decode_error(503, input);
    let _ = layout::Head::parse(input);
    let _ = layout::journal_seq(b"/nitro-kms/", input);
    let chunk = usize::from(input.first().copied().unwrap_or(1)).max(1);
    let mut lines = json::Lines::new(4096);
    for piece in input.chunks(chunk) {
        match lines.push(piece) {
            Ok(objects) => {
                for object in objects {
                    let _ = json::decode_watch(&object);
                    let _ = json::decode_keepalive(&object);
                }
            }
            Err(_) => return,
        }
    }
    let _ = lines.finish();
}

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
