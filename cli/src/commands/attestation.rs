//! `nitro-kms attestation …`: verify, simulate and inspect Nitro attestation documents.
//!
//! - `verify FILE` checks a document (COSE signature, certificate chain to the pinned root,
//!   validity at `--at`, age) and prints it as JSON; any failed check exits 1 with one line naming it.
//! - `simulate --state-dir DIR --out FILE` has the simulated NSM of DIR sign a document, binding an
//!   optional public key, nonce and user data, exactly as `/dev/nsm` would inside an enclave.
//! - `simulated-root --state-dir DIR` prints that simulated NSM's root certificate (PEM): the only
//!   way to make a verifier trust simulated documents is to hand it this file explicitly.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};
use nitro_kms_attest::attestation::{self, TrustAnchor, VerifiedDocument, VerifyOptions};
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_attest::nsm::{NsmExt, PCR_LEN};

use crate::error::CliError;
use crate::input::key_file::read_public_key;
use crate::input::{b64, base64_arg, read_blob, read_file};
use crate::output::{self, JsonStyle, print_json};

/// `nitro-kms attestation` subcommands.
#[derive(Subcommand, Debug)]
pub enum AttestationCommand {
    /// Verify an attestation document and print it as JSON.
    Verify {
        /// The document: raw COSE_Sign1 bytes or base64.
        file: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Have the simulated NSM sign an attestation document.
    Simulate(SimulateArgs),
    /// Print the simulated NSM's root certificate (PEM).
    SimulatedRoot {
        /// The simulated world's state directory (created on first use).
        #[arg(long)]
        state_dir: PathBuf,
    },
}

/// Which root to trust and at what time, shared by every command that verifies a document.
#[derive(Args, Debug, Clone)]
pub struct TrustArgs {
    /// Pin this root (PEM) instead of the embedded AWS Nitro Enclaves Root G1.
    #[arg(long, conflicts_with = "trust_simulated_root")]
    root: Option<PathBuf>,
    /// Trust a simulated NSM's root (PEM, from `attestation simulated-root`). Never do this in production.
    #[arg(long)]
    trust_simulated_root: Option<PathBuf>,
    /// Verify as of this time (Unix seconds) instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<u64>,
    /// Refuse documents older than this many seconds at the verification time; 0 turns the check off.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    max_age: u64,
}

/// Arguments of `attestation simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The simulated world's state directory (created on first use).
    #[arg(long)]
    state_dir: PathBuf,
    /// A public key to bind into the document (SubjectPublicKeyInfo, PEM or DER; for KMS
    /// recipients an RSA key).
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
    /// A nonce to bind (base64, up to 1024 bytes).
    #[arg(long, value_name = "B64")]
    nonce: Option<String>,
    /// User data to bind (base64, up to 1024 bytes).
    #[arg(long, value_name = "B64")]
    user_data: Option<String>,
    /// The enclave image: PCR0 is its SHA-384 (without it PCR0 is zero, like a debug-mode enclave).
    #[arg(long)]
    image: Option<PathBuf>,
    /// Set a boot PCR (0..15) to a value: `INDEX=HEX` (48 bytes). Repeatable.
    #[arg(long = "pcr", value_name = "INDEX=HEX")]
    pcrs: Vec<String>,
    /// Where to write the document (raw COSE_Sign1 bytes).
    #[arg(long)]
    out: PathBuf,
}

/// Runs an `attestation` subcommand.
pub fn run(cmd: AttestationCommand) -> Result<(), CliError> {
    match cmd {
        AttestationCommand::Verify { file, trust } => {
            let doc = verify_document(&read_blob(&file)?, &trust)?;
            print_json(&document_json(&doc), JsonStyle::Pretty).map_err(CliError::stdout)
        }
        AttestationCommand::Simulate(args) => simulate(args),
        AttestationCommand::SimulatedRoot { state_dir } => {
            let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(state_dir))
                .map_err(|e| CliError::Other(format!("simulated NSM: {e}")))?;
            output::write(nsm.root_certificate_pem()).map_err(CliError::stdout)?;
            Ok(())
        }
    }
}

/// Verifies `document` with the root and time the arguments select.
pub fn verify_document(document: &[u8], trust: &TrustArgs) -> Result<VerifiedDocument, CliError> {
    let root = match (&trust.root, &trust.trust_simulated_root) {
        (Some(path), _) => TrustAnchor::from_pem(&read_file(path)?)
            .map_err(|e| CliError::Usage(format!("--root {}: {e}", path.display())))?,
        (None, Some(path)) => TrustAnchor::simulated_from_pem(&read_file(path)?).map_err(|e| {
            CliError::Usage(format!("--trust-simulated-root {}: {e}", path.display()))
        })?,
        (None, None) => TrustAnchor::aws_nitro_root_g1(),
    };
    let at = match trust.at {
        Some(secs) => UNIX_EPOCH + Duration::from_secs(secs),
        None => SystemTime::now(),
    };
    let mut opts = VerifyOptions::new(root, at);
    opts.max_age = (trust.max_age > 0).then(|| Duration::from_secs(trust.max_age));
    attestation::verify(document, &opts)
        .map_err(|e| CliError::Check(format!("attestation document rejected: {e}")))
}

/// The JSON the CLI prints for a verified document: fields in the document's order, PCRs in
/// numeric order, byte fields as base64 (as the AWS CLI prints blobs) or null.
#[derive(serde::Serialize)]
struct DocumentJson<'a> {
    module_id: &'a str,
    timestamp: u64,
    digest: &'a str,
    pcrs: BTreeMap<u16, String>,
    public_key: Option<String>,
    user_data: Option<String>,
    nonce: Option<String>,
}

fn document_json(doc: &VerifiedDocument) -> DocumentJson<'_> {
    let opt = |v: &Option<Vec<u8>>| v.as_deref().map(b64);
    DocumentJson {
        module_id: &doc.module_id,
        timestamp: doc.timestamp_ms,
        digest: &doc.digest,
        pcrs: doc.pcrs.iter().map(|(i, v)| (*i, hex::encode(v))).collect(),
        public_key: opt(&doc.public_key),
        user_data: opt(&doc.user_data),
        nonce: opt(&doc.nonce),
    }
}

fn simulate(args: SimulateArgs) -> Result<(), CliError> {
    let mut config = SimulatedNsmConfig::new(&args.state_dir);
    if let Some(image) = &args.image {
        config = config.with_image(image);
    }
    for (index, value) in parse_pcrs(&args.pcrs)? {
        config = config.with_pcr(index, value);
    }
    let public_key = args
        .public_key
        .as_deref()
        .map(|path| read_public_key("--public-key", path))
        .transpose()?;
    let nonce = args
        .nonce
        .as_deref()
        .map(|v| base64_arg("--nonce", v))
        .transpose()?;
    let user_data = args
        .user_data
        .as_deref()
        .map(|v| base64_arg("--user-data", v))
        .transpose()?;
    let nsm =
        SimulatedNsm::open(config).map_err(|e| CliError::Other(format!("simulated NSM: {e}")))?;
    let doc = nsm
        .attest(
            public_key.as_deref(),
            user_data.as_deref(),
            nonce.as_deref(),
        )
        .map_err(|e| CliError::Check(format!("the simulated NSM refused: {e}")))?;
    std::fs::write(&args.out, &doc)
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", args.out.display())))
}

/// Parses repeated `INDEX=HEX` options into boot PCR values.
fn parse_pcrs(specs: &[String]) -> Result<BTreeMap<u16, [u8; PCR_LEN]>, CliError> {
    let mut out = BTreeMap::new();
    for spec in specs {
        let bad = |why: &str| CliError::Usage(format!("--pcr {spec}: {why}"));
        let (index, value) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected INDEX=HEX"))?;
        let index: u16 = index
            .trim()
            .parse()
            .map_err(|_| bad("INDEX must be 0..15"))?;
        let bytes = hex::decode(value.trim()).map_err(|_| bad("HEX is not hexadecimal"))?;
        let value: [u8; PCR_LEN] = bytes
            .try_into()
            .map_err(|_| bad("a PCR is 48 bytes (96 hex digits)"))?;
        out.insert(index, value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcr_options_parse_index_and_48_byte_value() {
        let spec = format!("4={}", "ab".repeat(48));
        let pcrs = parse_pcrs(&[spec]).unwrap();
        assert_eq!(pcrs[&4], [0xab; 48]);
    }

    #[test]
    fn pcr_options_reject_short_values_and_missing_equals() {
        assert!(matches!(
            parse_pcrs(&["0=abcd".into()]),
            Err(CliError::Usage(_))
        ));
        assert!(matches!(parse_pcrs(&["0".into()]), Err(CliError::Usage(_))));
    }
}
