//! Where the enclave keeps its sealed state: `storage = "files"` (through the parent, the
//! default) or `storage = "etcd"` (an etcd v3 cluster reached through the parent's egress relay,
//! TLS ending in the enclave, issue 19).
//!
//! The `etcd_*` settings are parsed and validated here, and the two PEM files are read here, so a
//! wrong path or a file that holds no certificate stops the enclave at start-up with the name of
//! the setting, not at its first write.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nitro_kms_wire::transport::Address;
use rustls::pki_types::{CertificateDer, pem::PemObject};

use super::ConfigError;

/// Default `etcd_prefix`.
pub const DEFAULT_ETCD_PREFIX: &str = "/nitro-kms/";
/// Default `etcd_lease_ttl_secs`: the leader's lease (a failed-over fleet waits at most this).
pub const DEFAULT_ETCD_LEASE_TTL_SECS: u64 = 5;
/// Allowed `etcd_lease_ttl_secs`: below 2 s keepalives (every TTL/3) would race the network;
/// above 60 s a dead leader would block writes for too long.
pub const ETCD_LEASE_TTL_SECS: std::ops::RangeInclusive<u64> = 2..=60;
/// Default `etcd_timeout_ms`: the deadline of one etcd request.
pub const DEFAULT_ETCD_TIMEOUT_MS: u64 = 2000;
/// Largest PEM file accepted for `etcd_ca` / `etcd_client_certificate`.
const MAX_PEM_LEN: u64 = 256 * 1024;
/// Most endpoints in `etcd_endpoints`.
const MAX_ENDPOINTS: usize = 16;

/// The storage settings as given (flags/environment over the file), before validation.
#[derive(Debug, Clone, Default)]
pub struct StorageSettings {
    /// `storage`: `files` or `etcd`.
    pub storage: Option<String>,
    /// `etcd_endpoints`: `host:port,host:port`.
    pub etcd_endpoints: Option<String>,
    /// `etcd_ca`: PEM file of the cluster's CA.
    pub etcd_ca: Option<PathBuf>,
    /// `etcd_client_certificate`: PEM file of the enclave's client certificate (chain).
    pub etcd_client_certificate: Option<PathBuf>,
    /// `etcd_prefix`.
    pub etcd_prefix: Option<String>,
    /// `etcd_relay`: the parent's egress relay.
    pub etcd_relay: Option<String>,
    /// `etcd_lease_ttl_secs`.
    pub etcd_lease_ttl_secs: Option<u64>,
    /// `etcd_timeout_ms`.
    pub etcd_timeout_ms: Option<u64>,
}

/// Where the sealed state lives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StorageConfig {
    /// Files on the parent, through the control link (the default).
    #[default]
    Files,
    /// An etcd v3 cluster.
    Etcd(EtcdStorageConfig),
}

/// The resolved etcd settings (all validated; the PEM files already read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdStorageConfig {
    /// The cluster's client endpoints, each a validated `host:port`.
    pub endpoints: Vec<String>,
    /// The PEM of `etcd_ca`: the ONLY roots the enclave trusts for etcd (public).
    pub ca_pem: Vec<u8>,
    /// The PEM of `etcd_client_certificate`: the certificate for the derived client key, then
    /// any intermediates (public).
    pub client_certificate_pem: Vec<u8>,
    /// The key prefix, ending with `/`.
    pub prefix: Vec<u8>,
    /// The parent's egress relay (`nitro_kms_wire::transport` address); `None`: direct TCP,
    /// only in the simulation.
    pub relay: Option<String>,
    /// The leader lease's TTL.
    pub lease_ttl: Duration,
    /// The deadline of one etcd request.
    pub timeout: Duration,
}

impl StorageSettings {
    /// Whether any `etcd_*` setting is given.
    fn any_etcd(&self) -> bool {
        self.etcd_endpoints.is_some()
            || self.etcd_ca.is_some()
            || self.etcd_client_certificate.is_some()
            || self.etcd_prefix.is_some()
            || self.etcd_relay.is_some()
            || self.etcd_lease_ttl_secs.is_some()
            || self.etcd_timeout_ms.is_some()
    }

    /// Validates the settings and reads the PEM files.
    pub fn resolve(self) -> Result<StorageConfig, ConfigError> {
        match self.storage.as_deref().unwrap_or("files") {
            "files" => {
                if self.any_etcd() {
                    return Err(invalid(
                        "the etcd_* settings need storage = \"etcd\" (storage is \"files\")",
                    ));
                }
                Ok(StorageConfig::Files)
            }
            "etcd" => self.resolve_etcd().map(StorageConfig::Etcd),
            other => Err(ConfigError::Invalid(format!(
                "storage = {other:?}: expected \"files\" or \"etcd\""
            ))),
        }
    }

    fn resolve_etcd(self) -> Result<EtcdStorageConfig, ConfigError> {
        let endpoints = parse_endpoints(self.etcd_endpoints.as_deref().ok_or_else(|| {
            invalid("storage = \"etcd\" needs etcd_endpoints = \"host:port,...\"")
        })?)?;
        let ca_path = self.etcd_ca.ok_or_else(|| {
            invalid("storage = \"etcd\" needs etcd_ca = PATH (the cluster's CA, PEM)")
        })?;
        let cert_path = self.etcd_client_certificate.ok_or_else(|| {
            invalid(
                "storage = \"etcd\" needs etcd_client_certificate = PATH (PEM, signed by the etcd \
                 CA for this enclave's CSR: nitro-kms-enclave --print-etcd-csr)",
            )
        })?;
        let ca_pem = read_certificates_pem("etcd_ca", &ca_path)?;
        let client_certificate_pem = read_certificates_pem("etcd_client_certificate", &cert_path)?;
        let prefix = self
            .etcd_prefix
            .unwrap_or_else(|| DEFAULT_ETCD_PREFIX.to_owned());
        if !prefix.ends_with('/') || prefix.len() > 256 {
            return Err(ConfigError::Invalid(format!(
                "etcd_prefix = {prefix:?}: must end with `/` (and be at most 256 bytes)"
            )));
        }
        if let Some(relay) = &self.etcd_relay {
            relay
                .parse::<Address>()
                .map_err(|e| ConfigError::Invalid(format!("etcd_relay = {relay:?}: {e}")))?;
        }
        let ttl = self
            .etcd_lease_ttl_secs
            .unwrap_or(DEFAULT_ETCD_LEASE_TTL_SECS);
        if !ETCD_LEASE_TTL_SECS.contains(&ttl) {
            return Err(ConfigError::Invalid(format!(
                "etcd_lease_ttl_secs = {ttl}: must be between 2 and 60"
            )));
        }
        let timeout = self.etcd_timeout_ms.unwrap_or(DEFAULT_ETCD_TIMEOUT_MS);
        if timeout == 0 || timeout > 60_000 {
            return Err(ConfigError::Invalid(format!(
                "etcd_timeout_ms = {timeout}: must be between 1 and 60000"
            )));
        }
        Ok(EtcdStorageConfig {
            endpoints,
            ca_pem,
            client_certificate_pem,
            prefix: prefix.into_bytes(),
            relay: self.etcd_relay,
            lease_ttl: Duration::from_secs(ttl),
            timeout: Duration::from_millis(timeout),
        })
    }
}

/// The rule [`super::Config::check`] applies: etcd without the relay only in the simulation. A
/// real enclave has no network at all, only vsock to its parent: direct TCP could not reach etcd,
/// and the setting would hide that until the first write.
pub fn check(storage: &StorageConfig, simulate: bool) -> Result<(), ConfigError> {
    if let StorageConfig::Etcd(etcd) = storage
        && etcd.relay.is_none()
        && !simulate
    {
        return Err(invalid(
            "storage = \"etcd\" needs etcd_relay (the parent's egress relay, vsock://3:PORT): \
             direct TCP only with --simulate, an enclave has no network of its own",
        ));
    }
    Ok(())
}

fn invalid(message: &str) -> ConfigError {
    ConfigError::Invalid(message.to_owned())
}

/// `host:port,host:port` into validated `host:port` strings (at least one).
pub fn parse_endpoints(text: &str) -> Result<Vec<String>, ConfigError> {
    let endpoints: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    if endpoints.is_empty() || endpoints.len() > MAX_ENDPOINTS {
        return Err(ConfigError::Invalid(format!(
            "etcd_endpoints = {text:?}: give 1 to {MAX_ENDPOINTS} host:port, comma-separated"
        )));
    }
    for endpoint in &endpoints {
        if let Err(why) = validate_endpoint(endpoint) {
            return Err(ConfigError::Invalid(format!(
                "etcd_endpoints: {endpoint:?} is not host:port ({why})"
            )));
        }
    }
    Ok(endpoints)
}

/// One `host:port`: a DNS name or IPv4 address, or `[IPv6]`, and a port 1..=65535.
fn validate_endpoint(endpoint: &str) -> Result<(), &'static str> {
    let (host, port) = endpoint.rsplit_once(':').ok_or("no port")?;
    match port.parse::<u16>() {
        Ok(p) if p != 0 => {}
        _ => return Err("the port must be 1 to 65535"),
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner
            .parse::<std::net::Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| "not an IPv6 address in brackets");
    }
    let valid_name = !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63 && !label.starts_with('-'))
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if valid_name {
        Ok(())
    } else {
        Err("the host must be a DNS name, an IPv4 address or [IPv6]")
    }
}

/// Reads a PEM file holding at least one certificate (and nothing unparsable), naming `setting`
/// in every error.
fn read_certificates_pem(setting: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    let err = |why: String| {
        ConfigError::Invalid(format!(
            "{setting} = {:?}: {why}",
            path.display().to_string()
        ))
    };
    let len = std::fs::metadata(path)
        .map_err(|e| err(format!("cannot read it: {e}")))?
        .len();
    if len > MAX_PEM_LEN {
        return Err(err(format!("larger than {} KiB", MAX_PEM_LEN / 1024)));
    }
    let pem = std::fs::read(path).map_err(|e| err(format!("cannot read it: {e}")))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(format!("not valid PEM: {e}")))?;
    if certificates.is_empty() {
        return Err(err("holds no PEM CERTIFICATE".to_owned()));
    }
    Ok(pem)
}

#[cfg(test)]
mod tests;
