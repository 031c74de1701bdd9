//! Grant tokens: what CreateGrant hands a caller so it can use a grant at once, made so that only
//! the enclave can make one.
//!
//! The parent is hostile (it relays every byte and stores the sealed state), so a token must not
//! be something it could forge: a token is the grant id, a fresh nonce and the key id,
//! authenticated with HMAC-SHA256 under the grant token key, a random 32-byte secret kept only in
//! the sealed keystore. The nonce makes every CreateGrant answer a different token, as AWS's are
//! ("The returned grant token is unique with every CreateGrant request, even when a duplicate
//! GrantId is returned"). The text form is lower-case hex:
//!
//! ```text
//! hex(grant_id[32] || nonce[16] || key_id) || hex(HMAC-SHA256(token_key, LABEL || grant_id || nonce || key_id))
//! ```
//!
//! [`open`] refuses anything malformed or not authenticated under the key; what the grant then
//! allows is the enclave's business.

use crate::secret::SecretBytes;
use crate::{SHA256_LEN, constant_time_eq, hmac_sha256};

/// Domain separation: the MAC key is used for nothing else, but the label keeps a tag of this
/// format from ever being read as another's.
const LABEL: &[u8] = b"nitro-kms grant token v1\0";
/// Length of a grant id (64 hex digits as AWS's).
pub const GRANT_ID_LEN: usize = 32;
/// Length of the per-token nonce.
pub const NONCE_LEN: usize = 16;
/// Length of the grant token key.
pub const TOKEN_KEY_LEN: usize = 32;
/// Longest key id a token carries (key ids are 36-character UUIDs; `mrk-` ids are 36 too).
const MAX_KEY_ID_LEN: usize = 128;

/// What an authenticated token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantTokenClaims {
    /// The grant's id.
    pub grant_id: [u8; GRANT_ID_LEN],
    /// The key the grant is on.
    pub key_id: String,
}

/// Why a token was refused (the caller answers `InvalidGrantTokenException` either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GrantTokenError {
    /// Not hex, too short or too long, or a key id that is not UTF-8.
    #[error("malformed grant token")]
    Malformed,
    /// Well formed, but not made under this service's token key.
    #[error("grant token not authenticated")]
    Forged,
}

fn tag(key: &SecretBytes, payload: &[u8]) -> [u8; SHA256_LEN] {
    let mut input = Vec::with_capacity(LABEL.len() + payload.len());
    input.extend_from_slice(LABEL);
    input.extend_from_slice(payload);
    hmac_sha256(key.expose(), &input)
}

/// A token for grant `grant_id` on key `key_id`, with a fresh `nonce`.
pub fn mint(
    key: &SecretBytes,
    grant_id: &[u8; GRANT_ID_LEN],
    nonce: &[u8; NONCE_LEN],
    key_id: &str,
) -> String {
    let mut payload = Vec::with_capacity(GRANT_ID_LEN + NONCE_LEN + key_id.len());
    payload.extend_from_slice(grant_id);
    payload.extend_from_slice(nonce);
    payload.extend_from_slice(key_id.as_bytes());
    let tag = tag(key, &payload);
    let mut text = crate::hex_lower(&payload);
    text.push_str(&crate::hex_lower(&tag));
    text
}

/// The grant and key a token names, if it is well formed and authenticated under `key`.
pub fn open(key: &SecretBytes, token: &str) -> Result<GrantTokenClaims, GrantTokenError> {
    let max_text = 2 * (GRANT_ID_LEN + NONCE_LEN + MAX_KEY_ID_LEN + SHA256_LEN);
    if token.len() > max_text {
        return Err(GrantTokenError::Malformed);
    }
    let bytes = hex::decode(token).map_err(|_| GrantTokenError::Malformed)?;
    let Some(payload_len) = bytes
        .len()
        .checked_sub(SHA256_LEN)
        .filter(|&n| n > GRANT_ID_LEN + NONCE_LEN)
    else {
        return Err(GrantTokenError::Malformed);
    };
    let (payload, given) = bytes.split_at(payload_len);
    if !constant_time_eq(&tag(key, payload), given) {
        return Err(GrantTokenError::Forged);
    }
    let (grant_id, rest) = payload.split_at(GRANT_ID_LEN);
    let key_id = rest.get(NONCE_LEN..).unwrap_or_default();
    let key_id = std::str::from_utf8(key_id).map_err(|_| GrantTokenError::Malformed)?;
    let mut id = [0u8; GRANT_ID_LEN];
    id.copy_from_slice(grant_id);
    Ok(GrantTokenClaims {
        grant_id: id,
        key_id: key_id.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretBytes {
        SecretBytes::copy_from(&[b; TOKEN_KEY_LEN])
    }

    #[test]
    fn a_minted_token_opens_to_its_grant_and_key_and_each_nonce_gives_another_token() {
        let k = key(7);
        let a = mint(
            &k,
            &[1; 32],
            &[2; 16],
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        );
        let b = mint(
            &k,
            &[1; 32],
            &[3; 16],
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        );
        assert_ne!(a, b);
        for t in [&a, &b] {
            assert_eq!(
                open(&k, t),
                Ok(GrantTokenClaims {
                    grant_id: [1; 32],
                    key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into()
                })
            );
        }
    }

    #[test]
    fn tokens_under_another_key_or_altered_are_forged_and_garbage_is_malformed() {
        let t = mint(&key(7), &[1; 32], &[2; 16], "k");
        assert_eq!(open(&key(8), &t), Err(GrantTokenError::Forged));
        let mut altered = t.clone().into_bytes();
        altered[0] = if altered[0] == b'0' { b'1' } else { b'0' };
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(open(&key(7), &altered), Err(GrantTokenError::Forged));
        for bad in ["", "zz", "abcd", &"0".repeat(4000)] {
            assert_eq!(open(&key(7), bad), Err(GrantTokenError::Malformed), "{bad}");
        }
    }
}
