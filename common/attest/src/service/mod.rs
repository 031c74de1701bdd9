//! The service's attested TLS identity (issue 16): what a nitro-kms enclave puts into its TLS
//! server certificate so that a client can check the enclave during the handshake.
//!
//! The leaf certificate carries a NON-critical extension with OID
//! [`ATTESTATION_EXTENSION_OID`] whose `extnValue` OCTET STRING holds the raw Nitro attestation
//! document (COSE_Sign1, as the NSM returns it). `docs/service-identity.md` has the whole format.
//! [`extension`] finds that extension in a certificate and writes it.

pub mod extension;

/// The attestation extension's OID, dotted: a UUID-derived OID (ITU-T X.667, arc `2.25`; the UUID
/// is `8238cfd5-418f-475b-bad3-7427c1d2c779`), so no registration is needed.
///
/// Its last arc is 128 bits wide: parsers whose OID arcs are 32 or 64 bits (`const-oid`, Go's
/// `cryptobyte`) cannot represent it, so match the encoded bytes,
/// [`ATTESTATION_EXTENSION_OID_DER`], instead.
pub const ATTESTATION_EXTENSION_OID: &str = "2.25.173094623430793324269502837453476775801";

/// The content octets of [`ATTESTATION_EXTENSION_OID`]'s DER encoding (after the `06 14` tag and
/// length): `2.25` as `0x69`, then the UUID's integer in base 128.
pub const ATTESTATION_EXTENSION_OID_DER: [u8; 20] = [
    0x69, 0x82, 0x84, 0xb8, 0xe7, 0xf5, 0xa8, 0x98, 0xfa, 0x9d, 0xb7, 0xba, 0xe9, 0xdd, 0x84, 0xfc,
    0x8e, 0xcb, 0x8e, 0x79,
];

#[cfg(test)]
mod tests;
