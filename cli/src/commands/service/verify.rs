//! `nitro-kms service verify --endpoint-url URL (--root PEM | --trust-simulated-root PEM)
//! [--expect-pcr N=HEX]... [--max-age SECONDS] --ca-out FILE`.
//!
//! Over one TLS connection to URL (whose certificate is not trusted yet), it asks
//! `GET /.well-known/nitro-kms/attestation?nonce=HEX` with a fresh random 32-byte nonce and
//! `GET /.well-known/nitro-kms/ca.pem`, then checks, in order:
//!
//! 1. the document verifies against the pinned root and is no older than `--max-age`;
//! 2. it echoes the nonce (so it was made for this request, not replayed);
//! 3. it carries every `--expect-pcr` value;
//! 4. its `public_key` is the SPKI of the CA certificate served at `ca.pem`;
//! 5. that CA signed the certificate the server presented in this connection's handshake (whose
//!    key the server proved it holds).
//!
//! Then it writes the CA (re-encoded from the verified DER: one certificate, nothing the server
//! appended) to `--ca-out` for the AWS CLI and SDKs (`--ca-bundle`, `AWS_CA_BUNDLE`), prints JSON
//! (module id, PCRs, CA fingerprints) and exits 0. Any failed check exits 1 with one line naming
//! it; a service that cannot be reached exits 255.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::Args;
use nitro_kms_attest::service::{
    ServiceFacts, certificate_from_pem, certificate_pem, verify_ca_certificate,
    verify_issued_by_attested_ca, verify_service_document,
};

use super::trust_args::{RootChoice, service_trust};
use crate::error::CliError;
use crate::output::{JsonStyle, print_json};

/// The attestation endpoint.
const ATTESTATION_PATH: &str = "/.well-known/nitro-kms/attestation";
/// The CA endpoint.
const CA_PATH: &str = "/.well-known/nitro-kms/ca.pem";
/// Length of the random nonce sent.
const NONCE_LEN: usize = 32;

/// Arguments of `service verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The service, `https://HOST[:PORT]`.
    #[arg(long)]
    endpoint_url: String,
    /// Pin this attestation root (PEM) instead of the embedded AWS Nitro Enclaves Root G1.
    #[arg(long, conflicts_with = "trust_simulated_root")]
    root: Option<PathBuf>,
    /// Trust a simulated NSM's root (PEM, from `attestation simulated-root`). Never in production.
    #[arg(long)]
    trust_simulated_root: Option<PathBuf>,
    /// Require PCR N to be HEX (48 bytes). Repeatable; pin at least PCR0 in production.
    #[arg(long = "expect-pcr", value_name = "N=HEX")]
    expect_pcrs: Vec<String>,
    /// Refuse a document older than this many seconds (default: 300).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    max_age: u64,
    /// Where to write the verified CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    ca_out: PathBuf,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

/// What `service verify` prints.
#[derive(serde::Serialize)]
struct VerifiedServiceJson {
    module_id: String,
    pcrs: BTreeMap<u16, String>,
    ca_sha256: String,
    ca_spki_sha256: String,
    provisioning_key_sha256: Option<String>,
    timestamp: u64,
    simulated_root: bool,
    ca_out: String,
}

/// Runs `service verify`.
pub fn verify(args: &VerifyArgs) -> Result<(), CliError> {
    let root = match (&args.root, &args.trust_simulated_root) {
        (Some(path), _) => RootChoice::Pem("--root", path),
        (None, Some(path)) => RootChoice::SimulatedPem("--trust-simulated-root", path),
        (None, None) => RootChoice::AwsNitro,
    };
    let max_age = (args.max_age > 0).then(|| Duration::from_secs(args.max_age));
    let trust = service_trust(root, "--expect-pcr", &args.expect_pcrs, max_age)?;
    let nonce: [u8; NONCE_LEN] = nitro_kms_crypto::random_array()
        .map_err(|e| CliError::Other(format!("no randomness for the nonce: {e}")))?;
    let paths = vec![
        format!("{ATTESTATION_PATH}?nonce={}", hex::encode(nonce)),
        CA_PATH.to_owned(),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Other(format!("runtime: {e}")))?;
    let fetched = runtime
        .block_on(nitro_kms_client::fetch_well_known(
            &args.endpoint_url,
            &paths,
            Duration::from_secs(args.timeout),
        ))
        .map_err(|e| CliError::Other(format!("service verify: {e}")))?;
    let check = |e: nitro_kms_attest::service::ServiceVerifyError| {
        CliError::Check(format!("service verify: {e}"))
    };
    let [(doc_status, document), (ca_status, ca_pem)] = fetched.answers.as_slice() else {
        return Err(CliError::Other("service verify: missing answers".into()));
    };
    for (status, path) in [(doc_status, ATTESTATION_PATH), (ca_status, CA_PATH)] {
        if *status != 200 {
            return Err(CliError::Check(format!(
                "service verify: {path} answered HTTP {status}"
            )));
        }
    }
    let facts =
        verify_service_document(document, &nonce, SystemTime::now(), &trust).map_err(check)?;
    let ca_der = certificate_from_pem(ca_pem).map_err(check)?;
    verify_ca_certificate(&ca_der, &facts).map_err(check)?;
    let presented = fetched.peer_certificates.first().ok_or_else(|| {
        CliError::Check("service verify: the server presented no certificate".into())
    })?;
    verify_issued_by_attested_ca(presented, &facts).map_err(check)?;
    std::fs::write(&args.ca_out, certificate_pem(&ca_der))
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", args.ca_out.display())))?;
    print_json(&json_of(&facts, &ca_der, args), JsonStyle::Pretty).map_err(CliError::stdout)
}

fn json_of(facts: &ServiceFacts, ca_der: &[u8], args: &VerifyArgs) -> VerifiedServiceJson {
    VerifiedServiceJson {
        module_id: facts.module_id.clone(),
        pcrs: facts
            .pcrs
            .iter()
            .map(|(i, v)| (*i, hex::encode(v)))
            .collect(),
        ca_sha256: hex::encode(nitro_kms_crypto::sha256(ca_der)),
        ca_spki_sha256: hex::encode(facts.ca_spki_sha256),
        provisioning_key_sha256: facts.user_data.as_deref().map(hex::encode),
        timestamp: facts.timestamp_ms,
        simulated_root: facts.simulated,
        ca_out: args.ca_out.display().to_string(),
    }
}
