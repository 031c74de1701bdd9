//! The reader: a small hand-written TLV reader for BER, with explicit bounds.
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

use super::tag::{self, CONSTRUCTED};
use crate::recipient::error::RecipientError;

/// Deepest nesting of constructed elements the reader accepts. A KMS envelope nests constructed
/// elements 10 deep (ContentInfo down to the hash AlgorithmIdentifier inside MGF1's parameters);
/// the margin leaves room for chunked strings inside chunked strings, which BER allows.
pub(crate) const MAX_NESTING_DEPTH: usize = 16;

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
