//! [`ClientError`]: why a call of the client failed (an AWS error, the transport, the protocol,
//! the configuration).

use nitro_kms_api::KmsError;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// KMS answered with an error (its `__type`, message and HTTP status).
    #[error("{0}")]
    Service(KmsError),
    /// The endpoint could not be reached or the connection failed.
    #[error("transport: {0}")]
    Transport(String),
    /// The answer was not what the protocol promises.
    #[error("unexpected response: {0}")]
    Protocol(String),
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
}
