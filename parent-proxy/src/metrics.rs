//! Counters for `GET /metrics`, in Prometheus text format. All atomics: recording a request
//! takes no lock.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nitro_kms_common::kms::Operation;

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
        }
    }
}

impl Metrics {
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
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}
