#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `nitro-kms bench` against the simulated chain: it runs, counts, and reports in JSON. (Its
//! numbers are benchmarks, never assertions.)

use std::process::Command;

use nitro_kms_proxy::credentials::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::Sim;
use serde_json::Value;

fn bench(sim: &Sim, extra: &[&str]) -> Value {
    let out = Command::new(nitro_kms_tests::binary("nitro-kms"))
        .args(["bench", "--endpoint-url", &sim.endpoint, "--json"])
        .args(extra)
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bench_reports_counts_percentiles_and_connections_in_json() {
    let sim = Sim::start(&[]);
    for op in [
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "Decrypt",
    ] {
        let r = bench(
            &sim,
            &["--operation", op, "--concurrency", "4", "--requests", "200"],
        );
        assert_eq!(r["operation"], op);
        assert_eq!(r["requests"], 200);
        assert_eq!(r["errors"], 0);
        for field in [
            "requests_per_second",
            "p50_ms",
            "p90_ms",
            "p99_ms",
            "p999_ms",
        ] {
            assert!(r[field].as_f64().unwrap() > 0.0, "{field}: {r}");
        }
        assert!(r["p50_ms"].as_f64() <= r["p99_ms"].as_f64());
        assert!(r["connections"].as_u64().unwrap() <= 4, "{r}");
    }
    let recipient = format!("simulated:{}", sim.dir.display());
    let r = bench(
        &sim,
        &[
            "--concurrency",
            "2",
            "--requests",
            "20",
            "--recipient",
            &recipient,
        ],
    );
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(20), Some(0)),
        "{r}"
    );
    let r = bench(
        &sim,
        &[
            "--concurrency",
            "2",
            "--requests",
            "20",
            "--recipient",
            &recipient,
            "--reuse-document",
        ],
    );
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(20), Some(0)),
        "{r}"
    );
}
