//! The answer to a relayed request, as the link hands it back: an HTTP status and a JSON body,
//! whether the enclave answered or the link failed the request itself.

use nitro_kms_api::KmsError;

/// The answer to a relayed request: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Vec<u8>,
}

impl Relayed {
    /// The answer the link gives itself when the enclave could not: `e` as KMS renders it.
    pub(crate) fn error(e: &KmsError) -> Relayed {
        Relayed {
            status: e.http_status(),
            body: e.to_json().into_bytes(),
        }
    }
}
