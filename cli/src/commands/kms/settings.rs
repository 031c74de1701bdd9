//! Where and how a KMS subcommand calls, and how it prints: endpoint, region, profile,
//! credentials, CA bundle, service trust and output format, from the options and the usual AWS
//! places.
//!
//! As the AWS CLI: options first, then the environment (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_CA_BUNDLE`), then the shared files
//! (`AWS_CONFIG_FILE`, default `~/.aws/config`; `AWS_SHARED_CREDENTIALS_FILE`, default
//! `~/.aws/credentials`) for the profile.

use std::path::Path;

use nitro_kms_client::{ClientConfig, Credentials, ServiceTrust};

use super::outcome::KmsOutcome;
use crate::commands::service::{self, RootChoice};
use crate::error::CliError;
use crate::output::OutputFormat;

/// The global options that choose where and how to call and how to print.
#[derive(Debug, Default)]
pub struct SettingsOptions {
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--output json|text|table`.
    pub output: Option<String>,
    /// `--ca-bundle PEM`: roots to trust instead of the built-in ones.
    pub ca_bundle: Option<String>,
    /// `--service-pcr N=HEX` (repeatable): trust the endpoint only as an attested nitro-kms
    /// enclave with these PCRs.
    pub service_pcrs: Vec<String>,
    /// `--service-root PEM`: the attestation root its documents must chain to.
    pub service_root: Option<String>,
    /// `--trust-simulated-root PEM`: a simulated NSM's root, for the simulation.
    pub trust_simulated_root: Option<String>,
}

/// The `--output` format (JSON unless given); an unknown one is a usage error.
pub fn output_format(g: &SettingsOptions) -> Result<OutputFormat, KmsOutcome> {
    let output = g.output.clone().unwrap_or_else(|| "json".into());
    OutputFormat::from_name(&output).ok_or_else(|| {
        KmsOutcome::Usage(format!(
            "argument --output: Invalid choice '{output}', valid choices are: json | text | table"
        ))
    })
}

/// The client's configuration: endpoint, region and credentials (`resolve`), the CA bundle
/// (`--ca-bundle`, else `AWS_CA_BUNDLE`) and the service trust (`service_trust`).
///
/// With a service trust, only an explicit `--ca-bundle` adds a web-PKI check: `AWS_CA_BUNDLE` is
/// often set machine-wide to the system's roots for every AWS tool, and under those roots the
/// service's own CA is unknown, so honouring it would refuse every attested service.
pub fn client_config(g: &SettingsOptions) -> Result<ClientConfig, KmsOutcome> {
    let (endpoint, region, creds) = resolve(g)?;
    let mut config = ClientConfig::new(&endpoint, &region, creds);
    config.service_trust = service_trust(g)?;
    let from_environment = || {
        if config.service_trust.is_some() {
            None
        } else {
            std::env::var("AWS_CA_BUNDLE").ok()
        }
    };
    if let Some(path) = g.ca_bundle.clone().or_else(from_environment) {
        config.tls_roots_pem = Some(
            std::fs::read(&path)
                .map_err(|e| KmsOutcome::Other(format!("--ca-bundle {path}: {e}")))?,
        );
    }
    Ok(config)
}

/// `--service-pcr`, `--service-root`, `--trust-simulated-root`: with any of them the endpoint is
/// trusted only as an attested nitro-kms enclave, checked in each TLS handshake. A root without
/// PCRs trusts any enclave under it; PCRs without a root pin them under the AWS Nitro root.
fn service_trust(g: &SettingsOptions) -> Result<Option<ServiceTrust>, KmsOutcome> {
    let root = match (&g.service_root, &g.trust_simulated_root) {
        (Some(_), Some(_)) => {
            return Err(KmsOutcome::Usage(
                "argument --service-root: not allowed with argument --trust-simulated-root".into(),
            ));
        }
        (Some(path), None) => RootChoice::Pem("--service-root", Path::new(path)),
        (None, Some(path)) => RootChoice::SimulatedPem("--trust-simulated-root", Path::new(path)),
        (None, None) if g.service_pcrs.is_empty() => return Ok(None),
        (None, None) => RootChoice::AwsNitro,
    };
    service::service_trust(root, "--service-pcr", &g.service_pcrs, None)
        .map(Some)
        .map_err(|e| match e {
            CliError::Usage(m) => KmsOutcome::Usage(m),
            other => KmsOutcome::Other(other.to_string()),
        })
}

/// Credentials and region from the usual AWS places: options, environment, shared files.
fn resolve(g: &SettingsOptions) -> Result<(String, String, Credentials), KmsOutcome> {
    let profile = g
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".into());
    let home = std::env::var("HOME").unwrap_or_default();
    let ini = |env: &str, default: &str, section: &str, key: &str| -> Option<String> {
        let path = std::env::var(env).unwrap_or_else(|_| format!("{home}/{default}"));
        let text = std::fs::read_to_string(path).ok()?;
        let mut current = String::new();
        for line in text.lines().map(str::trim) {
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                current = s.trim().to_owned();
            } else if current == section
                && let Some((k, v)) = line.split_once('=')
                && k.trim() == key
            {
                return Some(v.trim().to_owned());
            }
        }
        None
    };
    let config_section = if profile == "default" {
        "default".to_owned()
    } else {
        format!("profile {profile}")
    };
    let region = g
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .or_else(|| ini("AWS_CONFIG_FILE", ".aws/config", &config_section, "region"))
        .ok_or_else(|| KmsOutcome::Other("You must specify a region. You can also configure your region by running \"aws configure\".".into()))?;
    let endpoint = g
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_KMS").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| format!("https://kms.{region}.amazonaws.com"));
    let creds = match (
        std::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Ok(id), Ok(secret)) if g.profile.is_none() => {
            Credentials::new(&id, &secret, std::env::var("AWS_SESSION_TOKEN").ok())
        }
        _ => {
            let id = ini(
                "AWS_SHARED_CREDENTIALS_FILE",
                ".aws/credentials",
                &profile,
                "aws_access_key_id",
            );
            let secret = ini(
                "AWS_SHARED_CREDENTIALS_FILE",
                ".aws/credentials",
                &profile,
                "aws_secret_access_key",
            );
            match (id, secret) {
                (Some(id), Some(secret)) => Credentials::new(
                    &id,
                    &secret,
                    ini("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", &profile, "aws_session_token"),
                ),
                _ => return Err(KmsOutcome::Other("Unable to locate credentials. You can configure credentials by running \"aws configure\".".into())),
            }
        }
    };
    Ok((endpoint, region, creds))
}
