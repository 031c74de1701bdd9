//! Tests of the envelope parser: the real vectors, every encoding variant BER allows, and every
//! content it must refuse.

use super::*;
use crate::recipient::ber::MAX_NESTING_DEPTH;
use crate::recipient::ber::testing::{Node, Style, encode, tree};
use crate::recipient::vectors::*;
use proptest::prelude::*;

// Where things are in the tree of an envelope (root = ContentInfo).
const ENVELOPED_DATA: &[usize] = &[1, 0];
const RECIPIENT_INFOS: &[usize] = &[1, 0, 1];
const KTRI: &[usize] = &[1, 0, 1, 0];
const KEY_ENC_ALG: &[usize] = &[1, 0, 1, 0, 2];
const OAEP_PARAMS: &[usize] = &[1, 0, 1, 0, 2, 1];
const ENCRYPTED_CONTENT_INFO: &[usize] = &[1, 0, 2];
const CONTENT_ALG: &[usize] = &[1, 0, 2, 1];
const ENCRYPTED_CONTENT: &[usize] = &[1, 0, 2, 2];

const AS_DECODED: Style = Style {
    indefinite: None,
    long_lengths: false,
};

fn kms_fields() -> RecipientEnvelope {
    RecipientEnvelope {
        // Not published with the vector: it is the only 32-byte [0] primitive at offset 31.
        subject_key_identifier: KMS_ENVELOPE[33..65].to_vec(),
        encrypted_key: KMS_ENCRYPTED_KEY.to_vec(),
        iv: KMS_IV.try_into().unwrap(),
        ciphertext: KMS_CIPHERTEXT.to_vec(),
    }
}

/// The KMS vector with `edit` applied to its tree, re-encoded with its own length forms.
fn kms_edited(edit: impl FnOnce(&mut Node)) -> Vec<u8> {
    let mut root = tree(KMS_ENVELOPE);
    edit(&mut root);
    encode(&root, AS_DECODED)
}

fn oid(dotted: &str) -> Node {
    Node::Primitive {
        tag: tag::OID,
        contents: ObjectIdentifier::new_unwrap(dotted).as_bytes().to_vec(),
    }
}

fn octets(tag: u8, contents: &[u8]) -> Node {
    Node::Primitive {
        tag,
        contents: contents.to_vec(),
    }
}

fn seq(tag: u8, children: Vec<Node>) -> Node {
    Node::Constructed {
        tag,
        indefinite: false,
        children,
    }
}

fn assert_malformed(result: Result<RecipientEnvelope, RecipientError>, needle: &str) {
    match result {
        Err(RecipientError::Malformed(m)) => assert!(m.contains(needle), "{m}"),
        other => panic!("expected Malformed containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn parse_accepts_real_kms_envelope_with_indefinite_lengths() {
    let envelope = parse(KMS_ENVELOPE).unwrap();
    assert_eq!(envelope.encrypted_key, KMS_ENCRYPTED_KEY);
    assert_eq!(envelope.encrypted_key.len(), 256);
    assert_eq!(envelope.iv, KMS_IV);
    assert_eq!(envelope.ciphertext, KMS_CIPHERTEXT);
    assert_eq!(envelope.ciphertext.len(), 48);
    assert_eq!(envelope.subject_key_identifier.len(), 32);
    assert_eq!(envelope, kms_fields());
}

#[test]
fn parse_accepts_enclaver_envelope() {
    let envelope = parse(ENCLAVER_ENVELOPE).unwrap();
    assert_eq!(envelope.subject_key_identifier.len(), 32);
    assert_eq!(envelope.encrypted_key.len(), 256);
    assert_eq!(envelope.ciphertext.len(), 16);
}

#[test]
fn parse_accepts_kms_envelope_in_every_length_style() {
    let root = tree(KMS_ENVELOPE);
    for (indefinite, long_lengths) in [
        (Some(false), false),
        (Some(false), true),
        (Some(true), false),
        (Some(true), true),
        (None, true),
    ] {
        let style = Style {
            indefinite,
            long_lengths,
        };
        let bytes = encode(&root, style);
        assert_ne!(bytes, KMS_ENVELOPE);
        assert_eq!(parse(&bytes).unwrap(), kms_fields(), "{style:?}");
    }
}

#[test]
fn parse_accepts_primitive_encrypted_content_as_openssl_writes_it() {
    let mut root = tree(KMS_ENVELOPE);
    *root.at(ENCRYPTED_CONTENT) = octets(tag::CONTEXT_0_PRIMITIVE, KMS_CIPHERTEXT);
    for indefinite in [Some(false), Some(true)] {
        let bytes = encode(
            &root,
            Style {
                indefinite,
                long_lengths: false,
            },
        );
        assert_eq!(parse(&bytes).unwrap(), kms_fields());
    }
}

#[test]
fn parse_joins_encrypted_content_chunks_of_any_size_and_nesting() {
    for chunk in [1, 7, 16, 47] {
        let bytes = kms_edited(|root| {
            *root.at(ENCRYPTED_CONTENT).children() = KMS_CIPHERTEXT
                .chunks(chunk)
                .map(|c| octets(tag::OCTET_STRING, c))
                .collect();
        });
        assert_eq!(parse(&bytes).unwrap(), kms_fields(), "chunk {chunk}");
    }
    // BER also allows constructed chunks inside the constructed string, and empty chunks.
    let bytes = kms_edited(|root| {
        *root.at(ENCRYPTED_CONTENT).children() = vec![
            octets(tag::OCTET_STRING, &KMS_CIPHERTEXT[..10]),
            seq(
                tag::OCTET_STRING | 0x20,
                vec![
                    octets(tag::OCTET_STRING, &KMS_CIPHERTEXT[10..30]),
                    octets(tag::OCTET_STRING, &[]),
                ],
            ),
            octets(tag::OCTET_STRING, &KMS_CIPHERTEXT[30..]),
        ];
    });
    assert_eq!(parse(&bytes).unwrap(), kms_fields());
}

#[test]
fn parse_accepts_sha256_identifiers_without_null_parameters() {
    // RFC 4055 §2.1: absent and NULL parameters must both be accepted; OpenSSL omits them.
    let bytes = kms_edited(|root| {
        root.at(OAEP_PARAMS).at(&[0, 0]).children().truncate(1);
        root.at(OAEP_PARAMS).at(&[1, 0, 1]).children().truncate(1);
    });
    assert_eq!(parse(&bytes).unwrap(), kms_fields());
}

#[test]
fn parse_accepts_explicit_default_p_source_and_rejects_a_label() {
    let with_label = |label: &[u8]| {
        kms_edited(|root| {
            root.at(OAEP_PARAMS).children().push(seq(
                tag::CONTEXT_2,
                vec![seq(
                    tag::SEQUENCE,
                    vec![
                        oid("1.2.840.113549.1.1.9"),
                        octets(tag::OCTET_STRING, label),
                    ],
                )],
            ));
        })
    };
    assert_eq!(parse(&with_label(b"")).unwrap(), kms_fields());
    assert!(matches!(
        parse(&with_label(b"x")),
        Err(RecipientError::UnsupportedKeyEncryptionAlgorithm(m)) if m.contains("1-byte label")
    ));
}

#[test]
fn parse_rejects_wrong_versions() {
    let bytes = kms_edited(|root| *root.at(ENVELOPED_DATA).at(&[0]).contents() = vec![3]);
    assert_eq!(
        parse(&bytes).unwrap_err(),
        RecipientError::UnexpectedVersion {
            structure: "EnvelopedData",
            expected: 2,
            found: 3
        }
    );
    let bytes = kms_edited(|root| *root.at(KTRI).at(&[0]).contents() = vec![0]);
    assert_eq!(
        parse(&bytes).unwrap_err(),
        RecipientError::UnexpectedVersion {
            structure: "KeyTransRecipientInfo",
            expected: 2,
            found: 0
        }
    );
    let bytes = kms_edited(|root| *root.at(KTRI).at(&[0]).contents() = vec![0x00, 0x02]);
    assert_malformed(parse(&bytes), "non-minimal INTEGER");
}

#[test]
fn parse_rejects_unexpected_content_types() {
    // 1.2.840.113549.1.7.2 is signedData.
    let bytes = kms_edited(|root| *root.at(&[0]) = oid("1.2.840.113549.1.7.2"));
    assert_eq!(
        parse(&bytes).unwrap_err(),
        RecipientError::UnexpectedContentType {
            structure: "ContentInfo",
            expected: "id-envelopedData",
            found: "1.2.840.113549.1.7.2 (id-signedData)".into(),
        }
    );
    let bytes = kms_edited(|root| {
        *root.at(ENCRYPTED_CONTENT_INFO).at(&[0]) = oid("1.2.840.113549.1.7.2");
    });
    assert!(matches!(
        parse(&bytes),
        Err(RecipientError::UnexpectedContentType {
            structure: "EncryptedContentInfo",
            ..
        })
    ));
}

#[test]
fn parse_rejects_key_encryption_other_than_oaep_sha256() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            // PKCS#1 v1.5 (rsaEncryption)
            kms_edited(|root| *root.at(KEY_ENC_ALG).at(&[0]) = oid("1.2.840.113549.1.1.1")),
            "1.2.840.113549.1.1.1",
        ),
        (
            // OAEP with SHA-384
            kms_edited(|root| {
                *root.at(OAEP_PARAMS).at(&[0, 0, 0]) = oid("2.16.840.1.101.3.4.2.2");
            }),
            "2.16.840.1.101.3.4.2.2",
        ),
        (
            // MGF1 with SHA-1
            kms_edited(|root| *root.at(OAEP_PARAMS).at(&[1, 0, 1, 0]) = oid("1.3.14.3.2.26")),
            "1.3.14.3.2.26",
        ),
        (
            // A mask generation function other than MGF1
            kms_edited(|root| *root.at(OAEP_PARAMS).at(&[1, 0, 0]) = oid("1.2.3.4")),
            "only MGF1",
        ),
        (
            // OAEP with default (SHA-1) parameters
            kms_edited(|root| root.at(KEY_ENC_ALG).children().truncate(1)),
            "without parameters",
        ),
        (
            // hashFunc absent (SHA-1 default)
            kms_edited(|root| {
                root.at(OAEP_PARAMS).children().remove(0);
            }),
            "hashFunc absent",
        ),
        (
            // maskGenFunc absent (MGF1-SHA-1 default)
            kms_edited(|root| root.at(OAEP_PARAMS).children().truncate(1)),
            "maskGenFunc absent",
        ),
    ];
    for (bytes, needle) in cases {
        match parse(&bytes) {
            Err(RecipientError::UnsupportedKeyEncryptionAlgorithm(m)) => {
                assert!(m.contains(needle), "{m}")
            }
            other => panic!("{needle}: {other:?}"),
        }
    }
}

#[test]
fn parse_rejects_content_encryption_other_than_aes256_cbc() {
    // 2.16.840.1.101.3.4.1.2 is aes128-CBC.
    let bytes = kms_edited(|root| *root.at(CONTENT_ALG).at(&[0]) = oid("2.16.840.1.101.3.4.1.2"));
    assert_eq!(
        parse(&bytes).unwrap_err(),
        RecipientError::UnsupportedContentEncryptionAlgorithm(
            "2.16.840.1.101.3.4.1.2 (id-aes128-CBC) (only aes256-CBC is supported)".into()
        )
    );
}

#[test]
fn parse_rejects_cms_features_kms_does_not_use() {
    let ktri = tree(KMS_ENVELOPE).at(KTRI).clone();
    let cases: Vec<(Vec<u8>, RecipientError)> = vec![
        (
            kms_edited(|root| {
                root.at(ENVELOPED_DATA)
                    .children()
                    .insert(1, seq(tag::CONTEXT_0, vec![]));
            }),
            RecipientError::Unsupported("EnvelopedData.originatorInfo"),
        ),
        (
            kms_edited(|root| root.at(RECIPIENT_INFOS).children().push(ktri.clone())),
            RecipientError::Unsupported("more than one RecipientInfo"),
        ),
        (
            kms_edited(|root| {
                root.at(KTRI).children()[1] = seq(
                    tag::SEQUENCE,
                    vec![seq(tag::SEQUENCE, vec![]), octets(tag::INTEGER, &[1])],
                );
            }),
            RecipientError::Unsupported(
                "KeyTransRecipientInfo.rid as issuerAndSerialNumber (only subjectKeyIdentifier)",
            ),
        ),
        (
            kms_edited(|root| {
                *root.at(RECIPIENT_INFOS).children() = vec![seq(0xA1, vec![])];
            }),
            RecipientError::Unsupported("KeyAgreeRecipientInfo (kari)"),
        ),
        (
            kms_edited(|root| {
                root.at(ENVELOPED_DATA)
                    .children()
                    .push(seq(tag::CONTEXT_1, vec![]));
            }),
            RecipientError::Unsupported("EnvelopedData.unprotectedAttrs"),
        ),
        (
            kms_edited(|root| root.at(ENCRYPTED_CONTENT_INFO).children().truncate(2)),
            RecipientError::Unsupported(
                "detached content (EncryptedContentInfo.encryptedContent is absent)",
            ),
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(parse(&bytes).unwrap_err(), expected);
    }
    let bytes = kms_edited(|root| root.at(RECIPIENT_INFOS).children().clear());
    assert_malformed(parse(&bytes), "recipientInfos is empty");
}

#[test]
fn parse_rejects_bad_field_lengths() {
    let bytes = kms_edited(|root| root.at(CONTENT_ALG).at(&[1]).contents().truncate(8));
    assert_malformed(parse(&bytes), "IV is 8 bytes, expected 16");
    let bytes = kms_edited(|root| root.at(CONTENT_ALG).children().truncate(1));
    assert_malformed(parse(&bytes), "IV) are missing");
    let bytes = kms_edited(|root| root.at(ENCRYPTED_CONTENT).at(&[0]).contents().truncate(47));
    assert_malformed(parse(&bytes), "encryptedContent is 47 bytes");
    let bytes = kms_edited(|root| root.at(ENCRYPTED_CONTENT).children().clear());
    assert_malformed(parse(&bytes), "encryptedContent is 0 bytes");
    let bytes = kms_edited(|root| root.at(KTRI).at(&[1]).contents().clear());
    assert_malformed(parse(&bytes), "empty subject key identifier");
    let bytes = kms_edited(|root| root.at(KTRI).at(&[3]).contents().clear());
    assert_malformed(parse(&bytes), "encryptedKey is empty");
}

#[test]
fn parse_reports_truncation_at_every_offset() {
    let definite = encode(
        &tree(KMS_ENVELOPE),
        Style {
            indefinite: Some(false),
            long_lengths: false,
        },
    );
    for input in [KMS_ENVELOPE, ENCLAVER_ENVELOPE, &definite] {
        for len in 0..input.len() {
            match parse(&input[..len]) {
                Err(RecipientError::Truncated { offset, .. }) => assert!(offset <= len),
                other => panic!("prefix of {len} bytes: {other:?}"),
            }
        }
        assert!(parse(input).is_ok());
    }
}

#[test]
fn parse_rejects_oversize_input_before_reading_it() {
    // Zeros would be malformed; TooLarge proves the size is checked first.
    let huge = vec![0u8; MAX_ENVELOPE_LEN + 1];
    assert_eq!(
        parse(&huge).unwrap_err(),
        RecipientError::TooLarge {
            len: MAX_ENVELOPE_LEN + 1,
            max: MAX_ENVELOPE_LEN
        }
    );
    // Exactly the limit is read (and here rejected for its trailing padding).
    let mut padded = KMS_ENVELOPE.to_vec();
    padded.resize(MAX_ENVELOPE_LEN, 0xaa);
    assert_malformed(parse(&padded), "trailing byte(s) after ContentInfo");
}

#[test]
fn parse_rejects_trailing_bytes_after_content_info() {
    let mut bytes = KMS_ENVELOPE.to_vec();
    bytes.push(0);
    assert_malformed(parse(&bytes), "1 trailing byte(s) after ContentInfo");
}

#[test]
fn parse_rejects_chunks_nested_beyond_the_depth_limit() {
    let bytes = kms_edited(|root| {
        let mut chunk = octets(tag::OCTET_STRING, KMS_CIPHERTEXT);
        for _ in 0..MAX_NESTING_DEPTH {
            chunk = seq(tag::OCTET_STRING | 0x20, vec![chunk]);
        }
        *root.at(ENCRYPTED_CONTENT).children() = vec![chunk];
    });
    assert_eq!(
        parse(&bytes).unwrap_err(),
        RecipientError::NestingTooDeep {
            max: MAX_NESTING_DEPTH
        }
    );
}

#[test]
fn parse_names_the_field_and_offset_of_a_wrong_tag() {
    // The SET of recipientInfos (at offset 20) replaced by a SEQUENCE.
    let mut bytes = KMS_ENVELOPE.to_vec();
    assert_eq!(bytes[20], tag::SET);
    bytes[20] = tag::SEQUENCE;
    assert_malformed(
        parse(&bytes),
        "EnvelopedData.recipientInfos at offset 20: expected tag 0x31, found 0x30",
    );
}

/// Invariants of any envelope `parse` returns (inputs here are far below the size limit).
fn check_invariants(envelope: &RecipientEnvelope) {
    assert!(!envelope.subject_key_identifier.is_empty());
    assert!(!envelope.encrypted_key.is_empty());
    assert!(!envelope.ciphertext.is_empty());
    assert_eq!(envelope.ciphertext.len() % AES_BLOCK_LEN, 0);
    assert_eq!(parse(&envelope.to_ber()).as_ref(), Ok(envelope));
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        if let Ok(envelope) = parse(&bytes) {
            check_invariants(&envelope);
        }
    }

    #[test]
    fn parse_never_panics_on_mutations_of_the_kms_envelope(
        flips in proptest::collection::vec((0..KMS_ENVELOPE.len(), any::<u8>()), 1..8),
        insert in proptest::option::of((0..KMS_ENVELOPE.len(), proptest::collection::vec(any::<u8>(), 1..8))),
        cut in proptest::option::of(0..KMS_ENVELOPE.len()),
    ) {
        let mut bytes = KMS_ENVELOPE.to_vec();
        for (i, b) in flips {
            bytes[i] = b;
        }
        if let Some((at, extra)) = insert {
            bytes.splice(at..at, extra);
        }
        if let Some(cut) = cut {
            bytes.truncate(cut);
        }
        match parse(&bytes) {
            Ok(envelope) => check_invariants(&envelope),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
