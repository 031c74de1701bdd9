//! STS `GetCallerIdentity` in the AWS JSON 1.0 protocol: `POST /` with
//! `X-Amz-Target: AWSSecurityTokenServiceV20110615.GetCallerIdentity`,
//! `Content-Type: application/x-amz-json-1.0` and a JSON body (`{}`), signed with SigV4 for the
//! service `sts` with the target among the signed headers (so a relay cannot swap the
//! operation). The answer is `{"Account","Arn","UserId"}` (the members of botocore's
//! `GetCallerIdentityResponse`), errors `{"__type": CODE, "message": ...}` with the status and
//! code the query protocol gives them ([`StsError`]) and `x-amzn-query-error: CODE;Sender`, as
//! AWS's JSON services that keep query-protocol error codes answer them.
//!
//! Why serve it: issue 18 asks for "the query and JSON protocols that the SDKs use". botocore's
//! STS model (1.44) still lists only `query`; this form is what JSON-protocol STS clients and
//! emulators send, and answering it costs one route.

use serde::Serialize;

use super::caller_identity::CallerIdentity;
use super::query::StsError;
use crate::http::response::{Answer, response_with_id};

/// The `X-Amz-Target` prefix of STS's JSON protocol (the service's Smithy shape name).
pub const TARGET_PREFIX: &str = "AWSSecurityTokenServiceV20110615.";

/// The content type of JSON 1.0 requests and answers.
pub const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// The headers a JSON-protocol STS request must sign: host, date and the target.
pub const SIGNED_HEADERS: [&str; 3] = ["host", "x-amz-date", "x-amz-target"];

/// Whether a `POST` is an STS JSON-protocol request: its `X-Amz-Target` names STS.
pub fn is_json_request(headers: &hyper::http::HeaderMap) -> bool {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with(TARGET_PREFIX))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct IdentityJson<'a> {
    account: &'a str,
    arn: &'a str,
    user_id: &'a str,
}

/// What an authenticated JSON-protocol STS request with `target` is answered for `principal`:
/// the caller's identity for `GetCallerIdentity`, STS's `InvalidAction` for any other target.
pub fn reply(target: &str, principal: &str) -> Result<CallerIdentity, StsError> {
    match target.strip_prefix(TARGET_PREFIX) {
        Some(super::GET_CALLER_IDENTITY) => Ok(CallerIdentity::of(principal)),
        other => Err(StsError::invalid_action(
            other.unwrap_or(target),
            Some(super::query::API_VERSION),
        )),
    }
}

/// The HTTP answer for `reply`.
pub fn answer(reply: &Result<CallerIdentity, StsError>, request_id: &str) -> Answer {
    match reply {
        Ok(identity) => {
            let body = serde_json::to_vec(&IdentityJson {
                account: &identity.account,
                arn: &identity.arn,
                user_id: &identity.user_id,
            })
            .unwrap_or_default();
            response_with_id(200, body, JSON_CONTENT_TYPE, request_id)
        }
        Err(error) => error_answer(error, request_id),
    }
}

/// The JSON answer for `error`.
pub fn error_answer(error: &StsError, request_id: &str) -> Answer {
    let body = serde_json::json!({"__type": error.code, "message": error.message});
    let mut answer = response_with_id(
        error.status,
        body.to_string().into_bytes(),
        JSON_CONTENT_TYPE,
        request_id,
    );
    if let Ok(value) = format!("{};Sender", error.code).parse() {
        answer.headers_mut().insert("x-amzn-query-error", value);
    }
    answer
}

#[cfg(test)]
mod tests;
