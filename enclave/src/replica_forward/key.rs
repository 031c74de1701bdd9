//! The forwarding key and the MACs it makes: what lets one enclave believe a [`Forward`] or a
//! [`ForwardReply`] another enclave of this image sent through the hostile parent.
//!
//! The key is derived with HKDF-SHA256 from the sealing key ([`FORWARD_KEY_LABEL`]): the enclaves
//! that share this sealed state (same image, same seal root or simulated world) derive the same
//! key, and nobody else can — the parent never sees the sealing key. A MAC is HMAC-SHA256 under
//! it over an unambiguous encoding of every field (a domain label, the kind, then each field, the
//! variable-length ones prefixed with their length), so the parent can neither forge a message
//! nor change, drop or reorder any field of one without the check failing:
//!
//! - a [`Forward`]'s MAC covers its kind, `id`, `op`, `caller`, `payload`, `issued_at_ms` and
//!   `nonce` (freshness and single use are checked by [`super::replay`]);
//! - a [`ForwardReply`]'s MAC covers its kind, `id`, the **nonce of the forward it answers**
//!   (so it cannot be swapped onto another forward, even one with the same `id`), `status`,
//!   `payload` and `position`.

use nitro_kms_crypto as crypto;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_wire::{Forward, ForwardReply, Kind};

use crate::storage::seal::SealError;
use crate::storage::sealed_store::SealedKeystore;

/// The HKDF label of the forwarding key: one purpose, one label (a new MAC format gets v2).
pub const FORWARD_KEY_LABEL: &[u8] = b"nitro-kms replica forward v1";

/// The domain of a forward's MAC input (so it can never be read as a reply's, or as anything
/// else HMAC'd under a key derived from the sealing key).
const FORWARD_DOMAIN: &[u8] = b"nitro-kms forward request\0";
/// The domain of a reply's MAC input.
const REPLY_DOMAIN: &[u8] = b"nitro-kms forward reply\0";

/// The key enclaves of this image authenticate forwards and their replies with.
pub struct ForwardKey(SecretBytes);

impl std::fmt::Debug for ForwardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ForwardKey([REDACTED])")
    }
}

impl ForwardKey {
    /// Derives the key from the sealing key of `store`.
    pub fn of(store: &SealedKeystore) -> Result<ForwardKey, SealError> {
        store.derive_key(FORWARD_KEY_LABEL).map(ForwardKey)
    }

    /// Wraps key bytes (tests, and whoever derives it from a sealing key directly).
    pub fn from_bytes(key: SecretBytes) -> ForwardKey {
        ForwardKey(key)
    }

    /// The MAC a [`Forward`] must carry.
    pub fn forward_mac(&self, forward: &Forward) -> Vec<u8> {
        let mut input = Input::new(FORWARD_DOMAIN, Kind::Forward, forward.id);
        input.bytes(forward.op.as_bytes());
        input.bytes(forward.caller.as_bytes());
        input.bytes(&forward.payload);
        input.number(forward.issued_at_ms);
        input.number(forward.nonce);
        crypto::hmac_sha256(self.0.expose(), &input.0).to_vec()
    }

    /// The MAC a [`ForwardReply`] to the forward with `nonce` must carry.
    pub fn reply_mac(&self, nonce: u64, reply: &ForwardReply) -> Vec<u8> {
        let mut input = Input::new(REPLY_DOMAIN, Kind::ForwardReply, reply.id);
        input.number(nonce);
        input.number(u64::from(reply.status.code()));
        input.bytes(&reply.payload);
        input.number(reply.position.generation);
        input.number(reply.position.sequence);
        crypto::hmac_sha256(self.0.expose(), &input.0).to_vec()
    }

    /// Whether `forward` carries the MAC this key makes (compared in constant time).
    pub fn verifies_forward(&self, forward: &Forward) -> bool {
        crypto::constant_time_eq(&self.forward_mac(forward), &forward.mac)
    }

    /// Whether `reply` carries the MAC this key makes for an answer to the forward with `nonce`.
    pub fn verifies_reply(&self, nonce: u64, reply: &ForwardReply) -> bool {
        crypto::constant_time_eq(&self.reply_mac(nonce, reply), &reply.mac)
    }
}

/// A MAC input being built: fixed-width numbers, length-prefixed byte strings.
struct Input(Vec<u8>);

impl Input {
    fn new(domain: &[u8], kind: Kind, id: u64) -> Input {
        let mut input = Input(Vec::with_capacity(256));
        input.0.extend_from_slice(domain);
        input.number(kind.code());
        input.number(id);
        input
    }

    fn number(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_be_bytes());
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.number(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests;
