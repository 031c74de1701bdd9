//! The CLI's error type, its exit codes, and the one-line form every usage error is printed in.
//!
//! Exit codes are the AWS CLI v2's (its documented return codes; the AWS CLI v1 of the test
//! virtualenv answers 255 for service errors and 2 or 255 for usage errors, so v2 is the one
//! followed): 252 for a usage error, printed as one line before anything is sent, 254 for an
//! error the service answered, 255 for anything else (a connection refused included).

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

/// Exit status of a usage error (the AWS CLI v2's).
pub const USAGE_EXIT: u8 = 252;
/// Exit status of an error the service answered (the AWS CLI v2's).
pub const SERVICE_EXIT: u8 = 254;
/// Exit status of any other failure (the AWS CLI's).
pub const OTHER_EXIT: u8 = 255;

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => USAGE_EXIT,
            CliError::Check(_) => 1,
            CliError::Other(_) => OTHER_EXIT,
        }
    }

    /// A failure to write stdout (a closed pipe is not one: [`crate::output`] drops it).
    pub fn stdout(e: std::io::Error) -> Self {
        CliError::Other(format!("cannot write to stdout: {e}"))
    }
}

/// `message` as the one line a usage error is printed in: its non-empty lines, trimmed, joined
/// by a space (the AWS CLI's messages that span lines, such as `Parameter validation failed:`
/// and the value it names, read as one sentence).
pub fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A clap usage error (rendered without colour) as one line: clap's own `error: ...` paragraph and,
/// from its `Usage:` line, the command whose `--help` tells more. The tip and usage lines clap
/// adds below are dropped: one line is the rule for every usage error.
pub fn clap_usage_line(rendered: &str) -> String {
    // clap's first paragraph: the error line and what it lists below it (missing arguments).
    let paragraph: Vec<&str> = rendered
        .trim_start()
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect();
    let first = match paragraph.join(" ") {
        p if p.is_empty() => "invalid arguments".to_owned(),
        p => p.strip_prefix("error: ").map(str::to_owned).unwrap_or(p),
    };
    let command = rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .map(|usage| {
            usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "nitro-kms".to_owned());
    format!("{first} (see `{command} --help`)")
}

#[cfg(test)]
mod tests;
