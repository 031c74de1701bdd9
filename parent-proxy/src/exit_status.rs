//! How a child process's end is written in the log: `status 1` or `signal 9`, what an operator
//! reads at a glance, rather than the `Debug` form of `ExitStatus`
//! (`ExitStatus(unix_wait_status(9))`), which hides the signal inside a raw wait status.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// `status N` for a process that exited with code N, `signal N` for one a signal ended
/// (`signal N, core dumped` when it left a core); log it as a Display field
/// (`status = %describe_exit(s)`).
pub fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        format!("status {code}")
    } else if let Some(signal) = status.signal() {
        if status.core_dumped() {
            format!("signal {signal}, core dumped")
        } else {
            format!("signal {signal}")
        }
    } else {
        // Neither: a stopped or continued process, which `wait` does not report.
        status.to_string()
    }
}

#[cfg(test)]
mod tests;
