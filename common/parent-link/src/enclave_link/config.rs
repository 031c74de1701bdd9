//! How a link connects: the enclave's address, the pool's size, the frame limits, and the credentials
//! it hands over.

use nitro_kms_wire::transport::Address;

use super::sealed_credentials::SealedFile;
use nitro_kms_wire::{Credentials, Limits};
use tokio::sync::watch;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// The enclave's address.
    pub address: Address,
    /// Connections kept open.
    pub pool_size: usize,
    /// Frame limits offered in our Hello.
    pub limits: Limits,
    /// AWS credentials to hand the enclave (`--enclave-credentials`): sent on every connection
    /// after its Hello and again each time they change.
    pub credentials: Option<watch::Receiver<Option<Credentials>>>,
    /// Caller credentials sealed to the enclave's provisioning key (`--sealed-credentials`):
    /// sent on every connection after its Hello and again each time the file changes.
    pub sealed_credentials: Option<SealedFile>,
}
