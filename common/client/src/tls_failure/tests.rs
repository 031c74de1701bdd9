use super::*;

fn io(tls: TlsError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, tls)
}

#[test]
fn a_record_that_does_not_authenticate_is_named_as_changed_bytes() {
    let message = describe_tls_failure(&io(TlsError::DecryptError));
    assert!(
        message.starts_with("TLS: cannot decrypt peer's message"),
        "{message}"
    );
    assert!(message.contains("failed authentication"), "{message}");
    assert!(message.contains("changed the bytes"), "{message}");
}

#[test]
fn bytes_that_are_not_tls_are_named_as_cleartext() {
    let message = describe_tls_failure(&io(TlsError::InvalidMessage(
        rustls::InvalidMessage::InvalidContentType,
    )));
    assert!(message.contains("not TLS"), "{message}");
    assert!(message.contains("cleartext"), "{message}");
}

#[test]
fn a_handshake_signature_that_does_not_verify_is_named_as_a_missing_key() {
    let message = describe_tls_failure(&io(TlsError::InvalidCertificate(
        CertificateError::BadSignature,
    )));
    assert!(message.contains("BadSignature"), "{message}");
    assert!(message.contains("does not hold the key"), "{message}");
}

#[test]
fn other_failures_are_said_as_rustls_says_them() {
    let message = describe_tls_failure(&io(TlsError::NoCertificatesPresented));
    assert_eq!(message, "TLS: peer sent no certificates");
    let plain = std::io::Error::other("connection reset");
    assert_eq!(describe_tls_failure(&plain), "TLS: connection reset");
}
