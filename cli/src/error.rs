//! The CLI's error type and its exit codes.

/// Why a command failed, which decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments are wrong (exit 252, as the AWS CLI's usage errors).
    #[error("{0}")]
    Usage(String),
    /// A check failed: verification, decryption, parsing of the input (exit 1).
    #[error("{0}")]
    Check(String),
    /// Anything else: I/O, the simulated NSM's state (exit 255, as the AWS CLI's general errors).
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 252,
            CliError::Check(_) => 1,
            CliError::Other(_) => 255,
        }
    }

    /// A failure to write stdout (a closed pipe is not one: [`crate::output`] drops it).
    pub fn stdout(e: std::io::Error) -> Self {
        CliError::Other(format!("cannot write to stdout: {e}"))
    }
}
