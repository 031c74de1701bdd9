//! A [`ServiceTrust`] from the command line: the pinned root (a PEM file, a simulated root's PEM
//! file, or the embedded AWS Nitro Enclaves Root G1) and PCR options `N=HEX`.

use std::path::Path;
use std::time::Duration;

use nitro_kms_attest::attestation::TrustAnchor;
use nitro_kms_attest::nsm::PCR_LEN;
use nitro_kms_client::ServiceTrust;

use crate::error::CliError;
use crate::input::read_file;

/// Which root the service's documents must chain to.
#[derive(Debug, Clone, Copy)]
pub enum RootChoice<'a> {
    /// The embedded AWS Nitro Enclaves Root G1.
    AwsNitro,
    /// A production root (PEM), with the option that named it.
    Pem(&'a str, &'a Path),
    /// A simulated NSM's root (PEM), with the option that named it.
    SimulatedPem(&'a str, &'a Path),
}

/// The trust for `root`, the PCR options `pcrs` (each `N=HEX`, 48 bytes, named `option` in
/// errors) and `max_age`.
pub fn service_trust(
    root: RootChoice<'_>,
    option: &str,
    pcrs: &[String],
    max_age: Option<Duration>,
) -> Result<ServiceTrust, CliError> {
    let anchor = match root {
        RootChoice::AwsNitro => TrustAnchor::aws_nitro_root_g1(),
        RootChoice::Pem(flag, path) => TrustAnchor::from_pem(&read_file(path)?)
            .map_err(|e| CliError::Usage(format!("{flag} {}: {e}", path.display())))?,
        RootChoice::SimulatedPem(flag, path) => TrustAnchor::simulated_from_pem(&read_file(path)?)
            .map_err(|e| CliError::Usage(format!("{flag} {}: {e}", path.display())))?,
    };
    let mut trust = ServiceTrust::new(anchor).with_max_age(max_age);
    for spec in pcrs {
        let (index, value) =
            parse_pcr(spec).map_err(|why| CliError::Usage(format!("{option} {spec}: {why}")))?;
        trust = trust.with_pcr(index, value);
    }
    Ok(trust)
}

/// `N=HEX`: a PCR index (0..=31) and its 48-byte value.
fn parse_pcr(spec: &str) -> Result<(u8, Vec<u8>), &'static str> {
    let (index, value) = spec.split_once('=').ok_or("expected N=HEX")?;
    let index: u8 = index
        .trim()
        .parse()
        .ok()
        .filter(|i| *i < 32)
        .ok_or("N must be a PCR index, 0..31")?;
    let value = hex::decode(value.trim()).map_err(|_| "HEX is not hexadecimal")?;
    if value.len() != PCR_LEN {
        return Err("a PCR is 48 bytes (96 hex digits)");
    }
    Ok((index, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pcr_option_is_an_index_and_48_bytes() {
        assert_eq!(
            parse_pcr(&format!("0={}", "ab".repeat(48))).unwrap(),
            (0, vec![0xab; 48])
        );
        assert!(parse_pcr("0=abcd").is_err());
        assert!(parse_pcr(&format!("32={}", "ab".repeat(48))).is_err());
        assert!(parse_pcr("0").is_err());
    }
}
