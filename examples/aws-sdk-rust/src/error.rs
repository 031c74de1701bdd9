//! What can go wrong in the example, one variant per step, each message naming the step.

use std::fmt;

/// A failed step of the example. `main` prints it on one line and exits 1.
#[derive(Debug, thiserror::Error)]
pub enum ExampleError {
    /// `AWS_CA_BUNDLE` names a file that cannot be read or holds no usable certificate.
    #[error("AWS_CA_BUNDLE={path}: {reason}")]
    CaBundle {
        /// The path from the environment.
        path: String,
        /// Why it is refused.
        reason: String,
    },
    /// The SDK's TLS configuration was refused.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// The environment names no region (`AWS_REGION`), which every KMS request is signed for.
    #[error("no region: set AWS_REGION (the simulation's --print-env block does)")]
    NoRegion,
    /// `--recipient` names no usable NSM (a simulated world that does not exist, no `/dev/nsm`).
    #[error("--recipient {source_name}: {reason}")]
    Nsm {
        /// The `--recipient` value.
        source_name: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// Making the RSA key pair the data key is encrypted to failed.
    #[error("RSA key pair: {0}")]
    KeyPair(String),
    /// A KMS call failed: the SDK's error with its whole chain of causes (a TLS handshake refused
    /// for an unknown issuer, a KMS exception with its message).
    #[error("{operation}: {detail}")]
    Kms {
        /// The KMS operation.
        operation: &'static str,
        /// The SDK's error, its causes included.
        detail: String,
    },
    /// A KMS answer is not what an attested request gets.
    #[error("{operation}: {problem}")]
    Answer {
        /// The KMS operation.
        operation: &'static str,
        /// What is wrong with its answer.
        problem: &'static str,
    },
    /// `CiphertextForRecipient` does not open with the application's private key.
    #[error("{operation}: CiphertextForRecipient does not open: {reason}")]
    Envelope {
        /// The KMS operation whose answer it was.
        operation: &'static str,
        /// Why (deliberately without detail: see nitro_kms_attest::recipient).
        reason: String,
    },
}

impl ExampleError {
    /// A failed KMS call: `error` with its chain of sources on one line. The SDK's `Display`
    /// alone says only "dispatch failure" or "service error"; the sources say why (`TLS
    /// handshake failed: invalid peer certificate: UnknownIssuer`, `NotFoundException: ...`).
    pub fn kms(operation: &'static str, error: impl std::error::Error) -> Self {
        let mut detail = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            detail.push_str(": ");
            detail.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Kms { operation, detail }
    }

    /// A `--recipient` that cannot be used.
    pub fn nsm(source: &impl fmt::Display, reason: impl fmt::Display) -> Self {
        Self::Nsm {
            source_name: source.to_string(),
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
