//! How a failed TLS connection is reported: a refused service identity (see `server_trust`) as its
//! own sentence naming the failed check; the failures a man in the middle causes — bytes that are
//! not TLS (a relay that stripped TLS or answered in cleartext), a handshake signature that does
//! not verify (a relay showing a certificate whose key it does not hold), a record that does not
//! authenticate (a relay that changed the bytes) — with rustls's words and what they mean;
//! anything else as rustls says it.
//!
//! hyper's own message for a connection that failed after the handshake names only the stage
//! ("connection error"), so [`describe_connection_failure`] adds the causes under it.

use rustls::{CertificateError, Error as TlsError, OtherError};

use nitro_kms_attest::service::ServiceVerifyError;

/// The message of a failed TLS connection: a refused service identity as its own sentence
/// ("the server is not the attested service: PCR0 is …"), anything else as rustls says it (with
/// what it means, see [`meaning`]).
pub(crate) fn describe_tls_failure(err: &std::io::Error) -> String {
    let tls = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TlsError>());
    let refused = tls.and_then(|tls| match tls {
        TlsError::InvalidCertificate(CertificateError::Other(OtherError(other))) => {
            other.downcast_ref::<ServiceVerifyError>()
        }
        _ => None,
    });
    match (refused, tls) {
        (Some(why), _) => format!("the server is not the attested service: {why}"),
        (None, Some(tls)) => format!("TLS: {err}{}", meaning(tls)),
        (None, None) => format!("TLS: {err}"),
    }
}

/// The message of a kept connection that failed (say, while the answer was read): hyper's stage,
/// then each cause under it; a TLS failure among them as [`describe_tls_failure`] says it.
pub(crate) fn describe_connection_failure(err: &hyper::Error) -> String {
    let mut message = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(current) = cause {
        match current.downcast_ref::<std::io::Error>() {
            Some(io) if io.get_ref().is_some_and(|inner| inner.is::<TlsError>()) => {
                message.push_str(": ");
                message.push_str(&describe_tls_failure(io));
                return message;
            }
            _ => {
                message.push_str(": ");
                message.push_str(&current.to_string());
            }
        }
        cause = current.source();
    }
    message
}

/// What a TLS failure a man in the middle causes means, as a clause to append ("" otherwise).
fn meaning(tls: &TlsError) -> &'static str {
    match tls {
        TlsError::InvalidMessage(_) => {
            " (the server's bytes are not TLS: something on the path answered in cleartext or \
             stripped TLS)"
        }
        TlsError::InvalidCertificate(CertificateError::BadSignature) => {
            " (a signature does not verify: the server does not hold the key of the certificate \
             it presented, or the certificate was altered)"
        }
        TlsError::DecryptError => {
            " (a TLS record from the server failed authentication: something on the path changed \
             the bytes; nothing of the answer is used)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests;
