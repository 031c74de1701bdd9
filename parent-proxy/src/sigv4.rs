//! AWS Signature Version 4 verification of incoming KMS requests.
//!
//! Every request to the endpoint must be signed the way the AWS SDKs and CLI sign it
//! (`Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/kms/aws4_request,
//! SignedHeaders=..., Signature=...`). The proxy recomputes the signature with the secret it holds
//! for that access key and compares in constant time; the access key's configured principal is then
//! what the enclave's key policies judge.
//!
//! Errors are AWS's: no `Authorization` at all is `MissingAuthenticationTokenException`; an
//! unknown access key (or session token) `UnrecognizedClientException`; a malformed header
//! `IncompleteSignatureException`; a wrong signature, a date outside the 5-minute window, or a
//! credential scoped to another region or service `InvalidSignatureException`.
//!
//! Parsing is bounded: the header is limited in size and every field is checked before use.

use std::collections::BTreeMap;

use nitro_kms_common::crypto;
use nitro_kms_common::kms::{KmsError, KmsErrorType};

use crate::credentials::{Credential, CredentialStore};

/// Largest `Authorization` header accepted.
pub const MAX_AUTHORIZATION_LEN: usize = 4096;
/// How far a request's date may be from the proxy's clock, in seconds (AWS: 5 minutes).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The parts of an HTTP request the signature covers.
#[derive(Debug)]
pub struct SignedRequest<'a> {
    /// `POST`.
    pub method: &'a str,
    /// The path, as sent (`/`).
    pub path: &'a str,
    /// The raw query string, without `?` (usually empty).
    pub query: &'a str,
    /// Header (lower-case name, value) pairs, in any order, repeated names allowed.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: &'a [u8],
}

/// Who signed a verified request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key id used.
    pub access_key_id: String,
    /// The principal ARN configured for it.
    pub principal: String,
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

/// Parses `YYYYMMDDTHHMMSSZ` into Unix seconds.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Formats Unix seconds as `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// Howard Hinnant's civil-date algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// URI-encodes per SigV4 (RFC 3986 unreserved characters kept; `/` kept in paths).
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes `%XX` escapes (and nothing else), for re-encoding canonically.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(h);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k), false),
                uri_encode(&percent_decode(v), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request of SigV4 for `req` and the given signed header names.
fn canonical_request(req: &SignedRequest<'_>, signed: &[&str]) -> Result<String, KmsError> {
    let mut values: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, value) in &req.headers {
        if signed.contains(&name.as_str()) {
            let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
            values.entry(name.as_str()).or_default().push(collapsed);
        }
    }
    let mut headers = String::new();
    for name in signed {
        let v = values.get(name).ok_or_else(|| {
            invalid_signature(format!(
                "The request signature we calculated does not match the signature you provided. Signed header '{name}' is missing from the request."
            ))
        })?;
        headers.push_str(name);
        headers.push(':');
        headers.push_str(&v.join(","));
        headers.push('\n');
    }
    let path = uri_encode(
        &percent_decode(if req.path.is_empty() { "/" } else { req.path }),
        true,
    );
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        path,
        canonical_query(req.query),
        headers,
        signed.join(";"),
        hex::encode(crypto::sha256(req.body))
    ))
}

/// The SigV4 signature of `req` with `secret` (also used by tests and clients to sign).
pub fn signature(
    req: &SignedRequest<'_>,
    signed_headers: &[&str],
    secret: &str,
    amz_date: &str,
    region: &str,
    service: &str,
) -> Result<String, KmsError> {
    let date = amz_date.get(..8).unwrap_or_default();
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let canonical = canonical_request(req, signed_headers)?;
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(crypto::sha256(canonical.as_bytes()))
    );
    let k_date = crypto::hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = crypto::hmac_sha256(&k_date, region.as_bytes());
    let k_service = crypto::hmac_sha256(&k_region, service.as_bytes());
    let k_signing = crypto::hmac_sha256(&k_service, b"aws4_request");
    Ok(hex::encode(crypto::hmac_sha256(
        &k_signing,
        string_to_sign.as_bytes(),
    )))
}

/// Verifies `req` against `store` as of `now` (Unix seconds) for `region`.
pub fn verify(
    req: &SignedRequest<'_>,
    store: &CredentialStore,
    region: &str,
    now: i64,
) -> Result<Verified, KmsError> {
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(authorization) = header("authorization") else {
        return Err(KmsError::missing_authentication_token());
    };
    let auth = parse_authorization(authorization)?;
    let credential: &Credential = store
        .get(auth.access_key_id)
        .ok_or_else(KmsError::unrecognized_client)?;
    if let Some(token) = header("x-amz-security-token")
        && credential.session_token.as_deref() != Some(token)
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
    if auth.service != "kms" {
        return Err(invalid_signature(
            "Credential should be scoped to correct service: 'kms'. ",
        ));
    }
    if auth.region != region {
        return Err(invalid_signature(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            auth.region
        )));
    }
    if !auth.signed_headers.contains(&"host") {
        return Err(invalid_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let expected = signature(
        req,
        &auth.signed_headers,
        credential.secret_access_key(),
        amz_date,
        auth.region,
        auth.service,
    )?;
    if !crypto::constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err(KmsError::invalid_signature());
    }
    Ok(Verified {
        access_key_id: auth.access_key_id.to_owned(),
        principal: credential.principal.clone(),
    })
}
