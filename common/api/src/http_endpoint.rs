//! What every KMS JSON 1.1 HTTP endpoint of this project puts on its answers, shared by the
//! parent proxy's endpoint (`parent-proxy/src/endpoint.rs`) and the enclave's own
//! (`enclave/src/http/`), so both answer byte for byte as AWS does.
//!
//! Kept free of any HTTP library: the endpoints build their responses with hyper themselves; this
//! module only says what goes in them — the content type, a fresh `x-amzn-RequestId` on every
//! response (errors included), the error status and `__type` body, and the default body limit.

use nitro_kms_crypto as crypto;

use crate::error::KmsError;

/// The content type of every KMS request and answer.
pub const KMS_JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The header carrying [`request_id`] on every answer.
pub const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// Default largest request body: a 262144-byte attestation document is 349528 bytes of base64,
/// so a Recipient request fits with room to spare.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// A fresh request id in AWS's UUID form (`8-4-4-4-12` lower-case hex).
pub fn request_id() -> String {
    let b: [u8; 16] = crypto::random_array().unwrap_or([0; 16]);
    let h = crypto::hex_lower(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The HTTP status and JSON body an endpoint answers `error` with.
pub fn error_answer(error: &KmsError) -> (u16, Vec<u8>) {
    (error.http_status(), error.to_json().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_fresh_uuids() {
        let (a, b) = (request_id(), request_id());
        assert_ne!(a, b);
        let lengths: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(lengths, [8, 4, 4, 4, 12]);
    }

    #[test]
    fn errors_answer_with_their_status_and_type() {
        let (status, body) = error_answer(&KmsError::unrecognized_client());
        assert_eq!(status, 400);
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains("UnrecognizedClientException"), "{text}");
    }
}
