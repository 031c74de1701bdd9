//! Signing a KMS request with SigV4: the one place the `Authorization` header is assembled.
//!
//! [`sign_request`] takes a request's method, path, query, headers and body, and returns the
//! headers SigV4 adds to it: `X-Amz-Date`, `X-Amz-Security-Token` (for temporary credentials) and
//! `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/kms/aws4_request,
//! SignedHeaders=..., Signature=...`. The client, the end-to-end tests and the fuzz seed writer
//! all sign through it, so what they send is what [`crate::sigv4::verify()`] checks.

use std::fmt;

use crate::error::KmsError;
use crate::sigv4::amz_date::format_amz_date;
use crate::sigv4::signature::{ALGORITHM, SERVICE, SignedRequest, signature};

/// The headers [`sign_request`] adds itself; any of them already in the request is left out.
const ADDED_HEADERS: [&str; 3] = ["authorization", "x-amz-date", "x-amz-security-token"];

/// The access key a request is signed with.
#[derive(Clone, Copy)]
pub struct SigningKey<'a> {
    /// The access key id (`AKIA...`, or `ASIA...` for temporary credentials).
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token` and signed.
    pub session_token: Option<&'a str>,
}

impl fmt::Debug for SigningKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field("session_token", &self.session_token.map(|_| "[REDACTED]"))
            .finish()
    }
}

/// The headers SigV4 adds to a signed request.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    /// The `X-Amz-Date` value (`YYYYMMDDTHHMMSSZ`), which the signature covers.
    pub amz_date: String,
    /// The `X-Amz-Security-Token` value, when the key has a session token.
    pub security_token: Option<String>,
    /// The `Authorization` value.
    pub authorization: String,
}

impl fmt::Debug for SignatureHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureHeaders")
            .field("amz_date", &self.amz_date)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("authorization", &self.authorization)
            .finish()
    }
}

impl SignatureHeaders {
    /// The headers as (lower-case name, value) pairs, to append to the request's headers:
    /// `x-amz-date`, then `x-amz-security-token` if any, then `authorization`.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        let mut pairs = vec![("x-amz-date".to_owned(), self.amz_date)];
        if let Some(token) = self.security_token {
            pairs.push(("x-amz-security-token".to_owned(), token));
        }
        pairs.push(("authorization".to_owned(), self.authorization));
        pairs
    }
}

/// Signs `request` for KMS in `region` with `key`, dated `now` (Unix seconds).
///
/// Every header of `request` (lower-case names, as [`SignedRequest`] requires) is signed, and so
/// are the `x-amz-date` and `x-amz-security-token` headers this adds; `SignedHeaders` lists the
/// names once each, sorted, as SigV4 specifies. `authorization`, `x-amz-date` and
/// `x-amz-security-token` headers already in `request` are not signed: the returned ones replace
/// them. The caller sends the request's headers plus [`SignatureHeaders::into_pairs`].
pub fn sign_request(
    request: &SignedRequest<'_>,
    key: &SigningKey<'_>,
    region: &str,
    now: i64,
) -> Result<SignatureHeaders, KmsError> {
    let amz_date = format_amz_date(now);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| !ADDED_HEADERS.contains(&name.as_str()))
        .cloned()
        .collect();
    headers.push(("x-amz-date".to_owned(), amz_date.clone()));
    if let Some(token) = key.session_token {
        headers.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    let mut signed: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    signed.sort_unstable();
    signed.dedup();
    let to_sign = SignedRequest {
        method: request.method,
        path: request.path,
        query: request.query,
        headers: headers.clone(),
        body: request.body,
    };
    let signature = signature(
        &to_sign,
        &signed,
        key.secret_access_key,
        &amz_date,
        region,
        SERVICE,
    )?;
    let authorization = format!(
        "{ALGORITHM} Credential={}/{}/{region}/{SERVICE}/aws4_request, SignedHeaders={}, Signature={signature}",
        key.access_key_id,
        amz_date.get(..8).unwrap_or_default(),
        signed.join(";")
    );
    Ok(SignatureHeaders {
        amz_date,
        security_token: key.session_token.map(str::to_owned),
        authorization,
    })
}

#[cfg(test)]
mod tests;
