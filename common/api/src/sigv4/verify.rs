//! AWS Signature Version 4 verification of incoming KMS requests (done by the parent proxy for
//! every request to its endpoint, and by the enclave's own HTTP endpoint, `enclave/src/http/`).
//!
//! Every request must be signed the way the AWS SDKs and CLI sign it
//! (`Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/kms/aws4_request,
//! SignedHeaders=..., Signature=...`). [`verify`] recomputes the signature with the secret the
//! [`AccessKeyStore`] holds for that access key and compares in constant time; the access key's
//! configured principal is then what the enclave's key policies judge.
//!
//! Errors are AWS's: no `Authorization` at all is `MissingAuthenticationTokenException`; an
//! unknown access key (or session token) `UnrecognizedClientException`; a malformed header
//! `IncompleteSignatureException`; a wrong signature, a date outside the 5-minute window, or a
//! credential scoped to another region or service `InvalidSignatureException`.
//!
//! Parsing is bounded: the header is limited in size and every field is checked before use.
//!
//! The check comes in two steps so an endpoint can refuse a caller before reading its body:
//! [`check_headers`] (everything but the signature) and [`HeaderCheck::verify_body`] (the
//! signature over the headers and the body); [`verify`] runs both.

use nitro_kms_crypto as crypto;

use crate::error::{KmsError, KmsErrorType};
use crate::sigv4::access_keys::{AccessKey, AccessKeyStore};
use crate::sigv4::amz_date::{format_amz_date, parse_amz_date};
use crate::sigv4::signature::{ALGORITHM, SERVICE, SignedRequest, signature};

/// Largest `Authorization` header accepted.
pub const MAX_AUTHORIZATION_LEN: usize = 4096;
/// How far a request's date may be from the verifier's clock, in seconds (AWS: 5 minutes).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// Who signed a verified request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key id used.
    pub access_key_id: String,
    /// The principal ARN configured for it.
    pub principal: String,
    /// The region of the request's credential scope (one the verifier serves): a service of
    /// several regions answers in this one.
    pub region: String,
}

/// The parsed `Authorization` header.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn incomplete(message: impl Into<String>) -> KmsError {
    KmsError::new(KmsErrorType::IncompleteSignature, message)
}

fn invalid_signature(message: impl Into<String>) -> KmsError {
    KmsError::new(KmsErrorType::InvalidSignature, message)
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, KmsError> {
    if value.len() > MAX_AUTHORIZATION_LEN {
        return Err(incomplete("Authorization header is too long"));
    }
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| {
            incomplete(format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={value}"
            ))
        })?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let missing = |name: &str| {
        incomplete(format!(
            "Authorization header requires '{name}' parameter. Authorization={value}"
        ))
    };
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let signed_headers = signed_headers.ok_or_else(|| missing("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope.as_slice() else {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid region. Authorization={value}"
        )));
    };
    if *terminator != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

/// The signed headers every request must sign, as [`verify`] requires them (the proxy's rule).
pub const REQUIRED_SIGNED_HEADERS: [&str; 1] = ["host"];

/// The signed headers the enclave's own endpoint requires: the host, the date (so a replay is
/// bounded by the clock-skew window) and the target (so a relay cannot turn a signed
/// `Encrypt` into a `Decrypt` with the same body).
pub const ENCLAVE_SIGNED_HEADERS: [&str; 3] = ["host", "x-amz-date", "x-amz-target"];

/// A request whose `Authorization` header parsed, whose access key (and session token) is known,
/// whose date is within the window, whose scope is this region's `kms`, and which signs every
/// required header: everything SigV4 checks except the signature itself, which needs the body.
///
/// [`check_headers`] makes one before a byte of the body is read, so a caller that holds no
/// access key is refused without the endpoint buffering anything of its request but the headers;
/// [`HeaderCheck::verify_body`] then finishes the check once the bounded body is in.
#[derive(Debug)]
pub struct HeaderCheck<'a> {
    auth: Authorization<'a>,
    credential: &'a AccessKey,
    amz_date: &'a str,
}

/// How a required signed header is named in the error (AWS's wording for `host`).
fn unsigned_header_error(name: &str) -> KmsError {
    if name == "host" {
        return invalid_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        );
    }
    let shown: Vec<String> = name
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    invalid_signature(format!(
        "'{}' must be a 'SignedHeader' in the AWS Authorization.",
        shown.join("-")
    ))
}

/// The header checks of SigV4 (see [`HeaderCheck`]), as of `now` (Unix seconds), for `region`'s
/// `kms`, requiring each of `required_signed` among the signed headers. `headers` are lower-case
/// names.
///
/// A credential configured with a session token requires the request to carry exactly that
/// token in `X-Amz-Security-Token` (AWS answers a missing or wrong one with
/// `UnrecognizedClientException`).
pub fn check_headers<'a>(
    headers: &'a [(String, String)],
    store: &'a AccessKeyStore,
    region: &str,
    now: i64,
    required_signed: &[&str],
) -> Result<HeaderCheck<'a>, KmsError> {
    check_service_headers(headers, store, region, SERVICE, now, required_signed)
}

/// [`check_headers`] for another service of the same endpoint: the credential scope must name
/// `service` (`sts` for STS `GetCallerIdentity`), as AWS refuses a request signed for another
/// service ("Credential should be scoped to correct service: 'SERVICE'.").
pub fn check_service_headers<'a>(
    headers: &'a [(String, String)],
    store: &'a AccessKeyStore,
    region: &str,
    service: &str,
    now: i64,
    required_signed: &[&str],
) -> Result<HeaderCheck<'a>, KmsError> {
    check_scoped_headers(
        headers,
        store,
        &|scoped| scoped == region,
        service,
        now,
        required_signed,
    )
}

/// [`check_service_headers`] for a service of several regions: the credential scope may name any
/// region `serves` accepts (the request is then answered in that region,
/// [`Verified::region`]); any other is refused as AWS refuses a scope of a region the endpoint
/// does not serve (`InvalidSignatureException` "Credential should be scoped to a valid region,
/// not 'REGION'. ").
pub fn check_scoped_headers<'a>(
    headers: &'a [(String, String)],
    store: &'a AccessKeyStore,
    serves: &dyn Fn(&str) -> bool,
    service: &str,
    now: i64,
    required_signed: &[&str],
) -> Result<HeaderCheck<'a>, KmsError> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(authorization) = header("authorization") else {
        return Err(KmsError::missing_authentication_token());
    };
    let auth = parse_authorization(authorization)?;
    let credential: &AccessKey = store
        .get(auth.access_key_id)
        .ok_or_else(KmsError::unrecognized_client)?;
    let token = header("x-amz-security-token");
    if (token.is_some() || credential.session_token.is_some())
        && credential.session_token.as_deref() != token
    {
        return Err(KmsError::unrecognized_client());
    }
    let amz_date = header("x-amz-date").ok_or_else(|| {
        incomplete(format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authorization}"
        ))
    })?;
    let when = parse_amz_date(amz_date).ok_or_else(|| {
        incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'."
        ))
    })?;
    if when < now - MAX_CLOCK_SKEW_SECS {
        return Err(invalid_signature(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
            format_amz_date(now - MAX_CLOCK_SKEW_SECS),
            format_amz_date(now)
        )));
    }
    if when > now + MAX_CLOCK_SKEW_SECS {
        return Err(invalid_signature(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
            format_amz_date(now + MAX_CLOCK_SKEW_SECS),
            format_amz_date(now)
        )));
    }
    if auth.date != amz_date.get(..8).unwrap_or_default() {
        return Err(invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
            auth.date,
            amz_date.get(..8).unwrap_or_default()
        )));
    }
    if auth.service != service {
        return Err(invalid_signature(format!(
            "Credential should be scoped to correct service: '{service}'. "
        )));
    }
    if !serves(auth.region) {
        return Err(KmsError::invalid_signature_region(auth.region));
    }
    if let Some(name) = required_signed
        .iter()
        .find(|name| !auth.signed_headers.contains(name))
    {
        return Err(unsigned_header_error(name));
    }
    Ok(HeaderCheck {
        auth,
        credential,
        amz_date,
    })
}

impl HeaderCheck<'_> {
    /// The access key id the request names (known to the store).
    pub fn access_key_id(&self) -> &str {
        self.auth.access_key_id
    }

    /// Finishes the check: recomputes the signature of `req` (the same headers, now with its
    /// body) and compares it in constant time.
    pub fn verify_body(&self, req: &SignedRequest<'_>) -> Result<Verified, KmsError> {
        let expected = signature(
            req,
            &self.auth.signed_headers,
            self.credential.secret_access_key(),
            self.amz_date,
            self.auth.region,
            self.auth.service,
        )?;
        if !crypto::constant_time_eq(expected.as_bytes(), self.auth.signature.as_bytes()) {
            return Err(KmsError::invalid_signature());
        }
        Ok(Verified {
            access_key_id: self.auth.access_key_id.to_owned(),
            principal: self.credential.principal.clone(),
            region: self.auth.region.to_owned(),
        })
    }
}

/// Verifies `req` against `store` as of `now` (Unix seconds) for `region`: [`check_headers`]
/// with [`REQUIRED_SIGNED_HEADERS`], then [`HeaderCheck::verify_body`].
pub fn verify(
    req: &SignedRequest<'_>,
    store: &AccessKeyStore,
    region: &str,
    now: i64,
) -> Result<Verified, KmsError> {
    check_headers(&req.headers, store, region, now, &REQUIRED_SIGNED_HEADERS)?.verify_body(req)
}

#[cfg(test)]
mod tests;
