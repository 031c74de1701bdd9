//! Checking a service's attested identity over one TLS connection: what `service verify` does,
//! shared with `credentials seal` (which must know it talks to the expected image before it
//! encrypts anything to the provisioning key the service names).
//!
//! Over one TLS connection to the URL (whose certificate is not trusted yet), [`check_service`]
//! asks `GET /.well-known/nitro-kms/attestation?nonce=HEX` with a fresh random 32-byte nonce,
//! `GET /.well-known/nitro-kms/ca.pem` and the caller's extra paths, then checks, in order:
//!
//! 1. the document verifies against the pinned root and is no older than `--max-age`;
//! 2. it echoes the nonce (so it was made for this request, not replayed);
//! 3. it carries every `--expect-pcr` value;
//! 4. its `public_key` is the SPKI of the CA certificate served at `ca.pem`;
//! 5. that CA signed the certificate the server presented in this connection's handshake (whose
//!    key the server proved it holds).
//!
//! Any failed check is [`CliError::Check`] naming it; a service that cannot be reached is
//! [`CliError::Other`].

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::Args;
use nitro_kms_attest::service::{
    ServiceFacts, certificate_from_pem, verify_ca_certificate, verify_issued_by_attested_ca,
    verify_service_document,
};

use super::trust_args::{RootChoice, service_trust};
use crate::error::CliError;

/// The attestation endpoint.
const ATTESTATION_PATH: &str = "/.well-known/nitro-kms/attestation";
/// The CA endpoint.
const CA_PATH: &str = "/.well-known/nitro-kms/ca.pem";
/// Length of the random nonce sent.
const NONCE_LEN: usize = 32;

/// Which service to check and what to expect of it.
#[derive(Args, Debug)]
pub struct ServiceCheckArgs {
    /// The service, `https://HOST[:PORT]`.
    #[arg(long)]
    pub endpoint_url: String,
    /// Pin this attestation root (PEM) instead of the embedded AWS Nitro Enclaves Root G1.
    #[arg(long, conflicts_with = "trust_simulated_root")]
    pub root: Option<PathBuf>,
    /// Trust a simulated NSM's root (PEM, from `attestation simulated-root`). Never in production.
    #[arg(long)]
    pub trust_simulated_root: Option<PathBuf>,
    /// Require PCR N to be HEX (48 bytes). Repeatable; pin at least PCR0 in production.
    #[arg(long = "expect-pcr", value_name = "N=HEX")]
    pub expect_pcrs: Vec<String>,
    /// Refuse a document older than this many seconds (default: 300).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub max_age: u64,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
}

/// A service whose identity checked out, and the extra answers fetched over the same
/// connection.
#[derive(Debug)]
pub struct CheckedService {
    /// What the verified document says.
    pub facts: ServiceFacts,
    /// The CA certificate (DER) the document names.
    pub ca_der: Vec<u8>,
    /// The extra paths' answers, in order: HTTP status and body.
    pub extra: Vec<(u16, Vec<u8>)>,
}

/// Checks the service's attested identity (see the module docs), fetching `extra_paths` over the
/// same TLS connection; `command` prefixes the error messages.
pub fn check_service(
    args: &ServiceCheckArgs,
    command: &str,
    extra_paths: &[&str],
) -> Result<CheckedService, CliError> {
    let root = match (&args.root, &args.trust_simulated_root) {
        (Some(path), _) => RootChoice::Pem("--root", path),
        (None, Some(path)) => RootChoice::SimulatedPem("--trust-simulated-root", path),
        (None, None) => RootChoice::AwsNitro,
    };
    let max_age = (args.max_age > 0).then(|| Duration::from_secs(args.max_age));
    let trust = service_trust(root, "--expect-pcr", &args.expect_pcrs, max_age)?;
    let nonce: [u8; NONCE_LEN] = nitro_kms_crypto::random_array()
        .map_err(|e| CliError::Other(format!("no randomness for the nonce: {e}")))?;
    let mut paths = vec![
        format!("{ATTESTATION_PATH}?nonce={}", hex::encode(nonce)),
        CA_PATH.to_owned(),
    ];
    paths.extend(extra_paths.iter().map(|p| (*p).to_owned()));
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
        .map_err(|e| CliError::Other(format!("{command}: {e}")))?;
    let check = |e: nitro_kms_attest::service::ServiceVerifyError| {
        CliError::Check(format!("{command}: {e}"))
    };
    let [(doc_status, document), (ca_status, ca_pem), extra @ ..] = fetched.answers.as_slice()
    else {
        return Err(CliError::Other(format!("{command}: missing answers")));
    };
    if extra.len() != extra_paths.len() {
        return Err(CliError::Other(format!("{command}: missing answers")));
    }
    for (status, path) in [(doc_status, ATTESTATION_PATH), (ca_status, CA_PATH)] {
        if *status != 200 {
            return Err(CliError::Check(format!(
                "{command}: {path} answered HTTP {status}"
            )));
        }
    }
    let facts =
        verify_service_document(document, &nonce, SystemTime::now(), &trust).map_err(check)?;
    let ca_der = certificate_from_pem(ca_pem).map_err(check)?;
    verify_ca_certificate(&ca_der, &facts).map_err(check)?;
    let presented = fetched.peer_certificates.first().ok_or_else(|| {
        CliError::Check(format!("{command}: the server presented no certificate"))
    })?;
    verify_issued_by_attested_ca(presented, &facts).map_err(check)?;
    Ok(CheckedService {
        facts,
        ca_der,
        extra: extra.to_vec(),
    })
}
