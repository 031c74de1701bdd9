//! Counters for `GET /metrics`, in Prometheus text format. All atomics: recording a request
//! takes no lock. The enclave links report their events through
//! [`LinkMetrics`], implemented here over the same counters.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::sync::Arc;

use nitro_kms_api::Operation;
use nitro_kms_parent_link::{LinkMetrics, StoredPosition};

/// Upper bounds of the latency histogram buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Per-operation counters.
#[derive(Debug, Default)]
pub struct OpMetrics {
    requests: AtomicU64,
    errors: AtomicU64,
    /// Cumulative bucket counts (one per [`BUCKETS`] entry, plus +Inf).
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

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

/// One enclave as `/metrics` shows it, read from the router when the page is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnclaveStatus {
    /// KMS requests relayed to it so far.
    pub requests: u64,
    /// Whether it gets reads now: connected and, for a read replica, caught up.
    pub serving: bool,
}

/// Everything the proxy counts.
#[derive(Debug)]
pub struct Metrics {
    ops: Vec<OpMetrics>,
    /// Requests with a target we do not serve, or refused before reaching an operation.
    pub rejected: AtomicU64,
    /// Requests in flight right now.
    pub in_flight: AtomicU64,
    /// Connections made to the enclave (reconnects included).
    pub connects: AtomicU64,
    /// Requests that timed out waiting for the enclave.
    pub timeouts: AtomicU64,
    /// Times the simulated enclave was restarted after it died.
    pub enclave_restarts: AtomicU64,
    /// Client connections closed at once because `--max-connections` were open.
    pub connections_refused: AtomicU64,
    /// The egress relays (`--egress`).
    pub egress: EgressMetrics,
    /// `Sync`s sent to read replicas.
    pub syncs_sent: AtomicU64,
    /// `SyncAck`s reporting that a replica could not catch up.
    pub syncs_failed: AtomicU64,
    /// The stored sealed state's generation and sequence number, as the state store wrote them.
    sealed_state: Arc<StoredPosition>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            ops: Operation::ALL
                .iter()
                .map(|_| OpMetrics::default())
                .collect(),
            rejected: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            connects: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            enclave_restarts: AtomicU64::new(0),
            connections_refused: AtomicU64::new(0),
            egress: EgressMetrics::default(),
            syncs_sent: AtomicU64::new(0),
            syncs_failed: AtomicU64::new(0),
            sealed_state: Arc::default(),
        }
    }
}

/// The links' events land in the counters `/metrics` shows (`nitro_kms_enclave_connects_total`,
/// `nitro_kms_enclave_timeouts_total`, `nitro_kms_syncs_sent_total`,
/// `nitro_kms_syncs_failed_total`).
impl LinkMetrics for Metrics {
    fn connected(&self) {
        self.connects.fetch_add(1, Ordering::Relaxed);
    }

    fn timed_out(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
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

    /// Records one answered request of `op`.
    pub fn record(&self, op: Operation, status: u16, elapsed: Duration) {
        let Some(index) = Operation::ALL.iter().position(|o| *o == op) else {
            return;
        };
        let Some(m) = self.ops.get(index) else {
            return;
        };
        m.requests.fetch_add(1, Ordering::Relaxed);
        if status >= 300 {
            m.errors.fetch_add(1, Ordering::Relaxed);
        }
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        if let Some(b) = m.buckets.get(bucket) {
            b.fetch_add(1, Ordering::Relaxed);
        }
        m.sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The Prometheus exposition text. `connected` is the number of live enclave connections.
    pub fn render(&self, connected: usize, pool_size: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP nitro_kms_requests_total KMS requests answered, by operation."
        );
        let _ = writeln!(out, "# TYPE nitro_kms_requests_total counter");
        for (op, m) in Operation::ALL.iter().zip(&self.ops) {
            let _ = writeln!(
                out,
                "nitro_kms_requests_total{{operation=\"{op}\"}} {}",
                m.requests.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP nitro_kms_errors_total KMS requests answered with an error, by operation."
        );
        let _ = writeln!(out, "# TYPE nitro_kms_errors_total counter");
        for (op, m) in Operation::ALL.iter().zip(&self.ops) {
            let _ = writeln!(
                out,
                "nitro_kms_errors_total{{operation=\"{op}\"}} {}",
                m.errors.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP nitro_kms_request_duration_seconds Time from request to answer."
        );
        let _ = writeln!(out, "# TYPE nitro_kms_request_duration_seconds histogram");
        for (op, m) in Operation::ALL.iter().zip(&self.ops) {
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += m.buckets[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "nitro_kms_request_duration_seconds_bucket{{operation=\"{op}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += m.buckets[BUCKETS.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "nitro_kms_request_duration_seconds_bucket{{operation=\"{op}\",le=\"+Inf\"}} {cumulative}"
            );
            let _ = writeln!(
                out,
                "nitro_kms_request_duration_seconds_sum{{operation=\"{op}\"}} {}",
                m.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "nitro_kms_request_duration_seconds_count{{operation=\"{op}\"}} {cumulative}"
            );
        }
        for (name, help, kind, value) in [
            (
                "nitro_kms_connections_refused_total",
                "Client connections closed at once because --max-connections were open.",
                "counter",
                self.connections_refused.load(Ordering::Relaxed),
            ),
            (
                "nitro_kms_rejected_total",
                "Requests refused before reaching an operation (auth, target, size).",
                "counter",
                self.rejected.load(Ordering::Relaxed),
            ),
            (
                "nitro_kms_in_flight",
                "Requests being answered now.",
                "gauge",
                self.in_flight.load(Ordering::Relaxed),
            ),
            (
                "nitro_kms_enclave_connections",
                "Live connections to the enclave.",
                "gauge",
                connected as u64,
            ),
            (
                "nitro_kms_enclave_pool_size",
                "Connections the pool keeps.",
                "gauge",
                pool_size as u64,
            ),
            (
                "nitro_kms_enclave_connects_total",
                "Connections made to the enclave, reconnects included.",
                "counter",
                self.connects.load(Ordering::Relaxed),
            ),
            (
                "nitro_kms_enclave_timeouts_total",
                "Requests that timed out waiting for the enclave.",
                "counter",
                self.timeouts.load(Ordering::Relaxed),
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

    /// Appends the per-enclave and replication metrics to `out`: `enclaves[0]` is the leader (or
    /// the only enclave), the others are read replicas.
    pub fn render_enclaves(&self, out: &mut String, enclaves: &[EnclaveStatus]) {
        let _ = writeln!(
            out,
            "# HELP nitro_kms_enclave_requests_total KMS requests relayed, by enclave (0 is the \
             leader, the only one that takes mutations)."
        );
        let _ = writeln!(out, "# TYPE nitro_kms_enclave_requests_total counter");
        for (index, enclave) in enclaves.iter().enumerate() {
            let _ = writeln!(
                out,
                "nitro_kms_enclave_requests_total{{enclave=\"{index}\"}} {}",
                enclave.requests
            );
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
                "Read replicas connected and caught up with every acknowledged write (serving reads).",
                "gauge",
                replicas.iter().filter(|r| r.serving).count() as u64,
            ),
            (
                "nitro_kms_syncs_sent_total",
                "Sync frames sent to read replicas.",
                "counter",
                self.syncs_sent.load(Ordering::Relaxed),
            ),
            (
                "nitro_kms_syncs_failed_total",
                "Read replica catch-ups that failed (the replica gets no requests until one succeeds).",
                "counter",
                self.syncs_failed.load(Ordering::Relaxed),
            ),
        ] {
            write_sample(out, name, help, kind, value);
        }
    }
}

/// Appends one unlabelled sample with its `HELP` and `TYPE` lines.
fn write_sample(out: &mut String, name: &str, help: &str, kind: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}
