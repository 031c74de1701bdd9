//! The core of AWS Signature Version 4: the canonical request of an HTTP request and its
//! signature, shared by the signing side ([`crate::sigv4::sign`]) and the verifying side
//! ([`crate::sigv4::verify`](mod@crate::sigv4::verify)), so both compute exactly the same bytes.
//!
//! Only what SigV4 needs for KMS's JSON protocol is here: header canonicalization (lower-case
//! names, values trimmed with inner whitespace collapsed, repeated headers joined by commas), the
//! URI path and query encoding of RFC 3986, and the HMAC-SHA256 key derivation
//! (`AWS4<secret>` → date → region → service → `aws4_request`).

use std::collections::BTreeMap;

use crate::error::{KmsError, KmsErrorType};
use nitro_kms_crypto as crypto;

/// The only algorithm: `AWS4-HMAC-SHA256`.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The service name in a KMS credential scope (`.../REGION/kms/aws4_request`).
pub const SERVICE: &str = "kms";

fn invalid_signature(message: impl Into<String>) -> KmsError {
    KmsError::new(KmsErrorType::InvalidSignature, message)
}

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
        crypto::hex_lower(&crypto::sha256(req.body))
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
        crypto::hex_lower(&crypto::sha256(canonical.as_bytes()))
    );
    let k_date = crypto::hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = crypto::hmac_sha256(&k_date, region.as_bytes());
    let k_service = crypto::hmac_sha256(&k_region, service.as_bytes());
    let k_signing = crypto::hmac_sha256(&k_service, b"aws4_request");
    Ok(crypto::hex_lower(&crypto::hmac_sha256(
        &k_signing,
        string_to_sign.as_bytes(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's SigV4 test suite, "get-vanilla" (secret and date of the suite).
    #[test]
    fn signature_matches_the_aws_test_suite_get_vanilla() {
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: vec![
                ("host".into(), "example.amazonaws.com".into()),
                ("x-amz-date".into(), "20150830T123600Z".into()),
            ],
            body: b"",
        };
        let sig = signature(
            &req,
            &["host", "x-amz-date"],
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830T123600Z",
            "us-east-1",
            "service",
        )
        .unwrap();
        assert_eq!(
            sig,
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn a_signed_header_missing_from_the_request_is_an_error() {
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: vec![("host".into(), "h".into())],
            body: b"{}",
        };
        assert!(
            signature(
                &req,
                &["host", "x-amz-target"],
                "s",
                "20150830T123600Z",
                "r",
                "kms"
            )
            .is_err()
        );
    }
}
