//! The credentials family: the AWS [`Credentials`] the parent hands the enclave (kind 8), and
//! their fields (`access_key_id`, `secret_access_key`, `session_token`, `expiration`). The secret
//! is held in a zeroizing buffer from the moment it is decoded.

use std::fmt;

use nitro_kms_crypto::secret::SecretBytes;
use serde::ser::SerializeMap;

use super::field::{Entries, Field, FieldSpec, KIND, keys_of};
use crate::error::WireError;

/// `access_key_id` (key 13), text.
pub(crate) const ACCESS_KEY_ID: Field<String> = Field::new(13, "access_key_id");
/// `secret_access_key` (key 14), bytes.
pub(crate) const SECRET_ACCESS_KEY: Field<SecretBytes> = Field::new(14, "secret_access_key");
/// `session_token` (key 15), text; empty when there is none.
pub(crate) const SESSION_TOKEN: Field<String> = Field::new(15, "session_token");
/// `expiration` (key 16), Unix seconds; 0 when the credentials do not expire.
pub(crate) const EXPIRATION: Field<u64> = Field::new(16, "expiration");

/// The fields of a Credentials message, ascending.
pub(crate) const FIELDS: [FieldSpec; 5] = [
    KIND.spec(),
    ACCESS_KEY_ID.spec(),
    SECRET_ACCESS_KEY.spec(),
    SESSION_TOKEN.spec(),
    EXPIRATION.spec(),
];
/// Their keys.
pub(crate) const KEYS: [u64; 5] = keys_of(FIELDS);

/// AWS credentials handed to the enclave by the parent (kind 8), for the enclave's own calls to
/// AWS KMS (the seal root): the enclave has no instance role of its own, the parent's role is the
/// one the seal-root key policy names, and what makes the sealing key releasable to the enclave
/// only is the policy's attestation condition, not the secrecy of these credentials.
///
/// Sent after the Hello on every connection and again whenever the parent's credentials are
/// renewed; the enclave keeps the newest. `Debug` prints the access key id only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id (`AKIA...`/`ASIA...`).
    pub access_key_id: String,
    /// The secret access key (zeroized when dropped).
    pub secret_access_key: SecretBytes,
    /// The session token of temporary credentials; empty for long-term keys.
    pub session_token: String,
    /// When they expire, in seconds since the Unix epoch; 0 when they do not.
    pub expiration: u64,
}

impl Credentials {
    /// Writes the fields after `kind`, in key order.
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        ACCESS_KEY_ID.encode(map, &self.access_key_id)?;
        SECRET_ACCESS_KEY.encode(map, &self.secret_access_key)?;
        SESSION_TOKEN.encode(map, &self.session_token)?;
        EXPIRATION.encode(map, &self.expiration)
    }

    /// Reads the fields of a Credentials body, each required.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<Credentials, WireError> {
        Ok(Credentials {
            access_key_id: entries.take(ACCESS_KEY_ID)?,
            secret_access_key: entries.take(SECRET_ACCESS_KEY)?,
            session_token: entries.take(SESSION_TOKEN)?,
            expiration: entries.take(EXPIRATION)?,
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field(
                "session_token",
                &if self.session_token.is_empty() {
                    "none"
                } else {
                    "[REDACTED]"
                },
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::tests::{body, credentials, map, uint_value};
    use crate::message::{Message, keys};

    #[test]
    fn credentials_debug_shows_the_key_id_only() {
        let text = format!("{:?}", Message::Credentials(credentials()));
        assert!(text.contains("ASIAEXAMPLEKEY"), "{text}");
        assert!(!text.contains("wJalr"), "{text}");
        assert!(!text.contains("IQoJb3"), "{text}");
    }

    #[test]
    fn credentials_without_a_session_token_is_a_map_with_an_empty_text() {
        let mut c = credentials();
        c.session_token.clear();
        c.expiration = 0;
        let bytes = body(&Message::Credentials(c.clone()));
        assert_eq!(
            Message::decode_body(&bytes).unwrap(),
            Message::Credentials(c)
        );
        // A secret sent as text (the easy mistake) is refused, not coerced.
        let wrong = map(vec![
            (keys::KIND, uint_value(8)),
            (keys::ACCESS_KEY_ID, ciborium::Value::Text("A".into())),
            (keys::SECRET_ACCESS_KEY, ciborium::Value::Text("s".into())),
            (keys::SESSION_TOKEN, ciborium::Value::Text(String::new())),
            (keys::EXPIRATION, uint_value(0)),
        ]);
        assert!(matches!(
            Message::decode_body(&wrong),
            Err(WireError::InvalidType {
                field: "secret_access_key",
                ..
            })
        ));
    }
}
