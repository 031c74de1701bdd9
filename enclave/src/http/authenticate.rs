//! SigV4 at the enclave's endpoint, in the order that keeps an unauthenticated client cheap:
//!
//! 1. [`check_headers`]: the `Authorization` header is parsed, its access key (and session token)
//!    looked up, the date and scope checked, and `host`, `x-amz-date` and `x-amz-target` required
//!    among the signed headers — before a byte of the body is read. A client without a known
//!    access key costs the enclave its request head (at most [`super::limits::MAX_HEAD_BYTES`])
//!    and nothing more.
//! 2. [`read_body`]: the body, into one buffer no larger than `--max-body`, within a deadline.
//! 3. [`HeaderCheck::verify_body`]: the signature over the headers and that body.
//!
//! [`authenticate`] runs the three for a request to a given service (`kms`, or `sts` for
//! [`super::sts`]).
//!
//! The principal that comes out is the access key's, as configured in the enclave: no header of
//! the request (whatever a relay adds) names the caller.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::{Body, Bytes};
use hyper::http::HeaderMap;
use hyper::http::request::Parts;
use nitro_kms_api::sigv4::{
    AccessKeyStore, ENCLAVE_SIGNED_HEADERS, HeaderCheck, SignedRequest, Verified,
};
use nitro_kms_api::{KmsError, sigv4};

use super::limits::HttpLimits;

/// The request's headers as SigV4 sees them: lower-case names (as hyper gives them) and the
/// values that are text (a value that is not cannot have been signed by an SDK).
pub fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Step 1: everything SigV4 checks but the signature, with the enclave's required signed headers.
pub fn check_headers<'a>(
    headers: &'a [(String, String)],
    access_keys: &'a AccessKeyStore,
    region: &str,
    now: i64,
) -> Result<HeaderCheck<'a>, KmsError> {
    sigv4::check_headers(headers, access_keys, region, now, &ENCLAVE_SIGNED_HEADERS)
}

/// A request whose signature verified: its head, its body and who signed it.
#[derive(Debug)]
pub struct Authenticated {
    /// The request's head (method, URI, headers).
    pub parts: Parts,
    /// Its body, read whole within the limits.
    pub body: Vec<u8>,
    /// Who signed it: the principal configured for its access key.
    pub verified: Verified,
}

/// The three steps for a request to `service` (`kms`, or `sts` for [`super::sts`]) that must
/// sign `required_signed`, against `access_keys` and a credential scope of a region `serves`
/// accepts ([`Verified::region`] names it), the body bounded by `limits`.
pub async fn authenticate<B>(
    req: Request<B>,
    access_keys: &AccessKeyStore,
    serves: &(dyn Fn(&str) -> bool + Sync),
    service: &str,
    required_signed: &[&str],
    limits: &HttpLimits,
) -> Result<Authenticated, KmsError>
where
    B: Body<Data = Bytes> + Unpin,
{
    let (parts, body) = req.into_parts();
    let headers = header_pairs(&parts.headers);
    let checked = sigv4::check_scoped_headers(
        &headers,
        access_keys,
        serves,
        service,
        unix_now(),
        required_signed,
    )?;
    // Only now, with the caller's access key known, is a byte of the body read.
    let body = read_body(body, limits.max_body, limits.body_timeout).await?;
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: headers.clone(),
        body: &body,
    };
    let verified = checked.verify_body(&signed)?;
    Ok(Authenticated {
        parts,
        body,
        verified,
    })
}

/// Step 2: reads `body` into one buffer of at most `max` bytes within `deadline`. A declared
/// length over `max` is refused without reading; the buffer is allocated once, for the declared
/// length (or grown up to `max` for a chunked body).
pub async fn read_body<B>(mut body: B, max: usize, deadline: Duration) -> Result<Vec<u8>, KmsError>
where
    B: Body<Data = Bytes> + Unpin,
{
    let too_large =
        || KmsError::serialization(format!("Request body is larger than the {max}-byte limit"));
    let declared = usize::try_from(body.size_hint().lower()).unwrap_or(usize::MAX);
    if declared > max {
        return Err(too_large());
    }
    let read = async {
        let mut buffer = Vec::with_capacity(declared);
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(KmsError::serialization("Request body could not be read"));
            };
            if let Ok(data) = frame.into_data() {
                if buffer.len().saturating_add(data.len()) > max {
                    return Err(too_large());
                }
                buffer.extend_from_slice(&data);
            }
        }
        Ok(buffer)
    };
    match tokio::time::timeout(deadline, read).await {
        Ok(result) => result,
        Err(_) => Err(KmsError::serialization(
            "Request body was not received in time",
        )),
    }
}

#[cfg(test)]
mod tests;
