//! The sealed-credentials family (issue 16): [`Message::SealedCredentials`](super::Message::SealedCredentials)
//! (kind 11), the parent handing the enclave a caller-credentials file sealed to the enclave's
//! provisioning key, and [`Message::SealedCredentialsAck`](super::Message::SealedCredentialsAck)
//! (kind 12), the enclave's answer.
//!
//! Both use only shared fields: `id`; the sealed file's bytes in `payload`; the Ack's `status`
//! (200 when the credentials are in force) and its UTF-8 `reason` in `payload`. The sealed bytes
//! are opaque here: the parent cannot read them, and the enclave parses and opens them
//! (`nitro_kms_crypto::sealed_credentials`). A reason never carries a secret.

use serde::ser::SerializeMap;

use super::field::{Entries, FieldSpec, ID, KIND, PAYLOAD, STATUS, keys_of};
use super::relay::Status;
use crate::error::WireError;

/// The fields of a SealedCredentials, ascending.
pub(crate) const SEALED_FIELDS: [FieldSpec; 3] = [KIND.spec(), ID.spec(), PAYLOAD.spec()];
/// Their keys.
pub(crate) const SEALED_KEYS: [u64; 3] = keys_of(SEALED_FIELDS);

/// The fields of a SealedCredentialsAck, ascending.
pub(crate) const SEALED_ACK_FIELDS: [FieldSpec; 4] =
    [KIND.spec(), ID.spec(), PAYLOAD.spec(), STATUS.spec()];
/// Their keys.
pub(crate) const SEALED_ACK_KEYS: [u64; 4] = keys_of(SEALED_ACK_FIELDS);

/// Writes the fields of a SealedCredentials after `kind`, in key order.
// `&Vec<u8>`: the payload field's type, as the variant holds it.
#[allow(clippy::ptr_arg)]
pub(crate) fn encode_sealed<M: SerializeMap>(
    id: u64,
    sealed: &Vec<u8>,
    map: &mut M,
) -> Result<(), M::Error> {
    ID.encode(map, &id)?;
    PAYLOAD.encode(map, sealed)
}

/// Reads the `id` and the sealed bytes of a SealedCredentials body (both required).
pub(crate) fn decode_sealed(entries: &mut Entries) -> Result<(u64, Vec<u8>), WireError> {
    Ok((entries.take(ID)?, entries.take(PAYLOAD)?))
}

/// Writes the fields of a SealedCredentialsAck after `kind`, in key order.
pub(crate) fn encode_sealed_ack<M: SerializeMap>(
    id: u64,
    status: Status,
    reason: &str,
    map: &mut M,
) -> Result<(), M::Error> {
    ID.encode(map, &id)?;
    PAYLOAD.encode(map, &reason.as_bytes().to_vec())?;
    STATUS.encode(map, &u64::from(status.code()))
}

/// Reads the fields of a SealedCredentialsAck body, each required: the status in range, the
/// reason UTF-8.
pub(crate) fn decode_sealed_ack(entries: &mut Entries) -> Result<(u64, Status, String), WireError> {
    let status = Status::from_wire(entries.take(STATUS)?)?;
    let id = entries.take(ID)?;
    let reason = String::from_utf8(entries.take(PAYLOAD)?).map_err(|_| WireError::InvalidType {
        field: "payload",
        expected: "UTF-8 text in a byte string",
        found: "a byte string that is not UTF-8",
    })?;
    Ok((id, status, reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::tests::{body, map, uint_value};
    use crate::message::{Kind, Message, keys};

    #[test]
    fn sealed_credentials_and_their_ack_are_byte_pinned() {
        let sealed = Message::SealedCredentials {
            id: 7,
            sealed: vec![0xAB, 0xCD],
        };
        // {0: 11, 1: 7, 4: h'ABCD'}
        assert_eq!(
            body(&sealed),
            [0xA3, 0x00, 0x0B, 0x01, 0x07, 0x04, 0x42, 0xAB, 0xCD]
        );
        assert_eq!(Message::decode_body(&body(&sealed)).unwrap(), sealed);
        let ack = Message::SealedCredentialsAck {
            id: 7,
            status: Status::OK,
            reason: "ok".into(),
        };
        // {0: 12, 1: 7, 4: h'6F6B', 5: 200}
        assert_eq!(
            body(&ack),
            [
                0xA4, 0x00, 0x0C, 0x01, 0x07, 0x04, 0x42, b'o', b'k', 0x05, 0x18, 0xC8
            ]
        );
        assert_eq!(Message::decode_body(&body(&ack)).unwrap(), ack);
        assert_eq!(Kind::SealedCredentials.code(), 11);
        assert_eq!(Kind::SealedCredentialsAck.code(), 12);
    }

    #[test]
    fn an_ack_whose_reason_is_not_utf8_is_refused() {
        let wrong = map(vec![
            (keys::KIND, uint_value(12)),
            (keys::ID, uint_value(1)),
            (keys::PAYLOAD, ciborium::Value::Bytes(vec![0xFF])),
            (keys::STATUS, uint_value(400)),
        ]);
        assert!(matches!(
            Message::decode_body(&wrong),
            Err(WireError::InvalidType {
                field: "payload",
                ..
            })
        ));
        // Sealed bytes sent as text are refused, not coerced.
        let text = map(vec![
            (keys::KIND, uint_value(11)),
            (keys::ID, uint_value(1)),
            (keys::PAYLOAD, ciborium::Value::Text("x".into())),
        ]);
        assert!(matches!(
            Message::decode_body(&text),
            Err(WireError::InvalidType { .. })
        ));
    }
}
