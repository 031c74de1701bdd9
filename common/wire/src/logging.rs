//! Log set-up shared by the enclave and the proxy, so that both processes of the chain write the
//! same kind of line to standard error: `--log-format text` (for people) or `json` (one JSON
//! object a line, for log collectors), the level from `RUST_LOG` (default `info`).
//!
//! Colour (ANSI escapes) only when standard error is a terminal and `NO_COLOR` is not set
//! (<https://no-color.org>): escapes in a file or a pipe are noise a reader has to strip. In the
//! JSON format a panic is logged as an `ERROR` event too, so that every line stays JSON.

use std::ffi::OsStr;
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::util::SubscriberInitExt;

/// The shape of a log line: the value of `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `2026-01-01T00:00:00Z  INFO target: message key=value`, for people.
    Text,
    /// `{"timestamp":...,"level":"INFO","fields":{"message":...},"target":...}`, one a line.
    Json,
}

impl Format {
    /// The format a `--log-format` value names (`json`, or else text: clap has checked it).
    pub fn from_flag(value: &str) -> Format {
        if value == "json" {
            Format::Json
        } else {
            Format::Text
        }
    }
}

/// Whether the `log` crate's records are printed too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCrate {
    /// Bridge them into `tracing` (the proxy: its dependencies may say useful things).
    Bridge,
    /// Leave them out (the enclave: only its own events, reviewed to carry no secret, print).
    Ignore,
}

/// Whether text lines get ANSI colour: only on a terminal, and never with `NO_COLOR` set to a
/// non-empty value (no-color.org: "when present and not an empty string").
pub fn colour_wanted(stderr_is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// Installs the process's log subscriber, writing to standard error. Only fails when a
/// subscriber is installed already; then the first one stays and this does nothing.
pub fn init(format: Format, log_crate: LogCrate) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = colour_wanted(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let installed = match format {
        Format::Json => install(builder.json().finish(), log_crate),
        Format::Text => install(builder.finish(), log_crate),
    };
    if installed && format == Format::Json {
        // The default hook writes `thread '...' panicked at ...` as text.
        std::panic::set_hook(Box::new(|info| {
            tracing::error!(panic = %info, "panicked");
        }));
    }
}

/// Sets `subscriber` as the global default (with the `log` bridge when asked); whether it was.
fn install<S>(subscriber: S, log_crate: LogCrate) -> bool
where
    S: tracing::Subscriber + Send + Sync + 'static,
{
    match log_crate {
        LogCrate::Bridge => subscriber.try_init().is_ok(),
        LogCrate::Ignore => tracing::subscriber::set_global_default(subscriber).is_ok(),
    }
}

/// Writes a command's last words (why it could not start or run) where the log goes: as a log
/// event in the JSON format, so that standard error stays one JSON object a line; as the plain
/// line `PROGRAM: MESSAGE` in text, so that a usage message reads as one.
pub fn last_words(format: Format, program: &str, message: &str) {
    match format {
        Format::Json => tracing::error!("{program}: {message}"),
        Format::Text => eprintln!("{program}: {message}"),
    }
}

#[cfg(test)]
mod tests;
