//! The proxy flags that are settings of the simulated enclave: with `--simulate` they are handed
//! to the `nitro-kms-enclave` child; without it they are refused, because the enclave is the one
//! that terminates HTTP and verifies SigV4 now, and a real enclave takes them from its own
//! configuration (or, for caller credentials, from a sealed file the parent cannot read).

use std::path::PathBuf;

/// Default region of the simulated keys (and of the signatures the simulated enclave accepts).
pub const DEFAULT_REGION: &str = "us-east-1";

/// Default account of the simulated keys.
pub const DEFAULT_ACCOUNT: &str = "111122223333";

/// Why `--credentials` is refused outside the simulation.
pub const CREDENTIALS_REFUSED: &str = "--credentials is refused without --simulate: it holds \
    callers' secret access keys in plaintext, and the parent must not read them (whoever holds \
    a caller's secret can sign as that caller, and the parent is outside the trust boundary). \
    Seal the file to the enclave instead with `nitro-kms credentials seal` and pass the result as \
    --sealed-credentials FILE (docs/sealed-credentials.md): only the attested enclave can open it";

/// The simulated enclave's settings.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct SimulationArgs {
    /// Callers' access keys (plaintext TOML), handed to the simulated enclave, which accepts them
    /// besides its built-in simulation key. Only with --simulate (the proxy refuses to start
    /// otherwise: see `nitro-kms credentials seal`).
    #[arg(long, env = "NITRO_KMS_PROXY_CREDENTIALS")]
    pub credentials: Option<PathBuf>,
    /// Region of the simulated keys and of the signatures the simulated enclave accepts (default
    /// us-east-1). Only with --simulate.
    #[arg(long, env = "NITRO_KMS_PROXY_REGION")]
    pub region: Option<String>,
    /// The regions the simulated enclave serves (its --regions): `all` (the default: every AWS
    /// region a request is signed for, each with its own keys) or a comma-separated list that
    /// includes --region. Only with --simulate.
    #[arg(long)]
    pub regions: Option<String>,
    /// Account of the simulated keys (default 111122223333). Only with --simulate.
    #[arg(long)]
    pub account: Option<String>,
    /// Largest request body the simulated enclave reads (its --max-body). Only with --simulate.
    #[arg(long)]
    pub max_body: Option<usize>,
    /// The simulated enclave's deadline for a connection's first byte, TLS handshake and request
    /// headers, in milliseconds (its --http-header-timeout-ms). Only with --simulate.
    #[arg(long)]
    pub header_timeout_ms: Option<u64>,
    /// The simulated enclave's deadline for a request body (its --http-body-timeout-ms), in
    /// milliseconds. Only with --simulate.
    #[arg(long)]
    pub body_timeout_ms: Option<u64>,
    /// The simulated enclave's deadline for one request (its --request-timeout-ms), in
    /// milliseconds. Only with --simulate.
    #[arg(long)]
    pub request_timeout_ms: Option<u64>,
}

impl SimulationArgs {
    /// The region of the simulation.
    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_REGION)
    }

    /// The account of the simulation.
    pub fn account(&self) -> &str {
        self.account.as_deref().unwrap_or(DEFAULT_ACCOUNT)
    }

    /// The enclave flags these settings translate to (region and account are passed apart).
    pub fn enclave_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(path) = &self.credentials {
            args.push("--credentials".to_owned());
            args.push(path.display().to_string());
        }
        if let Some(regions) = &self.regions {
            args.push("--regions".to_owned());
            args.push(regions.clone());
        }
        for (flag, value) in [
            ("--max-body", self.max_body.map(|v| v as u64)),
            ("--http-header-timeout-ms", self.header_timeout_ms),
            ("--http-body-timeout-ms", self.body_timeout_ms),
            ("--request-timeout-ms", self.request_timeout_ms),
        ] {
            if let Some(value) = value {
                args.push(flag.to_owned());
                args.push(value.to_string());
            }
        }
        args
    }

    /// Refuses these settings outside the simulation, naming why.
    pub fn refuse_without_simulation(&self) -> Result<(), String> {
        if self.credentials.is_some() {
            return Err(CREDENTIALS_REFUSED.to_owned());
        }
        let given: Vec<&str> = [
            ("--region", self.region.is_some()),
            ("--account", self.account.is_some()),
            ("--regions", self.regions.is_some()),
            ("--max-body", self.max_body.is_some()),
            ("--header-timeout-ms", self.header_timeout_ms.is_some()),
            ("--body-timeout-ms", self.body_timeout_ms.is_some()),
            ("--request-timeout-ms", self.request_timeout_ms.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, set)| set.then_some(flag))
        .collect();
        if given.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{} only set the simulated enclave (with --simulate): the enclave terminates HTTP \
             and verifies SigV4 now, so set them in its configuration (region, regions, \
             account, max_body, http_header_timeout_ms, http_body_timeout_ms, request_timeout_ms)",
            given.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_become_enclave_flags_with_simulate_and_are_refused_without() {
        let args = SimulationArgs {
            credentials: Some(PathBuf::from("callers.toml")),
            max_body: Some(65536),
            header_timeout_ms: Some(300),
            ..SimulationArgs::default()
        };
        assert_eq!(
            args.enclave_args(),
            [
                "--credentials",
                "callers.toml",
                "--max-body",
                "65536",
                "--http-header-timeout-ms",
                "300"
            ]
        );
        let refused = args.refuse_without_simulation().unwrap_err();
        assert!(refused.contains("nitro-kms credentials seal"), "{refused}");
        let timeouts = SimulationArgs {
            body_timeout_ms: Some(1),
            ..SimulationArgs::default()
        };
        let refused = timeouts.refuse_without_simulation().unwrap_err();
        assert!(refused.starts_with("--body-timeout-ms only"), "{refused}");
        assert!(
            SimulationArgs::default()
                .refuse_without_simulation()
                .is_ok()
        );
        assert_eq!(SimulationArgs::default().region(), "us-east-1");
    }
}
