//! `nitro-kms bench`: the load generator.
//!
//! ```text
//! nitro-kms bench (--endpoint-url URL | --enclave unix:///PATH/enclave-http.sock
//!                  [--control unix:///PATH/enclave.sock --state-dir DIR]) [--region R]
//!                 --operation GenerateDataKey [--key-id ID]
//!                 --concurrency N (--duration SECONDS | --requests N) [--json]
//!                 [--recipient simulated:DIR|nsm [--reuse-document | --attest-inline]]
//! ```
//!
//! Two targets:
//! - **HTTP** (`--endpoint-url`): N tasks share one [`KmsClient`] (so N kept-alive connections,
//!   SigV4-signed with credentials from the usual AWS sources), exactly what an SDK sends.
//! - **The enclave alone** (`--enclave`): the enclave's own HTTP endpoint (`--http-listen`;
//!   `STATE_DIR/enclave-http.sock` in the simulation), cleartext, SigV4-signed with the
//!   simulation's built-in key — the enclave verifies every signature itself, so that is part of
//!   what is measured, but no proxy is in the path. KMS requests reach an enclave only there (its
//!   control link refuses `Request` frames, issue 16). The enclave needs a parent on its control
//!   link for its sealed state: a running `nitro-kms-proxy --simulate`, or, with `--control ADDR
//!   --state-dir DIR`, the bench itself, with the proxy's own [`EnclaveLink`] serving the
//!   enclave's `Persist` frames from DIR (start a fresh enclave for that: the bench is then its
//!   only parent).
//!
//! Over `https://` the bench trusts the Mozilla roots, `--ca-bundle`, or, with `--service-pcr`,
//! only an attested enclave (checked in each full handshake, as the attested client does);
//! `--connect-to` sends TLS to another address (such as the enclave's socket) under the URL's
//! name. `--new-connection-per-request` opens a connection per request without keep-alive or TLS
//! resumption, to measure new connections (full handshakes) per second.
//!
//! Each task calls the operation in a loop until the duration or the request count is reached.
//! Every latency goes into an HdrHistogram (microseconds, 3 significant digits); a progress line
//! goes to stderr every second; the result is a summary line or, with `--json`, an object with at
//! least `requests_per_second`, `p50_ms`, `p99_ms` and `errors`. Without `--key-id` a key is
//! created first. Decrypt decrypts one blob made up front.
//!
//! With `--recipient`, GenerateDataKey carries a `Recipient`, in one of three ways:
//! - default: a **fresh document per request**, all made before the clock starts (distinct
//!   signatures, never sent twice), so the service verifies a new document every time while the
//!   load generator's own signing does not compete with it for the same cores; a run ends early
//!   (and says so) if the `--documents` made ahead run out;
//! - `--reuse-document`: one document for every request;
//! - `--attest-inline`: each task attests and opens each answer itself inside the timed loop
//!   (RSA-OAEP), as an enclave application does — the whole application path, load generator
//!   included (`--endpoint-url` only).
//!
//! Every Recipient answer is checked: it must carry `CiphertextForRecipient` and no `Plaintext`,
//! or it counts as an error.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use hdrhistogram::Histogram;
use nitro_kms_api::Operation;
use nitro_kms_api::ops::GenerateDataKeyRequest;
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_attest::nsm::Nsm;
use nitro_kms_attest::nsm::source::NsmSource;
use nitro_kms_client::{
    Attestation, ClientConfig, Credentials, CredentialsProvider, DefaultChain, KmsClient,
    ServiceTrust,
};
use nitro_kms_crypto::RsaKeySize;
use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_parent_link::{EnclaveLink, LinkConfig, LinkCounters, StateDirLock};
use nitro_kms_wire::Limits;
use nitro_kms_wire::transport::Address;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::commands::service::{RootChoice, service_trust};
use crate::error::CliError;

/// Options of `nitro-kms bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The KMS endpoint (`http://127.0.0.1:9600`).
    #[arg(long, required_unless_present = "enclave", conflicts_with = "enclave")]
    endpoint_url: Option<String>,
    /// Region requests are signed for.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// GenerateDataKey, GenerateDataKeyWithoutPlaintext or Decrypt.
    #[arg(long, default_value = "GenerateDataKey")]
    operation: String,
    /// The key (created if absent).
    #[arg(long)]
    key_id: Option<String>,
    /// Concurrent requests (over as many kept-alive HTTP connections).
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
    #[arg(long, requires = "recipient", conflicts_with = "attest_inline")]
    reuse_document: bool,
    /// With --recipient: attest and open every answer inside the timed loop (--endpoint-url only).
    #[arg(long, requires = "recipient", conflicts_with = "enclave")]
    attest_inline: bool,
    /// With --recipient and --duration: how many fresh documents to make before the clock starts.
    #[arg(long, default_value_t = 20_000)]
    documents: usize,
    /// Bench the enclave alone at its own HTTP endpoint (`unix:///path/enclave-http.sock`),
    /// cleartext, signed with the simulation's built-in key.
    #[arg(long)]
    enclave: Option<String>,
    /// With --enclave: be the enclave's parent on its control link at this address
    /// (`unix:///path/enclave.sock`), serving its sealed state from --state-dir.
    #[arg(long, requires = "enclave", requires = "state_dir")]
    control: Option<String>,
    /// With --control: where the parent's copy of the enclave's sealed state is kept.
    #[arg(long, requires = "control")]
    state_dir: Option<PathBuf>,
    /// Send the requests to this address instead of the URL's host (`unix:///path`,
    /// `tcp://HOST:PORT`), keeping the URL's host as `Host` and TLS name: TLS straight to the
    /// enclave's socket with `--endpoint-url https://localhost`.
    #[arg(long, requires = "endpoint_url")]
    connect_to: Option<String>,
    /// For `https://`: trust these PEM roots (e.g. the CA `nitro-kms service verify --ca-out`
    /// wrote) instead of the Mozilla roots.
    #[arg(long)]
    ca_bundle: Option<PathBuf>,
    /// For `https://`: trust the server only as an attested enclave with this PCR (`N=HEX`,
    /// repeatable), checked in every full handshake, as `nitro-kms --service-pcr` does.
    #[arg(long)]
    service_pcr: Vec<String>,
    /// With --service-pcr: the root its documents chain to (default: the AWS Nitro root).
    #[arg(long, conflicts_with = "trust_simulated_root")]
    service_root: Option<PathBuf>,
    /// With --service-pcr: a simulated NSM's root (its `root.pem`).
    #[arg(long)]
    trust_simulated_root: Option<PathBuf>,
    /// Open a new connection for every request (no keep-alive, and over TLS no session
    /// resumption: a full handshake each time): measures new connections per second.
    #[arg(long)]
    new_connection_per_request: bool,
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
    if args.recipient.is_some() && op != Operation::GenerateDataKey {
        return Err(CliError::Usage(
            "--recipient is benchmarked on GenerateDataKey".into(),
        ));
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
            "{} x{}: {} requests in {:.2} s = {:.0} req/s; p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms; {} errors{}",
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
            if result["documents_exhausted"].as_bool() == Some(true) {
                " (stopped early: the documents made ahead ran out; raise --documents)"
            } else {
                ""
            },
        ))
        .map_err(other)?;
    }
    Ok(())
}

/// Where the load goes: KMS JSON over HTTP, as an SDK sends it, to `--endpoint-url` or to the
/// enclave's own endpoint.
struct Target {
    client: KmsClient,
    /// With `--control`: the bench is the enclave's parent while it runs.
    _parent: Option<BenchParent>,
}

/// The bench as an enclave's parent on its control link (`--control`): the link serves the
/// enclave's `Persist` frames from `--state-dir`.
struct BenchParent {
    _link: Arc<EnclaveLink>,
    /// Dropping it stops the link's supervisors.
    _stop: watch::Sender<bool>,
    /// The state directory's lock, held while the bench is the enclave's parent: as for the
    /// proxy, a second parent on the same directory would make the two enclaves overwrite each
    /// other's sealed state.
    _state_lock: StateDirLock,
}

impl Target {
    /// Sends one request body; `Ok` holds the 200 answer's body, `Err` the error's.
    async fn call(&self, op: Operation, body: Vec<u8>) -> Result<Vec<u8>, String> {
        self.client
            .call_raw(op, body)
            .await
            .map_err(|e| e.to_string())
    }

    /// A set-up call whose answer is needed as JSON.
    async fn call_json(&self, op: Operation, body: &Value) -> Result<Value, CliError> {
        let answer = self
            .call(op, body.to_string().into_bytes())
            .await
            .map_err(|e| other(format!("{}: {e}", op.name())))?;
        serde_json::from_slice(&answer).map_err(other)
    }

    fn connections(&self) -> u64 {
        self.client.connections_opened()
    }
}

async fn connect(args: &BenchArgs) -> Result<Target, CliError> {
    let (url, creds) = match (&args.endpoint_url, &args.enclave) {
        (Some(url), _) => (url.clone(), DefaultChain.provide().map_err(other)?.0),
        // The enclave alone: its endpoint, with the key every simulated enclave holds.
        (None, Some(address)) => (
            address.clone(),
            Credentials::new(SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, None),
        ),
        (None, None) => {
            return Err(CliError::Usage(
                "give --endpoint-url, or --enclave (with --control and --state-dir to be its \
                 parent)"
                    .into(),
            ));
        }
    };
    let parent = match (&args.control, &args.state_dir) {
        (Some(control), Some(state_dir)) => Some(be_parent(control, state_dir).await?),
        _ => None,
    };
    let mut config = ClientConfig::new(&url, &args.region, creds);
    // Kept-alive connections, one per task; none kept (and no TLS resumption) when every request
    // must open its own.
    config.max_idle = if args.new_connection_per_request {
        0
    } else {
        args.concurrency.max(8)
    };
    config.tls_resumption = !args.new_connection_per_request;
    config.connect_to = args.connect_to.clone();
    if let Some(path) = &args.ca_bundle {
        config.tls_roots_pem = Some(crate::input::read_file(path)?);
    }
    config.service_trust = bench_service_trust(args)?;
    Ok(Target {
        client: KmsClient::new(config).map_err(other)?,
        _parent: parent,
    })
}

/// `--service-pcr` with `--service-root` / `--trust-simulated-root`: the attested-TLS trust.
fn bench_service_trust(args: &BenchArgs) -> Result<Option<ServiceTrust>, CliError> {
    let root = match (&args.service_root, &args.trust_simulated_root) {
        (Some(path), _) => RootChoice::Pem("--service-root", path),
        (None, Some(path)) => RootChoice::SimulatedPem("--trust-simulated-root", path),
        (None, None) if args.service_pcr.is_empty() => return Ok(None),
        (None, None) => RootChoice::AwsNitro,
    };
    service_trust(root, "--service-pcr", &args.service_pcr, None).map(Some)
}

/// Connects to the enclave's control link at `control` as its parent, serving its sealed state
/// from `state_dir` (locked while the bench runs).
async fn be_parent(control: &str, state_dir: &std::path::Path) -> Result<BenchParent, CliError> {
    let address: Address = control
        .parse()
        .map_err(|e| CliError::Usage(format!("--control: {e}")))?;
    let store =
        StateStore::open(state_dir).map_err(|e| other(format!("{}: {e}", state_dir.display())))?;
    let state_lock = StateDirLock::acquire(state_dir).map_err(other)?;
    let (stop, stop_rx) = watch::channel(false);
    let link = EnclaveLink::start(
        LinkConfig {
            address,
            pool_size: 1,
            limits: Limits::default(),
            credentials: None,
            sealed_credentials: None,
        },
        Arc::new(Mutex::new(store)),
        Arc::new(LinkCounters::default()),
        stop_rx,
    );
    if !link.wait_connected(Duration::from_secs(10)).await {
        return Err(other(
            "cannot connect to the enclave's control link within 10 s",
        ));
    }
    Ok(BenchParent {
        _link: link,
        _stop: stop,
        _state_lock: state_lock,
    })
}

fn open_nsm(spec: &str) -> Result<Arc<dyn Nsm>, CliError> {
    let source =
        NsmSource::parse(spec).map_err(|e| CliError::Usage(format!("--recipient {spec}: {e}")))?;
    source
        .check_present()
        .map_err(|e| CliError::Usage(format!("--recipient {spec}: {e}")))?;
    source.open().map_err(other)
}

/// What each request sends.
enum Bodies {
    /// The same body every time.
    One(Vec<u8>),
    /// A body per request, each used once (fresh documents made ahead).
    Each {
        bodies: Vec<Vec<u8>>,
        next: AtomicUsize,
    },
    /// Attest inside the loop with the attested client (--endpoint-url only).
    Inline(GenerateDataKeyRequest),
}

impl Bodies {
    /// The next body, or `None` when the ones made ahead ran out.
    fn next(&self) -> Option<Vec<u8>> {
        match self {
            Bodies::One(b) => Some(b.clone()),
            Bodies::Each { bodies, next } => {
                bodies.get(next.fetch_add(1, Ordering::Relaxed)).cloned()
            }
            Bodies::Inline(_) => None,
        }
    }
}

/// Makes `count` GenerateDataKey bodies, each with its own freshly signed document, on every core.
fn documents_ahead(
    attestation: &Attestation,
    key_id: &str,
    count: usize,
) -> Result<Vec<Vec<u8>>, CliError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = count.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let n = per.min(count.saturating_sub(t * per));
                scope.spawn(move || -> Result<Vec<Vec<u8>>, CliError> {
                    (0..n)
                        .map(|_| {
                            let recipient = attestation.recipient().map_err(other)?;
                            let body = json!({
                                "KeyId": key_id,
                                "KeySpec": "AES_256",
                                "Recipient": recipient,
                            });
                            Ok(body.to_string().into_bytes())
                        })
                        .collect()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(count);
        for h in handles {
            all.extend(h.join().map_err(|_| other("a document maker panicked"))??);
        }
        Ok(all)
    })
}

/// A Recipient answer must carry the key for the recipient and never the plaintext.
fn recipient_answer_ok(body: &[u8]) -> bool {
    let has = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    has(b"\"CiphertextForRecipient\"") && !has(b"\"Plaintext\"")
}

async fn bench(op: Operation, args: &BenchArgs) -> Result<Value, CliError> {
    let mut target = connect(args).await?;
    let key_id = match &args.key_id {
        Some(k) => k.clone(),
        None => {
            let created = target.call_json(Operation::CreateKey, &json!({})).await?;
            created["KeyMetadata"]["KeyId"]
                .as_str()
                .ok_or_else(|| other("CreateKey answered without a KeyId"))?
                .to_owned()
        }
    };
    let plain = || json!({"KeyId": key_id, "KeySpec": "AES_256"});
    let bodies = match (&args.recipient, op) {
        (Some(spec), _) => {
            let nsm = open_nsm(spec)?;
            let attestation = Attestation::new(nsm.clone(), RsaKeySize::Rsa2048).map_err(other)?;
            if args.attest_inline {
                target.client = target
                    .client
                    .attested(nsm, RsaKeySize::Rsa2048)
                    .map_err(other)?;
                Bodies::Inline(serde_json::from_value(plain()).map_err(other)?)
            } else if args.reuse_document {
                let mut body = plain();
                body["Recipient"] =
                    serde_json::to_value(attestation.recipient().map_err(other)?).map_err(other)?;
                Bodies::One(body.to_string().into_bytes())
            } else {
                let count = match args.requests {
                    Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
                    None => args.documents,
                };
                if !args.json {
                    eprintln!("making {count} attestation documents ahead of the clock...");
                }
                Bodies::Each {
                    bodies: documents_ahead(&attestation, &key_id, count)?,
                    next: AtomicUsize::new(0),
                }
            }
        }
        (None, Operation::Decrypt) => {
            let made = target
                .call_json(Operation::GenerateDataKeyWithoutPlaintext, &plain())
                .await?;
            Bodies::One(
                json!({"CiphertextBlob": made["CiphertextBlob"]})
                    .to_string()
                    .into_bytes(),
            )
        }
        (None, _) => Bodies::One(plain().to_string().into_bytes()),
    };
    let check_recipient = args.recipient.is_some();
    let target = Arc::new(target);
    let bodies = Arc::new(bodies);
    let deadline = args
        .duration
        .map(|d| Instant::now() + Duration::from_secs_f64(d));
    let budget = Arc::new(AtomicU64::new(args.requests.unwrap_or(u64::MAX)));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let exhausted = Arc::new(AtomicBool::new(false));
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
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
        let target = target.clone();
        let bodies = bodies.clone();
        let budget = budget.clone();
        let done = done.clone();
        let errors = errors.clone();
        let exhausted = exhausted.clone();
        let first_error = first_error.clone();
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
                let body = bodies.next();
                let t = Instant::now();
                let outcome = match (&*bodies, body, &*target) {
                    (Bodies::Inline(request), _, target) => target
                        .client
                        .generate_data_key(request)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    (_, Some(body), target) => match target.call(op, body).await {
                        Ok(answer) if check_recipient && !recipient_answer_ok(&answer) => Err(
                            "a Recipient answer without CiphertextForRecipient, or with Plaintext"
                                .to_owned(),
                        ),
                        Ok(_) => Ok(()),
                        Err(e) => Err(e),
                    },
                    (_, None, _) => {
                        exhausted.store(true, Ordering::Relaxed);
                        break;
                    }
                };
                let micros = u64::try_from(t.elapsed().as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                if let Some(h) = hist.as_mut() {
                    let _ = h.record(micros.min(60_000_000));
                }
                done.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = outcome {
                    errors.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut first) = first_error.lock() {
                        first.get_or_insert(e);
                    }
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
    let name = match (&args.recipient, args.reuse_document, args.attest_inline) {
        (Some(_), true, _) => "GenerateDataKey+Recipient(reused document)".to_owned(),
        (Some(_), _, true) => "GenerateDataKey+Recipient(attested inline)".to_owned(),
        (Some(_), _, _) => "GenerateDataKey+Recipient(fresh document)".to_owned(),
        (None, _, _) => op.name().to_owned(),
    };
    let first_error = first_error.lock().ok().and_then(|e| e.clone());
    if let (Some(e), false) = (&first_error, args.json) {
        eprintln!("first error: {e}");
    }
    Ok(json!({
        "operation": name,
        "target": if args.enclave.is_some() { "enclave" } else { "http" },
        "concurrency": args.concurrency,
        "requests": requests,
        "errors": errors.load(Ordering::Relaxed),
        "first_error": first_error,
        "documents_exhausted": exhausted.load(Ordering::Relaxed),
        "duration_s": elapsed,
        "requests_per_second": if elapsed > 0.0 { requests as f64 / elapsed } else { 0.0 },
        "p50_ms": ms(0.5),
        "p90_ms": ms(0.9),
        "p99_ms": ms(0.99),
        "p999_ms": ms(0.999),
        "max_ms": total.max() as f64 / 1000.0,
        "connections": target.connections(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipient_answer_with_plaintext_or_without_the_envelope_is_refused() {
        assert!(recipient_answer_ok(
            br#"{"CiphertextBlob":"AQ==","CiphertextForRecipient":"MII=","KeyId":"k"}"#
        ));
        assert!(!recipient_answer_ok(
            br#"{"CiphertextBlob":"AQ==","Plaintext":"AAAA","KeyId":"k"}"#
        ));
        assert!(!recipient_answer_ok(
            br#"{"CiphertextForRecipient":"MII=","Plaintext":"AAAA"}"#
        ));
    }

    #[test]
    fn bodies_made_ahead_are_each_sent_once_then_run_out() {
        let bodies = Bodies::Each {
            bodies: vec![b"a".to_vec(), b"b".to_vec()],
            next: AtomicUsize::new(0),
        };
        assert_eq!(bodies.next().as_deref(), Some(&b"a"[..]));
        assert_eq!(bodies.next().as_deref(), Some(&b"b"[..]));
        assert_eq!(bodies.next(), None);
    }
}
