//! Identifier octets used by CMS envelopes, and the constructed bit.
//!
//! Only single-octet identifiers (tag numbers 0–30) exist here: that is all CMS needs, and the
//! reader reports a high-tag-number identifier as malformed.

/// The constructed bit of an identifier octet.
pub(crate) const CONSTRUCTED: u8 = 0x20;

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
