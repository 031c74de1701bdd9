//! A small, bounded BER reader and a DER/BER writer for CMS envelopes.
//!
//! # Why not `der` 0.8
//!
//! The workspace's `der` 0.8 with its `ber` feature reads indefinite lengths, but only "a strict
//! subset of BER" (its own words), and two things outside that subset are legal in the envelopes
//! we must accept:
//!
//! - a *constructed definite-length* string, e.g. `encryptedContent` as `A0 len (04 ..)*`: `der`
//!   rejects it as `Noncanonical` (RustCrypto/formats#779);
//! - a *non-minimal* definite length such as `81 05`: `der` rejects it (a length error) even in
//!   BER mode.
//!
//! The test `der_0_8_still_rejects_what_ber_allows` pins both, so we notice if `der` changes.
//! Besides, our schema is a dozen fixed fields, and we want every error to name the field and the
//! offset. So this module is a small hand-written TLV reader with explicit bounds:
//!
//! - the caller caps the input size before anything is read (see `MAX_ENVELOPE_LEN`);
//! - nesting is capped at [`MAX_NESTING_DEPTH`] levels;
//! - every length is checked against the bytes left in its enclosing element before use, and
//!   all slicing goes through `get`, so no input can make it panic;
//! - allocation is limited to copies of OCTET STRING values (chunks joined) and error messages,
//!   all bounded by the input size.
//!
//! Only single-octet identifiers are supported (tag numbers 0–30), which is all CMS needs here; a
//! high-tag-number identifier is reported as malformed.
//!
//! The writer emits minimal definite lengths (DER) and, where asked, the indefinite-length form
//! (`80` … `00 00`) that AWS KMS uses for the outer layers of its envelopes.

use super::RecipientError;

/// Deepest nesting of constructed elements the reader accepts. A KMS envelope nests constructed
/// elements 10 deep (ContentInfo down to the hash AlgorithmIdentifier inside MGF1's parameters);
/// the margin leaves room for chunked strings inside chunked strings, which BER allows.
pub(crate) const MAX_NESTING_DEPTH: usize = 16;

/// The constructed bit of an identifier octet.
pub(crate) const CONSTRUCTED: u8 = 0x20;

/// Identifier octets used by CMS envelopes.
pub(crate) mod tag {
    /// End-of-contents (only as `00 00`, closing an indefinite length).
    pub(crate) const EOC: u8 = 0x00;
    /// INTEGER.
    pub(crate) const INTEGER: u8 = 0x02;
    /// OCTET STRING, primitive form.
    pub(crate) const OCTET_STRING: u8 = 0x04;
    /// NULL.
    pub(crate) const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER.
    pub(crate) const OID: u8 = 0x06;
    /// SEQUENCE / SEQUENCE OF (always constructed).
    pub(crate) const SEQUENCE: u8 = 0x30;
    /// SET / SET OF (always constructed).
    pub(crate) const SET: u8 = 0x31;
    /// `[0]` context-specific, primitive (IMPLICIT over a primitive type).
    pub(crate) const CONTEXT_0_PRIMITIVE: u8 = 0x80;
    /// `[0]` context-specific, constructed (EXPLICIT, or IMPLICIT over a constructed form).
    pub(crate) const CONTEXT_0: u8 = 0xA0;
    /// `[1]` context-specific, constructed.
    pub(crate) const CONTEXT_1: u8 = 0xA1;
    /// `[2]` context-specific, constructed.
    pub(crate) const CONTEXT_2: u8 = 0xA2;
}

/// Identifier and length of one element as read from the input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    /// The identifier octet (class, constructed bit and tag number).
    pub(crate) tag: u8,
    /// Absolute offset of the identifier octet in the input (for error messages).
    pub(crate) offset: usize,
    /// Content length; `None` for the indefinite form.
    pub(crate) len: Option<usize>,
}

impl Header {
    /// Whether the identifier has the constructed bit.
    pub(crate) fn is_constructed(&self) -> bool {
        self.tag & CONSTRUCTED != 0
    }
}

/// The contents of one element: a slice for a primitive, a nested reader for a constructed one.
pub(crate) enum Value<'r, 'a> {
    /// Contents octets of a primitive element.
    Primitive(&'a [u8]),
    /// A reader over the children of a constructed element.
    Constructed(&'r mut Reader<'a>),
}

/// Reads the elements inside one constructed element (or the top level) in order.
///
/// Offsets are absolute positions in the whole input, so errors point at the right byte.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    /// End of this element's contents if definite; otherwise the end of the nearest enclosing
    /// definite region (which the end-of-contents octets must come before).
    end: usize,
    indefinite: bool,
    depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader over a whole input that must hold a sequence of complete elements.
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self {
            input,
            pos: 0,
            end: input.len(),
            indefinite: false,
            depth: 0,
        }
    }

    /// Whether this element has no more children: its definite end is reached, or for an
    /// indefinite length the next two bytes are the end-of-contents octets.
    pub(crate) fn is_at_end(&self) -> bool {
        if self.indefinite {
            self.remaining().get(..2) == Some(&[tag::EOC, 0][..])
        } else {
            self.pos >= self.end
        }
    }

    /// The identifier octet of the next child, without consuming it; `None` at the end.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        if self.is_at_end() {
            None
        } else {
            self.remaining().first().copied()
        }
    }

    fn remaining(&self) -> &'a [u8] {
        self.input.get(self.pos..self.end).unwrap_or_default()
    }

    /// The error for "needs bytes beyond what this element has": truncation when the element
    /// runs to the end of the input, a malformed inner length otherwise.
    fn short(&self, what: &'static str) -> RecipientError {
        if self.end >= self.input.len() {
            RecipientError::Truncated {
                what,
                offset: self.pos,
            }
        } else {
            RecipientError::Malformed(format!(
                "{what} at offset {} runs past the end of its enclosing element",
                self.pos
            ))
        }
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, RecipientError> {
        let b = self
            .remaining()
            .first()
            .copied()
            .ok_or_else(|| self.short(what))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], RecipientError> {
        let bytes = self
            .remaining()
            .get(..len)
            .ok_or_else(|| self.short(what))?;
        self.pos += len;
        Ok(bytes)
    }

    /// Reads the identifier and length octets of the next child.
    fn header(&mut self, what: &'static str) -> Result<Header, RecipientError> {
        let offset = self.pos;
        if self.is_at_end() {
            return Err(if self.indefinite || self.end < self.input.len() {
                RecipientError::Malformed(format!(
                    "{what} expected at offset {offset}, but its enclosing element ends there"
                ))
            } else {
                RecipientError::Truncated { what, offset }
            });
        }
        let id = self.byte(what)?;
        if id == tag::EOC {
            if self.indefinite && self.remaining().is_empty() {
                // The first half of this element's end-of-contents, cut off.
                return Err(self.short(what));
            }
            return Err(RecipientError::Malformed(format!(
                "{what} expected at offset {offset}, found a misplaced end-of-contents"
            )));
        }
        if id & 0x1f == 0x1f {
            return Err(RecipientError::Malformed(format!(
                "{what} at offset {offset} uses a high-tag-number identifier, which CMS envelopes \
                 do not"
            )));
        }
        let first = self.byte(what)?;
        let len = match first {
            0x00..=0x7f => Some(usize::from(first)),
            0x80 if id & CONSTRUCTED == 0 => {
                return Err(RecipientError::Malformed(format!(
                    "{what} at offset {offset} is primitive but has an indefinite length"
                )));
            }
            0x80 => None,
            0x81..=0x84 => {
                let mut value: u64 = 0;
                for _ in 0..(first & 0x7f) {
                    value = (value << 8) | u64::from(self.byte(what)?);
                }
                // A length that does not fit usize cannot fit the input either.
                Some(usize::try_from(value).unwrap_or(usize::MAX))
            }
            _ => {
                return Err(RecipientError::Malformed(format!(
                    "{what} at offset {offset} has an unsupported length octet 0x{first:02x}"
                )));
            }
        };
        if let Some(len) = len
            && len > self.remaining().len()
        {
            return Err(self.short(what));
        }
        Ok(Header {
            tag: id,
            offset,
            len,
        })
    }

    /// Reads the next child and hands its header and contents to `f`.
    ///
    /// For a constructed child, `f` reads its children from the nested reader; afterwards the
    /// child must be exactly used up (definite length) or followed by its end-of-contents octets
    /// (indefinite length), so trailing data anywhere is an error.
    pub(crate) fn read<T>(
        &mut self,
        what: &'static str,
        f: impl FnOnce(Header, Value<'_, 'a>) -> Result<T, RecipientError>,
    ) -> Result<T, RecipientError> {
        let header = self.header(what)?;
        match header.len {
            Some(len) if !header.is_constructed() => {
                let contents = self.take(len, what)?;
                f(header, Value::Primitive(contents))
            }
            len => {
                let depth = self.depth + 1;
                if depth > MAX_NESTING_DEPTH {
                    return Err(RecipientError::NestingTooDeep {
                        max: MAX_NESTING_DEPTH,
                    });
                }
                let mut child = Reader {
                    input: self.input,
                    pos: self.pos,
                    end: len.map_or(self.end, |l| self.pos + l),
                    indefinite: len.is_none(),
                    depth,
                };
                let out = f(header, Value::Constructed(&mut child))?;
                child.finish(what)?;
                self.pos = child.pos;
                Ok(out)
            }
        }
    }

    /// Checks that this (nested) reader is used up and steps over its end-of-contents octets.
    fn finish(&mut self, what: &'static str) -> Result<(), RecipientError> {
        if self.indefinite {
            match self.remaining().get(..2) {
                Some([0, 0]) => {
                    self.pos += 2;
                    Ok(())
                }
                Some(_) => Err(RecipientError::Malformed(format!(
                    "{what} has unexpected data at offset {} instead of its end-of-contents",
                    self.pos
                ))),
                None => Err(self.short(what)),
            }
        } else if self.pos == self.end {
            Ok(())
        } else {
            Err(RecipientError::Malformed(format!(
                "{what} has {} unexpected trailing byte(s) at offset {}",
                self.end.saturating_sub(self.pos),
                self.pos
            )))
        }
    }

    /// Checks that the top-level reader has consumed the whole input.
    pub(crate) fn expect_end(&self, what: &'static str) -> Result<(), RecipientError> {
        if self.pos == self.end {
            Ok(())
        } else {
            Err(RecipientError::Malformed(format!(
                "{} trailing byte(s) after {what} at offset {}",
                self.end.saturating_sub(self.pos),
                self.pos
            )))
        }
    }

    /// Reads a constructed child with identifier `expected` and parses its children with `f`.
    pub(crate) fn constructed<T>(
        &mut self,
        expected: u8,
        what: &'static str,
        f: impl FnOnce(&mut Reader<'a>) -> Result<T, RecipientError>,
    ) -> Result<T, RecipientError> {
        self.read(what, |h, value| match value {
            Value::Constructed(inner) if h.tag == expected => f(inner),
            _ => Err(unexpected_tag(what, expected, h)),
        })
    }

    /// Reads a primitive child with identifier `expected` and returns its contents.
    pub(crate) fn primitive(
        &mut self,
        expected: u8,
        what: &'static str,
    ) -> Result<&'a [u8], RecipientError> {
        self.read(what, |h, value| match value {
            Value::Primitive(contents) if h.tag == expected => Ok(contents),
            _ => Err(unexpected_tag(what, expected, h)),
        })
    }

    /// Reads an OBJECT IDENTIFIER and returns its (non-empty) contents octets.
    pub(crate) fn oid(&mut self, what: &'static str) -> Result<&'a [u8], RecipientError> {
        let contents = self.primitive(tag::OID, what)?;
        if contents.is_empty() {
            return Err(RecipientError::Malformed(format!("{what} is an empty OID")));
        }
        Ok(contents)
    }

    /// Reads a NULL (which must have no contents).
    pub(crate) fn null(&mut self, what: &'static str) -> Result<(), RecipientError> {
        if self.primitive(tag::NULL, what)?.is_empty() {
            Ok(())
        } else {
            Err(RecipientError::Malformed(format!(
                "{what} is a NULL with contents"
            )))
        }
    }

    /// Reads an INTEGER that fits in an `i64`, rejecting non-minimal encodings (X.690 8.3.2
    /// requires minimal integers in BER too).
    pub(crate) fn small_integer(&mut self, what: &'static str) -> Result<i64, RecipientError> {
        let contents = self.primitive(tag::INTEGER, what)?;
        let malformed = |why: &str| RecipientError::Malformed(format!("{what}: {why}"));
        match contents {
            [] => return Err(malformed("empty INTEGER")),
            [0x00, next, ..] if *next < 0x80 => return Err(malformed("non-minimal INTEGER")),
            [0xff, next, ..] if *next >= 0x80 => return Err(malformed("non-minimal INTEGER")),
            c if c.len() > 8 => return Err(malformed("INTEGER too large")),
            _ => {}
        }
        let negative = contents.first().is_some_and(|b| b & 0x80 != 0);
        let start: i64 = if negative { -1 } else { 0 };
        Ok(contents
            .iter()
            .fold(start, |acc, b| (acc << 8) | i64::from(*b)))
    }

    /// Reads an OCTET STRING, IMPLICITly tagged `primitive_tag` (e.g. `04`, or `80` for
    /// `[0] IMPLICIT`), in either BER form: primitive, or constructed (`primitive_tag | 0x20`)
    /// holding OCTET STRING chunks, with definite or indefinite length, chunks possibly
    /// themselves constructed. Returns the concatenated value.
    pub(crate) fn octet_string(
        &mut self,
        primitive_tag: u8,
        what: &'static str,
    ) -> Result<Vec<u8>, RecipientError> {
        self.read(what, |h, value| match value {
            Value::Primitive(contents) if h.tag == primitive_tag => Ok(contents.to_vec()),
            Value::Constructed(inner) if h.tag == primitive_tag | CONSTRUCTED => {
                let mut out = Vec::new();
                inner.collect_chunks(what, &mut out)?;
                Ok(out)
            }
            _ => Err(unexpected_tag(what, primitive_tag, h)),
        })
    }

    /// Appends every OCTET STRING chunk of a constructed string to `out` (X.690 8.7.3.2).
    fn collect_chunks(
        &mut self,
        what: &'static str,
        out: &mut Vec<u8>,
    ) -> Result<(), RecipientError> {
        while !self.is_at_end() {
            self.read(what, |h, value| match value {
                Value::Primitive(chunk) if h.tag == tag::OCTET_STRING => {
                    out.extend_from_slice(chunk);
                    Ok(())
                }
                Value::Constructed(inner) if h.tag == tag::OCTET_STRING | CONSTRUCTED => {
                    inner.collect_chunks(what, out)
                }
                _ => Err(RecipientError::Malformed(format!(
                    "{what}: chunk at offset {} has tag 0x{:02x}, expected an OCTET STRING",
                    h.offset, h.tag
                ))),
            })?;
        }
        Ok(())
    }
}

/// The error for a child that is not what the schema expects at this point.
pub(crate) fn unexpected_tag(what: &'static str, expected: u8, found: Header) -> RecipientError {
    RecipientError::Malformed(format!(
        "{what} at offset {}: expected tag 0x{expected:02x}, found 0x{:02x}",
        found.offset, found.tag
    ))
}

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
fn push_definite_length(out: &mut Vec<u8>, len: usize) {
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

/// Test-only tools: decode any BER into a tree, re-encode it in another style, and list an
/// encoding's tag/length skeleton. Tests use them to produce the encoding variants a parser must
/// accept and to compare our layout with KMS's, independently of the builder.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// One decoded element.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Node {
        /// A primitive element and its contents.
        Primitive { tag: u8, contents: Vec<u8> },
        /// A constructed element, how its length was encoded, and its children.
        Constructed {
            tag: u8,
            indefinite: bool,
            children: Vec<Node>,
        },
    }

    impl Node {
        /// The child at `path` (indices from this node down).
        pub(crate) fn at(&mut self, path: &[usize]) -> &mut Node {
            match path.split_first() {
                None => self,
                Some((first, rest)) => self.children().get_mut(*first).unwrap().at(rest),
            }
        }

        /// The children of a constructed node.
        pub(crate) fn children(&mut self) -> &mut Vec<Node> {
            match self {
                Node::Constructed { children, .. } => children,
                Node::Primitive { tag, .. } => panic!("node 0x{tag:02x} is primitive"),
            }
        }

        /// The contents of a primitive node.
        pub(crate) fn contents(&mut self) -> &mut Vec<u8> {
            match self {
                Node::Primitive { contents, .. } => contents,
                Node::Constructed { tag, .. } => panic!("node 0x{tag:02x} is constructed"),
            }
        }
    }

    /// Decodes one complete element (panics on malformed input: test helper).
    pub(crate) fn tree(input: &[u8]) -> Node {
        let mut r = Reader::new(input);
        let node = read_node(&mut r).unwrap();
        r.expect_end("tree").unwrap();
        node
    }

    fn read_node(r: &mut Reader<'_>) -> Result<Node, RecipientError> {
        r.read("node", |h, value| match value {
            Value::Primitive(contents) => Ok(Node::Primitive {
                tag: h.tag,
                contents: contents.to_vec(),
            }),
            Value::Constructed(inner) => {
                let mut children = Vec::new();
                while !inner.is_at_end() {
                    children.push(read_node(inner)?);
                }
                Ok(Node::Constructed {
                    tag: h.tag,
                    indefinite: h.len.is_none(),
                    children,
                })
            }
        })
    }

    /// How [`encode`] writes lengths.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Style {
        /// `Some(x)`: every constructed element indefinite (`true`) or definite (`false`);
        /// `None`: as decoded.
        pub(crate) indefinite: Option<bool>,
        /// Write every definite length in the non-minimal 5-octet form `84 xx xx xx xx`.
        pub(crate) long_lengths: bool,
    }

    /// Encodes `node` in `style`.
    pub(crate) fn encode(node: &Node, style: Style) -> Vec<u8> {
        let mut out = Vec::new();
        encode_into(node, style, &mut out);
        out
    }

    fn encode_into(node: &Node, style: Style, out: &mut Vec<u8>) {
        let definite = |out: &mut Vec<u8>, tag: u8, contents: &[u8]| {
            out.push(tag);
            if style.long_lengths {
                out.push(0x84);
                out.extend_from_slice(&u32::try_from(contents.len()).unwrap().to_be_bytes());
            } else {
                push_definite_length(out, contents.len());
            }
            out.extend_from_slice(contents);
        };
        match node {
            Node::Primitive { tag, contents } => definite(out, *tag, contents),
            Node::Constructed {
                tag,
                indefinite,
                children,
            } => {
                let mut inner = Vec::new();
                for child in children {
                    encode_into(child, style, &mut inner);
                }
                if style.indefinite.unwrap_or(*indefinite) {
                    out.extend_from_slice(&[*tag, 0x80]);
                    out.extend_from_slice(&inner);
                    out.extend_from_slice(&[0, 0]);
                } else {
                    definite(out, *tag, &inner);
                }
            }
        }
    }

    /// One line per element, `depth: identifier+length octets`, e.g. `3: 31 82 01 6b`; the
    /// indefinite form shows as `80`. Equal skeletons mean equal tags, forms and lengths.
    pub(crate) fn skeleton(input: &[u8]) -> Vec<String> {
        fn walk(r: &mut Reader<'_>, input: &[u8], depth: usize, out: &mut Vec<String>) {
            while !r.is_at_end() {
                r.read("skeleton", |h, value| {
                    let first = input[h.offset + 1];
                    let len_octets = match first {
                        0x81..=0x84 => 1 + usize::from(first & 0x7f),
                        _ => 1,
                    };
                    let header = &input[h.offset..h.offset + 1 + len_octets];
                    out.push(format!("{depth}: {}", hex_spaced(header)));
                    if let Value::Constructed(inner) = value {
                        walk(inner, input, depth + 1, out);
                    }
                    Ok(())
                })
                .unwrap();
            }
        }
        let mut out = Vec::new();
        walk(&mut Reader::new(input), input, 0, &mut out);
        out
    }

    fn hex_spaced(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads one top-level element with `f` and checks that nothing follows it.
    fn read_all<T>(
        input: &[u8],
        f: impl FnOnce(&mut Reader<'_>) -> Result<T, RecipientError>,
    ) -> Result<T, RecipientError> {
        let mut r = Reader::new(input);
        let out = f(&mut r)?;
        r.expect_end("test input")?;
        Ok(out)
    }

    #[test]
    fn octet_string_accepts_every_ber_form() {
        let forms: [&[u8]; 6] = [
            // primitive, definite
            &[0x04, 0x03, 1, 2, 3],
            // primitive with a non-minimal long-form length (legal BER)
            &[0x04, 0x81, 0x03, 1, 2, 3],
            // constructed, definite, two chunks
            &[0x24, 0x07, 0x04, 0x01, 1, 0x04, 0x02, 2, 3],
            // constructed, indefinite
            &[0x24, 0x80, 0x04, 0x02, 1, 2, 0x04, 0x01, 3, 0, 0],
            // constructed inside constructed, with an empty chunk
            &[
                0x24, 0x80, 0x24, 0x80, 0x04, 0x01, 1, 0, 0, 0x04, 0x00, 0x04, 0x02, 2, 3, 0, 0,
            ],
            // four-byte long-form length
            &[0x04, 0x84, 0, 0, 0, 3, 1, 2, 3],
        ];
        for form in forms {
            let value = read_all(form, |r| r.octet_string(tag::OCTET_STRING, "test"))
                .unwrap_or_else(|e| panic!("{form:02x?}: {e}"));
            assert_eq!(value, [1, 2, 3], "{form:02x?}");
        }
    }

    #[test]
    fn implicit_context_octet_string_reads_primitive_and_chunked_forms() {
        let primitive = [0x80, 0x02, 7, 8];
        let chunked = [0xA0, 0x80, 0x04, 0x01, 7, 0x04, 0x01, 8, 0, 0];
        for form in [&primitive[..], &chunked[..]] {
            let value = read_all(form, |r| r.octet_string(tag::CONTEXT_0_PRIMITIVE, "test"));
            assert_eq!(value.unwrap(), [7, 8]);
        }
    }

    #[test]
    fn chunk_that_is_not_an_octet_string_is_rejected() {
        let input = [0x24, 0x80, 0x02, 0x01, 1, 0, 0];
        let err = read_all(&input, |r| r.octet_string(tag::OCTET_STRING, "chunks")).unwrap_err();
        assert!(
            matches!(&err, RecipientError::Malformed(m) if m.contains("chunk at offset 2")),
            "{err}"
        );
    }

    #[test]
    fn primitive_with_indefinite_length_is_rejected() {
        let err = read_all(&[0x04, 0x80, 1, 0, 0], |r| {
            r.octet_string(tag::OCTET_STRING, "x")
        })
        .unwrap_err();
        assert!(
            matches!(&err, RecipientError::Malformed(m) if m.contains("indefinite")),
            "{err}"
        );
    }

    #[test]
    fn length_past_end_of_input_is_truncation_and_past_parent_is_malformed() {
        let err = read_all(&[0x04, 0x05, 1, 2], |r| {
            r.octet_string(tag::OCTET_STRING, "x")
        })
        .unwrap_err();
        assert_eq!(
            err,
            RecipientError::Truncated {
                what: "x",
                offset: 2
            }
        );
        // The inner OCTET STRING claims 5 bytes inside a SEQUENCE of 4.
        let input = [0x30, 0x04, 0x04, 0x05, 1, 2, 0x05, 0x00];
        let err = read_all(&input, |r| {
            r.constructed(tag::SEQUENCE, "outer", |r| {
                r.octet_string(tag::OCTET_STRING, "inner")
            })
        })
        .unwrap_err();
        assert!(
            matches!(&err, RecipientError::Malformed(m) if m.contains("runs past the end")),
            "{err}"
        );
    }

    #[test]
    fn missing_end_of_contents_is_truncation() {
        let err = read_all(&[0x30, 0x80, 0x05, 0x00], |r| {
            r.constructed(tag::SEQUENCE, "seq", |r| r.null("null"))
        })
        .unwrap_err();
        assert_eq!(
            err,
            RecipientError::Truncated {
                what: "seq",
                offset: 4
            }
        );
    }

    #[test]
    fn trailing_data_is_rejected_in_definite_indefinite_and_top_level() {
        let cases: [&[u8]; 3] = [
            &[0x30, 0x04, 0x05, 0x00, 0x05, 0x00],
            &[0x30, 0x80, 0x05, 0x00, 0x05, 0x00, 0, 0],
            &[0x30, 0x02, 0x05, 0x00, 0xff],
        ];
        for input in cases {
            let err = read_all(input, |r| {
                r.constructed(tag::SEQUENCE, "seq", |r| r.null("null"))
            })
            .unwrap_err();
            assert!(
                matches!(&err, RecipientError::Malformed(m) if m.contains("trailing")
                    || m.contains("instead of its end-of-contents")),
                "{input:02x?}: {err}"
            );
        }
    }

    #[test]
    fn nesting_beyond_the_limit_is_rejected() {
        fn descend(r: &mut Reader<'_>) -> Result<(), RecipientError> {
            if r.peek_tag() == Some(tag::SEQUENCE) {
                r.constructed(tag::SEQUENCE, "seq", descend)
            } else {
                r.null("null")
            }
        }
        let nested = |depth: usize| {
            let mut v = [0x30, 0x80].repeat(depth);
            v.extend_from_slice(&[0x05, 0x00]);
            v.extend(std::iter::repeat_n(0u8, 2 * depth));
            v
        };
        read_all(&nested(MAX_NESTING_DEPTH), descend).unwrap();
        assert_eq!(
            read_all(&nested(MAX_NESTING_DEPTH + 1), descend).unwrap_err(),
            RecipientError::NestingTooDeep {
                max: MAX_NESTING_DEPTH
            }
        );
    }

    #[test]
    fn small_integer_rejects_non_minimal_and_reads_signed_values() {
        let ok: [(&[u8], i64); 4] = [
            (&[0x02, 0x01, 0x02], 2),
            (&[0x02, 0x01, 0xff], -1),
            (&[0x02, 0x02, 0x00, 0x80], 128),
            (&[0x02, 0x02, 0xff, 0x7f], -129),
        ];
        for (input, want) in ok {
            assert_eq!(read_all(input, |r| r.small_integer("v")).unwrap(), want);
        }
        for bad in [
            &[0x02, 0x00][..],
            &[0x02, 0x02, 0x00, 0x02],
            &[0x02, 0x02, 0xff, 0x80],
            &[0x02, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        ] {
            assert!(matches!(
                read_all(bad, |r| r.small_integer("v")),
                Err(RecipientError::Malformed(_))
            ));
        }
    }

    #[test]
    fn reserved_and_oversized_length_octets_are_rejected() {
        for input in [&[0x04, 0xff][..], &[0x04, 0x85, 0, 0, 0, 0, 1]] {
            let err = read_all(input, |r| r.octet_string(tag::OCTET_STRING, "x")).unwrap_err();
            assert!(
                matches!(&err, RecipientError::Malformed(m) if m.contains("length octet")),
                "{err}"
            );
        }
    }

    #[test]
    fn writer_emits_minimal_definite_lengths() {
        for (len, header) in [
            (0usize, vec![0x04, 0x00]),
            (0x7f, vec![0x04, 0x7f]),
            (0x80, vec![0x04, 0x81, 0x80]),
            (0xff, vec![0x04, 0x81, 0xff]),
            (0x100, vec![0x04, 0x82, 0x01, 0x00]),
            (0x1_0000, vec![0x04, 0x83, 0x01, 0x00, 0x00]),
        ] {
            let mut w = Writer::new();
            w.tlv(tag::OCTET_STRING, &vec![0xaa; len]);
            let out = w.into_bytes();
            assert_eq!(out.get(..header.len()), Some(&header[..]), "len {len}");
            assert_eq!(out.len(), header.len() + len);
            // And the reader reads it back.
            assert_eq!(
                read_all(&out, |r| r.octet_string(tag::OCTET_STRING, "x"))
                    .unwrap()
                    .len(),
                len
            );
        }
    }

    #[test]
    fn writer_indefinite_and_nested_forms_read_back() {
        let mut w = Writer::new();
        w.open_indefinite(tag::SEQUENCE);
        w.nested(tag::SEQUENCE, |w| w.tlv(tag::NULL, &[]));
        w.tlv(tag::INTEGER, &[5]);
        w.close();
        let out = w.into_bytes();
        assert_eq!(
            out,
            [
                0x30, 0x80, 0x30, 0x02, 0x05, 0x00, 0x02, 0x01, 0x05, 0x00, 0x00
            ]
        );
        let v = read_all(&out, |r| {
            r.constructed(tag::SEQUENCE, "outer", |r| {
                r.constructed(tag::SEQUENCE, "inner", |r| r.null("null"))?;
                r.small_integer("int")
            })
        })
        .unwrap();
        assert_eq!(v, 5);
    }

    /// Pins the reason this module exists (see the module docs): if `der` ever accepts these
    /// legal BER forms, this reader could be replaced by it.
    #[test]
    fn der_0_8_still_rejects_what_ber_allows() {
        use der::{Decode, ErrorKind, asn1::OctetString};
        let constructed_definite = [0x24, 0x07, 0x04, 0x01, 1, 0x04, 0x02, 2, 3];
        let err = OctetString::from_ber(&constructed_definite).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Noncanonical { .. }),
            "{err}"
        );
        let non_minimal_length = [0x04, 0x81, 0x03, 1, 2, 3];
        let err = OctetString::from_ber(&non_minimal_length).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Length { .. }), "{err}");
        // Ours reads both.
        for input in [&constructed_definite[..], &non_minimal_length[..]] {
            assert_eq!(
                read_all(input, |r| r.octet_string(tag::OCTET_STRING, "x")).unwrap(),
                [1, 2, 3]
            );
        }
    }
}
