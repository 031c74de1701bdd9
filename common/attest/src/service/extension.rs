//! The attestation extension: `id-pe-cmw` ([`super::ATTESTATION_EXTENSION_OID`]) holding the
//! Nitro attestation document as a RATS Conceptual Message Wrapper (CMW, RFC 9999). The enclave's
//! issuer writes it with [`attestation_extension`]; the verifier reads its value with
//! [`document_from_value`]. `docs/service-identity.md` has the format and why.
//!
//! ```text
//! extnValue = DER of  CMW ::= CHOICE { json UTF8String, cbor OCTET STRING }   -- the cbor arm
//! cbor      = cbor-record = [ type, value, ind ]
//!   type  = "application/cose; cose-type=\"cose-sign1\""   (RFC 9052's media type of a COSE_Sign1)
//!   value = the document's bytes (bstr), exactly as the NSM returned them
//!   ind   = 4 (bit 2: the value is Evidence)
//! ```
//!
//! Reading accepts the same record with `type` given as CoAP Content-Format 18 (the same media
//! type, RFC 9052) and without `ind`, as the CMW grammar allows; anything else is refused with an
//! [`ExtensionError`] (no guessing at a format: the document is checked cryptographically after
//! this, but a value that is not this record is not ours).

use ciborium::Value;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{AnyRef, Decode, Encode, Tag, Tagged};
use x509_cert::ext::Extension;

/// [`super::ATTESTATION_EXTENSION_OID`] (`id-pe-cmw`) as a `const-oid` identifier, for
/// x509-cert's `Extension` (spelled again here so that this file imports nothing from its parent;
/// a test checks the two agree, and a malformed literal would fail the build, not a run).
pub const ID_PE_CMW: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.35");

/// The CMW record's `type`: the media type of a COSE_Sign1 (RFC 9052, parameter `cose-type`).
/// No media type names a Nitro attestation document; this one says exactly how its bytes are
/// framed, and the extension's place in a nitro-kms service certificate says what they are.
pub const DOCUMENT_MEDIA_TYPE: &str = "application/cose; cose-type=\"cose-sign1\"";

/// CoAP Content-Format 18: `application/cose; cose-type="cose-sign1"` (RFC 9052), the numeric
/// spelling of [`DOCUMENT_MEDIA_TYPE`] a CBOR record may use instead; accepted, never written.
pub const DOCUMENT_CONTENT_FORMAT: u64 = 18;

/// The CMW record's `ind`: the conceptual-message bitmap with bit 2 (Evidence, as RFC 9334 names the conceptual messages) set.
pub const EVIDENCE_INDICATOR: u64 = 1 << 2;

/// The largest extension value read (64 KiB, rustls's default limit on a handshake message, so a
/// TLS server cannot present more); a Nitro document is about 4.5 KiB.
pub const MAX_VALUE_LEN: usize = 64 * 1024;

/// Why an attestation extension's value was refused (or could not be written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    /// The value is longer than [`MAX_VALUE_LEN`].
    #[error("the value is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The value is not a DER `CMW` (a CHOICE of UTF8String and OCTET STRING).
    #[error("the value is not a DER CMW: {0}")]
    NotCmw(String),
    /// The value is the JSON form of a CMW; the service writes the CBOR form.
    #[error("the value is a JSON CMW; the service's is CBOR")]
    JsonCmw,
    /// The CBOR is not a CMW record `[type, value, ?ind]`.
    #[error("the CBOR CMW is not a record [type, value, ind]: {0}")]
    NotRecord(&'static str),
    /// The record's `type` is not a COSE_Sign1's.
    #[error("the CMW type is {0}, expected {DOCUMENT_MEDIA_TYPE:?} (or Content-Format 18)")]
    WrongType(String),
    /// The record's `ind` does not say Evidence.
    #[error("the CMW indicator is {0}, which does not include Evidence (4)")]
    NotEvidence(String),
    /// The extension could not be encoded (a document over the DER length limit).
    #[error("the extension cannot be encoded: {0}")]
    Encode(String),
}

/// The attestation extension (non-critical) wrapping `document`, for a certificate's extension
/// list.
pub fn attestation_extension(document: &[u8]) -> Result<Extension, ExtensionError> {
    let encode = |e: der::Error| ExtensionError::Encode(e.to_string());
    Ok(Extension {
        extn_id: ID_PE_CMW,
        critical: false,
        extn_value: OctetString::new(extension_value(document)?).map_err(encode)?,
    })
}

/// The DER extension value wrapping `document`: the `cbor` arm of `CMW`, an OCTET STRING holding
/// the CBOR record `[DOCUMENT_MEDIA_TYPE, document, EVIDENCE_INDICATOR]`.
pub fn extension_value(document: &[u8]) -> Result<Vec<u8>, ExtensionError> {
    let record = Value::Array(vec![
        Value::Text(DOCUMENT_MEDIA_TYPE.to_owned()),
        Value::Bytes(document.to_vec()),
        Value::Integer(EVIDENCE_INDICATOR.into()),
    ]);
    let mut cbor = Vec::with_capacity(document.len() + 64);
    ciborium::into_writer(&record, &mut cbor).map_err(|e| ExtensionError::Encode(e.to_string()))?;
    let encode = |e: der::Error| ExtensionError::Encode(e.to_string());
    OctetString::new(cbor)
        .map_err(encode)?
        .to_der()
        .map_err(encode)
}

/// The attestation document in the extension value `value` (an `extnValue`'s content octets).
pub fn document_from_value(value: &[u8]) -> Result<Vec<u8>, ExtensionError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(ExtensionError::TooLarge {
            len: value.len(),
            max: MAX_VALUE_LEN,
        });
    }
    let cmw = AnyRef::from_der(value).map_err(|e| ExtensionError::NotCmw(e.to_string()))?;
    match cmw.tag() {
        Tag::OctetString => {}
        Tag::Utf8String => return Err(ExtensionError::JsonCmw),
        other => return Err(ExtensionError::NotCmw(format!("a {other}"))),
    }
    let mut rest = cmw.value();
    let record: Value = ciborium::from_reader(&mut rest)
        .map_err(|_| ExtensionError::NotRecord("not valid CBOR"))?;
    if !rest.is_empty() {
        return Err(ExtensionError::NotRecord("bytes after the record"));
    }
    let Value::Array(items) = record else {
        return Err(ExtensionError::NotRecord("not an array"));
    };
    let mut items = items.into_iter();
    let (Some(kind), Some(document), ind, None) =
        (items.next(), items.next(), items.next(), items.next())
    else {
        return Err(ExtensionError::NotRecord("not 2 or 3 items"));
    };
    check_type(&kind)?;
    if let Some(ind) = ind {
        let bits = match ind {
            Value::Integer(i) => u64::try_from(i).ok(),
            _ => None,
        };
        if bits.is_none_or(|b| b & EVIDENCE_INDICATOR == 0) {
            return Err(ExtensionError::NotEvidence(brief(&ind)));
        }
    }
    match document {
        Value::Bytes(document) => Ok(document),
        _ => Err(ExtensionError::NotRecord("the value is not a byte string")),
    }
}

/// The record's `type` must name a COSE_Sign1: the media type (ASCII case-insensitive, as media
/// types are) or its Content-Format.
fn check_type(kind: &Value) -> Result<(), ExtensionError> {
    let ok = match kind {
        Value::Text(text) => text.eq_ignore_ascii_case(DOCUMENT_MEDIA_TYPE),
        Value::Integer(i) => u64::try_from(*i).ok() == Some(DOCUMENT_CONTENT_FORMAT),
        _ => false,
    };
    match ok {
        true => Ok(()),
        false => Err(ExtensionError::WrongType(brief(kind))),
    }
}

/// A CBOR item for an error message, cut to 64 characters (it came from the peer).
fn brief(value: &Value) -> String {
    let text = match value {
        Value::Text(text) => format!("{text:?}"),
        other => format!("{other:?}"),
    };
    match text.char_indices().nth(64) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests;
