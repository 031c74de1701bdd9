//! Where each enclave serves HTTP: the address the relay connects a client connection to.
//!
//! Given explicitly with `--enclave-http ADDR`, once per `--enclave` and in the same order. When
//! none is given, an enclave listening for the control link on `vsock://CID:PORT` is taken to
//! serve HTTP on the next port, `vsock://CID:PORT+1` (the enclave's example configuration has
//! `listen = "vsock://ANY:5000"` and `http_listen = "vsock://ANY:5001"`). A `unix://` or `tcp://`
//! enclave has no such convention and needs `--enclave-http`; with `--simulate` the proxy knows
//! the simulated enclave's socket itself.

use nitro_kms_wire::transport::{Address, VSOCK_PORT_ANY};

/// Why the enclave HTTP addresses cannot be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// `--enclave-http` given, but not once per `--enclave`.
    #[error(
        "--enclave-http is given {given} times for {enclaves} --enclave: give it once per \
         --enclave, in the same order, or not at all (vsock enclaves only)"
    )]
    CountMismatch {
        /// `--enclave-http` values.
        given: usize,
        /// `--enclave` values.
        enclaves: usize,
    },
    /// An enclave whose HTTP address cannot be derived from its control-link address.
    #[error(
        "--enclave {0} is not a vsock://CID:PORT address: give its HTTP endpoint (the enclave's \
         --http-listen) with --enclave-http"
    )]
    NoDefault(String),
}

/// The HTTP address of each enclave, in `enclaves` order: `explicit` when given, otherwise the
/// control-link port plus one for vsock enclaves.
pub fn http_addresses(
    enclaves: &[Address],
    explicit: &[Address],
) -> Result<Vec<Address>, TargetError> {
    if !explicit.is_empty() {
        if explicit.len() != enclaves.len() {
            return Err(TargetError::CountMismatch {
                given: explicit.len(),
                enclaves: enclaves.len(),
            });
        }
        return Ok(explicit.to_vec());
    }
    enclaves.iter().map(default_http_address).collect()
}

/// `vsock://CID:PORT+1` for `vsock://CID:PORT`.
fn default_http_address(enclave: &Address) -> Result<Address, TargetError> {
    match enclave {
        Address::Vsock { cid, port } => port
            .checked_add(1)
            .filter(|next| *next != VSOCK_PORT_ANY)
            .map(|port| Address::Vsock { cid: *cid, port })
            .ok_or_else(|| TargetError::NoDefault(enclave.to_string())),
        other => Err(TargetError::NoDefault(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> Address {
        text.parse().unwrap()
    }

    #[test]
    fn a_vsock_enclave_serves_http_on_the_next_port() {
        let enclaves = [addr("vsock://16:5000"), addr("vsock://17:6000")];
        assert_eq!(
            http_addresses(&enclaves, &[]).unwrap(),
            [addr("vsock://16:5001"), addr("vsock://17:6001")]
        );
    }

    #[test]
    fn explicit_addresses_are_taken_in_order_and_must_match_the_enclaves() {
        let enclaves = [addr("unix:///run/e0.sock"), addr("vsock://16:5000")];
        let http = [addr("unix:///run/h0.sock"), addr("vsock://16:7000")];
        assert_eq!(http_addresses(&enclaves, &http).unwrap(), http);
        assert_eq!(
            http_addresses(&enclaves, &http[..1]),
            Err(TargetError::CountMismatch {
                given: 1,
                enclaves: 2
            })
        );
    }

    #[test]
    fn a_unix_enclave_needs_its_http_address_given() {
        let err = http_addresses(&[addr("unix:///run/e0.sock")], &[]).unwrap_err();
        assert!(matches!(err, TargetError::NoDefault(_)), "{err}");
        assert!(err.to_string().contains("--enclave-http"), "{err}");
    }
}
