//! The service CA certificate as PEM, in and out: exactly one `CERTIFICATE` block in, so that a
//! CA file the service serves cannot slip a second root into a client's `--ca-bundle`.

use super::error::ServiceVerifyError;

/// The DER of the one certificate in `pem`; anything else (no block, two blocks, another label)
/// is refused.
pub fn certificate_from_pem(pem: &[u8]) -> Result<Vec<u8>, ServiceVerifyError> {
    let bad = |reason: String| ServiceVerifyError::CertificateParse {
        what: "the CA certificate (PEM)",
        reason,
    };
    let text = std::str::from_utf8(pem).map_err(|_| bad("not text".into()))?;
    let blocks = text.matches("-----BEGIN ").count();
    if blocks != 1 {
        return Err(bad(format!("{blocks} PEM blocks, expected exactly one")));
    }
    let (label, der) =
        der::pem::decode_vec(text.trim().as_bytes()).map_err(|e| bad(e.to_string()))?;
    if label != "CERTIFICATE" {
        return Err(bad(format!("a {label} block, expected CERTIFICATE")));
    }
    Ok(der)
}

/// `der` as a PEM `CERTIFICATE` block (LF line endings).
pub fn certificate_pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap_or_default()
}
