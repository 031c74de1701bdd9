//! AWS Signature Version 4 for KMS requests: signing (clients), verifying (the endpoint) and the
//! access keys a verifier accepts.
//!
//! - [`signature`](mod@signature): the canonical request and the HMAC-SHA256 signature, shared by both sides;
//! - [`amz_date`]: the `X-Amz-Date` format to and from Unix seconds;
//! - [`sign`]: [`sign_request`], the headers a signed request carries (`Authorization`,
//!   `X-Amz-Date`, `X-Amz-Security-Token`), used by the client, the tests and the fuzz seeds;
//! - [`verify`](mod@verify): [`verify()`], the check of an incoming request's `Authorization`
//!   header, date, scope and signature, with AWS's errors;
//! - [`access_keys`]: [`AccessKeyStore`], the access keys a verifier accepts and the principal
//!   each stands for (read from the proxy's `--credentials` file).
//!
//! Everything is re-exported here, so `nitro_kms_api::sigv4::verify` and
//! `nitro_kms_api::sigv4::sign_request` name the functions wherever they live.

pub mod access_keys;
pub mod amz_date;
pub mod sign;
pub mod signature;
pub mod verify;

pub use access_keys::{
    AccessKey, AccessKeyStore, AccessKeysFileError, SIMULATION_ACCESS_KEY_ID, SIMULATION_PRINCIPAL,
    SIMULATION_SECRET_ACCESS_KEY,
};
pub use amz_date::{format_amz_date, parse_amz_date};
pub use sign::{SignatureHeaders, SigningKey, sign_request};
pub use signature::{ALGORITHM, SERVICE, SignedRequest, signature};
pub use verify::{
    ENCLAVE_SIGNED_HEADERS, HeaderCheck, MAX_AUTHORIZATION_LEN, MAX_CLOCK_SKEW_SECS,
    REQUIRED_SIGNED_HEADERS, Verified, check_headers, check_scoped_headers, check_service_headers,
    verify,
};
