//! `nitro-kms-proxy store migrate`: moves a keystore's SEALED state between the parent's file
//! store (a state directory) and etcd (issue 19, docs/horizontal-scale.md "Migration").
//!
//! The operator runs it on the parent instance with an etcd client identity of its own (not the
//! enclaves': theirs never leaves them). It has no key and opens nothing: it moves the snapshot
//! and journal records byte for byte, reading only their clear headers to cut the journal into
//! records and to keep exactly what the enclave's load would (a stale journal and a torn final
//! record are left behind, see [`sealed_files::split_journal`]).
//!
//! - `--from files:DIR --to etcd`: the records in batches, then snapshot and `head` in one
//!   transaction that compares `head` absent ([`etcd_side::write`]). A prefix that already holds
//!   a snapshot or head is refused without `--force`.
//! - `--from etcd --to files:DIR`: snapshot, head and journal read at one revision, written as
//!   the StateStore's files. A directory that already holds a state is refused without `--force`.
//!
//! Either way a prefix an enclave leads (its `leader` key is there) is refused without `--force`:
//! that enclave would keep writing, and what it writes after the copy would be lost (or, to etcd,
//! it would lose its fencing and stop). The state directory is locked like the proxy locks it, so
//! a proxy serving it cannot write while it is read or written.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nitro_kms_etcd::{ClientOptions, Endpoint, EtcdClient, EtcdError, TcpConnect, Tls};
use nitro_kms_parent_link::StateDirLock;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use zeroize::Zeroizing;

pub mod etcd_side;
pub mod sealed_files;

use sealed_files::{SealedState, Skipped};

/// Largest PEM file read (CA, certificate, key).
const MAX_PEM_LEN: u64 = 1 << 20;
/// Largest answer read from etcd: a snapshot of the enclave's largest state (64 MiB) as base64.
const MAX_RESPONSE: usize = 96 << 20;

/// `nitro-kms-proxy store migrate`'s command line.
#[derive(clap::Parser, Debug)]
#[command(
    name = "nitro-kms-proxy store migrate",
    about = "Move a keystore's sealed state between a state directory and etcd (sealed bytes \
             only: nothing is opened). Stop the enclave first."
)]
pub struct MigrateArgs {
    /// Where the state is now: `files:DIR` (a proxy state directory) or `etcd`.
    #[arg(long)]
    pub from: Side,
    /// Where it goes: `etcd` or `files:DIR`.
    #[arg(long)]
    pub to: Side,
    /// The etcd members' client endpoints, `host:port,host:port`.
    #[arg(long, value_name = "HOST:PORT,...")]
    pub etcd_endpoints: Option<String>,
    /// The etcd cluster's CA certificate (PEM): the only root trusted for the members.
    #[arg(long, value_name = "PEM")]
    pub etcd_ca: Option<PathBuf>,
    /// The operator's etcd client certificate (PEM, signed by the etcd CA).
    #[arg(long, value_name = "PEM")]
    pub etcd_cert: Option<PathBuf>,
    /// The operator's etcd client key (PEM).
    #[arg(long, value_name = "PEM")]
    pub etcd_key: Option<PathBuf>,
    /// The keystore's prefix in etcd (the enclaves' `etcd_prefix`).
    #[arg(long, default_value = "/nitro-kms/")]
    pub etcd_prefix: String,
    /// Bound on one etcd request, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub etcd_timeout_ms: u64,
    /// Overwrite a state already at the destination, and move even while an enclave leads the
    /// prefix (it would keep writing: stop it first).
    #[arg(long)]
    pub force: bool,
}

/// One end of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// A state directory as the proxy's StateStore keeps it.
    Files(PathBuf),
    /// etcd, under `--etcd-prefix`.
    Etcd,
}

impl std::str::FromStr for Side {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.strip_prefix("files:") {
            Some("") => Err("files: needs a directory (files:DIR)".into()),
            Some(dir) => Ok(Side::Files(PathBuf::from(dir))),
            None if text == "etcd" => Ok(Side::Etcd),
            None => Err(format!("{text:?} is neither files:DIR nor etcd")),
        }
    }
}

/// Why a migration did not happen (nothing was changed at the destination, except for
/// [`MigrateError::Raced`] and errors in the middle of an etcd write, which a rerun repairs:
/// nothing is visible without `head`).
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// A bad command line.
    #[error("{0}")]
    Usage(String),
    /// The source is missing or not a state the enclave would load.
    #[error("{0}")]
    Source(String),
    /// The destination already holds a state.
    #[error("{0} (--force replaces it)")]
    Occupied(String),
    /// An enclave leads the prefix.
    #[error(
        "an enclave leads etcd prefix {prefix:?} (leader {leader}): it would keep writing, and \
         its writes after the copy would be lost; stop the enclaves first (--force moves anyway)"
    )]
    Leading {
        /// The prefix.
        prefix: String,
        /// The leader's id.
        leader: String,
    },
    /// The prefix changed while it was written (someone else wrote `head`).
    #[error(
        "etcd prefix changed during the migration (someone else wrote it); nothing loadable was left, run again"
    )]
    Raced,
    /// etcd failed.
    #[error("{0}")]
    Etcd(#[from] EtcdError),
    /// A file operation failed.
    #[error("{0}")]
    Io(String),
}

impl MigrateError {
    /// The process exit status: 2 for a usage error, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            MigrateError::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// What a migration moved (printed for the operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The snapshot generation.
    pub generation: u64,
    /// The last sequence number.
    pub last_seq: u64,
    /// Journal records moved.
    pub records: usize,
    /// Bytes moved (snapshot + records).
    pub bytes: usize,
    /// What was left behind, as the enclave's load would.
    pub skipped: Skipped,
}

impl std::fmt::Display for Moved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "generation {}, last seq {}, {} journal records, {} bytes",
            self.generation, self.last_seq, self.records, self.bytes
        )?;
        if self.skipped.stale_journal {
            f.write_str(" (a stale journal of an older generation was left behind)")?;
        }
        if self.skipped.torn_tail > 0 {
            write!(
                f,
                " (a torn final record of {} bytes was left behind)",
                self.skipped.torn_tail
            )?;
        }
        Ok(())
    }
}

fn moved(state: &SealedState, skipped: Skipped) -> Moved {
    Moved {
        generation: state.header.generation,
        last_seq: state.last_seq(),
        records: state.records.len(),
        bytes: state.snapshot.len() + state.journal_len(),
        skipped,
    }
}

/// Runs the migration `args` asks for.
pub async fn run(args: &MigrateArgs) -> Result<Moved, MigrateError> {
    let prefix = args.etcd_prefix.as_bytes();
    if prefix.is_empty() {
        return Err(MigrateError::Usage(
            "--etcd-prefix must not be empty".into(),
        ));
    }
    let shown = args.etcd_prefix.clone();
    match (&args.from, &args.to) {
        (Side::Files(dir), Side::Etcd) => {
            let client = client(args)?;
            let _lock = lock(dir)?;
            let (state, skipped) = sealed_files::read(dir)?;
            let now = etcd_side::occupancy(&client, prefix).await?;
            refuse_leader(&now, &shown, args.force)?;
            if (now.snapshot || now.head) && !args.force {
                return Err(MigrateError::Occupied(format!(
                    "etcd prefix {shown:?} already holds a keystore"
                )));
            }
            etcd_side::write(&client, prefix, &state, args.force).await?;
            Ok(moved(&state, skipped))
        }
        (Side::Etcd, Side::Files(dir)) => {
            let client = client(args)?;
            let now = etcd_side::occupancy(&client, prefix).await?;
            refuse_leader(&now, &shown, args.force)?;
            std::fs::create_dir_all(dir)
                .map_err(|e| MigrateError::Io(format!("{}: {e}", dir.display())))?;
            let _lock = lock(dir)?;
            if sealed_files::holds_state(dir) && !args.force {
                return Err(MigrateError::Occupied(format!(
                    "{} already holds a keystore",
                    dir.display()
                )));
            }
            let state = etcd_side::read(&client, prefix).await?;
            sealed_files::write(dir, &state)?;
            Ok(moved(&state, Skipped::default()))
        }
        _ => Err(MigrateError::Usage(
            "move from files:DIR to etcd, or from etcd to files:DIR".into(),
        )),
    }
}

fn refuse_leader(
    now: &etcd_side::Occupancy,
    prefix: &str,
    force: bool,
) -> Result<(), MigrateError> {
    match &now.leader {
        Some(leader) if !force => Err(MigrateError::Leading {
            prefix: prefix.to_owned(),
            leader: leader.clone(),
        }),
        _ => Ok(()),
    }
}

fn lock(dir: &std::path::Path) -> Result<StateDirLock, MigrateError> {
    StateDirLock::acquire(dir).map_err(|e| {
        MigrateError::Io(format!(
            "{e} (is a proxy serving this directory? stop it first)"
        ))
    })
}

/// The operator's etcd client: the endpoints, TLS trusting only `--etcd-ca`, with the operator's
/// certificate and key.
fn client(args: &MigrateArgs) -> Result<EtcdClient, MigrateError> {
    let missing = |flag: &str| MigrateError::Usage(format!("{flag} is required with etcd"));
    let endpoints = args
        .etcd_endpoints
        .as_deref()
        .ok_or_else(|| missing("--etcd-endpoints"))?
        .split(',')
        .filter(|e| !e.trim().is_empty())
        .map(|e| e.trim().parse::<Endpoint>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| MigrateError::Usage(e.to_string()))?;
    if endpoints.is_empty() {
        return Err(missing("--etcd-endpoints"));
    }
    let ca = read_pem(args.etcd_ca.as_ref().ok_or_else(|| missing("--etcd-ca"))?)?;
    let cert = read_pem(
        args.etcd_cert
            .as_ref()
            .ok_or_else(|| missing("--etcd-cert"))?,
    )?;
    let key = read_pem(
        args.etcd_key
            .as_ref()
            .ok_or_else(|| missing("--etcd-key"))?,
    )?;
    let config = tls_config(&ca, &cert, &key)?;
    let timeout = Duration::from_millis(args.etcd_timeout_ms.max(1));
    let options = ClientOptions {
        endpoints,
        tls: Tls::Rustls(config),
        request_timeout: timeout,
        connect_timeout: timeout,
        max_response: MAX_RESPONSE,
    };
    Ok(EtcdClient::new(options, Arc::new(TcpConnect))?)
}

/// Reads a PEM file (bounded); kept zeroizing, since the key is one.
fn read_pem(path: &PathBuf) -> Result<Zeroizing<Vec<u8>>, MigrateError> {
    use std::io::Read;
    let io = |e: std::io::Error| MigrateError::Io(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_PEM_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_PEM_LEN {
        return Err(MigrateError::Usage(format!(
            "{}: larger than {MAX_PEM_LEN} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// rustls client configuration: roots = only `ca`, client identity `cert` + `key`.
pub fn tls_config(
    ca: &[u8],
    cert: &[u8],
    key: &[u8],
) -> Result<Arc<rustls::ClientConfig>, MigrateError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| MigrateError::Usage(format!("{what}: {e}"));
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca) {
        roots
            .add(c.map_err(|e| bad("--etcd-ca", &e))?)
            .map_err(|e| bad("--etcd-ca", &e))?;
    }
    if roots.is_empty() {
        return Err(MigrateError::Usage(
            "--etcd-ca: no certificate in it".into(),
        ));
    }
    let chain = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("--etcd-cert", &e))?;
    if chain.is_empty() {
        return Err(MigrateError::Usage(
            "--etcd-cert: no certificate in it".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| bad("--etcd-key", &e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("TLS", &e))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| bad("--etcd-cert/--etcd-key", &e))?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests;
