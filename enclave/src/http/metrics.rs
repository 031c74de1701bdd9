//! `GET /metrics` of the enclave's endpoint, in Prometheus text, with the proxy's names for the
//! request metrics (`nitro_kms_requests_total`, `nitro_kms_errors_total`,
//! `nitro_kms_request_duration_seconds`, `nitro_kms_rejected_total`, `nitro_kms_in_flight`,
//! `nitro_kms_connections_refused_total`), so dashboards keep working when the proxy becomes a
//! relay. STS `GetCallerIdentity` ([`super::sts`]) is counted beside the KMS operations, under
//! the label `sts:GetCallerIdentity` (its IAM action name), so KMS dashboards see it without a
//! new metric. Counts and latencies only: nothing about keys, callers or payloads. All atomics.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nitro_kms_api::Operation;

/// The `operation` label of STS `GetCallerIdentity` answers (its IAM action name).
pub const STS_GET_CALLER_IDENTITY: &str = "sts:GetCallerIdentity";

/// Upper bounds of the latency histogram buckets, in seconds (the proxy's).
pub const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// One operation's counters.
#[derive(Debug, Default)]
struct OpMetrics {
    requests: AtomicU64,
    errors: AtomicU64,
    /// Per-bucket counts (one per [`BUCKETS`] entry, plus +Inf); cumulated when rendered.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl OpMetrics {
    fn record(&self, status: u16, elapsed: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if status >= 300 {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        if let Some(b) = self.buckets.get(bucket) {
            b.fetch_add(1, Ordering::Relaxed);
        }
        self.sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
}

/// The endpoint's counters.
#[derive(Debug)]
pub struct HttpMetrics {
    ops: Vec<OpMetrics>,
    /// STS `GetCallerIdentity`, labelled [`STS_GET_CALLER_IDENTITY`].
    sts: OpMetrics,
    /// Requests refused before reaching an operation (authentication, target, body).
    pub rejected: AtomicU64,
    /// Requests being answered now.
    pub in_flight: AtomicU64,
    /// Connections closed at once: the connection cap was reached.
    pub connections_refused: AtomicU64,
    /// Connections closed after their first byte: TLS without a TLS configuration, or cleartext
    /// where it is not allowed.
    pub protocol_refused: AtomicU64,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            ops: Operation::ALL
                .iter()
                .map(|_| OpMetrics::default())
                .collect(),
            sts: OpMetrics::default(),
            rejected: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            connections_refused: AtomicU64::new(0),
            protocol_refused: AtomicU64::new(0),
        }
    }
}

impl HttpMetrics {
    /// Records one answered request of `op`.
    pub fn record(&self, op: Operation, status: u16, elapsed: Duration) {
        if let Some(m) = Operation::ALL
            .iter()
            .position(|o| *o == op)
            .and_then(|index| self.ops.get(index))
        {
            m.record(status, elapsed);
        }
    }

    /// Records one answered STS request (authenticated, whatever its `Action`).
    pub fn record_sts(&self, status: u16, elapsed: Duration) {
        self.sts.record(status, elapsed);
    }

    /// The Prometheus exposition text; `ready` is whether the service is ready.
    pub fn render(&self, ready: bool) -> String {
        let mut out = String::new();
        let ops = || {
            Operation::ALL
                .iter()
                .map(|op| op.name())
                .chain([STS_GET_CALLER_IDENTITY])
                .zip(self.ops.iter().chain([&self.sts]))
        };
        header(
            &mut out,
            "nitro_kms_requests_total",
            "KMS requests answered, by operation.",
            "counter",
        );
        for (op, m) in ops() {
            let _ = writeln!(
                out,
                "nitro_kms_requests_total{{operation=\"{op}\"}} {}",
                m.requests.load(Ordering::Relaxed)
            );
        }
        header(
            &mut out,
            "nitro_kms_errors_total",
            "KMS requests answered with an error, by operation.",
            "counter",
        );
        for (op, m) in ops() {
            let _ = writeln!(
                out,
                "nitro_kms_errors_total{{operation=\"{op}\"}} {}",
                m.errors.load(Ordering::Relaxed)
            );
        }
        header(
            &mut out,
            "nitro_kms_request_duration_seconds",
            "Time from request to answer.",
            "histogram",
        );
        for (op, m) in ops() {
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(&m.buckets) {
                cumulative += count.load(Ordering::Relaxed);
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
                "Client connections closed at once because the connection cap was reached.",
                "counter",
                self.connections_refused.load(Ordering::Relaxed),
            ),
            (
                "nitro_kms_protocol_refused_total",
                "Client connections closed after their first byte: TLS without a TLS configuration, or cleartext HTTP where it is not allowed.",
                "counter",
                self.protocol_refused.load(Ordering::Relaxed),
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
                "nitro_kms_ready",
                "1 once the enclave's sealed state is loaded and it answers KMS requests.",
                "gauge",
                u64::from(ready),
            ),
        ] {
            header(&mut out, name, help, kind);
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

/// Appends a metric's `HELP` and `TYPE` lines.
fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_errors_and_latency_are_counted_per_operation_in_the_proxys_names() {
        let metrics = HttpMetrics::default();
        metrics.record(Operation::GenerateDataKey, 200, Duration::from_micros(700));
        metrics.record(Operation::GenerateDataKey, 400, Duration::from_secs(10));
        let text = metrics.render(true);
        for line in [
            "nitro_kms_requests_total{operation=\"GenerateDataKey\"} 2",
            "nitro_kms_errors_total{operation=\"GenerateDataKey\"} 1",
            "nitro_kms_request_duration_seconds_bucket{operation=\"GenerateDataKey\",le=\"0.001\"} 1",
            "nitro_kms_request_duration_seconds_bucket{operation=\"GenerateDataKey\",le=\"+Inf\"} 2",
            "nitro_kms_request_duration_seconds_count{operation=\"GenerateDataKey\"} 2",
            "nitro_kms_ready 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
        }
    }

    #[test]
    fn sts_answers_are_counted_under_their_iam_action_name() {
        let metrics = HttpMetrics::default();
        metrics.record_sts(200, Duration::from_micros(300));
        metrics.record_sts(400, Duration::from_micros(300));
        let text = metrics.render(true);
        for line in [
            "nitro_kms_requests_total{operation=\"sts:GetCallerIdentity\"} 2",
            "nitro_kms_errors_total{operation=\"sts:GetCallerIdentity\"} 1",
            "nitro_kms_requests_total{operation=\"Encrypt\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
        }
    }
}
