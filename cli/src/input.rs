//! Reading binary inputs that may be raw or base64 (as `aws kms` prints blobs).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::CliError;

pub mod key_file;

/// Largest input file the CLI reads (attestation documents are at most 256 KiB; base64 adds a third).
pub const MAX_INPUT_LEN: u64 = 512 * 1024;

/// Reads `path` whole, refusing files over [`MAX_INPUT_LEN`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::Other(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_INPUT_LEN {
        return Err(CliError::Check(format!(
            "{} is {} bytes, over the {MAX_INPUT_LEN}-byte limit",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| CliError::Other(format!("cannot read {}: {e}", path.display())))
}

/// Reads a blob that is either raw binary or base64 text (whitespace ignored).
///
/// Binary formats we read (CBOR COSE_Sign1 starting 0x84/0xd2, DER/BER starting 0x30) never
/// consist only of base64 characters, so the choice is unambiguous for them.
pub fn read_blob(path: &Path) -> Result<Vec<u8>, CliError> {
    let bytes = read_file(path)?;
    Ok(decode_maybe_base64(bytes))
}

/// Returns the base64 decoding of `bytes` if they are base64 text, else `bytes` unchanged.
pub fn decode_maybe_base64(bytes: Vec<u8>) -> Vec<u8> {
    let is_b64_text = !bytes.is_empty()
        && bytes.iter().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') || b.is_ascii_whitespace()
        });
    if is_b64_text {
        let compact: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if let Ok(decoded) = STANDARD.decode(&compact) {
            return decoded;
        }
    }
    bytes
}

/// Decodes a base64 command-line argument, naming the option in the error.
pub fn base64_arg(option: &str, value: &str) -> Result<Vec<u8>, CliError> {
    STANDARD
        .decode(value.trim())
        .map_err(|e| CliError::Usage(format!("{option}: invalid base64: {e}")))
}

/// Standard base64, as the AWS CLI prints blobs.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_text_is_decoded_and_binary_is_kept() {
        assert_eq!(decode_maybe_base64(b"aGVsbG8=\n".to_vec()), b"hello");
        let cose = vec![0x84, 0x44, 0xa1, 0x01, 0x38, 0x22];
        assert_eq!(decode_maybe_base64(cose.clone()), cose);
    }

    #[test]
    fn text_that_is_not_valid_base64_is_kept() {
        assert_eq!(decode_maybe_base64(b"abc".to_vec()), b"abc");
    }
}
