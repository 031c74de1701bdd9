//! The OID's spellings agree: dotted, arcs, DER content octets.

use super::*;

/// Decodes the content octets of a DER OID into its dotted form.
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
fn the_arcs_spell_the_dotted_oid_and_each_fits_in_31_bits() {
    let text = ATTESTATION_EXTENSION_ARCS
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".");
    assert_eq!(text, ATTESTATION_EXTENSION_OID);
    assert!(
        ATTESTATION_EXTENSION_ARCS
            .iter()
            .all(|&arc| arc < (1 << 31))
    );
}

#[test]
fn the_oid_is_id_pe_cmw_under_the_pkix_certificate_extension_arc() {
    // id-pe = 1.3.6.1.5.5.7.1 (RFC 5280); 35 = id-pe-cmw (RFC 9999, IANA SMI numbers).
    assert_eq!(
        ATTESTATION_EXTENSION_OID.strip_prefix("1.3.6.1.5.5.7.1."),
        Some("35")
    );
}
