//! A KMS JSON 1.1 request body, for every operation: `KmsRequest::parse`, then what the proxy and
//! the enclave do with the outcome (render the error body AWS-style, or the request as JSON).
//! Input: an operation selector byte (see `nitro_kms_fuzz::operation`), then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nitro_kms_api::KmsRequest;
use nitro_kms_fuzz::operation;

fuzz_target!(|data: &[u8]| {
    let Some((selector, body)) = data.split_first() else {
        return;
    };
    match KmsRequest::parse(operation(*selector), body) {
        Ok(request) => {
            let _ = request.to_json();
        }
        Err(error) => {
            let _ = error.to_json();
            let _ = error.http_status();
        }
    }
});
