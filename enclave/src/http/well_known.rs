//! The `/.well-known/nitro-kms/` routes of the service port (`docs/service-identity.md`):
//!
//! | request | answer |
//! |---|---|
//! | `GET` [`ATTESTATION_PATH`]`?nonce=HEX` | a fresh attestation document with that nonce, `application/cbor` |
//! | `GET` [`CA_PEM_PATH`] | the service's TLS CA certificate, `application/x-pem-file` |
//! | `GET` [`PROVISIONING_KEY_PATH`] | the provisioning key, DER SubjectPublicKeyInfo, `application/pkix-spki` |
//!
//! Unauthenticated and secret-free (public keys, and a document anyone may ask for), served on
//! TLS and on cleartext where cleartext is allowed. Before the service identity exists (the
//! sealed state is still loading) each answers 503. A nonce is required (1 to 64 bytes as 2 to
//! 128 hex digits): a document without one would prove nothing about freshness; a nonce that is
//! missing, not hex, too long or given twice is a 400 that says which. The NSM call runs on the
//! blocking pool so a burst of document requests does not stall the request tasks.

use nitro_kms_api::KmsError;

use crate::tls::well_known::parse_nonce;
pub use crate::tls::well_known::{
    ATTESTATION_CONTENT_TYPE, ATTESTATION_PATH, CA_PEM_CONTENT_TYPE, CA_PEM_PATH,
    PROVISIONING_KEY_CONTENT_TYPE, PROVISIONING_KEY_PATH,
};

use super::identity_slot::IdentitySlot;
use super::response::{Answer, response, text};

/// Whether `path` is one of the well-known routes.
pub fn is_well_known(path: &str) -> bool {
    matches!(path, ATTESTATION_PATH | CA_PEM_PATH | PROVISIONING_KEY_PATH)
}

/// The answer to `GET path?query` for a well-known `path` (see [`is_well_known`]).
pub async fn answer(identity: &IdentitySlot, path: &str, query: Option<&str>) -> Answer {
    let Some(tls) = identity.get() else {
        return text(503, "the service identity is not ready yet");
    };
    match path {
        CA_PEM_PATH => response(200, tls.ca_pem().into_bytes(), CA_PEM_CONTENT_TYPE),
        PROVISIONING_KEY_PATH => response(
            200,
            tls.provisioning_key_der(),
            PROVISIONING_KEY_CONTENT_TYPE,
        ),
        ATTESTATION_PATH => {
            let nonce = match nonce_of(query) {
                Ok(nonce) => nonce,
                Err(why) => return text(400, &why),
            };
            let tls = tls.clone();
            match tokio::task::spawn_blocking(move || tls.attestation_document(&nonce)).await {
                Ok(Ok(document)) => response(200, document, ATTESTATION_CONTENT_TYPE),
                Ok(Err(e)) => {
                    if e.status() >= 500 {
                        tracing::warn!("nitro-kms-enclave: attestation document refused: {e}");
                    }
                    text(e.status(), &format!("invalid request: {e}"))
                }
                Err(_) => text(500, "the attestation document could not be made"),
            }
        }
        _ => super::response::kms_error(&KmsError::unknown_operation("")),
    }
}

/// The nonce of `query` (`nonce=HEX`, other parameters ignored), or why there is none usable.
pub fn nonce_of(query: Option<&str>) -> Result<Vec<u8>, String> {
    let mut values = query
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.strip_prefix("nonce="));
    let (Some(hex), None) = (values.next(), values.next()) else {
        return Err("invalid request: exactly one nonce=HEX parameter is required".to_owned());
    };
    match parse_nonce(hex) {
        Ok(nonce) if nonce.is_empty() => {
            Err("invalid request: the nonce is empty (give 1 to 64 bytes as hex)".to_owned())
        }
        Ok(nonce) => Ok(nonce),
        Err(e) => Err(format!("invalid request: {e}")),
    }
}

#[cfg(test)]
mod tests;
