//! Unit tests of the BER reader and writer.

use super::*;
use crate::recipient::error::RecipientError;

/// Reads one top-level element with `f` and checks that nothing follows it.
fn read_all<T>(
    input: &[u8],
    f: impl FnOnce(&mut Reader<'_>) -> Result<T, RecipientError>,
) -> Result<T, RecipientError> {
    let mut r = Reader::new(input);
    let out = f(&mut r)?;
    r.expect_end("test input")?;
    Ok(out)
}

#[test]
fn octet_string_accepts_every_ber_form() {
    let forms: [&[u8]; 6] = [
        // primitive, definite
        &[0x04, 0x03, 1, 2, 3],
        // primitive with a non-minimal long-form length (legal BER)
        &[0x04, 0x81, 0x03, 1, 2, 3],
        // constructed, definite, two chunks
        &[0x24, 0x07, 0x04, 0x01, 1, 0x04, 0x02, 2, 3],
        // constructed, indefinite
        &[0x24, 0x80, 0x04, 0x02, 1, 2, 0x04, 0x01, 3, 0, 0],
        // constructed inside constructed, with an empty chunk
        &[
            0x24, 0x80, 0x24, 0x80, 0x04, 0x01, 1, 0, 0, 0x04, 0x00, 0x04, 0x02, 2, 3, 0, 0,
        ],
        // four-byte long-form length
        &[0x04, 0x84, 0, 0, 0, 3, 1, 2, 3],
    ];
    for form in forms {
        let value = read_all(form, |r| r.octet_string(tag::OCTET_STRING, "test"))
            .unwrap_or_else(|e| panic!("{form:02x?}: {e}"));
        assert_eq!(value, [1, 2, 3], "{form:02x?}");
    }
}

#[test]
fn implicit_context_octet_string_reads_primitive_and_chunked_forms() {
    let primitive = [0x80, 0x02, 7, 8];
    let chunked = [0xA0, 0x80, 0x04, 0x01, 7, 0x04, 0x01, 8, 0, 0];
    for form in [&primitive[..], &chunked[..]] {
        let value = read_all(form, |r| r.octet_string(tag::CONTEXT_0_PRIMITIVE, "test"));
        assert_eq!(value.unwrap(), [7, 8]);
    }
}

#[test]
fn chunk_that_is_not_an_octet_string_is_rejected() {
    let input = [0x24, 0x80, 0x02, 0x01, 1, 0, 0];
    let err = read_all(&input, |r| r.octet_string(tag::OCTET_STRING, "chunks")).unwrap_err();
    assert!(
        matches!(&err, RecipientError::Malformed(m) if m.contains("chunk at offset 2")),
        "{err}"
    );
}

#[test]
fn primitive_with_indefinite_length_is_rejected() {
    let err = read_all(&[0x04, 0x80, 1, 0, 0], |r| {
        r.octet_string(tag::OCTET_STRING, "x")
    })
    .unwrap_err();
    assert!(
        matches!(&err, RecipientError::Malformed(m) if m.contains("indefinite")),
        "{err}"
    );
}

#[test]
fn length_past_end_of_input_is_truncation_and_past_parent_is_malformed() {
    let err = read_all(&[0x04, 0x05, 1, 2], |r| {
        r.octet_string(tag::OCTET_STRING, "x")
    })
    .unwrap_err();
    assert_eq!(
        err,
        RecipientError::Truncated {
            what: "x",
            offset: 2
        }
    );
    // The inner OCTET STRING claims 5 bytes inside a SEQUENCE of 4.
    let input = [0x30, 0x04, 0x04, 0x05, 1, 2, 0x05, 0x00];
    let err = read_all(&input, |r| {
        r.constructed(tag::SEQUENCE, "outer", |r| {
            r.octet_string(tag::OCTET_STRING, "inner")
        })
    })
    .unwrap_err();
    assert!(
        matches!(&err, RecipientError::Malformed(m) if m.contains("runs past the end")),
        "{err}"
    );
}

#[test]
fn missing_end_of_contents_is_truncation() {
    let err = read_all(&[0x30, 0x80, 0x05, 0x00], |r| {
        r.constructed(tag::SEQUENCE, "seq", |r| r.null("null"))
    })
    .unwrap_err();
    assert_eq!(
        err,
        RecipientError::Truncated {
            what: "seq",
            offset: 4
        }
    );
}

#[test]
fn trailing_data_is_rejected_in_definite_indefinite_and_top_level() {
    let cases: [&[u8]; 3] = [
        &[0x30, 0x04, 0x05, 0x00, 0x05, 0x00],
        &[0x30, 0x80, 0x05, 0x00, 0x05, 0x00, 0, 0],
        &[0x30, 0x02, 0x05, 0x00, 0xff],
    ];
    for input in cases {
        let err = read_all(input, |r| {
            r.constructed(tag::SEQUENCE, "seq", |r| r.null("null"))
        })
        .unwrap_err();
        assert!(
            matches!(&err, RecipientError::Malformed(m) if m.contains("trailing")
                || m.contains("instead of its end-of-contents")),
            "{input:02x?}: {err}"
        );
    }
}

#[test]
fn nesting_beyond_the_limit_is_rejected() {
    fn descend(r: &mut Reader<'_>) -> Result<(), RecipientError> {
        if r.peek_tag() == Some(tag::SEQUENCE) {
            r.constructed(tag::SEQUENCE, "seq", descend)
        } else {
            r.null("null")
        }
    }
    let nested = |depth: usize| {
        let mut v = [0x30, 0x80].repeat(depth);
        v.extend_from_slice(&[0x05, 0x00]);
        v.extend(std::iter::repeat_n(0u8, 2 * depth));
        v
    };
    read_all(&nested(MAX_NESTING_DEPTH), descend).unwrap();
    assert_eq!(
        read_all(&nested(MAX_NESTING_DEPTH + 1), descend).unwrap_err(),
        RecipientError::NestingTooDeep {
            max: MAX_NESTING_DEPTH
        }
    );
}

#[test]
fn small_integer_rejects_non_minimal_and_reads_signed_values() {
    let ok: [(&[u8], i64); 4] = [
        (&[0x02, 0x01, 0x02], 2),
        (&[0x02, 0x01, 0xff], -1),
        (&[0x02, 0x02, 0x00, 0x80], 128),
        (&[0x02, 0x02, 0xff, 0x7f], -129),
    ];
    for (input, want) in ok {
        assert_eq!(read_all(input, |r| r.small_integer("v")).unwrap(), want);
    }
    for bad in [
        &[0x02, 0x00][..],
        &[0x02, 0x02, 0x00, 0x02],
        &[0x02, 0x02, 0xff, 0x80],
        &[0x02, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    ] {
        assert!(matches!(
            read_all(bad, |r| r.small_integer("v")),
            Err(RecipientError::Malformed(_))
        ));
    }
}

#[test]
fn reserved_and_oversized_length_octets_are_rejected() {
    for input in [&[0x04, 0xff][..], &[0x04, 0x85, 0, 0, 0, 0, 1]] {
        let err = read_all(input, |r| r.octet_string(tag::OCTET_STRING, "x")).unwrap_err();
        assert!(
            matches!(&err, RecipientError::Malformed(m) if m.contains("length octet")),
            "{err}"
        );
    }
}

#[test]
fn writer_emits_minimal_definite_lengths() {
    for (len, header) in [
        (0usize, vec![0x04, 0x00]),
        (0x7f, vec![0x04, 0x7f]),
        (0x80, vec![0x04, 0x81, 0x80]),
        (0xff, vec![0x04, 0x81, 0xff]),
        (0x100, vec![0x04, 0x82, 0x01, 0x00]),
        (0x1_0000, vec![0x04, 0x83, 0x01, 0x00, 0x00]),
    ] {
        let mut w = Writer::new();
        w.tlv(tag::OCTET_STRING, &vec![0xaa; len]);
        let out = w.into_bytes();
        assert_eq!(out.get(..header.len()), Some(&header[..]), "len {len}");
        assert_eq!(out.len(), header.len() + len);
        // And the reader reads it back.
        assert_eq!(
            read_all(&out, |r| r.octet_string(tag::OCTET_STRING, "x"))
                .unwrap()
                .len(),
            len
        );
    }
}

#[test]
fn writer_indefinite_and_nested_forms_read_back() {
    let mut w = Writer::new();
    w.open_indefinite(tag::SEQUENCE);
    w.nested(tag::SEQUENCE, |w| w.tlv(tag::NULL, &[]));
    w.tlv(tag::INTEGER, &[5]);
    w.close();
    let out = w.into_bytes();
    assert_eq!(
        out,
        [
            0x30, 0x80, 0x30, 0x02, 0x05, 0x00, 0x02, 0x01, 0x05, 0x00, 0x00
        ]
    );
    let v = read_all(&out, |r| {
        r.constructed(tag::SEQUENCE, "outer", |r| {
            r.constructed(tag::SEQUENCE, "inner", |r| r.null("null"))?;
            r.small_integer("int")
        })
    })
    .unwrap();
    assert_eq!(v, 5);
}

/// Pins the reason this module exists (see the module docs): if `der` ever accepts these
/// legal BER forms, this reader could be replaced by it.
#[test]
fn der_0_8_still_rejects_what_ber_allows() {
    use der::{Decode, ErrorKind, asn1::OctetString};
    let constructed_definite = [0x24, 0x07, 0x04, 0x01, 1, 0x04, 0x02, 2, 3];
    let err = OctetString::from_ber(&constructed_definite).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Noncanonical { .. }),
        "{err}"
    );
    let non_minimal_length = [0x04, 0x81, 0x03, 1, 2, 3];
    let err = OctetString::from_ber(&non_minimal_length).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Length { .. }), "{err}");
    // Ours reads both.
    for input in [&constructed_definite[..], &non_minimal_length[..]] {
        assert_eq!(
            read_all(input, |r| r.octet_string(tag::OCTET_STRING, "x")).unwrap(),
            [1, 2, 3]
        );
    }
}
