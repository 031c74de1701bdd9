//! Counters for the admin port's `GET /metrics`, in Prometheus text format. All atomics:
//! counting takes no lock. The enclave links report their events through [`LinkMetrics`],
//! implemented here over the same counters.
//!
//! What the proxy can count is what a relay sees: connections, bytes, the enclaves' control
//! links, the sealed state it stores and the egress relays. Per-operation counts and latencies
//! are the enclave's (`/metrics` on the service port, answered by the enclave): the proxy no
//! longer knows which operation a connection carries.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use nitro_kms_parent_link::{LinkMetrics, StoredPosition};

/// How an egress relay connection ended up, the `result` label of
/// `nitro_kms_egress_connections_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EgressResult {
    /// Connected upstream and answered `200`: the tunnel was opened.
    Relayed,
    /// The destination is not in the allowlist (`403`).
    Refused,
    /// The name did not resolve, or connecting upstream failed or timed out (`502`, `504`).
    Failed,
    /// The relay's connection limit was reached (`503`, or closed at once).
    Limited,
    /// Malformed, not CONNECT, too large or too slow a request head (`400`).
    BadRequest,
}

impl EgressResult {
    /// Every result, in the order `/metrics` lists them.
    pub const ALL: [EgressResult; 5] = [
        EgressResult::Relayed,
        EgressResult::Refused,
        EgressResult::Failed,
        EgressResult::Limited,
        EgressResult::BadRequest,
    ];

    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            EgressResult::Relayed => "relayed",
            EgressResult::Refused => "refused",
            EgressResult::Failed => "failed",
            EgressResult::Limited => "limited",
            EgressResult::BadRequest => "bad_request",
        }
    }
}

/// Counters of the egress relays (`--egress`), summed over all of them: what the enclave asked
/// to reach and how much it sent, so that an operator sees refusals and traffic without reading
/// logs.
#[derive(Debug, Default)]
pub struct EgressMetrics {
    /// Connections by result, indexed by `EgressResult as usize` (the order of
    /// [`EgressResult::ALL`]).
    results: [AtomicU64; EgressResult::ALL.len()],
    /// Relay connections open now (from accept to close, refusals included).
    pub active: AtomicU64,
    /// Bytes relayed from the enclave to upstream servers.
    pub bytes_to_upstream: AtomicU64,
    /// Bytes relayed from upstream servers to the enclave.
    pub bytes_to_enclave: AtomicU64,
}

impl EgressMetrics {
    /// Counts one connection that ended up as `result`.
    pub fn count(&self, result: EgressResult) {
        if let Some(counter) = self.results.get(result as usize) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Connections counted as `result` so far.
    pub fn get(&self, result: EgressResult) -> u64 {
        self.results
            .get(result as usize)
            .map_or(0, |counter| counter.load(Ordering::Relaxed))
    }

    /// Appends the egress metrics to `out`, in Prometheus text.
    fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP nitro_kms_egress_connections_total Egress relay connections, by result."
        );
        let _ = writeln!(out, "# TYPE nitro_kms_egress_connections_total counter");
        for result in EgressResult::ALL {
            let _ = writeln!(
                out,
                "nitro_kms_egress_connections_total{{result=\"{}\"}} {}",
                result.label(),
                self.get(result)
            );
        }
        let _ = writeln!(
            out,
            "# HELP nitro_kms_egress_active_connections Egress relay connections open now.\n\
             # TYPE nitro_kms_egress_active_connections gauge\n\
             nitro_kms_egress_active_connections {}",
            self.active.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP nitro_kms_egress_bytes_total Bytes relayed by the egress relays, by direction."
        );
        let _ = writeln!(out, "# TYPE nitro_kms_egress_bytes_total counter");
        for (direction, counter) in [
            ("to_upstream", &self.bytes_to_upstream),
            ("to_enclave", &self.bytes_to_enclave),
        ] {
            let _ = writeln!(
                out,
                "nitro_kms_egress_bytes_total{{direction=\"{direction}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
    }
}

/// Counters of the client relay (`--listen`).
#[derive(Debug, Default)]
pub struct RelayMetrics {
    /// Client connections accepted (refused ones included).
    pub accepted: AtomicU64,
    /// Client connections open now (connecting to the enclave or relaying).
    pub open: AtomicU64,
    /// Client connections closed at once because `--max-connections` were open.
    pub refused: AtomicU64,
    /// Client connections closed because the enclave's HTTP endpoint could not be reached in time.
    pub connect_failures: AtomicU64,
    /// Bytes relayed from clients to enclaves.
    pub bytes_client_to_enclave: AtomicU64,
    /// Bytes relayed from enclaves to clients.
    pub bytes_enclave_to_client: AtomicU64,
}

impl RelayMetrics {
    /// Appends the relay metrics to `out`, in Prometheus text.
    fn render(&self, out: &mut String) {
        for (name, help, kind, value) in [
            (
                "nitro_kms_relay_connections_accepted_total",
                "Client connections accepted on --listen (refused ones included).",
                "counter",
                &self.accepted,
            ),
            (
                "nitro_kms_relay_connections_open",
                "Client connections being relayed now.",
                "gauge",
                &self.open,
            ),
            (
                "nitro_kms_connections_refused_total",
                "Client connections closed at once because --max-connections were open.",
                "counter",
                &self.refused,
            ),
            (
                "nitro_kms_relay_connect_failures_total",
                "Client connections closed because the enclave's HTTP endpoint was unreachable.",
                "counter",
                &self.connect_failures,
            ),
        ] {
            write_sample(out, name, help, kind, value.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP nitro_kms_relay_bytes_total Bytes relayed between clients and enclaves, by \
             direction (opaque: TLS records or cleartext HTTP alike).\n\
             # TYPE nitro_kms_relay_bytes_total counter"
        );
        for (direction, counter) in [
            ("client_to_enclave", &self.bytes_client_to_enclave),
            ("enclave_to_client", &self.bytes_enclave_to_client),
        ] {
            let _ = writeln!(
                out,
                "nitro_kms_relay_bytes_total{{direction=\"{direction}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
    }
}

/// One enclave as `/metrics` shows it, read from the router when the page is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnclaveStatus {
    /// Client connections relayed to it so far.
    pub relayed: u64,
    /// Its control-link connections up now.
    pub link_connections: usize,
    /// Whether it could serve reads now: connected and, for a read replica, caught up.
    pub caught_up: bool,
}

/// Everything the proxy counts.
#[derive(Debug, Default)]
pub struct Metrics {
    /// The client relay.
    pub relay: RelayMetrics,
    /// Control-link connections made to the enclaves (reconnects included).
    pub connects: AtomicU64,
    /// Times the simulated enclave was restarted after it died.
    pub enclave_restarts: AtomicU64,
    /// The egress relays (`--egress`).
    pub egress: EgressMetrics,
    /// `Sync`s sent to read replicas.
    pub syncs_sent: AtomicU64,
    /// `SyncAck`s reporting that a replica could not catch up.
    pub syncs_failed: AtomicU64,
    /// The stored sealed state's generation and sequence number, as the state store wrote them.
    sealed_state: Arc<StoredPosition>,
}

/// The links' events land in the counters `/metrics` shows (`nitro_kms_enclave_connects_total`,
/// `nitro_kms_syncs_sent_total`, `nitro_kms_syncs_failed_total`).
impl LinkMetrics for Metrics {
    fn connected(&self) {
        self.connects.fetch_add(1, Ordering::Relaxed);
    }

    fn sync_sent(&self) {
        self.syncs_sent.fetch_add(1, Ordering::Relaxed);
    }

    fn sync_failed(&self) {
        self.syncs_failed.fetch_add(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counters that also show the stored sealed state's generation and sequence number, as
    /// `sealed_state` (the proxy's [`StateStore::position`](nitro_kms_parent_link::StateStore::position))
    /// follows them.
    pub fn with_sealed_state(sealed_state: Arc<StoredPosition>) -> Metrics {
        Metrics {
            sealed_state,
            ..Metrics::default()
        }
    }

    /// The Prometheus exposition text: the relay, the control links (`enclaves[0]` is the leader,
    /// or the only enclave; `pool_size` connections are kept to each), the sealed state and the
    /// egress relays.
    pub fn render(&self, enclaves: &[EnclaveStatus], pool_size: usize) -> String {
        let mut out = String::new();
        self.relay.render(&mut out);
        let connected: usize = enclaves.iter().map(|e| e.link_connections).sum();
        for (name, help, kind, value) in [
            (
                "nitro_kms_enclave_connections",
                "Live control-link connections to the enclaves.",
                "gauge",
                connected as u64,
            ),
            (
                "nitro_kms_enclave_pool_size",
                "Control-link connections kept to each enclave.",
                "gauge",
                pool_size as u64,
            ),
            (
                "nitro_kms_enclave_connects_total",
                "Control-link connections made to the enclaves, reconnects included.",
                "counter",
                self.connects.load(Ordering::Relaxed),
            ),
            (
                "nitro_kms_enclave_restarts_total",
                "Times the simulated enclave was restarted after dying.",
                "counter",
                self.enclave_restarts.load(Ordering::Relaxed),
            ),
        ] {
            write_sample(&mut out, name, help, kind, value);
        }
        self.render_enclaves(&mut out, enclaves);
        self.render_sealed_state(&mut out);
        self.egress.render(&mut out);
        out
    }

    /// Appends the sealed state's generation and sequence number, once the store has seen a
    /// snapshot (absent before: a monitor must not read a 0 as a rollback).
    fn render_sealed_state(&self, out: &mut String) {
        let Some((generation, sequence)) = self.sealed_state.get() else {
            return;
        };
        for (name, help, value) in [
            (
                "nitro_kms_sealed_state_generation",
                "Generation of the enclave's sealed snapshot, as this parent stored it (read from \
                 the file's clear header; not vouched for by the enclave). It only grows, across \
                 restarts too: keep it outside the parent and alert when it goes down (files \
                 rolled back).",
                generation,
            ),
            (
                "nitro_kms_sealed_state_sequence",
                "Sequence number of the last mutation in the enclave's sealed state, as this \
                 parent stored it (snapshot and journal clear headers; not vouched for by the \
                 enclave). It only grows, across restarts too: keep it outside the parent and \
                 alert when it goes down (files rolled back).",
                sequence,
            ),
        ] {
            write_sample(out, name, help, "gauge", value);
        }
    }

    /// Appends the per-enclave and replication metrics to `out`.
    fn render_enclaves(&self, out: &mut String, enclaves: &[EnclaveStatus]) {
        let labelled: [LabelledSample; 3] = [
            (
                "nitro_kms_enclave_relayed_connections_total",
                "Client connections relayed, by enclave (0 is the leader).",
                "counter",
                |e| e.relayed,
            ),
            (
                "nitro_kms_enclave_link_connections",
                "Live control-link connections, by enclave.",
                "gauge",
                |e| e.link_connections as u64,
            ),
            (
                "nitro_kms_enclave_caught_up",
                "1 when the enclave's control link is up and, for a read replica, it has applied \
                 every acknowledged write; 0 otherwise.",
                "gauge",
                |e| u64::from(e.caught_up),
            ),
        ];
        for (name, help, kind, value) in labelled {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (index, enclave) in enclaves.iter().enumerate() {
                let _ = writeln!(out, "{name}{{enclave=\"{index}\"}} {}", value(enclave));
            }
        }
        let replicas = enclaves.get(1..).unwrap_or_default();
        for (name, help, kind, value) in [
            (
                "nitro_kms_replicas",
                "Read replicas configured (every --enclave after the first).",
                "gauge",
                replicas.len() as u64,
            ),
            (
                "nitro_kms_replicas_caught_up",
                "Read replicas connected and caught up with every acknowledged write.",
                "gauge",
                replicas.iter().filter(|r| r.caught_up).count() as u64,
            ),
            (
                "nitro_kms_syncs_sent_total",
                "Sync frames sent to read replicas.",
                "counter",
                self.syncs_sent.load(Ordering::Relaxed),
            ),
            (
                "nitro_kms_syncs_failed_total",
                "Read replica catch-ups that failed.",
                "counter",
                self.syncs_failed.load(Ordering::Relaxed),
            ),
        ] {
            write_sample(out, name, help, kind, value);
        }
    }
}

/// A per-enclave sample: name, help, type, and how to read its value from an enclave's status.
type LabelledSample = (
    &'static str,
    &'static str,
    &'static str,
    fn(&EnclaveStatus) -> u64,
);

/// Appends one unlabelled sample with its `HELP` and `TYPE` lines.
fn write_sample(out: &mut String, name: &str, help: &str, kind: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}
