//! The extension's encoding, byte for byte, and every refusal of its reader.

use der::{Decode, Encode};
use proptest::prelude::*;

use super::*;
use crate::service::{ATTESTATION_EXTENSION_OID, ATTESTATION_EXTENSION_OID_DER};

/// A 5-byte stand-in for a document: an empty untagged COSE_Sign1 shape.
const DOC: [u8; 5] = [0x84, 0x40, 0xa0, 0x40, 0x40];

/// The CBOR record the service writes around [`DOC`].
fn record() -> Vec<u8> {
    let mut cbor = vec![0x83, 0x78, 0x28];
    cbor.extend_from_slice(b"application/cose; cose-type=\"cose-sign1\"");
    cbor.push(0x45);
    cbor.extend_from_slice(&DOC);
    cbor.push(0x04);
    cbor
}

/// `record` as the DER CMW (the `cbor` OCTET STRING arm).
fn cmw(record: &[u8]) -> Vec<u8> {
    let mut value = vec![0x04, u8::try_from(record.len()).unwrap()];
    value.extend_from_slice(record);
    value
}

fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

#[test]
fn the_extension_is_encoded_byte_for_byte_as_the_format_says() {
    let record = record();
    assert_eq!(record.len(), 50);
    assert_eq!(extension_value(&DOC).unwrap(), cmw(&record));
    // Extension ::= SEQUENCE { extnID id-pe-cmw, extnValue OCTET STRING (no critical: FALSE is
    // the DEFAULT, left out) }.
    let mut expected = vec![0x30, 0x40, 0x06, 0x08];
    expected.extend_from_slice(&ATTESTATION_EXTENSION_OID_DER);
    expected.extend_from_slice(&[0x04, 0x34]);
    expected.extend_from_slice(&cmw(&record));
    let extension = attestation_extension(&DOC).unwrap();
    assert!(!extension.critical);
    assert_eq!(extension.to_der().unwrap(), expected);
    assert_eq!(Extension::from_der(&expected).unwrap(), extension);
    assert_eq!(document_from_value(&cmw(&record)).unwrap(), DOC);
}

#[test]
fn the_oid_constants_agree_and_every_arc_fits_in_31_bits() {
    assert_eq!(ID_PE_CMW.to_string(), ATTESTATION_EXTENSION_OID);
    assert_eq!(ID_PE_CMW.as_bytes(), ATTESTATION_EXTENSION_OID_DER);
    assert!(
        ID_PE_CMW.arcs().all(|arc| arc < (1 << 31)),
        "Go's crypto/x509 refuses wider arcs"
    );
}

#[test]
fn a_document_of_nitro_size_round_trips_with_a_two_byte_length() {
    let document = vec![0x5a; 4460];
    let value = extension_value(&document).unwrap();
    // OCTET STRING 04 82 len | 83 78 28 <type> 59 11 6c <document> 04
    assert_eq!(&value[..2], &[0x04, 0x82]);
    assert_eq!(&value[4..7], &[0x83, 0x78, 0x28]);
    assert_eq!(&value[47..50], &[0x59, 0x11, 0x6c]);
    assert_eq!(value.last(), Some(&0x04));
    assert_eq!(document_from_value(&value).unwrap(), document);
}

#[test]
fn the_content_format_and_a_record_without_ind_are_read_too() {
    let by_number = Value::Array(vec![Value::Integer(18.into()), Value::Bytes(DOC.to_vec())]);
    assert_eq!(document_from_value(&cmw(&cbor(&by_number))).unwrap(), DOC);
    let upper = Value::Array(vec![
        Value::Text(DOCUMENT_MEDIA_TYPE.to_ascii_uppercase()),
        Value::Bytes(DOC.to_vec()),
        Value::Integer(7.into()),
    ]);
    assert_eq!(document_from_value(&cmw(&cbor(&upper))).unwrap(), DOC);
}

#[test]
fn a_json_cmw_is_refused() {
    let json = br#"["application/cose; cose-type=\"cose-sign1\"","hECgQEA"]"#;
    let mut value = vec![0x0c, u8::try_from(json.len()).unwrap()];
    value.extend_from_slice(json);
    assert_eq!(document_from_value(&value), Err(ExtensionError::JsonCmw));
}

#[test]
fn the_raw_document_without_the_wrapper_is_refused() {
    // The format before id-pe-cmw: the document itself as extnValue.
    let err = document_from_value(&DOC).unwrap_err();
    assert!(matches!(err, ExtensionError::NotCmw(_)), "{err:?}");
    // And the document inside the OCTET STRING but not in a record.
    let err = document_from_value(&cmw(&DOC)).unwrap_err();
    assert!(matches!(err, ExtensionError::NotRecord(_)), "{err:?}");
}

#[test]
fn another_type_or_indicator_is_refused() {
    for kind in [
        Value::Text("application/eat+cwt".into()),
        Value::Integer(19.into()),
        Value::Bytes(b"application/cose".to_vec()),
    ] {
        let record = Value::Array(vec![kind, Value::Bytes(DOC.to_vec())]);
        let err = document_from_value(&cmw(&cbor(&record))).unwrap_err();
        assert!(matches!(err, ExtensionError::WrongType(_)), "{err:?}");
    }
    for ind in [
        Value::Integer(3.into()),
        Value::Integer((-4).into()),
        Value::Text("4".into()),
    ] {
        let record = Value::Array(vec![
            Value::Text(DOCUMENT_MEDIA_TYPE.into()),
            Value::Bytes(DOC.to_vec()),
            ind,
        ]);
        let err = document_from_value(&cmw(&cbor(&record))).unwrap_err();
        assert!(matches!(err, ExtensionError::NotEvidence(_)), "{err:?}");
    }
}

#[test]
fn malformed_records_are_refused() {
    let text = |t: &str| Value::Text(t.into());
    let cases = [
        Value::Map(vec![(text("a"), Value::Bytes(DOC.to_vec()))]),
        Value::Array(vec![text(DOCUMENT_MEDIA_TYPE)]),
        Value::Array(vec![
            text(DOCUMENT_MEDIA_TYPE),
            Value::Bytes(DOC.to_vec()),
            Value::Integer(4.into()),
            Value::Null,
        ]),
        Value::Array(vec![text(DOCUMENT_MEDIA_TYPE), text("not bytes")]),
    ];
    for case in cases {
        let err = document_from_value(&cmw(&cbor(&case))).unwrap_err();
        assert!(
            matches!(err, ExtensionError::NotRecord(_)),
            "{case:?}: {err:?}"
        );
    }
    let mut trailing = record();
    trailing.push(0x00);
    assert_eq!(
        document_from_value(&cmw(&trailing)),
        Err(ExtensionError::NotRecord("bytes after the record"))
    );
    let mut after_der = cmw(&record());
    after_der.push(0x00);
    assert!(matches!(
        document_from_value(&after_der),
        Err(ExtensionError::NotCmw(_))
    ));
    assert!(matches!(
        document_from_value(&[0x02, 0x01, 0x00]),
        Err(ExtensionError::NotCmw(_))
    ));
}

#[test]
fn a_value_over_the_limit_is_refused_before_it_is_parsed() {
    let big = extension_value(&vec![0; MAX_VALUE_LEN]).unwrap();
    assert!(matches!(
        document_from_value(&big),
        Err(ExtensionError::TooLarge { .. })
    ));
}

proptest! {
    #[test]
    fn any_document_round_trips(document in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let value = extension_value(&document).unwrap();
        prop_assert_eq!(document_from_value(&value).unwrap(), document);
    }

    #[test]
    fn any_bytes_are_read_or_refused_without_panicking(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = document_from_value(&bytes);
        let _ = document_from_value(&cmw(&bytes[..bytes.len().min(127)]));
    }
}
