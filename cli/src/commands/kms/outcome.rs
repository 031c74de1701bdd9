//! How a KMS subcommand ended, which decides its exit status (the AWS CLI v2's).

/// How a KMS subcommand ended.
#[derive(Debug)]
pub enum KmsOutcome {
    /// Printed its output.
    Done,
    /// Usage error (252).
    Usage(String),
    /// Service error (254).
    Service(String),
    /// Anything else (255).
    Other(String),
}
