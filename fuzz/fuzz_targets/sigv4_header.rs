//! The SigV4 check of a caller's request (`nitro_kms_api::sigv4::verify`, which parses the
//! `Authorization` header, the date and the credential scope, then canonicalizes the request and
//! compares signatures). Input: the fields of `SigV4Input`, one a line, the body last.
//!
//! Verified twice: at the request's own date when it parses (so the fuzzer gets past the clock
//! check to the scope and canonical request), and at a fixed time (the expiry paths).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nitro_kms_api::sigv4::{SignedRequest, parse_amz_date, verify};
use nitro_kms_fuzz::{REGION, SigV4Input, access_key_store};

/// 2023-11-14T22:13:20Z.
const FIXED_NOW: i64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let input = SigV4Input::parse(data);
    let request = SignedRequest {
        method: "POST",
        path: &input.path,
        query: &input.query,
        headers: input.headers(),
        body: &input.body,
    };
    let store = access_key_store();
    if let Some(when) = parse_amz_date(&input.amz_date) {
        let _ = verify(&request, &store, REGION, when);
    }
    let _ = verify(&request, &store, REGION, FIXED_NOW);
});
