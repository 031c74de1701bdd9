//! The etcd store's gauges and counters in `/metrics` (Prometheus text), beside the request
//! metrics of the enclave's endpoint: whether this enclave leads, how long its lease has left,
//! how far a follower is behind, how long etcd takes to answer and how often it does not. All
//! atomics, written by the store as it works and read here without a lock.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Counters and gauges for `/metrics`, as atomics (read without locks).
#[derive(Debug, Default)]
pub struct EtcdMetrics {
    /// 1 when leader (and ready), else 0.
    pub leader: AtomicU64,
    /// Milliseconds of lease left at the last renewal (0 for a follower).
    pub lease_left_ms: AtomicI64,
    /// Records etcd had that this enclave had not applied, at the last watch batch.
    pub lag_records: AtomicU64,
    /// Milliseconds between a record's write by the leader and its apply here (the last one).
    pub lag_ms: AtomicU64,
    /// Round-trip time of the last etcd request, microseconds.
    pub round_trip_us: AtomicU64,
    /// Requests to etcd that failed.
    pub errors: AtomicU64,
    /// Writes this enclave made (journal records and snapshots).
    pub writes: AtomicU64,
    /// Elections this enclave won.
    pub elections_won: AtomicU64,
    /// 1 while the watch is established (a follower's lag is then what `lag_records` says).
    pub watch_up: AtomicU64,
    /// When the watch last went down, ms since the epoch (0 while up).
    pub watch_down_since_ms: AtomicU64,
}

impl EtcdMetrics {
    /// The metrics as Prometheus text; `now_ms` is the wall clock (for the watch's outage).
    pub fn render(&self, now_ms: u64) -> String {
        let mut out = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let lag_seconds = if get(&self.watch_up) == 1 {
            0.0
        } else {
            let since = get(&self.watch_down_since_ms);
            if since == 0 {
                0.0
            } else {
                now_ms.saturating_sub(since) as f64 / 1000.0
            }
        };
        let rows: [(&str, &str, &str, String); 9] = [
            (
                "nitro_kms_store_leader",
                "gauge",
                "1 when this enclave is the etcd store's ready leader, 0 when it follows.",
                get(&self.leader).to_string(),
            ),
            (
                "nitro_kms_store_lease_seconds_left",
                "gauge",
                "Seconds of the leader's lease left at its last renewal (0 for a follower).",
                format!(
                    "{}",
                    self.lease_left_ms.load(Ordering::Relaxed).max(0) as f64 / 1000.0
                ),
            ),
            (
                "nitro_kms_store_replication_lag_records",
                "gauge",
                "Journal records etcd had that this enclave had not applied, at its last watch batch.",
                get(&self.lag_records).to_string(),
            ),
            (
                "nitro_kms_store_replication_lag_seconds",
                "gauge",
                "Seconds this enclave may be behind etcd: 0 while its watch is established, else the time since it broke.",
                format!("{lag_seconds}"),
            ),
            (
                "nitro_kms_store_round_trip_seconds",
                "gauge",
                "Round-trip time of the last etcd request, through the parent's egress relay.",
                format!("{}", get(&self.round_trip_us) as f64 / 1_000_000.0),
            ),
            (
                "nitro_kms_store_errors_total",
                "counter",
                "etcd requests that failed (unreachable, timed out, refused).",
                get(&self.errors).to_string(),
            ),
            (
                "nitro_kms_store_writes_total",
                "counter",
                "Fenced writes (journal records and snapshots) this enclave made to etcd.",
                get(&self.writes).to_string(),
            ),
            (
                "nitro_kms_store_elections_won_total",
                "counter",
                "Times this enclave won the etcd store's leadership.",
                get(&self.elections_won).to_string(),
            ),
            (
                "nitro_kms_store_watch_up",
                "gauge",
                "1 while this enclave's watch of the etcd store is established.",
                get(&self.watch_up).to_string(),
            ),
        ];
        for (name, kind, help, value) in rows {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }

    /// Records that the watch is established (`true`) or broke at `now_ms` (`false`).
    pub fn set_watch(&self, up: bool, now_ms: u64) {
        let was_up = self.watch_up.swap(u64::from(up), Ordering::Relaxed) == 1;
        if up {
            self.watch_down_since_ms.store(0, Ordering::Relaxed);
        } else if was_up || self.watch_down_since_ms.load(Ordering::Relaxed) == 0 {
            self.watch_down_since_ms.store(now_ms, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_every_gauge_with_help_and_type() {
        let m = EtcdMetrics::default();
        m.leader.store(1, Ordering::Relaxed);
        m.lease_left_ms.store(4_000, Ordering::Relaxed);
        m.round_trip_us.store(1_500, Ordering::Relaxed);
        m.set_watch(true, 1_000);
        let text = m.render(5_000);
        assert!(text.contains("nitro_kms_store_leader 1\n"), "{text}");
        assert!(
            text.contains("nitro_kms_store_lease_seconds_left 4\n"),
            "{text}"
        );
        assert!(
            text.contains("nitro_kms_store_round_trip_seconds 0.0015\n"),
            "{text}"
        );
        assert!(
            text.contains("nitro_kms_store_replication_lag_seconds 0\n"),
            "{text}"
        );
        assert_eq!(text.matches("# TYPE ").count(), 9);
    }

    #[test]
    fn replication_lag_seconds_grows_while_the_watch_is_down() {
        let m = EtcdMetrics::default();
        m.set_watch(true, 1_000);
        m.set_watch(false, 2_000);
        m.set_watch(false, 3_000);
        let text = m.render(4_500);
        assert!(
            text.contains("nitro_kms_store_replication_lag_seconds 2.5\n"),
            "{text}"
        );
    }
}
