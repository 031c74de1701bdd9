//! Reading key files in either encoding people have them in: PEM (what `openssl` writes by
//! default) or DER (what the attestation tools use). Every place the CLI reads a key goes
//! through here, so `--key app.pem` and `--key app.der` both work and a wrong file is refused in
//! one line naming the option and what was expected (exit 252, a usage error).
//!
//! PEM is decoded with `pem-rfc7468` (through `der::pem`, already a dependency of the crypto
//! crates): RFC 7468's strict textual encoding, so no hand-written base64 framing here.

use std::path::Path;

use crate::error::CliError;
use crate::input::read_file;

/// The PEM label of a PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`).
pub const PRIVATE_KEY_LABEL: &str = "PRIVATE KEY";
/// The PEM label of an X.509 SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`).
pub const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";

/// Reads a PKCS#8 private key, PEM or DER, as DER.
pub fn read_private_key(option: &str, path: &Path) -> Result<Vec<u8>, CliError> {
    to_der(option, path, &read_file(path)?, PRIVATE_KEY_LABEL, "PKCS#8")
}

/// Reads an SPKI public key, PEM or DER, as DER.
pub fn read_public_key(option: &str, path: &Path) -> Result<Vec<u8>, CliError> {
    to_der(option, path, &read_file(path)?, PUBLIC_KEY_LABEL, "SPKI")
}

/// `bytes` as DER: PEM with `label` decoded, anything else passed through as DER (the key parser
/// that follows says if it is not one).
fn to_der(
    option: &str,
    path: &Path,
    bytes: &[u8],
    label: &str,
    format: &str,
) -> Result<Vec<u8>, CliError> {
    if !bytes.trim_ascii_start().starts_with(b"-----BEGIN ") {
        return Ok(bytes.to_vec());
    }
    let (found, der) = der::pem::decode_vec(bytes.trim_ascii()).map_err(|e| {
        CliError::Usage(format!(
            "{option} {}: not a valid PEM file: {e}",
            path.display()
        ))
    })?;
    if found != label {
        return Err(CliError::Usage(format!(
            "{option} {}: a PEM `{found}`, expected `{label}` ({format}, PEM or DER)",
            path.display()
        )));
    }
    Ok(der)
}

#[cfg(test)]
mod tests;
