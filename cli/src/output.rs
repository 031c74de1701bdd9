//! Writing results to standard output.
//!
//! `println!` panics when stdout is a closed pipe (`nitro-kms ... | head -3`). A command's reader
//! going away is not an error of ours: the rest of the output is simply not wanted, so it is
//! dropped and the command still exits with its own status.

use std::io::{self, Write};

/// Writes `text` to stdout as is; a closed pipe is not an error.
pub fn write(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes `text` and a newline to stdout; a closed pipe is not an error.
pub fn line(text: &str) -> io::Result<()> {
    write(&format!("{text}\n"))
}
