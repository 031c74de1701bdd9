//! The bench's notes and progress lines on stderr.
//!
//! stdout carries only the result (a summary line or `--json`), so everything said while a run
//! prepares and proceeds goes to stderr. On a terminal a progress line is rewritten in place
//! (`\r`), so a long preparation shows one moving line; anywhere else (a file, a pipe, a test,
//! `scripts/bench.sh`'s log) each update is a plain line of its own, because `\r` there would
//! glue every update into one unreadable line.
//!
//! Writes to stderr are best effort: a closed stderr must not stop (or panic) a benchmark whose
//! result goes to stdout.

use std::io::{IsTerminal, Write};

/// Where progress goes: stderr, rewritten in place when it is a terminal.
#[derive(Debug, Clone, Copy)]
pub(super) struct Progress {
    /// `\r`-updated lines (stderr is a terminal) or one plain line per update.
    in_place: bool,
}

impl Progress {
    /// Progress on this process's stderr, in place when stderr is a terminal.
    pub(super) fn stderr() -> Self {
        Self {
            in_place: std::io::stderr().is_terminal(),
        }
    }

    /// A one-off note: a line of its own, never overwritten.
    pub(super) fn note(&self, text: &str) {
        write_stderr(&format!("bench: {text}\n"));
    }

    /// The current state of something under way; the next update replaces it on a terminal.
    pub(super) fn update(&self, text: &str) {
        write_stderr(&self.render(text, false));
    }

    /// The last update of something under way: on a terminal it replaces the moving line and
    /// ends it, so later output starts on a fresh line.
    pub(super) fn finish(&self, text: &str) {
        write_stderr(&self.render(text, true));
    }

    /// The bytes an update writes (`last`: the update that ends the moving line).
    fn render(&self, text: &str, last: bool) -> String {
        match (self.in_place, last) {
            // Trailing spaces wipe what a longer previous update left on the line.
            (true, false) => format!("\rbench: {text}   "),
            (true, true) => format!("\rbench: {text}   \n"),
            (false, _) => format!("bench: {text}\n"),
        }
    }
}

fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

#[cfg(test)]
mod tests;
