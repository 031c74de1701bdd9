//! An STS query-protocol form body (`Action=GetCallerIdentity&Version=2011-06-15`), as the
//! enclave's endpoint reads it once the signature verified: `http::sts::reply` (form decoding,
//! the action and version checks, the caller's identity), then `http::sts::answer` (the XML
//! answer or error). The same bytes, read as text, are the caller's principal ARN too, so the
//! `UserId` derivation and the XML escaping see arbitrary ARNs. Input: the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nitro_kms_enclave::http::sts;

fuzz_target!(|data: &[u8]| {
    let principal = String::from_utf8_lossy(data);
    let reply = sts::reply(data, &principal);
    let _ = sts::answer(&reply, "00000000-0000-0000-0000-000000000000");
    let _ = sts::answer(
        &sts::reply(data, "arn:aws:iam::111122223333:user/simulation"),
        "00000000-0000-0000-0000-000000000000",
    );
});
