//! `nitro-kms-enclave --check-config FILE [--production]`: a configuration file checked without
//! starting anything (no NSM, no socket).
//!
//! The file goes through the enclave's own parser and merge ([`Config`]: unknown keys, bad seal
//! roots and endpoints are refused as at start-up) and the checks the enclave applies before it
//! starts. With `--production`, the rules of an enclave image follow ([`production_problems`]):
//! the file is baked into the image and measured into PCR0, so whatever it sets is what the enclave
//! will run with on Nitro. `make eif` and `make docker-check` run this through
//! scripts/deploy_checks.py, so the rules live here, beside the parser, and nowhere else.

use std::path::Path;

use nitro_kms_wire::transport::{Address, VSOCK_PORT_ANY};

use super::{Args, Config, ConfigError};

/// The parent's vsock CID, as seen from an enclave: where the egress relay listens.
const PARENT_CID: u32 = 3;

/// Something a configuration must not be, as `--check-config` prints it (after the file's path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The enclave itself refuses the file at start-up (a setting is invalid or missing).
    #[error("{0}")]
    Refused(String),
    /// `listen` is not an address the enclave can listen on.
    #[error("listen = {listen:?}: {reason}")]
    BadListen {
        /// The value.
        listen: String,
        /// Why the enclave cannot listen there.
        reason: String,
    },
    /// A setting that must never be in an enclave image is set.
    #[error("`{key}` must not be set in an enclave image: {why}")]
    NotInAnImage {
        /// The TOML key.
        key: &'static str,
        /// What it would do on Nitro.
        why: &'static str,
    },
    /// An image listening on something other than vsock cannot be reached.
    #[error("listen = {0:?}: an enclave can only be reached over vsock")]
    NotVsock(String),
    /// Without a seal root the image has no sealing key that survives a restart.
    #[error("no `seal_root`: without it the enclave has no sealing key that survives a restart")]
    NoSealRoot,
    /// The seal root's relay is not on the parent (an enclave has no other way out).
    #[error("seal_root_relay = {0:?}: the relay is on the parent, vsock://3:PORT")]
    RelayNotOnParent(String),
    /// With `storage = "etcd"`, the etcd relay is not on the parent (an enclave has no other
    /// way out).
    #[error("etcd_relay = {0:?}: the relay is on the parent, vsock://3:PORT")]
    EtcdRelayNotOnParent(String),
    /// `http_listen` without `tls_names`: the service certificate would name only `localhost`,
    /// `127.0.0.1` and `::1`, which no client reaching the enclave through its parent uses.
    #[error(
        "http_listen without tls_names: the service's TLS certificate would name only localhost; \
         set tls_names to the names clients put in their endpoint URL"
    )]
    NoTlsName,
}

/// What `--check-config` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The file could not be read or parsed (not TOML, an unknown key, too large): exit status 2.
    pub unreadable: Option<String>,
    /// Every problem found: exit status 1 when there is any.
    pub problems: Vec<Problem>,
    /// Worth knowing, not wrong (an endpoint that does not name the key's region).
    pub notes: Vec<String>,
    /// One line about an accepted file: what it configures.
    pub summary: String,
}

impl Report {
    /// 0 when the file is fit, 1 with problems, 2 when it cannot be read or parsed.
    pub fn exit_status(&self) -> u8 {
        if self.unreadable.is_some() {
            2
        } else if self.problems.is_empty() {
            0
        } else {
            1
        }
    }
}

/// Checks `path` as the enclave would read it with `--config FILE` and nothing else; with
/// `production`, also against the rules of an enclave image.
pub fn check_file(path: &Path, production: bool) -> Report {
    let mut report = Report {
        unreadable: None,
        problems: Vec::new(),
        notes: Vec::new(),
        summary: String::new(),
    };
    let args = Args {
        config: Some(path.to_owned()),
        ..Args::default()
    };
    let config = match Config::merge(args) {
        Ok(config) => config,
        Err(e @ ConfigError::File { .. }) => {
            report.unreadable = Some(e.to_string());
            return report;
        }
        Err(ConfigError::Invalid(reason)) => {
            report.problems.push(Problem::Refused(reason));
            return report;
        }
    };
    if let Err(e) = config.check() {
        report.problems.push(Problem::Refused(e.to_string()));
    }
    if let Err(e) = config.listen.parse::<Address>() {
        report.problems.push(Problem::BadListen {
            listen: config.listen.clone(),
            reason: e.to_string(),
        });
    }
    if production {
        report.problems.extend(production_problems(&config));
    }
    if let Some(root) = &config.seal_root
        && !root.endpoint.contains(root.region.as_str())
    {
        report.notes.push(format!(
            "seal_root_endpoint {} does not name the key's region {} (fine for a VPC endpoint \
             DNS name)",
            root.endpoint, root.region
        ));
    }
    report.summary = format!(
        "{}: listen {}, region {}, account {}, seal root {}{}",
        path.display(),
        config.listen,
        config.region,
        config.account,
        config
            .seal_root
            .as_ref()
            .map_or("none", |r| r.key_arn.as_str()),
        if production {
            "; fit for an enclave image"
        } else {
            ""
        }
    );
    report
}

/// The rules of an enclave image, on top of those every configuration meets: nothing of the
/// simulation, no test CA, no ephemeral sealing key; a seal root reached through the parent's
/// relay; a vsock listen address; TLS names for the enclave's own endpoint. Every broken rule is
/// returned, in the order above.
pub fn production_problems(config: &Config) -> Vec<Problem> {
    let mut problems = Vec::new();
    let forbidden: [(&'static str, bool, &'static str); 7] = [
        (
            "simulate",
            config.simulate,
            "the simulated NSM: the sealing key would be the parent's to read",
        ),
        (
            "trust_simulated_root",
            config.trust_simulated_root.is_some(),
            "accepts attestation documents that anyone can make",
        ),
        (
            "ephemeral_sealing_key",
            config.ephemeral_sealing_key,
            "every key would die with the enclave",
        ),
        (
            "state_dir",
            config.state_dir.is_some(),
            "a simulation setting (the enclave has no disk)",
        ),
        (
            "simulated_image",
            config.simulated_image.is_some(),
            "a simulation setting (the real PCR0 is measured by Nitro)",
        ),
        (
            "seal_root_ca",
            config
                .seal_root
                .as_ref()
                .is_some_and(|r| r.ca_file.is_some()),
            "a test CA; the image holds only the binary and this file, and AWS KMS's \
             certificate chains to the built-in Mozilla roots",
        ),
        (
            "allow_cleartext",
            // `simulate` turns it on by default and is reported itself.
            config.allow_cleartext && !config.simulate,
            "HTTP without TLS: the parent would read and change every request and answer",
        ),
    ];
    for (key, set, why) in forbidden {
        if set {
            problems.push(Problem::NotInAnImage { key, why });
        }
    }
    if let Ok(address) = config.listen.parse::<Address>()
        && !matches!(address, Address::Vsock { .. })
    {
        problems.push(Problem::NotVsock(config.listen.clone()));
    }
    if config.http_listen.is_some() && config.tls_names.is_empty() {
        problems.push(Problem::NoTlsName);
    }
    if let super::StorageConfig::Etcd(etcd) = &config.storage
        && !etcd.relay.as_deref().is_some_and(is_on_parent)
    {
        problems.push(Problem::EtcdRelayNotOnParent(
            etcd.relay.clone().unwrap_or_default(),
        ));
    }
    match &config.seal_root {
        None => problems.push(Problem::NoSealRoot),
        Some(root) => {
            let relay = root
                .relay
                .clone()
                .unwrap_or_else(|| crate::storage::seal_root::DIRECT.to_owned());
            if !is_on_parent(&relay) {
                problems.push(Problem::RelayNotOnParent(relay));
            }
        }
    }
    problems
}

/// Whether `relay` is a relay on the parent: `vsock://3:PORT`.
fn is_on_parent(relay: &str) -> bool {
    matches!(
        relay.parse::<Address>(),
        Ok(Address::Vsock { cid: PARENT_CID, port }) if port != VSOCK_PORT_ANY
    )
}

#[cfg(test)]
mod tests;
