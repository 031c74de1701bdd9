//! Tests of the message codec: every kind round-trips, the bytes are deterministic, and the
//! decoder refuses every malformed body with the typed error the crate docs promise.

use super::*;
use crate::error::WireError;
use proptest::prelude::*;

pub(crate) fn request() -> Request {
    Request {
        id: 7,
        op: "Encrypt".to_owned(),
        caller: "arn:aws:iam::111122223333:role/app".to_owned(),
        payload: br#"{"KeyId":"alias/app","Plaintext":"aGk="}"#.to_vec(),
    }
}

pub(crate) fn one_of_each_kind() -> Vec<Message> {
    vec![
        Message::Hello(Hello {
            version: 1,
            max_frame_len: 1 << 20,
            max_in_flight: 64,
        }),
        Message::Request(request()),
        Message::Response(Response::ok(7, br#"{"CiphertextBlob":"AQID"}"#.to_vec())),
        Message::Response(Response::error(
            8,
            Status::BAD_REQUEST,
            "NotFoundException",
            "Alias arn:aws:kms:eu-west-1:111122223333:alias/nope is not found.",
        )),
        Message::Ping { nonce: u64::MAX },
        Message::Pong { nonce: 0 },
        Message::Persist(Persist {
            id: 7,
            action: PersistAction::WriteSnapshot,
            offset: 1 << 20,
            total: 3 << 20,
            payload: vec![0xAB; 3],
        }),
        Message::PersistAck(PersistAck {
            id: 7,
            status: Status::OK,
            total: 3 << 20,
            payload: Vec::new(),
        }),
        Message::Credentials(credentials()),
        Message::Sync { id: 3 },
        Message::SyncAck {
            id: 3,
            status: Status::SERVICE_UNAVAILABLE,
            payload: b"cannot read the journal".to_vec(),
        },
        Message::Forward(Forward {
            id: u64::MAX,
            op: "CreateKey".to_owned(),
            caller: "arn:aws:iam::111122223333:role/admin".to_owned(),
            payload: b"{}".to_vec(),
            issued_at_ms: 1_800_000_000_000,
            nonce: 99,
            mac: vec![7; 32],
        }),
        Message::ForwardReply(ForwardReply {
            id: u64::MAX,
            status: Status::OK,
            payload: br#"{"KeyMetadata":{}}"#.to_vec(),
            position: Position {
                generation: 2,
                sequence: 17,
            },
            mac: vec![8; 32],
        }),
        Message::PositionQuery { id: 5 },
        Message::PositionReply {
            id: 5,
            position: Position::default(),
        },
    ]
}

pub(crate) fn credentials() -> Credentials {
    Credentials {
        access_key_id: "ASIAEXAMPLEKEY".to_owned(),
        secret_access_key: nitro_kms_crypto::secret::SecretBytes::copy_from(
            b"wJalrXUtnFEMI/K7MDENG",
        ),
        session_token: "IQoJb3JpZ2luX2VjEXAMPLE".to_owned(),
        expiration: 1_800_000_000,
    }
}

pub(crate) fn body(message: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    message.encode_body(&mut out).unwrap();
    out
}

/// Encodes an arbitrary CBOR value (for hand-built invalid bodies).
fn cbor(value: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

pub(crate) fn map(entries: Vec<(u64, ciborium::Value)>) -> Vec<u8> {
    cbor(&ciborium::Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (ciborium::Value::from(k), v))
            .collect(),
    ))
}

pub(crate) fn uint_value(v: u64) -> ciborium::Value {
    ciborium::Value::from(v)
}

fn ping_with(extra: Vec<(u64, ciborium::Value)>) -> Vec<u8> {
    let mut entries = vec![(keys::KIND, uint_value(3)), (keys::NONCE, uint_value(5))];
    entries.extend(extra);
    map(entries)
}

#[test]
fn every_kind_round_trips_through_cbor() {
    for message in one_of_each_kind() {
        let decoded = Message::decode_body(&body(&message)).unwrap();
        assert_eq!(decoded, message);
    }
}

#[test]
fn every_kind_is_encoded_with_exactly_its_keys_in_ascending_order() {
    for message in one_of_each_kind() {
        let value: ciborium::Value = ciborium::from_reader(body(&message).as_slice()).unwrap();
        let ciborium::Value::Map(entries) = value else {
            panic!("{message:?} did not encode as a map");
        };
        let encoded_keys: Vec<u64> = entries
            .iter()
            .map(|(k, _)| u64::try_from(k.as_integer().unwrap()).unwrap())
            .collect();
        assert_eq!(encoded_keys, message.kind().keys(), "{message:?}");
    }
}

#[test]
fn decode_accepts_keys_in_any_order() {
    let reversed = map(vec![
        (keys::NONCE, uint_value(42)),
        (keys::KIND, uint_value(Kind::Pong.code())),
    ]);
    assert_eq!(
        Message::decode_body(&reversed).unwrap(),
        Message::Pong { nonce: 42 }
    );
}

#[test]
fn decode_rejects_trailing_bytes_after_the_cbor_item() {
    let mut bytes = body(&Message::Ping { nonce: 1 });
    bytes.extend_from_slice(&[0x00, 0x01]);
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::TrailingBytes { count: 2 })
    ));
}

#[test]
fn decode_rejects_a_second_item_even_if_it_is_a_valid_message() {
    let mut bytes = body(&Message::Ping { nonce: 1 });
    let second = body(&Message::Pong { nonce: 1 });
    bytes.extend_from_slice(&second);
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::TrailingBytes { count }) if count == second.len()
    ));
}

#[test]
fn decode_rejects_garbage_cbor_with_a_typed_error() {
    // 0xff is a "break" with nothing to break; 0x1c is a reserved additional-info value.
    for garbage in [&[0xff][..], &[0x1c], &[0xa1, 0x00, 0xff]] {
        assert!(
            matches!(Message::decode_body(garbage), Err(WireError::Cbor(_))),
            "{garbage:02x?}"
        );
    }
}

#[test]
fn decode_rejects_a_truncated_cbor_item() {
    let bytes = body(&Message::Request(request()));
    for cut in 0..bytes.len() {
        assert!(
            matches!(Message::decode_body(&bytes[..cut]), Err(WireError::Cbor(_))),
            "cut at {cut}"
        );
    }
}

#[test]
fn decode_rejects_a_body_that_is_not_a_map() {
    let array = cbor(&ciborium::Value::Array(vec![uint_value(3), uint_value(5)]));
    assert!(matches!(
        Message::decode_body(&array),
        Err(WireError::InvalidType {
            field: "message",
            found: "an array",
            ..
        })
    ));
    assert!(matches!(
        Message::decode_body(&[0x05]),
        Err(WireError::InvalidType {
            field: "message",
            found: "an unsigned integer",
            ..
        })
    ));
}

#[test]
fn decode_rejects_unknown_and_reserved_kinds() {
    for code in [7u64, 17, 1000] {
        let bytes = map(vec![(keys::KIND, uint_value(code))]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::UnknownKind(c)) if c == code
        ));
    }
}

#[test]
fn decode_rejects_a_message_without_kind() {
    let bytes = map(vec![(keys::NONCE, uint_value(5))]);
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::MissingField {
            kind: "message",
            field: "kind"
        })
    ));
}

#[test]
fn decode_rejects_a_missing_required_field() {
    let bytes = map(vec![
        (keys::KIND, uint_value(Kind::Response.code())),
        (keys::ID, uint_value(1)),
        (keys::STATUS, uint_value(200)),
    ]);
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::MissingField {
            kind: "Response",
            field: "payload"
        })
    ));
}

#[test]
fn decode_rejects_a_duplicate_key() {
    let bytes = ping_with(vec![(keys::NONCE, uint_value(5))]);
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::DuplicateKey { key: keys::NONCE })
    ));
}

#[test]
fn decode_rejects_a_key_outside_the_key_table() {
    let bytes = ping_with(vec![(17, uint_value(0))]);
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::UnknownKey { key: 17 })
    ));
}

#[test]
fn decode_rejects_a_known_key_the_kind_does_not_use() {
    let bytes = ping_with(vec![(keys::ID, uint_value(1))]);
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::UnexpectedKey {
            kind: "Ping",
            key: keys::ID
        })
    ));
}

#[test]
fn decode_rejects_text_keys() {
    let bytes = cbor(&ciborium::Value::Map(vec![(
        ciborium::Value::Text("kind".to_owned()),
        uint_value(3),
    )]));
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::InvalidType {
            field: "key",
            found: "a text string",
            ..
        })
    ));
}

#[test]
fn decode_rejects_values_of_the_wrong_cbor_type() {
    use ciborium::Value;
    let mut request = vec![
        (keys::KIND, uint_value(1)),
        (keys::ID, uint_value(1)),
        (keys::OP, Value::Text("Encrypt".to_owned())),
        (
            keys::CALLER,
            Value::Text("arn:aws:iam::111122223333:root".to_owned()),
        ),
    ];
    let cases: Vec<(Value, &str)> = vec![
        // The payload is JSON text, but the wire carries it as a byte string.
        (Value::Text("{}".to_owned()), "a text string"),
        // An array of small integers is not a byte string, whatever lenient decoders say.
        (
            Value::Array(vec![uint_value(123), uint_value(125)]),
            "an array",
        ),
        (
            Value::Tag(24, Box::new(Value::Bytes(b"{}".to_vec()))),
            "a tagged item",
        ),
        (Value::Null, "null"),
    ];
    for (payload, found) in cases {
        request.push((keys::PAYLOAD, payload));
        let bytes = map(request.clone());
        request.pop();
        let error = Message::decode_body(&bytes).unwrap_err();
        assert!(
            matches!(error, WireError::InvalidType { field: "payload", found: f, .. } if f == found),
            "{error:?}"
        );
    }
}

#[test]
fn decode_rejects_negative_and_bignum_integers() {
    use ciborium::Value;
    let negative = map(vec![
        (keys::KIND, uint_value(3)),
        (keys::NONCE, Value::from(-1)),
    ]);
    assert!(matches!(
        Message::decode_body(&negative),
        Err(WireError::InvalidType {
            field: "nonce",
            found: "a negative integer",
            ..
        })
    ));
    // Tag 2 (positive bignum) holding the value 5: numerically a uint, but not major type 0.
    let mut bignum = vec![0xa2, 0x00, 0x03, 0x09, 0xc2, 0x41, 0x05];
    assert!(matches!(
        Message::decode_body(&bignum),
        Err(WireError::InvalidType {
            field: "nonce",
            found: "a bignum",
            ..
        })
    ));
    // The same, as the kind (3, Ping): refused before the nonce is looked at.
    bignum.splice(1..3, [0x00, 0xc2, 0x41, 0x03]);
    assert!(matches!(
        Message::decode_body(&bignum),
        Err(WireError::InvalidType {
            field: "kind",
            found: "a bignum",
            ..
        })
    ));
}

#[test]
fn decode_rejects_status_outside_200_to_599() {
    for status in [0u64, 199, 600, 65_536 + 200] {
        let bytes = map(vec![
            (keys::KIND, uint_value(2)),
            (keys::ID, uint_value(1)),
            (keys::PAYLOAD, ciborium::Value::Bytes(vec![])),
            (keys::STATUS, uint_value(status)),
        ]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::OutOfRange { field: "status", value }) if value == status
        ));
    }
}

#[test]
fn decode_rejects_invalid_utf8_in_text_fields() {
    // Ping map with a text nonce holding the invalid UTF-8 byte 0xff.
    let bytes = [0xa2, 0x00, 0x03, 0x09, 0x61, 0xff];
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::Cbor(_))
    ));
}

#[test]
fn decode_accepts_indefinite_length_strings() {
    // Request with op "Enc" + "rypt" as an indefinite-length text string and payload as
    // indefinite-length bytes.
    let mut bytes = vec![0xa5, 0x00, 0x01, 0x01, 0x01, 0x02, 0x7f, 0x63];
    bytes.extend_from_slice(b"Enc");
    bytes.push(0x64);
    bytes.extend_from_slice(b"rypt");
    bytes.extend_from_slice(&[
        0xff, 0x03, 0x61, b'c', 0x04, 0x5f, 0x41, b'{', 0x41, b'}', 0xff,
    ]);
    let expected = Message::Request(Request {
        id: 1,
        op: "Encrypt".to_owned(),
        caller: "c".to_owned(),
        payload: b"{}".to_vec(),
    });
    assert_eq!(Message::decode_body(&bytes).unwrap(), expected);
}

#[test]
fn decode_of_deep_nesting_stops_at_the_first_level() {
    // A value nested 10 000 arrays deep: rejected as "an array" without walking into it, so
    // no recursion happens whatever the depth.
    let mut bytes = vec![0xa2, 0x00, 0x03, 0x09];
    bytes.extend(std::iter::repeat_n(0x81, 10_000));
    bytes.push(0x00);
    assert!(matches!(
        Message::decode_body(&bytes),
        Err(WireError::InvalidType {
            field: "nonce",
            found: "an array",
            ..
        })
    ));
}

#[test]
fn decode_does_not_trust_declared_string_lengths() {
    // A byte string claiming 2^63 bytes in a 13-byte body: an error, not an allocation.
    let bytes = [0xa2, 0x00, 0x03, 0x09, 0x5b, 0x80, 0, 0, 0, 0, 0, 0, 0];
    assert!(Message::decode_body(&bytes).is_err());
}

/// Arbitrary messages of every kind, for the property tests here and in `frame`.
pub(crate) fn arb_message() -> impl Strategy<Value = Message> {
    let payload = proptest::collection::vec(any::<u8>(), 0..300);
    prop_oneof![
        (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(version, f, i)| {
            Message::Hello(Hello {
                version,
                max_frame_len: f,
                max_in_flight: i,
            })
        }),
        (any::<u64>(), ".*", ".*", payload.clone()).prop_map(|(id, op, caller, payload)| {
            Message::Request(Request {
                id,
                op,
                caller,
                payload,
            })
        }),
        (any::<u64>(), 200u16..=599, payload).prop_map(|(id, code, payload)| {
            Message::Response(Response {
                id,
                status: Status::new(code).unwrap(),
                payload,
            })
        }),
        any::<u64>().prop_map(|nonce| Message::Ping { nonce }),
        any::<u64>().prop_map(|nonce| Message::Pong { nonce }),
        (
            ".*",
            proptest::collection::vec(any::<u8>(), 0..64),
            ".*",
            any::<u64>()
        )
            .prop_map(|(access_key_id, secret, session_token, expiration)| {
                Message::Credentials(Credentials {
                    access_key_id,
                    secret_access_key: nitro_kms_crypto::secret::SecretBytes::new(secret),
                    session_token,
                    expiration,
                })
            }),
        any::<u64>().prop_map(|id| Message::Sync { id }),
        (
            any::<u64>(),
            200u16..=599,
            proptest::collection::vec(any::<u8>(), 0..64)
        )
            .prop_map(|(id, code, payload)| Message::SyncAck {
                id,
                status: Status::new(code).unwrap(),
                payload,
            }),
    ]
}

proptest! {
    #[test]
    fn prop_any_message_round_trips(message in arb_message()) {
        prop_assert_eq!(Message::decode_body(&body(&message))?, message);
    }

    #[test]
    fn prop_decode_body_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..512)
    ) {
        // Whatever the input, the answer is a message or a typed error; and a message that
        // decodes re-encodes to a body that decodes to the same message.
        if let Ok(message) = Message::decode_body(&bytes) {
            prop_assert_eq!(Message::decode_body(&body(&message))?, message);
        }
    }

    #[test]
    fn prop_decode_body_never_panics_on_mutated_valid_bodies(
        message in arb_message(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = body(&message);
        for (index, value) in flips {
            let i = index.index(bytes.len());
            bytes[i] = value;
        }
        if let Ok(decoded) = Message::decode_body(&bytes) {
            prop_assert_eq!(Message::decode_body(&body(&decoded))?, decoded);
        }
    }
}
