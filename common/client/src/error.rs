//! [`ClientError`]: why a call of the client failed (an AWS error, the transport, the protocol,
//! an attested answer the client refuses, the configuration).

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
    /// An attested call got an answer that breaks the attested contract (a plaintext member, no
    /// `CiphertextForRecipient`, an envelope that does not open to what the request asked for):
    /// the parent may have rewritten it, so nothing of it is returned. The message says what was
    /// wrong, except for the envelope itself, which always fails with the one message
    /// [`OPEN_FAILED`](crate::OPEN_FAILED) (no padding oracle; see `attested.rs`).
    #[error("{0}")]
    UntrustedAnswer(String),
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
}
