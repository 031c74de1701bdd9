//! STS `GetCallerIdentity` on the KMS endpoint: SDKs, the AWS CLI and test suites call it to
//! learn who their credentials are, and with `AWS_ENDPOINT_URL` set they send it to the same
//! endpoint as KMS.
//!
//! What is served, and how it is told from a KMS request:
//!
//! - **The query protocol** (botocore's `sts/2011-06-15/service-2.json`: `protocol: query`, the
//!   only protocol the official SDKs use for STS — aws-sdk-js-v3's STS client is configured with
//!   `AwsQueryProtocol`, botocore's model lists `protocols: ["query"]`): `POST /` with
//!   `Content-Type: application/x-www-form-urlencoded` and no `X-Amz-Target`, body
//!   `Action=GetCallerIdentity&Version=2011-06-15`, signed with SigV4 for the service `sts`.
//!   [`is_query_request`] routes it here; a KMS request always carries `X-Amz-Target`.
//! - **The JSON 1.0 protocol** ([`json`]): `X-Amz-Target:
//!   AWSSecurityTokenServiceV20110615.GetCallerIdentity`, answered in JSON (issue 18 asks for
//!   the JSON form too; botocore's model still lists only `query`).
//! - Not served yet: presigned `GET /?Action=…` with the signature in the query string, which
//!   the SigV4 verifier
//!   ([`nitro_kms_api::sigv4::verify`](mod@nitro_kms_api::sigv4::verify)) does not support: it
//!   gets the KMS endpoint's usual errors.
//!
//! The signature is verified as for KMS ([`nitro_kms_api::sigv4::check_service_headers`]), with
//! the scope's service `sts` (a request signed for `kms` is refused, and a KMS request signed
//! for `sts` is refused by the KMS path), `host` and `x-amz-date` signed; its errors are answered
//! in the query protocol's XML ([`query::StsError`]).
//!
//! No policy is checked: `GetCallerIdentity` needs no permission in AWS ("No permissions are
//! required to perform this operation", the model's documentation), and even an explicit deny
//! of `sts:GetCallerIdentity` does not stop it.

pub mod caller_identity;
pub mod json;
pub mod query;

use hyper::http::HeaderMap;
use nitro_kms_api::{KmsError, KmsErrorType};

use self::caller_identity::CallerIdentity;
use self::query::{
    API_VERSION, NO_ACTION_LOCATION, QueryRequest, StsError, XML_CONTENT_TYPE, caller_identity_xml,
};
use super::response::{Answer, response_with_id};

/// The service a request for STS must be signed for (its credential scope).
pub const SERVICE: &str = "sts";

/// The headers an STS request must sign: the host and the date (bounding a replay to the
/// clock-skew window). The SDKs sign `content-type` too; it is not required, as the action is in
/// the signed body.
pub const SIGNED_HEADERS: [&str; 2] = ["host", "x-amz-date"];

/// The only operation served.
pub const GET_CALLER_IDENTITY: &str = "GetCallerIdentity";

/// Whether a `POST` is an STS query-protocol request: a form body and no `X-Amz-Target`.
pub fn is_query_request(headers: &HeaderMap) -> bool {
    if headers.contains_key("x-amz-target") {
        return false;
    }
    headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// STS's error for a request the SigV4 checks (or the body read) refused with `error`.
pub fn refusal(error: &KmsError) -> StsError {
    match error.kind() {
        KmsErrorType::MissingAuthenticationToken => StsError::missing_authentication_token(),
        KmsErrorType::UnrecognizedClient => StsError::invalid_client_token_id(),
        KmsErrorType::InvalidSignature => StsError::signature_does_not_match(error.message()),
        KmsErrorType::IncompleteSignature => StsError::incomplete_signature(error.message()),
        KmsErrorType::Serialization => StsError::validation(error.message()),
        _ => StsError::internal(error.message()),
    }
}

/// What an authenticated STS request is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `GetCallerIdentity`'s result for the caller.
    Identity(CallerIdentity),
    /// No `Action`: real STS redirects (302) to the IAM page.
    NoAction,
    /// An error.
    Error(StsError),
}

impl Reply {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Reply::Identity(_) => 200,
            Reply::NoAction => 302,
            Reply::Error(e) => e.status,
        }
    }
}

/// Answers the form `body` of a request verified for `principal`.
pub fn reply(body: &[u8], principal: &str) -> Reply {
    let request = QueryRequest::parse(body);
    let Some(action) = request.action else {
        return Reply::NoAction;
    };
    if action == GET_CALLER_IDENTITY && request.version.as_deref() == Some(API_VERSION) {
        Reply::Identity(CallerIdentity::of(principal))
    } else {
        Reply::Error(StsError::invalid_action(
            &action,
            request.version.as_deref(),
        ))
    }
}

/// The HTTP answer for `reply`, carrying `request_id` in its header and its XML.
pub fn answer(reply: &Reply, request_id: &str) -> Answer {
    match reply {
        Reply::Identity(identity) => response_with_id(
            200,
            caller_identity_xml(identity, request_id).into_bytes(),
            XML_CONTENT_TYPE,
            request_id,
        ),
        Reply::NoAction => {
            let mut answer = response_with_id(302, Vec::new(), XML_CONTENT_TYPE, request_id);
            answer.headers_mut().insert(
                hyper::header::LOCATION,
                hyper::header::HeaderValue::from_static(NO_ACTION_LOCATION),
            );
            answer
        }
        Reply::Error(error) => error_answer(error, request_id),
    }
}

/// The HTTP answer for `error`.
pub fn error_answer(error: &StsError, request_id: &str) -> Answer {
    response_with_id(
        error.status,
        error.to_xml(request_id).into_bytes(),
        XML_CONTENT_TYPE,
        request_id,
    )
}

#[cfg(test)]
mod tests;
