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
//! offset. So this module is a small hand-written TLV [`Reader`] with explicit bounds (listed in
//! `reader.rs`), and a [`Writer`] for what we build.
//!
//! - `tag.rs`: the identifier octets CMS envelopes use;
//! - `reader.rs`: the bounded reader, [`Reader`];
//! - `writer.rs`: the DER/BER writer, [`Writer`];
//! - `testing.rs` (tests only): decode any BER into a tree, re-encode it in another style, list
//!   an encoding's skeleton.

mod reader;
pub(crate) mod tag;
mod writer;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

/// The nesting limit, for the parser's tests that probe it.
#[cfg(test)]
pub(crate) use reader::MAX_NESTING_DEPTH;
pub(crate) use reader::Reader;
pub(crate) use writer::Writer;
