//! `nitro-kms credentials seal --endpoint-url URL (--root PEM | --trust-simulated-root PEM)
//! --expect-pcr N=HEX... [--max-age SECONDS] --in credentials.toml --out credentials.sealed`.
//!
//! 1. Reads `--in` and checks it is a credentials file the enclave accepts (the proxy's
//!    `--credentials` TOML), so a typo is found here and not inside the enclave, which says
//!    nothing about a file's content.
//! 2. Verifies the service exactly as `service verify` does ([`check_service`]: fresh nonce,
//!    root, `--max-age`, the `--expect-pcr` values — at least one is required, sealing to an
//!    unpinned image would defeat the point — and the CA in the document and in the handshake),
//!    and over the same connection fetches `/.well-known/nitro-kms/provisioning-key.der`.
//! 3. Checks that SHA-256 of that key is the verified document's `user_data`: the key is the one
//!    the attested enclave holds, not one the parent put in the answer.
//! 4. Seals the file to it (`nitro_kms_crypto::sealed_credentials`), with the current time in
//!    milliseconds as its serial (the enclave refuses a file not newer than the one it holds),
//!    writes it to `--out` with mode 0600 and prints JSON: the key's fingerprint, the serial, the
//!    number of access keys. Never a secret.
//!
//! Exit status: 0 sealed; 1 a failed check (the file, the service, the key); 252 usage; 255 I/O
//! or a service that cannot be reached.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use nitro_kms_api::sigv4::AccessKeyStore;
use nitro_kms_crypto::sealed_credentials;

use crate::commands::service::{ServiceCheckArgs, check_service};
use crate::error::CliError;
use crate::output::{JsonStyle, print_json};

/// The provisioning key endpoint.
const PROVISIONING_KEY_PATH: &str = "/.well-known/nitro-kms/provisioning-key.der";
/// Largest credentials file read.
const MAX_IN_LEN: u64 = 1 << 20;

/// Arguments of `credentials seal`.
#[derive(Args, Debug)]
pub struct SealArgs {
    /// The service and what to expect of it.
    #[command(flatten)]
    service: ServiceCheckArgs,
    /// The credentials file (TOML, as the proxy's `--credentials`).
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Where to write the sealed file (created with mode 0600).
    #[arg(long = "out", value_name = "FILE")]
    output: PathBuf,
}

/// What `credentials seal` prints.
#[derive(serde::Serialize)]
struct SealedJson {
    provisioning_key_sha256: String,
    serial: u64,
    access_keys: usize,
    module_id: String,
    pcrs: BTreeMap<u16, String>,
    simulated_root: bool,
    out: String,
}

/// Runs `credentials seal`.
pub fn seal(args: &SealArgs) -> Result<(), CliError> {
    if args.service.expect_pcrs.is_empty() {
        return Err(CliError::Usage(
            "credentials seal: pass --expect-pcr N=HEX (at least PCR0): sealing to an image \
             nobody pinned would let any enclave read the credentials"
                .into(),
        ));
    }
    let text = read_input(args)?;
    let keys = AccessKeyStore::parse(&args.input.display().to_string(), &text)
        .map_err(|e| CliError::Check(format!("credentials seal: {e}")))?;
    let checked = check_service(&args.service, "credentials seal", &[PROVISIONING_KEY_PATH])?;
    let [(status, provisioning_spki)] = checked.extra.as_slice() else {
        return Err(CliError::Other("credentials seal: missing answers".into()));
    };
    if *status != 200 {
        return Err(CliError::Check(format!(
            "credentials seal: {PROVISIONING_KEY_PATH} answered HTTP {status}"
        )));
    }
    let digest = nitro_kms_crypto::sha256(provisioning_spki);
    match checked.facts.user_data.as_deref() {
        Some(attested) if nitro_kms_crypto::constant_time_eq(attested, &digest) => {}
        _ => {
            return Err(CliError::Check(
                "credentials seal: the provisioning key served is not the one the attestation \
                 document names (user_data)"
                    .into(),
            ));
        }
    }
    let serial = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| CliError::Other("credentials seal: the clock is before 1970".into()))?
        .as_millis();
    let serial = u64::try_from(serial)
        .map_err(|_| CliError::Other("credentials seal: the clock is out of range".into()))?;
    let sealed = sealed_credentials::seal(provisioning_spki, serial, text.as_bytes())
        .map_err(|e| CliError::Check(format!("credentials seal: {e}")))?;
    write_private(&args.output, &sealed)?;
    print_json(
        &SealedJson {
            provisioning_key_sha256: hex::encode(digest),
            serial,
            access_keys: keys.len(),
            module_id: checked.facts.module_id.clone(),
            pcrs: checked
                .facts
                .pcrs
                .iter()
                .map(|(i, v)| (*i, hex::encode(v)))
                .collect(),
            simulated_root: checked.facts.simulated,
            out: args.output.display().to_string(),
        },
        JsonStyle::Pretty,
    )
    .map_err(CliError::stdout)
}

/// The credentials file's text, at most [`MAX_IN_LEN`] bytes.
fn read_input(args: &SealArgs) -> Result<String, CliError> {
    let unreadable =
        |e: std::io::Error| CliError::Other(format!("cannot read {}: {e}", args.input.display()));
    let len = std::fs::metadata(&args.input).map_err(unreadable)?.len();
    if len > MAX_IN_LEN {
        return Err(CliError::Check(format!(
            "credentials seal: {} is larger than 1 MiB",
            args.input.display()
        )));
    }
    std::fs::read_to_string(&args.input).map_err(unreadable)
}

/// Writes `bytes` to `path`, readable by its owner only (whoever reads it learns which access
/// key ids exist, if not their secrets).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let failed =
        |e: std::io::Error| CliError::Other(format!("cannot write {}: {e}", path.display()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(failed)?;
    // A file that existed keeps its mode through `open`: set it.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)
}
