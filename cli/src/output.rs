//! The one writer to standard output: everything the CLI prints goes through this module.
//!
//! `println!` panics when stdout is a closed pipe (`nitro-kms list-keys | head -c1`). A command's
//! reader going away is not an error of ours: the rest of the output is simply not wanted, so it
//! is dropped and the command still exits with its own status (0 when it did its work). Any other
//! write error is returned, for the caller to report.
//!
//! - [`write`] and [`line`] print text as is, or with a newline;
//! - [`print_json`] prints one JSON value, in one of the two layouts the CLI prints ([`JsonStyle`]);
//! - [`print_response`] prints a KMS answer in the `--output` format ([`OutputFormat`]): JSON,
//!   [`crate::text`] or [`crate::table`].

use std::io::{self, Write};

use serde_json::Value;

/// The `--output` formats of the KMS subcommands, as the AWS CLI names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// `json` (the default): pretty JSON, four spaces per level.
    Json,
    /// `text`: tab-separated lines ([`crate::text`]).
    Text,
    /// `table`: boxed sections ([`crate::table`]).
    Table,
}

impl OutputFormat {
    /// The format named `name` (`json`, `text`, `table`), or `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "json" => Some(Self::Json),
            "text" => Some(Self::Text),
            "table" => Some(Self::Table),
            _ => None,
        }
    }
}

/// How a JSON value is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// Four spaces per level, as the AWS CLI prints KMS answers and skeletons.
    AwsCli,
    /// Two spaces per level (serde_json's pretty printer), as the attestation and recipient tools
    /// have always printed their reports.
    Pretty,
}

/// Writes `bytes` to `out` and flushes it; a closed pipe (`BrokenPipe`) counts as written.
///
/// Generic over the writer so the closed-pipe rule is tested without a real pipe.
pub fn write_to(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes `text` to stdout as is; a closed pipe is not an error.
pub fn write(text: &str) -> io::Result<()> {
    write_to(&mut io::stdout().lock(), text.as_bytes())
}

/// Writes `text` and a newline to stdout; a closed pipe is not an error.
pub fn line(text: &str) -> io::Result<()> {
    write(&format!("{text}\n"))
}

/// `value` as JSON text in `style`, without a trailing newline.
pub fn json_text(value: &impl serde::Serialize, style: JsonStyle) -> io::Result<String> {
    let indent: &[u8] = match style {
        JsonStyle::AwsCli => b"    ",
        JsonStyle::Pretty => b"  ",
    };
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value
        .serialize(&mut ser)
        .map_err(|e| io::Error::other(format!("cannot render JSON: {e}")))?;
    String::from_utf8(out).map_err(io::Error::other)
}

/// Prints `value` as JSON in `style`, and a newline; a closed pipe is not an error.
pub fn print_json(value: &impl serde::Serialize, style: JsonStyle) -> io::Result<()> {
    line(&json_text(value, style)?)
}

/// Prints the answer of the KMS operation `operation` (its model name, the table's title) in
/// `format`; a closed pipe is not an error.
pub fn print_response(format: OutputFormat, operation: &str, value: &Value) -> io::Result<()> {
    match format {
        OutputFormat::Json => print_json(value, JsonStyle::AwsCli),
        OutputFormat::Text => write(&crate::text::render(value)),
        OutputFormat::Table => write(&crate::table::render(operation, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `accept` bytes, then answers every write with `kind`.
    struct ClosingWriter {
        accept: usize,
        taken: Vec<u8>,
        kind: io::ErrorKind,
    }

    impl Write for ClosingWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let room = self.accept - self.taken.len();
            if room == 0 {
                return Err(io::Error::from(self.kind));
            }
            let n = room.min(buf.len());
            self.taken.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn closing(accept: usize, kind: io::ErrorKind) -> ClosingWriter {
        ClosingWriter {
            accept,
            taken: Vec::new(),
            kind,
        }
    }

    #[test]
    fn a_closed_pipe_is_a_normal_end_of_output() {
        let mut out = closing(0, io::ErrorKind::BrokenPipe);
        assert!(write_to(&mut out, b"{\"Keys\": []}\n").is_ok());
        // The reader took one byte, then went away (`| head -c1`): the rest is dropped quietly.
        let mut out = closing(1, io::ErrorKind::BrokenPipe);
        assert!(write_to(&mut out, b"{\"Keys\": []}\n").is_ok());
        assert_eq!(out.taken, b"{");
        // And so is every later write to the same closed pipe.
        assert!(write_to(&mut out, b"more\n").is_ok());
    }

    #[test]
    fn other_write_errors_are_reported() {
        let mut out = closing(3, io::ErrorKind::StorageFull);
        let err = write_to(&mut out, b"hello").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn json_is_indented_by_four_for_kms_answers_and_two_for_reports() {
        let v = serde_json::json!({"a": [1]});
        assert_eq!(
            json_text(&v, JsonStyle::AwsCli).unwrap(),
            "{\n    \"a\": [\n        1\n    ]\n}"
        );
        assert_eq!(
            json_text(&v, JsonStyle::Pretty).unwrap(),
            serde_json::to_string_pretty(&v).unwrap()
        );
    }

    #[test]
    fn output_formats_are_the_aws_clis_three() {
        assert_eq!(OutputFormat::from_name("json"), Some(OutputFormat::Json));
        assert_eq!(OutputFormat::from_name("text"), Some(OutputFormat::Text));
        assert_eq!(OutputFormat::from_name("table"), Some(OutputFormat::Table));
        assert_eq!(OutputFormat::from_name("yaml"), None);
    }
}
