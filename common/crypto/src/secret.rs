//! Secret bytes: zeroized on drop, never printed.
//!
//! Plaintext data keys, private keys and sealing keys all travel in [`SecretBytes`]. Its `Debug`
//! prints only the length, so a stray `{:?}` in a log line cannot leak key material, and its buffer
//! is overwritten with zeros when it is dropped.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// A heap buffer of secret bytes, zeroized on drop, with a redacted `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes`; the vector is zeroized when the secret is dropped.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A secret of `len` zero bytes, to be filled in place (e.g. by the random generator).
    pub fn zeroed(len: usize) -> Self {
        Self(Zeroizing::new(vec![0u8; len]))
    }

    /// Copies `bytes` into a new secret. The caller remains responsible for its own copy.
    pub fn copy_from(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    /// The secret bytes. Keep the borrow short and never log it.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret bytes, mutably (for in-place decryption or random fill).
    pub fn expose_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }

    /// Number of secret bytes (not secret itself).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Shortens the secret to `len` bytes, zeroizing the bytes cut off.
    pub fn truncate(&mut self, len: usize) {
        if len < self.0.len() {
            self.0[len..].zeroize();
            self.0.truncate(len);
        }
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {} bytes])", self.0.len())
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_secret_bytes_shows_length_only() {
        let s = SecretBytes::copy_from(b"super secret key material");
        let printed = format!("{s:?}");
        assert_eq!(printed, "SecretBytes([REDACTED; 25 bytes])");
        assert!(!printed.contains("secret key"));
    }

    #[test]
    fn truncate_keeps_prefix() {
        let mut s = SecretBytes::copy_from(&[1, 2, 3, 4]);
        s.truncate(2);
        assert_eq!(s.expose(), &[1, 2]);
        s.truncate(10);
        assert_eq!(s.len(), 2);
    }
}
