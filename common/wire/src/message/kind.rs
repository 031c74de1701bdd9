//! [`Kind`]: which message a body map is (its `kind` key, 0), each kind's wire code and name, and
//! which fields it carries (the lists its family module declares).

use std::fmt;

use super::field::FieldSpec;
use super::{
    credentials, forward, hello, persist, ping, position, relay, sealed_credentials, sync,
};

/// The kind of a message: the value of its `kind` key (0).
///
/// Code 7 (`Shutdown`) is reserved for a later version and decodes as [`WireError::UnknownKind`](crate::WireError::UnknownKind)
/// until then. Codes 8-10 are protocol version 3; 11 and 12 (sealed caller credentials) and 13-16
/// (read replicas forwarding to the leader) are version 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Protocol version and limits; the first message each way.
    Hello,
    /// A KMS operation, parent to enclave.
    Request,
    /// The answer to a request, enclave to parent.
    Response,
    /// A liveness probe.
    Ping,
    /// The answer to a ping.
    Pong,
    /// Sealed-state storage request, enclave to parent.
    Persist,
    /// The parent's answer to a [`Kind::Persist`].
    PersistAck,
    /// AWS credentials for the enclave's own calls to AWS KMS, parent to enclave.
    Credentials,
    /// "The stored state changed: catch up", parent to a read-replica enclave.
    Sync,
    /// The enclave's answer to a [`Kind::Sync`].
    SyncAck,
    /// Caller credentials sealed to the enclave's provisioning key, parent to enclave.
    SealedCredentials,
    /// The enclave's answer to a [`Kind::SealedCredentials`].
    SealedCredentialsAck,
    /// A mutation a read replica hands to the leader, enclave to parent to enclave.
    Forward,
    /// The leader's answer to a [`Kind::Forward`], back the same way.
    ForwardReply,
    /// "What is the stored position now?", a read replica to the parent.
    PositionQuery,
    /// The parent's answer to a [`Kind::PositionQuery`].
    PositionReply,
}

impl Kind {
    /// Every kind, in code order.
    pub const ALL: [Kind; 16] = [
        Kind::Hello,
        Kind::Request,
        Kind::Response,
        Kind::Ping,
        Kind::Pong,
        Kind::Persist,
        Kind::PersistAck,
        Kind::Credentials,
        Kind::Sync,
        Kind::SyncAck,
        Kind::SealedCredentials,
        Kind::SealedCredentialsAck,
        Kind::Forward,
        Kind::ForwardReply,
        Kind::PositionQuery,
        Kind::PositionReply,
    ];

    /// The kind's code on the wire.
    pub const fn code(self) -> u64 {
        match self {
            Kind::Hello => 0,
            Kind::Request => 1,
            Kind::Response => 2,
            Kind::Ping => 3,
            Kind::Pong => 4,
            Kind::Persist => 5,
            Kind::PersistAck => 6,
            Kind::Credentials => 8,
            Kind::Sync => 9,
            Kind::SyncAck => 10,
            Kind::SealedCredentials => 11,
            Kind::SealedCredentialsAck => 12,
            Kind::Forward => 13,
            Kind::ForwardReply => 14,
            Kind::PositionQuery => 15,
            Kind::PositionReply => 16,
        }
    }

    /// The kind with this wire code, if this version knows it.
    pub const fn from_code(code: u64) -> Option<Kind> {
        match code {
            0 => Some(Kind::Hello),
            1 => Some(Kind::Request),
            2 => Some(Kind::Response),
            3 => Some(Kind::Ping),
            4 => Some(Kind::Pong),
            5 => Some(Kind::Persist),
            6 => Some(Kind::PersistAck),
            8 => Some(Kind::Credentials),
            9 => Some(Kind::Sync),
            10 => Some(Kind::SyncAck),
            11 => Some(Kind::SealedCredentials),
            12 => Some(Kind::SealedCredentialsAck),
            13 => Some(Kind::Forward),
            14 => Some(Kind::ForwardReply),
            15 => Some(Kind::PositionQuery),
            16 => Some(Kind::PositionReply),
            _ => None,
        }
    }

    /// The kind's name, for logs and error messages.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Hello => "Hello",
            Kind::Request => "Request",
            Kind::Response => "Response",
            Kind::Ping => "Ping",
            Kind::Pong => "Pong",
            Kind::Persist => "Persist",
            Kind::PersistAck => "PersistAck",
            Kind::Credentials => "Credentials",
            Kind::Sync => "Sync",
            Kind::SyncAck => "SyncAck",
            Kind::SealedCredentials => "SealedCredentials",
            Kind::SealedCredentialsAck => "SealedCredentialsAck",
            Kind::Forward => "Forward",
            Kind::ForwardReply => "ForwardReply",
            Kind::PositionQuery => "PositionQuery",
            Kind::PositionReply => "PositionReply",
        }
    }

    /// The keys a message of this kind carries (all required, no others allowed), ascending.
    pub const fn keys(self) -> &'static [u64] {
        match self {
            Kind::Hello => &hello::KEYS,
            Kind::Request => &relay::REQUEST_KEYS,
            Kind::Response => &relay::RESPONSE_KEYS,
            Kind::Ping | Kind::Pong => &ping::KEYS,
            Kind::Persist => &persist::PERSIST_KEYS,
            Kind::PersistAck => &persist::PERSIST_ACK_KEYS,
            Kind::Credentials => &credentials::KEYS,
            Kind::Sync => &sync::SYNC_KEYS,
            Kind::SyncAck => &sync::SYNC_ACK_KEYS,
            Kind::SealedCredentials => &sealed_credentials::SEALED_KEYS,
            Kind::SealedCredentialsAck => &sealed_credentials::SEALED_ACK_KEYS,
            Kind::Forward => &forward::FORWARD_KEYS,
            Kind::ForwardReply => &forward::REPLY_KEYS,
            Kind::PositionQuery => &position::QUERY_KEYS,
            Kind::PositionReply => &position::REPLY_KEYS,
        }
    }

    /// The fields of this kind, in the order of [`Kind::keys`].
    pub(crate) const fn fields(self) -> &'static [FieldSpec] {
        match self {
            Kind::Hello => &hello::FIELDS,
            Kind::Request => &relay::REQUEST_FIELDS,
            Kind::Response => &relay::RESPONSE_FIELDS,
            Kind::Ping | Kind::Pong => &ping::FIELDS,
            Kind::Persist => &persist::PERSIST_FIELDS,
            Kind::PersistAck => &persist::PERSIST_ACK_FIELDS,
            Kind::Credentials => &credentials::FIELDS,
            Kind::Sync => &sync::SYNC_FIELDS,
            Kind::SyncAck => &sync::SYNC_ACK_FIELDS,
            Kind::SealedCredentials => &sealed_credentials::SEALED_FIELDS,
            Kind::SealedCredentialsAck => &sealed_credentials::SEALED_ACK_FIELDS,
            Kind::Forward => &forward::FORWARD_FIELDS,
            Kind::ForwardReply => &forward::REPLY_FIELDS,
            Kind::PositionQuery => &position::QUERY_FIELDS,
            Kind::PositionReply => &position::REPLY_FIELDS,
        }
    }
}

/// The field with map key `key`, if any kind uses it: the key table of the [crate docs](crate) is
/// exactly the union of the kinds' fields.
pub(crate) fn field_spec(key: u64) -> Option<FieldSpec> {
    Kind::ALL
        .iter()
        .flat_map(|kind| kind.fields())
        .find(|field| field.key == key)
        .copied()
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_codes_round_trip_and_reserved_codes_are_unknown() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_code(kind.code()), Some(kind));
        }
        for reserved in [7, 17, u64::MAX] {
            assert_eq!(Kind::from_code(reserved), None);
        }
    }

    #[test]
    fn the_key_table_is_keys_0_to_16_and_20_to_23_each_with_one_name_and_type() {
        // 17-19 are left to another family of this protocol version.
        for key in (0..=16).chain(20..=23) {
            let spec = field_spec(key).expect("every key of the table is used by some kind");
            for field in Kind::ALL.iter().flat_map(|kind| kind.fields()) {
                if field.key == key {
                    assert_eq!(*field, spec, "key {key}");
                }
            }
        }
        assert_eq!(field_spec(24), None);
    }

    #[test]
    fn every_kind_lists_kind_first_and_its_keys_ascending() {
        for kind in Kind::ALL {
            assert_eq!(kind.keys().first(), Some(&0), "{kind}");
            assert!(kind.keys().windows(2).all(|w| w[0] < w[1]), "{kind}");
            let from_fields: Vec<u64> = kind.fields().iter().map(|f| f.key).collect();
            assert_eq!(from_fields, kind.keys(), "{kind}");
        }
    }
}
