//! `nitro-kms bench`: the load generator.
//!
//! ```text
//! nitro-kms bench (--endpoint-url URL | --enclave unix:///PATH/enclave-http.sock
//!                  [--control unix:///PATH/enclave.sock --state-dir DIR]) [--region R]
//!                 --operation GenerateDataKey|GenerateDataKeyWithoutPlaintext|Decrypt|
//!                             Sign|Verify|GenerateMac|CreateKey|CreateAlias|TagResource
//!                             [--key-spec SPEC] [--key-id ID]
//!                 --concurrency N (--duration SECONDS | --requests N) [--json]
//!                 [--recipient simulated:DIR|nsm [--reuse-document | --attest-inline |
//!                                                 --documents N]]
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
//! Each task calls the operation in a loop until the duration or the request count is reached
//! ([`load`]). Every latency goes into an HdrHistogram (microseconds, 3 significant digits); a
//! progress line goes to stderr every second (not with `--json`); the result is a summary line
//! or, with `--json`, an object with at least `requests_per_second`, `p50_ms`, `p99_ms` and
//! `errors`. Without `--key-id` the bench uses its own key behind `alias/nitro-kms-bench`,
//! creating both on the first run, and says which ([`key`]). Decrypt decrypts one blob made up
//! front. Sign, Verify and GenerateMac use a key of `--key-spec` (`ECC_NIST_P256`, `HMAC_256` by
//! default), the bench's own behind an alias of that kind without `--key-id`, sign or MAC the
//! same 32-byte message, and Verify checks one signature made up front ([`workload`]). The
//! mutations write the sealed state on every request: CreateKey makes a key, CreateAlias a new
//! alias (`alias/nitro-kms-bench-RUN-N`) to the bench key, TagResource sets the bench key's tag
//! `nitro-kms-bench` to a new value ([`bodies::Bodies::Numbered`]). Nothing
//! made before the clock starts is part of the measured duration.
//!
//! stdout carries only the result; what the bench does meanwhile (the key it uses, the
//! documents it makes and why, their progress) goes to stderr, with `--json` too ([`progress`]).
//!
//! With `--recipient`, GenerateDataKey carries a `Recipient`, in one of three ways:
//! - default: a **fresh document per request**, all made before the clock starts (distinct
//!   signatures, never sent twice), so the service verifies a new document every time while the
//!   load generator's own signing does not compete with it for the same cores: one per request
//!   with `--requests`, `--documents N`, or by default as many as the duration needs at the rate
//!   a short warm-up measures ([`documents`]); a run ends early (and says so) if they run out;
//! - `--reuse-document`: one document for every request;
//! - `--attest-inline`: each task attests and opens each answer itself inside the timed loop
//!   (RSA-OAEP), as an enclave application does — the whole application path, load generator
//!   included (`--endpoint-url` only).
//!
//! Every Recipient answer is checked: it must carry `CiphertextForRecipient` and no `Plaintext`,
//! or it counts as an error.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use nitro_kms_api::Operation;
use nitro_kms_attest::nsm::Nsm;
use nitro_kms_attest::nsm::source::NsmSource;
use nitro_kms_client::Attestation;
use nitro_kms_crypto::RsaKeySize;
use serde_json::{Value, json};

use crate::error::CliError;
use bodies::{Bodies, NUMBER};
use documents::{Fresh, fresh_bodies};
use key::bench_key;
use load::{Load, drive};
use progress::Progress;
use target::{Target, connect};
use workload::Workload;

mod bodies;
mod documents;
mod key;
mod load;
mod progress;
mod target;
mod workload;

/// Options of `nitro-kms bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The KMS endpoint (`http://127.0.0.1:9600`).
    #[arg(long, required_unless_present = "enclave", conflicts_with = "enclave")]
    endpoint_url: Option<String>,
    /// Region requests are signed for.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// GenerateDataKey, GenerateDataKeyWithoutPlaintext, Decrypt, Sign, Verify, GenerateMac, or
    /// the mutations CreateKey, CreateAlias (a new alias each request) and TagResource.
    #[arg(long, default_value = "GenerateDataKey")]
    operation: String,
    /// Sign and Verify: ECC_NIST_P256 (default, ECDSA_SHA_256), ECC_NIST_P384, ECC_NIST_P521,
    /// ECC_SECG_P256K1 or RSA_2048/3072/4096 (RSASSA_PSS_SHA_256); GenerateMac: HMAC_256
    /// (default), HMAC_224, HMAC_384 or HMAC_512.
    #[arg(long)]
    key_spec: Option<String>,
    /// The key (default: the bench's own key behind alias/nitro-kms-bench, or for Sign, Verify
    /// and GenerateMac alias/nitro-kms-bench-sign-SPEC or -mac-SPEC, created with the alias by
    /// the first run that finds none).
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
    /// With --recipient and --duration: how many fresh documents to make before the clock starts
    /// (default: as many as the duration needs at the rate a short warm-up measures).
    #[arg(long)]
    documents: Option<u32>,
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
    let workload =
        Workload::parse(&args.operation, args.key_spec.as_deref()).map_err(CliError::Usage)?;
    let op = workload.op;
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
    let result = runtime.block_on(bench(workload, &args))?;
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

fn open_nsm(spec: &str) -> Result<Arc<dyn Nsm>, CliError> {
    let source =
        NsmSource::parse(spec).map_err(|e| CliError::Usage(format!("--recipient {spec}: {e}")))?;
    source
        .check_present()
        .map_err(|e| CliError::Usage(format!("--recipient {spec}: {e}")))?;
    source.open().map_err(other)
}

/// What each request of the run sends, made before the clock starts (with `--recipient` in its
/// default mode: the fresh documents, and a warm-up to count them when that needs one).
async fn prepare_bodies(
    workload: Workload,
    args: &BenchArgs,
    nsm: Option<Arc<dyn Nsm>>,
    target: &Arc<Target>,
    key_id: &str,
    progress: Progress,
) -> Result<Bodies, CliError> {
    let plain = || json!({"KeyId": key_id, "KeySpec": "AES_256"});
    let one = |body: Value| Bodies::One(body.to_string().into_bytes());
    // This run's prefix of the numbered bodies: milliseconds since the epoch, in hex.
    let run = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let numbered = |body: Value| Bodies::numbered(body.to_string(), run.clone());
    Ok(match (nsm, workload.op) {
        // The attested client (set up in `bench`) attests each request itself.
        (Some(_), _) if args.attest_inline => {
            Bodies::Inline(serde_json::from_value(plain()).map_err(other)?)
        }
        (Some(nsm), _) => {
            let attestation = Attestation::new(nsm, RsaKeySize::Rsa2048).map_err(other)?;
            if args.reuse_document {
                let mut body = plain();
                body["Recipient"] =
                    serde_json::to_value(attestation.recipient().map_err(other)?).map_err(other)?;
                Bodies::One(body.to_string().into_bytes())
            } else {
                let fresh = Fresh {
                    attestation: &attestation,
                    key_id,
                    requests: args.requests,
                    documents: args.documents,
                    seconds: args.duration,
                    concurrency: args.concurrency,
                };
                fresh_bodies(target, &fresh, progress).await?
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
        (None, Operation::Sign) => one(workload.sign_body(key_id)),
        // One signature, made before the clock starts, verified by every request.
        (None, Operation::Verify) => {
            let signed = target
                .call_json(Operation::Sign, &workload.sign_body(key_id))
                .await?;
            one(workload.verify_body(key_id, &signed["Signature"]))
        }
        (None, Operation::GenerateMac) => one(workload.mac_body(key_id)),
        (None, Operation::CreateKey) => one(json!({"Description": "nitro-kms bench"})),
        (None, Operation::CreateAlias) => numbered(json!({
            "AliasName": format!("alias/nitro-kms-bench-{NUMBER}"),
            "TargetKeyId": key_id,
        })),
        (None, Operation::TagResource) => numbered(json!({
            "KeyId": key_id,
            "Tags": [{"TagKey": "nitro-kms-bench", "TagValue": NUMBER}],
        })),
        (None, _) => one(plain()),
    })
}

async fn bench(workload: Workload, args: &BenchArgs) -> Result<Value, CliError> {
    let op = workload.op;
    let progress = Progress::stderr();
    // A wrong --recipient is refused before anything reaches the service (no key made for it).
    let nsm = args.recipient.as_deref().map(open_nsm).transpose()?;
    let mut target = connect(args).await?;
    let key_id = bench_key(
        &target.client,
        args.key_id.as_deref(),
        workload.key,
        progress,
    )
    .await?;
    if let (Some(nsm), true) = (&nsm, args.attest_inline) {
        target.client = target
            .client
            .attested(nsm.clone(), RsaKeySize::Rsa2048)
            .map_err(other)?;
    }
    let target = Arc::new(target);
    let preparing = Instant::now();
    let bodies = Arc::new(prepare_bodies(workload, args, nsm, &target, &key_id, progress).await?);
    if matches!(*bodies, Bodies::Each { .. }) {
        progress.note(&format!(
            "prepared in {:.1} s (not part of the measured run); starting the clock",
            preparing.elapsed().as_secs_f64()
        ));
    }
    let load = Load {
        op,
        concurrency: args.concurrency,
        duration: args.duration.map(Duration::from_secs_f64),
        requests: args.requests,
        check_recipient: args.recipient.is_some(),
        progress: (!args.json).then_some(progress),
    };
    let outcome = drive(&target, &bodies, &load).await?;
    let elapsed = outcome.elapsed.as_secs_f64();
    let total = &outcome.histogram;
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    let name = match (&args.recipient, args.reuse_document, args.attest_inline) {
        (Some(_), true, _) => "GenerateDataKey+Recipient(reused document)".to_owned(),
        (Some(_), _, true) => "GenerateDataKey+Recipient(attested inline)".to_owned(),
        (Some(_), _, _) => "GenerateDataKey+Recipient(fresh document)".to_owned(),
        (None, _, _) => op.name().to_owned(),
    };
    if let (Some(e), false) = (&outcome.first_error, args.json) {
        progress.note(&format!("first error: {e}"));
    }
    let requests = outcome.requests;
    Ok(json!({
        "operation": name,
        "target": if args.enclave.is_some() { "enclave" } else { "http" },
        "concurrency": args.concurrency,
        "key_id": key_id,
        "key_spec": workload.key.spec.as_str(),
        "algorithm": workload.algorithm(),
        "requests": requests,
        "errors": outcome.errors,
        "first_error": outcome.first_error,
        "documents_exhausted": outcome.exhausted,
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
