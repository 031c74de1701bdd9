//! The grant token key (issue 18), kept in the sealed keystore beside the keys.

use std::fmt;

use nitro_kms_crypto::secret::SecretBytes;
use serde::{Deserialize, Serialize};

use super::records::{de_secret, ser_secret};

/// The secret that authenticates grant tokens (`nitro_kms_crypto::grant_token`): made by the
/// first CreateGrant and kept only in the sealed state, so the parent can neither read nor forge
/// a token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantTokenKey(
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")] pub SecretBytes,
);

impl fmt::Debug for GrantTokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GrantTokenKey").field(&self.0).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_key_never_shows_in_debug() {
        let key = GrantTokenKey(SecretBytes::copy_from(&[0x41; 32]));
        assert_eq!(
            format!("{key:?}"),
            "GrantTokenKey(SecretBytes([REDACTED; 32 bytes]))"
        );
    }
}
