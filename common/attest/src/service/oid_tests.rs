//! The OID's two spellings agree.

use super::*;

/// Decodes the content octets of a DER OID into its dotted form (arcs up to 128 bits).
fn dotted(der: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    for byte in der {
        value = (value << 7) | u128::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        }
    }
    let first = arcs.remove(0);
    let (a, b) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    std::iter::once(a)
        .chain(std::iter::once(b))
        .chain(arcs)
        .map(|arc| arc.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
fn the_der_bytes_encode_the_dotted_oid() {
    assert_eq!(
        dotted(&ATTESTATION_EXTENSION_OID_DER),
        ATTESTATION_EXTENSION_OID
    );
}

#[test]
fn the_oid_is_the_uuid_under_arc_2_25() {
    let uuid = u128::from_str_radix("8238cfd5418f475bbad37427c1d2c779", 16).unwrap();
    assert_eq!(ATTESTATION_EXTENSION_OID, format!("2.25.{uuid}"));
}
