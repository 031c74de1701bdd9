//! `nitro-kms bench`: the load generator.
//!
//! ```text
//! nitro-kms bench --endpoint-url URL [--region R] --operation GenerateDataKey [--key-id ID]
//!                 --concurrency N (--duration SECONDS | --requests N) [--json]
//!                 [--recipient simulated:DIR|nsm [--reuse-document]]
//! ```
//!
//! N tasks share one [`KmsClient`] (so N kept-alive connections) and call the operation in a loop
//! until the duration or the request count is reached. Every latency goes into an HdrHistogram
//! (microseconds, 3 significant digits); a progress line goes to stderr every second; the result is
//! a summary line or, with `--json`, an object with at least `requests_per_second`, `p50_ms`,
//! `p99_ms` and `errors`. Without `--key-id` a key is created first. Decrypt decrypts one blob made
//! up front. With `--recipient`, GenerateDataKey carries a `Recipient`: a fresh attestation
//! document per request (opened locally, as an enclave application would), or with
//! `--reuse-document` one document for every request (the service's cost alone).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use hdrhistogram::Histogram;
use nitro_kms_common::client::{ClientConfig, CredentialsProvider, DefaultChain, KmsClient};
use nitro_kms_common::crypto::RsaKeySize;
use nitro_kms_common::kms::Operation;
use nitro_kms_common::kms::ops::{
    CreateKeyRequest, CreateKeyResponse, GenerateDataKeyWithoutPlaintextResponse,
};
use nitro_kms_common::kms::types::RecipientInfo;
use serde_json::{Value, json};

use crate::error::CliError;

/// Options of `nitro-kms bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The KMS endpoint (`http://127.0.0.1:9600`).
    #[arg(long)]
    endpoint_url: String,
    /// Region requests are signed for.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// GenerateDataKey, GenerateDataKeyWithoutPlaintext or Decrypt.
    #[arg(long, default_value = "GenerateDataKey")]
    operation: String,
    /// The key (created if absent).
    #[arg(long)]
    key_id: Option<String>,
    /// Concurrent connections.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Seconds to run.
    #[arg(long)]
    duration: Option<f64>,
    /// Requests to send (instead of a duration).
    #[arg(long)]
    requests: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Attest GenerateDataKey calls: `simulated:DIR` or `nsm`.
    #[arg(long)]
    recipient: Option<String>,
    /// With --recipient: one document for every request.
    #[arg(long)]
    reuse_document: bool,
}

fn other(e: impl std::fmt::Display) -> CliError {
    CliError::Other(e.to_string())
}

/// Runs the benchmark.
pub fn run(args: BenchArgs) -> Result<(), CliError> {
    let op = Operation::from_name(&args.operation)
        .filter(|o| {
            matches!(
                o,
                Operation::GenerateDataKey
                    | Operation::GenerateDataKeyWithoutPlaintext
                    | Operation::Decrypt
            )
        })
        .ok_or_else(|| {
            CliError::Usage(format!("--operation {} is not benchmarked", args.operation))
        })?;
    if args.duration.is_none() == args.requests.is_none() {
        return Err(CliError::Usage(
            "give exactly one of --duration and --requests".into(),
        ));
    }
    if args.concurrency == 0 {
        return Err(CliError::Usage("--concurrency must be at least 1".into()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(other)?;
    let result = runtime.block_on(bench(op, &args))?;
    if args.json {
        crate::output::line(&result.to_string()).map_err(other)?;
    } else {
        crate::output::line(&format!(
            "{} x{}: {} requests in {:.2} s = {:.0} req/s; p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms; {} errors",
            result["operation"].as_str().unwrap_or(""),
            args.concurrency,
            result["requests"],
            result["duration_s"].as_f64().unwrap_or(0.0),
            result["requests_per_second"].as_f64().unwrap_or(0.0),
            result["p50_ms"].as_f64().unwrap_or(0.0),
            result["p90_ms"].as_f64().unwrap_or(0.0),
            result["p99_ms"].as_f64().unwrap_or(0.0),
            result["p999_ms"].as_f64().unwrap_or(0.0),
            result["errors"],
        ))
        .map_err(other)?;
    }
    Ok(())
}

async fn bench(op: Operation, args: &BenchArgs) -> Result<Value, CliError> {
    let (creds, _) = DefaultChain.provide().map_err(other)?;
    let mut config = ClientConfig::new(&args.endpoint_url, &args.region, creds.clone());
    config.max_idle = args.concurrency.max(8);
    let mut client = KmsClient::new(config).map_err(other)?;
    let key_id = match &args.key_id {
        Some(k) => k.clone(),
        None => {
            let created: CreateKeyResponse = client
                .call(Operation::CreateKey, &CreateKeyRequest::default())
                .await
                .map_err(other)?;
            created.key_metadata.map(|m| m.key_id).unwrap_or_default()
        }
    };
    let mut shared_recipient: Option<RecipientInfo> = None;
    if let Some(recipient) = &args.recipient {
        if op != Operation::GenerateDataKey {
            return Err(CliError::Usage(
                "--recipient is benchmarked on GenerateDataKey".into(),
            ));
        }
        let nsm: Arc<dyn nitro_kms_common::nsm::Nsm> = match recipient.strip_prefix("simulated:") {
            Some(dir) => Arc::new(
                nitro_kms_common::nsm::simulated::SimulatedNsm::open(
                    nitro_kms_common::nsm::simulated::SimulatedNsmConfig::new(dir),
                )
                .map_err(other)?,
            ),
            None => Arc::new(
                nitro_kms_common::nsm::device::NsmDevice::open()
                    .map_err(|e| other(format!("{e:?}")))?,
            ),
        };
        let attestation =
            nitro_kms_common::client::Attestation::new(nsm.clone(), RsaKeySize::Rsa2048)
                .map_err(other)?;
        if args.reuse_document {
            shared_recipient = Some(attestation.recipient().map_err(other)?);
        } else {
            client = client.attested(nsm, RsaKeySize::Rsa2048).map_err(other)?;
        }
    }
    let body = match op {
        Operation::Decrypt => {
            let made: GenerateDataKeyWithoutPlaintextResponse = client
                .call(
                    Operation::GenerateDataKeyWithoutPlaintext,
                    &json!({"KeyId": key_id, "KeySpec": "AES_256"}),
                )
                .await
                .map_err(other)?;
            json!({"CiphertextBlob": made.ciphertext_blob})
        }
        _ => {
            let mut b = json!({"KeyId": key_id, "KeySpec": "AES_256"});
            if let Some(r) = &shared_recipient {
                b["Recipient"] = serde_json::to_value(r).map_err(other)?;
            }
            b
        }
    };
    let client = Arc::new(client);
    let body = Arc::new(body);
    let attested = args.recipient.is_some() && !args.reuse_document;
    let deadline = args
        .duration
        .map(|d| Instant::now() + Duration::from_secs_f64(d));
    let budget = Arc::new(AtomicU64::new(args.requests.unwrap_or(u64::MAX)));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let progress = {
        let done = done.clone();
        let errors = errors.clone();
        let stop = stop.clone();
        let quiet = args.json;
        tokio::spawn(async move {
            let mut last = 0;
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let now = done.load(Ordering::Relaxed);
                if !quiet {
                    eprint!(
                        "\r{:>6.1} s  {:>8} requests  {:>8} req/s  {} errors   ",
                        started.elapsed().as_secs_f64(),
                        now,
                        now - last,
                        errors.load(Ordering::Relaxed)
                    );
                }
                last = now;
            }
        })
    };
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let client = client.clone();
        let body = body.clone();
        let budget = budget.clone();
        let done = done.clone();
        let errors = errors.clone();
        workers.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                if budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
                    .is_err()
                {
                    break;
                }
                let t = Instant::now();
                let ok = if attested {
                    let request = serde_json::from_value((*body).clone()).unwrap_or_default();
                    client.generate_data_key(&request).await.is_ok()
                } else {
                    client
                        .call_raw(op, body.to_string().into_bytes())
                        .await
                        .is_ok()
                };
                let micros = u64::try_from(t.elapsed().as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                if let Some(h) = hist.as_mut() {
                    let _ = h.record(micros.min(60_000_000));
                }
                done.fetch_add(1, Ordering::Relaxed);
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            hist
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(other)?;
    for w in workers {
        if let Ok(Some(h)) = w.await {
            total.add(h).map_err(other)?;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    progress.abort();
    if !args.json {
        eprintln!();
    }
    let requests = done.load(Ordering::Relaxed);
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    let name = match (op, &args.recipient, args.reuse_document) {
        (Operation::GenerateDataKey, Some(_), true) => {
            "GenerateDataKey+Recipient(reused document)".to_owned()
        }
        (Operation::GenerateDataKey, Some(_), false) => {
            "GenerateDataKey+Recipient(fresh document)".to_owned()
        }
        _ => op.name().to_owned(),
    };
    Ok(json!({
        "operation": name,
        "concurrency": args.concurrency,
        "requests": requests,
        "errors": errors.load(Ordering::Relaxed),
        "duration_s": elapsed,
        "requests_per_second": if elapsed > 0.0 { requests as f64 / elapsed } else { 0.0 },
        "p50_ms": ms(0.5),
        "p90_ms": ms(0.9),
        "p99_ms": ms(0.99),
        "p999_ms": ms(0.999),
        "max_ms": total.max() as f64 / 1000.0,
        "connections": client.connections_opened(),
    }))
}
