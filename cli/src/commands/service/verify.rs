//! `nitro-kms service verify --endpoint-url URL (--root PEM | --trust-simulated-root PEM)
//! [--expect-pcr N=HEX]... [--max-age SECONDS] --ca-out FILE`.
//!
//! It checks the service's attested identity as [`super::check`] describes (a fresh nonce, the
//! root, `--max-age`, the PCRs, the CA in the document and in the handshake).
//!
//! Then it writes the CA (re-encoded from the verified DER: one certificate, nothing the server
//! appended) to `--ca-out` for the AWS CLI and SDKs (`--ca-bundle`, `AWS_CA_BUNDLE`), prints JSON
//! (module id, PCRs, CA fingerprints) and exits 0. Any failed check exits 1 with one line naming
//! it; a service that cannot be reached exits 255.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use nitro_kms_attest::service::{ServiceFacts, certificate_pem};

use super::check::{ServiceCheckArgs, check_service};
use crate::error::CliError;
use crate::output::{JsonStyle, print_json};

/// Arguments of `service verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The service and what to expect of it.
    #[command(flatten)]
    service: ServiceCheckArgs,
    /// Where to write the verified CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    ca_out: PathBuf,
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
    let checked = check_service(&args.service, "service verify", &[])?;
    std::fs::write(&args.ca_out, certificate_pem(&checked.ca_der))
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", args.ca_out.display())))?;
    print_json(
        &json_of(&checked.facts, &checked.ca_der, args),
        JsonStyle::Pretty,
    )
    .map_err(CliError::stdout)
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
