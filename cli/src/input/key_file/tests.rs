use super::*;

const DER: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x05];

fn pem(label: &str) -> Vec<u8> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, DER)
        .unwrap()
        .into_bytes()
}

#[test]
fn der_passes_through_and_pem_is_decoded_to_the_same_der() {
    let path = Path::new("k");
    assert_eq!(
        to_der("--key", path, DER, PRIVATE_KEY_LABEL, "PKCS#8").unwrap(),
        DER
    );
    let text = pem(PRIVATE_KEY_LABEL);
    assert_eq!(
        to_der("--key", path, &text, PRIVATE_KEY_LABEL, "PKCS#8").unwrap(),
        DER
    );
    let public = pem(PUBLIC_KEY_LABEL);
    assert_eq!(
        to_der("--public-key", path, &public, PUBLIC_KEY_LABEL, "SPKI").unwrap(),
        DER
    );
}

#[test]
fn a_pem_of_another_kind_is_a_one_line_usage_error_naming_both_labels() {
    let err = to_der(
        "--key",
        Path::new("app.pem"),
        &pem("RSA PRIVATE KEY"),
        PRIVATE_KEY_LABEL,
        "PKCS#8",
    )
    .unwrap_err();
    assert_eq!(err.exit_code(), 252);
    let message = err.to_string();
    assert_eq!(
        message,
        "--key app.pem: a PEM `RSA PRIVATE KEY`, expected `PRIVATE KEY` (PKCS#8, PEM or DER)"
    );
    assert!(!message.contains('\n'));
}

#[test]
fn a_broken_pem_is_a_usage_error() {
    let err = to_der(
        "--key",
        Path::new("k"),
        b"-----BEGIN PRIVATE KEY-----\n!!!\n",
        PRIVATE_KEY_LABEL,
        "PKCS#8",
    )
    .unwrap_err();
    assert_eq!(err.exit_code(), 252);
    assert!(err.to_string().starts_with("--key k: not a valid PEM file"));
}
