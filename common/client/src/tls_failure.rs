//! How a failed TLS connection is reported: a refused service identity (see `server_trust`) as its
//! own sentence naming the failed check, anything else as rustls says it.

use rustls::{CertificateError, Error as TlsError, OtherError};

use nitro_kms_attest::service::ServiceVerifyError;

/// The message of a failed TLS connection: a refused service identity as its own sentence
/// ("the server is not the attested service: PCR0 is …"), anything else as rustls says it.
pub(crate) fn describe_tls_failure(err: &std::io::Error) -> String {
    let refused = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TlsError>())
        .and_then(|tls| match tls {
            TlsError::InvalidCertificate(CertificateError::Other(OtherError(other))) => {
                other.downcast_ref::<ServiceVerifyError>()
            }
            _ => None,
        });
    match refused {
        Some(why) => format!("the server is not the attested service: {why}"),
        None => format!("TLS: {err}"),
    }
}
