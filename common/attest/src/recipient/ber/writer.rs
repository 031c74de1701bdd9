//! The writer: minimal definite lengths (DER) and, where asked, the indefinite-length form
//! (`80` … `00 00`) that AWS KMS uses for the outer layers of its envelopes.

use super::tag;

/// Builds an encoding front to back. Definite lengths are always minimal (DER); indefinite
/// lengths are opened with [`Writer::open_indefinite`] and closed with [`Writer::close`].
#[derive(Debug, Default)]
pub(crate) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The bytes written so far.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// Writes a complete element with a definite length.
    pub(crate) fn tlv(&mut self, tag: u8, contents: &[u8]) {
        self.out.push(tag);
        push_definite_length(&mut self.out, contents.len());
        self.out.extend_from_slice(contents);
    }

    /// Writes a constructed element with a definite length whose children `f` writes.
    pub(crate) fn nested(&mut self, tag: u8, f: impl FnOnce(&mut Writer)) {
        let mut inner = Writer::new();
        f(&mut inner);
        self.tlv(tag, &inner.out);
    }

    /// Opens a constructed element with an indefinite length (`tag 80`).
    pub(crate) fn open_indefinite(&mut self, tag: u8) {
        self.out.extend_from_slice(&[tag, 0x80]);
    }

    /// Closes the innermost indefinite-length element (end-of-contents, `00 00`).
    pub(crate) fn close(&mut self) {
        self.out.extend_from_slice(&[tag::EOC, 0x00]);
    }
}

/// Appends the minimal definite length octets for `len` (X.690 10.1).
pub(crate) fn push_definite_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Short form; the cast cannot truncate below 0x80.
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}
