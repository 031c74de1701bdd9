//! Building the endpoint's answers: every answer, errors included, carries `Content-Type` and a
//! fresh `x-amzn-RequestId` ([`nitro_kms_api::http_endpoint`], shared with the proxy).

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use nitro_kms_api::{KmsError, http_endpoint};

/// The body type of every answer.
pub type Answer = Response<Full<Bytes>>;

/// An answer with `status`, `body` and `content_type`, and a fresh request id.
pub fn response(status: u16, body: Vec<u8>, content_type: &str) -> Answer {
    response_with_id(status, body, content_type, &http_endpoint::request_id())
}

/// An answer with `status`, `body` and `content_type` carrying `request_id` in
/// `x-amzn-RequestId`: for the query protocol (STS), whose XML body repeats the request id, and
/// for KMS answers, whose id GetKeyLastUsage reports.
pub fn response_with_id(
    status: u16,
    body: Vec<u8>,
    content_type: &str,
    request_id: &str,
) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = r.headers_mut();
    if let Ok(v) = content_type.parse() {
        headers.insert(hyper::header::CONTENT_TYPE, v);
    }
    if let Ok(v) = request_id.parse() {
        headers.insert(http_endpoint::REQUEST_ID_HEADER, v);
    }
    r
}

/// A plain-text answer: `status` and one line of `message`.
pub fn text(status: u16, message: &str) -> Answer {
    response(status, format!("{message}\n").into_bytes(), "text/plain")
}

/// AWS's answer for `error`.
pub fn kms_error(error: &KmsError) -> Answer {
    let (status, body) = http_endpoint::error_answer(error);
    response(status, body, http_endpoint::KMS_JSON_CONTENT_TYPE)
}
