//! The enclave's configuration: command-line flags, `NITRO_KMS_ENCLAVE_*` environment variables,
//! and an optional TOML file (`--config FILE`), in that order of precedence, then defaults.
//!
//! ```toml
//! listen = "unix:///run/nitro-kms/enclave.sock"
//! simulate = true
//! state_dir = "/var/lib/nitro-kms"
//! region = "eu-west-1"
//! regions = "eu-west-1,eu-central-1"   # served besides `region`; "all" in the simulation
//! account = "111122223333"
//! trust_simulated_root = "/var/lib/nitro-kms/root.pem"
//! request_timeout_ms = 5000
//! ```
//!
//! The sealed state lives on the parent by default (`storage = "files"`); with `storage = "etcd"`
//! it lives in an etcd v3 cluster reached through the parent's egress relay, with TLS ending in
//! the enclave ([`storage`] validates these settings; `nitro-kms-enclave --print-etcd-csr` gives
//! the CSR the operator signs with the etcd CA for `etcd_client_certificate`):
//!
//! ```toml
//! storage = "etcd"                       # "files" (default) | "etcd"
//! etcd_endpoints = "10.0.1.10:2379,10.0.2.10:2379"
//! etcd_ca = "/etc/nitro-kms/etcd-ca.pem"  # the ONLY roots trusted for etcd
//! etcd_client_certificate = "/etc/nitro-kms/etcd-client.pem"  # for this enclave's derived key
//! etcd_prefix = "/nitro-kms/"            # must end with `/`
//! etcd_relay = "vsock://3:8001"          # the parent's egress relay (direct TCP only simulated)
//! etcd_lease_ttl_secs = 5                # 2..=60: the leader's lease
//! etcd_timeout_ms = 2000                 # one etcd request's deadline
//! ```
//!
//! On Nitro the file is baked into the image (it is measured into PCR0), with the seal root:
//!
//! ```toml
//! listen = "vsock://ANY:5000"
//! seal_root = "kms:arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
//! seal_root_relay = "vsock://3:8000"
//! ```
//!
//! [`file_check`] checks such a file without starting anything (`--check-config FILE
//! [--production]`), with the rules of an enclave image; `make eif` and `make docker-check` run
//! it through scripts/deploy_checks.py.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

use crate::region_allowlist::RegionAllowlist;

use crate::storage::seal_root::SealRoot;

pub mod file_check;
pub mod storage;

pub use storage::{EtcdStorageConfig, StorageConfig};

/// Command line (and environment) of `nitro-kms-enclave`. Every option is optional here so that
/// the TOML file can supply it; [`Config::resolve`] applies the defaults.
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "nitro-kms-enclave",
    version,
    about = "nitro-kms enclave: owns KMS keys and answers KMS operations over vsock"
)]
pub struct Args {
    /// TOML file with any of the settings below (flags and environment win over it).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where to listen: `vsock://ANY:5000` (Nitro) or `unix:///path` (simulation).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_LISTEN")]
    pub listen: Option<String>,
    /// Use the simulated NSM and keep the sealing key in --state-dir.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_SIMULATE")]
    pub simulate: bool,
    /// The simulated world's directory (simulated NSM state and sealing key).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Without --simulate or --seal-root: seal with a random key that dies with the process.
    /// Required explicitly so nobody loses keys by accident.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_EPHEMERAL_SEALING_KEY")]
    pub ephemeral_sealing_key: bool,
    /// `kms:KEY-ARN`: get the sealing key from this AWS KMS key by attested GenerateDataKey
    /// (first start) or Decrypt (later starts), through the parent's egress relay.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_SEAL_ROOT")]
    pub seal_root: Option<String>,
    /// The AWS KMS endpoint of the seal root (default `https://kms.REGION.amazonaws.com`).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_SEAL_ROOT_ENDPOINT")]
    pub seal_root_endpoint: Option<String>,
    /// The parent's CONNECT relay for the seal root (default `vsock://3:8000`; `direct` for none).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_SEAL_ROOT_RELAY")]
    pub seal_root_relay: Option<String>,
    /// PEM roots the seal-root endpoint's TLS certificate must chain to, instead of the built-in
    /// Mozilla roots (a test CA).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_SEAL_ROOT_CA")]
    pub seal_root_ca: Option<PathBuf>,
    /// With --simulate: the file whose SHA-384 is the simulated PCR0 (default: this executable,
    /// so a rebuilt enclave is a new image, as on Nitro).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_SIMULATED_IMAGE")]
    pub simulated_image: Option<PathBuf>,
    /// The AWS region in key ARNs.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_REGION")]
    pub region: Option<String>,
    /// The regions served, besides `--region`: `all` (AWS's regions; the default with
    /// --simulate) or a comma-separated list including `--region` (default without --simulate:
    /// `--region` alone). A request signed for another region is refused.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_REGIONS")]
    pub regions: Option<String>,
    /// The 12-digit account that owns the keys.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ACCOUNT")]
    pub account: Option<String>,
    /// Also trust attestation documents chaining to this simulated root (PEM). Never on Nitro.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_TRUST_SIMULATED_ROOT")]
    pub trust_simulated_root: Option<PathBuf>,
    /// Oldest attestation document accepted, in seconds.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_MAX_DOCUMENT_AGE_SECS")]
    pub max_document_age_secs: Option<u64>,
    /// Deadline of one request, in milliseconds.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_REQUEST_TIMEOUT_MS")]
    pub request_timeout_ms: Option<u64>,
    /// Deadline of one storage round trip to the parent, in milliseconds.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_PERSIST_TIMEOUT_MS")]
    pub persist_timeout_ms: Option<u64>,
    /// In-flight bound offered in the control link's Hello (the link carries no KMS requests).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_MAX_IN_FLIGHT")]
    pub max_in_flight: Option<u32>,
    /// Largest frame, in bytes.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_MAX_FRAME_LEN")]
    pub max_frame_len: Option<u32>,
    /// Parent connections served at once.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// How often the periodic jobs run (keys past their deletion window deleted, keys due for
    /// automatic rotation rotated), in seconds.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_DELETION_SWEEP_SECS")]
    pub deletion_sweep_secs: Option<u64>,
    /// Also serve the KMS HTTP API itself on this address (`vsock://ANY:PORT` or
    /// `unix:///path`): SigV4 verified here, in the enclave (see [`crate::http`]).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_HTTP_LISTEN")]
    pub http_listen: Option<String>,
    /// Serve HTTP without TLS on --http-listen (default: only with --simulate). Never in an
    /// enclave image: the parent would read and change every request and answer.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ALLOW_CLEARTEXT", num_args = 0..=1,
          default_missing_value = "true")]
    pub allow_cleartext: Option<bool>,
    /// A name the service's TLS certificate is valid for (DNS name or IP address; repeatable, or
    /// comma-separated in the environment). Default: `localhost`, `127.0.0.1` and `::1`, which
    /// only suit local use: on Nitro, name what clients put in their endpoint URL.
    #[arg(
        long = "tls-name",
        env = "NITRO_KMS_ENCLAVE_TLS_NAMES",
        value_delimiter = ','
    )]
    pub tls_names: Vec<String>,
    /// Largest request body on --http-listen, in bytes (default 1 MiB, as the proxy's).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_MAX_BODY")]
    pub max_body: Option<usize>,
    /// HTTP client connections served at once on --http-listen; more are closed at once.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_HTTP_MAX_CONNECTIONS")]
    pub http_max_connections: Option<usize>,
    /// Deadline on --http-listen for a connection's first byte, TLS handshake and request
    /// headers, in milliseconds (slowloris protection; an idle keep-alive connection is closed
    /// after it too). Default 10000.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_HTTP_HEADER_TIMEOUT_MS")]
    pub http_header_timeout_ms: Option<u64>,
    /// Deadline on --http-listen for an authenticated request's body once its headers are in,
    /// in milliseconds (slowloris protection). Default 30000.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_HTTP_BODY_TIMEOUT_MS")]
    pub http_body_timeout_ms: Option<u64>,
    /// Access keys (plaintext TOML, the proxy's `--credentials` format) added to the built-in
    /// simulation key. Only with --simulate: a plaintext file is readable by the parent.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_CREDENTIALS")]
    pub credentials: Option<PathBuf>,
    /// Log format, as the proxy's: `text` or `json` (one object a line), to standard error. The
    /// level comes from `RUST_LOG` (default `info`).
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    pub log_format: String,
    /// Check FILE (the TOML of --config) and exit, starting nothing: parse it as the enclave
    /// does, apply the checks the enclave applies at start-up, and with --production the rules of
    /// an enclave image. Other flags and NITRO_KMS_ENCLAVE_* variables are not applied (an
    /// image's ENTRYPOINT passes none). Prints `ok ...` and exits 0; or one line per problem and
    /// exits 1; or exits 2 when FILE cannot be read or parsed (unknown keys included).
    #[arg(long, value_name = "FILE")]
    pub check_config: Option<PathBuf>,
    /// Where the sealed state lives: `files` (on the parent, default) or `etcd`.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_STORAGE")]
    pub storage: Option<String>,
    /// With `--storage etcd`: the cluster's client endpoints, `host:port,host:port`.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ETCD_ENDPOINTS")]
    pub etcd_endpoints: Option<String>,
    /// With `--storage etcd`: the etcd cluster's CA (PEM), the only roots trusted for etcd.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ETCD_CA")]
    pub etcd_ca: Option<PathBuf>,
    /// With `--storage etcd`: the client certificate (PEM) the etcd CA signed for this enclave's
    /// CSR (`--print-etcd-csr`).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ETCD_CLIENT_CERTIFICATE")]
    pub etcd_client_certificate: Option<PathBuf>,
    /// With `--storage etcd`: the key prefix in etcd, ending with `/` (default `/nitro-kms/`).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ETCD_PREFIX")]
    pub etcd_prefix: Option<String>,
    /// With `--storage etcd`: the parent's egress relay (`vsock://3:PORT`); without it, direct
    /// TCP, only with --simulate.
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ETCD_RELAY")]
    pub etcd_relay: Option<String>,
    /// With `--storage etcd`: the leader lease's TTL in seconds, 2 to 60 (default 5).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ETCD_LEASE_TTL_SECS")]
    pub etcd_lease_ttl_secs: Option<u64>,
    /// With `--storage etcd`: one etcd request's deadline in milliseconds (default 2000).
    #[arg(long, env = "NITRO_KMS_ENCLAVE_ETCD_TIMEOUT_MS")]
    pub etcd_timeout_ms: Option<u64>,
    /// With --simulate --state-dir DIR: print the CSR of this enclave's etcd client key (PEM) to
    /// standard output, its SPKI SHA-256 to standard error, and exit, starting nothing.
    #[arg(long)]
    pub print_etcd_csr: bool,
    /// With --check-config: also refuse what must never be in an enclave image (simulation
    /// settings, a test CA, an ephemeral sealing key), and require a seal root, a vsock listen
    /// address and a relay on the parent (vsock://3:PORT).
    #[arg(long, requires = "check_config")]
    pub production: bool,
}

/// The TOML file: the same settings, snake_case, all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    listen: Option<String>,
    simulate: Option<bool>,
    state_dir: Option<PathBuf>,
    ephemeral_sealing_key: Option<bool>,
    seal_root: Option<String>,
    seal_root_endpoint: Option<String>,
    seal_root_relay: Option<String>,
    seal_root_ca: Option<PathBuf>,
    simulated_image: Option<PathBuf>,
    region: Option<String>,
    regions: Option<String>,
    account: Option<String>,
    trust_simulated_root: Option<PathBuf>,
    max_document_age_secs: Option<u64>,
    request_timeout_ms: Option<u64>,
    persist_timeout_ms: Option<u64>,
    max_in_flight: Option<u32>,
    max_frame_len: Option<u32>,
    max_connections: Option<usize>,
    deletion_sweep_secs: Option<u64>,
    http_listen: Option<String>,
    allow_cleartext: Option<bool>,
    tls_names: Option<Vec<String>>,
    max_body: Option<usize>,
    http_max_connections: Option<usize>,
    http_header_timeout_ms: Option<u64>,
    http_body_timeout_ms: Option<u64>,
    credentials: Option<PathBuf>,
    storage: Option<String>,
    etcd_endpoints: Option<String>,
    etcd_ca: Option<PathBuf>,
    etcd_client_certificate: Option<PathBuf>,
    etcd_prefix: Option<String>,
    etcd_relay: Option<String>,
    etcd_lease_ttl_secs: Option<u64>,
    etcd_timeout_ms: Option<u64>,
}

pub use crate::http::limits::DEFAULT_HTTP_MAX_CONNECTIONS;

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Listen address.
    pub listen: String,
    /// Simulated NSM and sealing key.
    pub simulate: bool,
    /// Simulated world directory (required with `simulate`).
    pub state_dir: Option<PathBuf>,
    /// Random, non-persistent sealing key (without `simulate`).
    pub ephemeral_sealing_key: bool,
    /// The sealing key from AWS KMS (`--seal-root`).
    pub seal_root: Option<SealRoot>,
    /// The simulated image measured into PCR0 (with `simulate`).
    pub simulated_image: Option<PathBuf>,
    /// Region.
    pub region: String,
    /// The regions served ([`RegionAllowlist`]): the configured one among them.
    pub regions: RegionAllowlist,
    /// Account.
    pub account: String,
    /// Extra trusted simulated root.
    pub trust_simulated_root: Option<PathBuf>,
    /// Oldest attestation document accepted.
    pub max_document_age: Duration,
    /// Request deadline.
    pub request_timeout: Duration,
    /// Storage round-trip deadline.
    pub persist_timeout: Duration,
    /// In-flight bound offered in the control link's Hello.
    pub max_in_flight: u32,
    /// Largest frame.
    pub max_frame_len: u32,
    /// Connections at once.
    pub max_connections: usize,
    /// Deletion sweep period.
    pub deletion_sweep: Duration,
    /// Where the enclave's own HTTP endpoint listens (none without `--http-listen`).
    pub http_listen: Option<String>,
    /// Whether that endpoint serves HTTP without TLS.
    pub allow_cleartext: bool,
    /// The names in the service's TLS certificate (empty: the local defaults).
    pub tls_names: Vec<String>,
    /// Largest request body on that endpoint.
    pub max_body: usize,
    /// Client connections that endpoint serves at once.
    pub http_max_connections: usize,
    /// That endpoint's deadline for the first byte, handshake and request headers.
    pub http_header_timeout: Duration,
    /// That endpoint's deadline for an authenticated request's body.
    pub http_body_timeout: Duration,
    /// Plaintext access keys file (simulation only).
    pub credentials: Option<PathBuf>,
    /// Where the sealed state lives (files on the parent, or etcd).
    pub storage: StorageConfig,
}

/// Why the configuration is unusable (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML file could not be read or parsed.
    #[error("config file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A setting is invalid or a required one is missing.
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Merges flags/environment over the TOML file over the defaults, and checks the result.
    pub fn resolve(args: Args) -> Result<Config, ConfigError> {
        let config = Self::merge(args)?;
        config.check()?;
        Ok(config)
    }

    /// The merge of [`Config::resolve`], without its checks (a seal root is parsed, so an invalid
    /// one is refused here): [`file_check`] applies the checks itself, to report them with the
    /// production rules.
    fn merge(args: Args) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let seal_root = match args.seal_root.or(file.seal_root) {
            Some(spec) => Some(
                SealRoot::resolve(
                    &spec,
                    args.seal_root_endpoint
                        .or(file.seal_root_endpoint)
                        .as_deref(),
                    args.seal_root_relay.or(file.seal_root_relay).as_deref(),
                    args.seal_root_ca.or(file.seal_root_ca),
                )
                .map_err(ConfigError::Invalid)?,
            ),
            None => {
                if args.seal_root_endpoint.is_some()
                    || file.seal_root_endpoint.is_some()
                    || args.seal_root_relay.is_some()
                    || file.seal_root_relay.is_some()
                    || args.seal_root_ca.is_some()
                    || file.seal_root_ca.is_some()
                {
                    return Err(ConfigError::Invalid(
                        "--seal-root-endpoint, --seal-root-relay and --seal-root-ca need                          --seal-root kms:ARN"
                            .into(),
                    ));
                }
                None
            }
        };
        let simulate = args.simulate || file.simulate.unwrap_or(false);
        let region = args
            .region
            .or(file.region)
            .unwrap_or_else(|| "us-east-1".to_owned());
        let regions = match args.regions.or(file.regions) {
            Some(text) => RegionAllowlist::parse(&text)
                .map_err(|why| ConfigError::Invalid(format!("--regions {text:?}: {why}")))?,
            None if simulate => RegionAllowlist::All,
            None => RegionAllowlist::one(&region),
        };
        let storage = storage::StorageSettings {
            storage: args.storage.or(file.storage),
            etcd_endpoints: args.etcd_endpoints.or(file.etcd_endpoints),
            etcd_ca: args.etcd_ca.or(file.etcd_ca),
            etcd_client_certificate: args
                .etcd_client_certificate
                .or(file.etcd_client_certificate),
            etcd_prefix: args.etcd_prefix.or(file.etcd_prefix),
            etcd_relay: args.etcd_relay.or(file.etcd_relay),
            etcd_lease_ttl_secs: args.etcd_lease_ttl_secs.or(file.etcd_lease_ttl_secs),
            etcd_timeout_ms: args.etcd_timeout_ms.or(file.etcd_timeout_ms),
        }
        .resolve()?;
        Ok(Config {
            storage,
            regions,
            http_listen: args.http_listen.or(file.http_listen),
            allow_cleartext: args
                .allow_cleartext
                .or(file.allow_cleartext)
                .unwrap_or(simulate),
            tls_names: if args.tls_names.is_empty() {
                file.tls_names.unwrap_or_default()
            } else {
                args.tls_names
            },
            max_body: args
                .max_body
                .or(file.max_body)
                .unwrap_or(nitro_kms_api::http_endpoint::DEFAULT_MAX_BODY),
            http_max_connections: args
                .http_max_connections
                .or(file.http_max_connections)
                .unwrap_or(DEFAULT_HTTP_MAX_CONNECTIONS),
            http_header_timeout: args
                .http_header_timeout_ms
                .or(file.http_header_timeout_ms)
                .map_or(
                    crate::http::limits::HEADER_READ_TIMEOUT,
                    Duration::from_millis,
                ),
            http_body_timeout: args
                .http_body_timeout_ms
                .or(file.http_body_timeout_ms)
                .map_or(
                    crate::http::limits::BODY_READ_TIMEOUT,
                    Duration::from_millis,
                ),
            credentials: args.credentials.or(file.credentials),
            listen: args
                .listen
                .or(file.listen)
                .unwrap_or_else(|| "vsock://ANY:5000".to_owned()),
            simulate,
            state_dir: args.state_dir.or(file.state_dir),
            ephemeral_sealing_key: args.ephemeral_sealing_key
                || file.ephemeral_sealing_key.unwrap_or(false),
            seal_root,
            simulated_image: args.simulated_image.or(file.simulated_image),
            region,
            account: args
                .account
                .or(file.account)
                .unwrap_or_else(|| "111122223333".to_owned()),
            trust_simulated_root: args.trust_simulated_root.or(file.trust_simulated_root),
            max_document_age: Duration::from_secs(
                args.max_document_age_secs
                    .or(file.max_document_age_secs)
                    .unwrap_or(300),
            ),
            request_timeout: Duration::from_millis(
                args.request_timeout_ms
                    .or(file.request_timeout_ms)
                    .unwrap_or(10_000),
            ),
            persist_timeout: Duration::from_millis(
                args.persist_timeout_ms
                    .or(file.persist_timeout_ms)
                    .unwrap_or(5_000),
            ),
            max_in_flight: args
                .max_in_flight
                .or(file.max_in_flight)
                .unwrap_or(nitro_kms_wire::DEFAULT_MAX_IN_FLIGHT),
            max_frame_len: args
                .max_frame_len
                .or(file.max_frame_len)
                .unwrap_or(nitro_kms_wire::DEFAULT_MAX_FRAME_LEN),
            max_connections: args.max_connections.or(file.max_connections).unwrap_or(64),
            deletion_sweep: Duration::from_secs(
                args.deletion_sweep_secs
                    .or(file.deletion_sweep_secs)
                    .unwrap_or(60)
                    .max(1),
            ),
        })
    }

    /// The rules every configuration must meet (the enclave refuses to start otherwise).
    fn check(&self) -> Result<(), ConfigError> {
        if self.simulate && self.state_dir.is_none() {
            return Err(ConfigError::Invalid(
                "--simulate needs --state-dir DIR (the simulated world: NSM state and sealing key)"
                    .into(),
            ));
        }
        if self.seal_root.is_some() && self.ephemeral_sealing_key {
            return Err(ConfigError::Invalid(
                "--seal-root and --ephemeral-sealing-key exclude each other".into(),
            ));
        }
        if !self.simulate && !self.ephemeral_sealing_key && self.seal_root.is_none() {
            return Err(ConfigError::Invalid(
                "without --simulate the sealing key comes from AWS KMS: pass --seal-root \
                 kms:KEY-ARN (or --ephemeral-sealing-key to run with keys that die with the \
                 process)"
                    .into(),
            ));
        }
        if self.simulated_image.is_some() && !self.simulate {
            return Err(ConfigError::Invalid(
                "--simulated-image needs --simulate (on Nitro the image is measured by the \
                 hypervisor)"
                    .into(),
            ));
        }
        if self.account.len() != 12 || !self.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConfigError::Invalid(format!(
                "--account must be 12 digits, got {:?}",
                self.account
            )));
        }
        if self.region.is_empty()
            || !self
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ConfigError::Invalid(format!(
                "--region {:?} is not a region name",
                self.region
            )));
        }
        if !self.regions.serves(&self.region) {
            return Err(ConfigError::Invalid(format!(
                "--regions must include --region {:?}",
                self.region
            )));
        }
        if self.credentials.is_some() && !self.simulate {
            return Err(ConfigError::Invalid(
                "--credentials (a plaintext file the parent can read) is accepted only with \
                 --simulate"
                    .into(),
            ));
        }
        if self.max_body == 0 || self.http_max_connections == 0 {
            return Err(ConfigError::Invalid(
                "--max-body and --http-max-connections must be at least 1".into(),
            ));
        }
        if self.http_header_timeout.is_zero() || self.http_body_timeout.is_zero() {
            return Err(ConfigError::Invalid(
                "--http-header-timeout-ms and --http-body-timeout-ms must be at least 1".into(),
            ));
        }
        if self.max_in_flight == 0 || self.max_connections == 0 {
            return Err(ConfigError::Invalid(
                "--max-in-flight and --max-connections must be at least 1".into(),
            ));
        }
        storage::check(&self.storage, self.simulate)?;
        Ok(())
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let err = |reason: String| ConfigError::File {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    if text.len() > 64 * 1024 {
        return Err(err("larger than 64 KiB".into()));
    }
    toml::from_str(&text).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Args {
        let mut argv = vec!["nitro-kms-enclave"];
        argv.extend_from_slice(list);
        Args::try_parse_from(argv).unwrap()
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("enclave.toml");
        std::fs::write(
            &file,
            "simulate = true\nstate_dir = \"/tmp/x\"\nregion = \"eu-west-1\"\nrequest_timeout_ms = 250\n",
        )
        .unwrap();
        let config = Config::resolve(args(&[
            "--config",
            file.to_str().unwrap(),
            "--region",
            "ap-south-1",
        ]))
        .unwrap();
        assert_eq!(config.region, "ap-south-1");
        assert!(config.simulate);
        assert_eq!(config.request_timeout, Duration::from_millis(250));
        assert_eq!(config.account, "111122223333");
        assert_eq!(config.listen, "vsock://ANY:5000");
    }

    #[test]
    fn tls_names_come_from_repeated_flags_or_the_file_and_default_to_none() {
        let none = Config::resolve(args(&["--simulate", "--state-dir", "/tmp/x"])).unwrap();
        assert!(none.tls_names.is_empty());
        let flags = Config::resolve(args(&[
            "--ephemeral-sealing-key",
            "--tls-name",
            "kms.internal.example",
            "--tls-name",
            "10.0.0.5",
        ]))
        .unwrap();
        assert_eq!(flags.tls_names, ["kms.internal.example", "10.0.0.5"]);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("enclave.toml");
        std::fs::write(
            &file,
            "ephemeral_sealing_key = true\ntls_names = [\"kms.example\"]\n",
        )
        .unwrap();
        let from_file = Config::resolve(args(&["--config", file.to_str().unwrap()])).unwrap();
        assert_eq!(from_file.tls_names, ["kms.example"]);
    }

    #[test]
    fn cleartext_http_is_allowed_by_default_only_in_the_simulation() {
        let simulated = Config::resolve(args(&["--simulate", "--state-dir", "/tmp/x"])).unwrap();
        assert!(simulated.allow_cleartext);
        assert_eq!(simulated.http_listen, None);
        assert_eq!(simulated.max_body, 1 << 20);
        let off = Config::resolve(args(&[
            "--simulate",
            "--state-dir",
            "/tmp/x",
            "--allow-cleartext=false",
        ]))
        .unwrap();
        assert!(!off.allow_cleartext);
        let production = Config::resolve(args(&["--ephemeral-sealing-key"])).unwrap();
        assert!(!production.allow_cleartext);
        let on = Config::resolve(args(&[
            "--ephemeral-sealing-key",
            "--allow-cleartext",
            "--http-listen",
            "unix:///tmp/h.sock",
        ]))
        .unwrap();
        assert!(on.allow_cleartext);
        assert_eq!(on.http_listen.as_deref(), Some("unix:///tmp/h.sock"));
    }

    #[test]
    fn unknown_file_keys_and_missing_sealing_sources_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("enclave.toml");
        std::fs::write(&file, "simulte = true\n").unwrap();
        let err = Config::resolve(args(&["--config", file.to_str().unwrap()])).unwrap_err();
        assert!(err.to_string().contains("simulte"), "{err}");
        let err = Config::resolve(args(&[])).unwrap_err();
        assert!(err.to_string().contains("--ephemeral-sealing-key"), "{err}");
        let err = Config::resolve(args(&["--seal-root-relay", "direct"])).unwrap_err();
        assert!(err.to_string().contains("need"), "{err}");
        let arn = "kms:arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let err =
            Config::resolve(args(&["--seal-root", arn, "--ephemeral-sealing-key"])).unwrap_err();
        assert!(err.to_string().contains("exclude"), "{err}");
        let config = Config::resolve(args(&["--seal-root", arn])).unwrap();
        assert_eq!(
            config.seal_root.map(|r| r.endpoint),
            Some("https://kms.us-east-1.amazonaws.com".to_owned())
        );
        let err = Config::resolve(args(&[
            "--ephemeral-sealing-key",
            "--credentials",
            "c.toml",
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("only with --simulate"), "{err}");
        let err = Config::resolve(args(&["--simulate"])).unwrap_err();
        assert!(err.to_string().contains("--state-dir"), "{err}");
        let err =
            Config::resolve(args(&["--ephemeral-sealing-key", "--account", "12"])).unwrap_err();
        assert!(err.to_string().contains("12 digits"), "{err}");
    }
}
