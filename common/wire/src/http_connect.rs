//! The HTTP `CONNECT` exchange (RFC 9110 §9.3.6) between an enclave and the parent's egress
//! relay: the one place that knows its wire format, used by the relay (server side, in
//! `nitro-kms-proxy`) and by `nitro-kms-client` (client side).
//!
//! # Why CONNECT
//!
//! A Nitro enclave has no network: its only channel is vsock to its parent instance. To reach
//! AWS KMS (`kms.REGION.amazonaws.com:443`) it asks a relay on the parent to open a TCP
//! connection for it. The request must say *where* to connect, and CONNECT is the standard,
//! minimal way to say it: one request head naming `host:port`, one status line back, then the
//! stream is raw bytes both ways. Any HTTP tool understands it, so the relay can be probed with
//! `curl --proxy` as well as with the enclave's client.
//!
//! ```text
//! enclave -> relay   CONNECT kms.us-east-1.amazonaws.com:443 HTTP/1.1\r\n
//!                    Host: kms.us-east-1.amazonaws.com:443\r\n\r\n
//! relay -> enclave   HTTP/1.1 200 Connection Established\r\n\r\n
//!                    ... then raw bytes both ways (the enclave's TLS) until either side closes
//! ```
//!
//! TLS is *not* terminated by the relay: the enclave runs the TLS handshake itself through the
//! tunnel, with the KMS host name as server name, so the parent only ever carries ciphertext and
//! can neither read nor forge what KMS answers. (The parent is outside the enclave's trust
//! boundary; a relay that terminated TLS would see every data key.)
//!
//! # Parsing rules
//!
//! The request head crosses a trust boundary in both directions (the relay does not trust the
//! enclave's bytes, the client does not trust the relay's), so:
//!
//! - a head is read through [`read_head`], which stops at the first `\r\n\r\n` and refuses to
//!   buffer more than a limit ([`MAX_HEAD`] by default) — never an unbounded read;
//! - the head must be ASCII with CRLF line ends; the target must be in authority form
//!   (`host:port`, `[v6]:port`), never absolute form (`http://...`), with an explicit port;
//! - the host is an IP literal or a valid DNS name (as for a `tcp://` [`crate::transport::Address`]),
//!   lower-cased, with one trailing dot removed (`kms.example.` names the same host as
//!   `kms.example`), so that an allowlist compares one normal form;
//! - every failure is a typed [`ConnectError`] (never a panic), which the relay turns into
//!   `400 Bad Request` and the client into a transport error.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::transport::Host;

/// Largest request or response head accepted, `\r\n\r\n` included (8 KiB). A CONNECT head is a
/// hundred bytes; anything near this limit is not a CONNECT request.
pub const MAX_HEAD: usize = 8 * 1024;

/// Longest target (`host:port`) accepted: a 253-byte name, its optional trailing dot, `:` and
/// five digits.
pub const MAX_TARGET_LEN: usize = 253 + 1 + 1 + 5;

/// Longest piece of untrusted text quoted in an error (escaped): enough to recognise it in a
/// log, not enough to flood one.
const QUOTE_LIMIT: usize = 80;

/// Where a tunnel goes: a normalised `host:port` (lower-case name without trailing dot, or an IP
/// address; port 1-65535).
///
/// Its [`Display`](fmt::Display) is the authority form (`kms.us-east-1.amazonaws.com:443`,
/// `[::1]:443`), which parses back to an equal target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnectTarget {
    /// The host: an IP address or a DNS name.
    pub host: Host,
    /// The TCP port (never 0).
    pub port: u16,
}

/// Why a `host:port` is not a [`ConnectTarget`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Longer than [`MAX_TARGET_LEN`].
    #[error("target is longer than {MAX_TARGET_LEN} bytes")]
    TooLong,
    /// `scheme://...` (absolute form): CONNECT takes `host:port` only.
    #[error("target `{0}` is in absolute form; CONNECT takes host:port")]
    AbsoluteForm(String),
    /// No `:port`.
    #[error("target `{0}` lacks a port")]
    MissingPort(String),
    /// A port that is not a decimal number from 1 to 65535.
    #[error("invalid port `{0}`")]
    InvalidPort(String),
    /// Neither an IP literal nor a valid DNS name.
    #[error("invalid host `{0}`: not a DNS name or IP address (IPv6 needs brackets)")]
    InvalidHost(String),
}

impl FromStr for ConnectTarget {
    type Err = TargetError;

    fn from_str(authority: &str) -> Result<Self, Self::Err> {
        if authority.len() > MAX_TARGET_LEN {
            return Err(TargetError::TooLong);
        }
        if authority.contains("://") {
            return Err(TargetError::AbsoluteForm(quote(authority)));
        }
        let invalid_host = |h: &str| TargetError::InvalidHost(quote(h));
        let missing_port = || TargetError::MissingPort(quote(authority));
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (ip, tail) = bracketed
                .split_once(']')
                .ok_or_else(|| invalid_host(authority))?;
            let ip: Ipv6Addr = ip.parse().map_err(|_| invalid_host(ip))?;
            let port = tail.strip_prefix(':').ok_or_else(missing_port)?;
            (Host::Ip(IpAddr::V6(ip)), port)
        } else {
            let (host, port) = authority.rsplit_once(':').ok_or_else(missing_port)?;
            let bare = host.strip_suffix('.').unwrap_or(host);
            (bare.parse::<Host>().map_err(|_| invalid_host(host))?, port)
        };
        Ok(ConnectTarget {
            host,
            port: parse_port(port).ok_or_else(|| TargetError::InvalidPort(quote(port)))?,
        })
    }
}

/// A decimal port from 1 to 65535: digits only (no sign, no spaces, not empty).
fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|port| *port != 0)
}

impl fmt::Display for ConnectTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Why a CONNECT head could not be read or understood.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// No `\r\n\r\n` within the limit: whatever this is, it is not a CONNECT head.
    #[error("head longer than {limit} bytes")]
    TooLarge {
        /// The limit that was reached.
        limit: usize,
    },
    /// The peer closed the stream before the head was complete (no `\r\n\r\n`).
    #[error("the stream ended before the end of the head ({received} bytes received)")]
    Incomplete {
        /// How many bytes of head were received.
        received: usize,
    },
    /// Reading failed.
    #[error("reading the head: {0}")]
    Io(#[from] io::Error),
    /// Bytes that are not ASCII, a bare CR or LF, or a line that is not `METHOD TARGET VERSION`
    /// (request) / `VERSION CODE REASON` (response).
    #[error("malformed head: {0}")]
    Malformed(&'static str),
    /// A request with a method other than CONNECT (the relay serves nothing else).
    #[error("method `{0}` is not CONNECT")]
    NotConnect(String),
    /// A version other than HTTP/1.1 or HTTP/1.0.
    #[error("unsupported version `{0}`")]
    BadVersion(String),
    /// The request's target is not a valid `host:port`.
    #[error("bad target: {0}")]
    BadTarget(#[from] TargetError),
    /// A header line without `name:` (or with obsolete line folding).
    #[error("malformed header line `{0}`")]
    BadHeader(String),
}

/// Reads one head (request or response) from `reader`: every byte up to and including the first
/// `\r\n\r\n`, and not one more — what follows stays in `reader` (with a `BufReader` over a
/// socket, early tunnel bytes are not lost).
///
/// Fails with [`ConnectError::TooLarge`] once `limit` bytes hold no `\r\n\r\n`, and with
/// [`ConnectError::Incomplete`] if the stream ends first. It has no deadline of its own: wrap it
/// in `tokio::time::timeout` (a peer that trickles bytes would otherwise hold the caller).
pub async fn read_head<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> Result<Vec<u8>, ConnectError> {
    let mut head = Vec::with_capacity(256.min(limit));
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Err(ConnectError::Incomplete {
                received: head.len(),
            });
        }
        let before = head.len();
        let take = available.len().min(limit - before);
        head.extend_from_slice(&available[..take]);
        // The terminator may straddle the previous chunk: look from 3 bytes back.
        let from = before.saturating_sub(3);
        if let Some(at) = find_terminator(&head[from..]) {
            let end = from + at + 4;
            head.truncate(end);
            reader.consume(end - before);
            return Ok(head);
        }
        reader.consume(take);
        if head.len() >= limit {
            return Err(ConnectError::TooLarge { limit });
        }
    }
}

/// Index of the first `\r\n\r\n` in `bytes`.
fn find_terminator(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Checks what both request and response heads must be — ASCII without NUL, CRLF line ends
/// (no bare CR or LF), header lines of the form `name: value` (no folding) — and returns the
/// first line. Header values are not needed by either side.
fn first_line(head: &[u8]) -> Result<&str, ConnectError> {
    let body = head
        .strip_suffix(b"\r\n\r\n")
        .ok_or(ConnectError::Incomplete {
            received: head.len(),
        })?;
    if !body.is_ascii() {
        return Err(ConnectError::Malformed("non-ASCII bytes"));
    }
    if body.contains(&b'\0') {
        return Err(ConnectError::Malformed("NUL byte"));
    }
    let text = std::str::from_utf8(body).map_err(|_| ConnectError::Malformed("non-ASCII bytes"))?;
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default();
    if first.contains(['\r', '\n']) {
        return Err(ConnectError::Malformed("bare CR or LF"));
    }
    for line in lines {
        if line.contains(['\r', '\n']) {
            return Err(ConnectError::Malformed("bare CR or LF"));
        }
        let valid = line
            .split_once(':')
            .is_some_and(|(name, _)| !name.is_empty() && name.bytes().all(is_token_byte));
        if !valid {
            return Err(ConnectError::BadHeader(quote(line)));
        }
    }
    Ok(first)
}

/// A `tchar` of RFC 9110 §5.6.2: what a header name is made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses a complete CONNECT request head (as [`read_head`] returns it) into its target.
///
/// The request line must be `CONNECT host:port HTTP/1.1` (or `HTTP/1.0`), single spaces, the
/// target in authority form. Header lines must be well formed; their values are ignored (the
/// target of the request line is what counts, as RFC 9110 says for CONNECT).
pub fn parse_request(head: &[u8]) -> Result<ConnectTarget, ConnectError> {
    let request_line = first_line(head)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ConnectError::Malformed(
            "request line is not `METHOD TARGET VERSION`",
        ));
    };
    if method != "CONNECT" {
        return Err(ConnectError::NotConnect(quote(method)));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(ConnectError::BadVersion(quote(version)));
    }
    Ok(target.parse()?)
}

/// The CONNECT request for `target`, as the client sends it.
pub fn request(target: &ConnectTarget) -> String {
    format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n")
}

/// The answers a relay gives to a CONNECT request.
///
/// Refusals carry an empty body (`Content-Length: 0`) and `Connection: close`; the relay closes
/// the connection after sending one. The success answer carries no `Content-Length` (RFC 9110
/// forbids it on a 2xx answer to CONNECT): what follows it is the tunnel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelayStatus {
    /// 200: the upstream connection is open; the tunnel starts after the head.
    Established,
    /// 400: the request was malformed, not CONNECT, too large, or not complete in time.
    BadRequest,
    /// 403: the destination is not in the relay's allowlist.
    Forbidden,
    /// 502: the name does not resolve, or every connect failed.
    BadGateway,
    /// 503: the relay's connection limit is reached.
    ServiceUnavailable,
    /// 504: connecting upstream did not finish in time.
    GatewayTimeout,
}

impl RelayStatus {
    /// The status code.
    pub fn code(self) -> u16 {
        match self {
            RelayStatus::Established => 200,
            RelayStatus::BadRequest => 400,
            RelayStatus::Forbidden => 403,
            RelayStatus::BadGateway => 502,
            RelayStatus::ServiceUnavailable => 503,
            RelayStatus::GatewayTimeout => 504,
        }
    }

    /// The whole response head, ready to write.
    pub fn response(self) -> &'static [u8] {
        match self {
            RelayStatus::Established => b"HTTP/1.1 200 Connection Established\r\n\r\n",
            RelayStatus::BadRequest => {
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            }
            RelayStatus::Forbidden => {
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            }
            RelayStatus::BadGateway => {
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            }
            RelayStatus::ServiceUnavailable => {
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            }
            RelayStatus::GatewayTimeout => {
                b"HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            }
        }
    }
}

/// The status line of a relay's answer, as the client reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusLine {
    /// The status code (100-999).
    pub code: u16,
    /// The reason phrase (may be empty), for error messages.
    pub reason: String,
}

impl fmt::Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reason.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{} {}", self.code, self.reason)
        }
    }
}

/// Parses a complete response head (as [`read_head`] returns it): `HTTP/1.x CODE REASON`, then
/// well-formed header lines (ignored).
pub fn parse_response(head: &[u8]) -> Result<StatusLine, ConnectError> {
    let status_line = first_line(head)?;
    let mut parts = status_line.splitn(3, ' ');
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Err(ConnectError::Malformed(
            "status line is not `VERSION CODE REASON`",
        ));
    };
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(ConnectError::BadVersion(quote(version)));
    }
    let code = match code.as_bytes() {
        [a, b, c] if [a, b, c].iter().all(|d| d.is_ascii_digit()) && *a != b'0' => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(ConnectError::Malformed("status code is not three digits")),
    };
    Ok(StatusLine {
        code,
        reason: quote(parts.next().unwrap_or_default()),
    })
}

/// `text`, escaped and cut to [`QUOTE_LIMIT`] characters: safe to put in an error or a log.
fn quote(text: &str) -> String {
    let mut quoted: String = text.escape_default().take(QUOTE_LIMIT).collect();
    if quoted.len() < text.escape_default().count() {
        quoted.push('…');
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    fn target(text: &str) -> Result<ConnectTarget, TargetError> {
        text.parse()
    }

    fn name(host: &str, port: u16) -> ConnectTarget {
        ConnectTarget {
            host: Host::Name(host.to_owned()),
            port,
        }
    }

    async fn read(bytes: &[u8], limit: usize) -> (Result<Vec<u8>, ConnectError>, Vec<u8>) {
        let mut reader = tokio::io::BufReader::with_capacity(7, bytes);
        let head = read_head(&mut reader, limit).await;
        let mut rest = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut rest)
            .await
            .unwrap();
        (head, rest)
    }

    #[test]
    fn targets_are_normalised_to_lower_case_without_a_trailing_dot() {
        assert_eq!(
            target("KMS.US-East-1.AmazonAWS.com.:443"),
            Ok(name("kms.us-east-1.amazonaws.com", 443))
        );
        assert_eq!(target("localhost:8000"), Ok(name("localhost", 8000)));
        assert_eq!(
            target("127.0.0.1:1"),
            Ok(ConnectTarget {
                host: Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                port: 1
            })
        );
        let v6 = target("[::1]:443").unwrap();
        assert_eq!(v6.host, Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(v6.to_string(), "[::1]:443");
        assert_eq!(target(&v6.to_string()), Ok(v6));
    }

    #[test]
    fn targets_that_are_not_host_and_port_are_refused() {
        for (text, expected) in [
            (
                "kms.example.com",
                TargetError::MissingPort("kms.example.com".into()),
            ),
            ("kms.example.com:", TargetError::InvalidPort(String::new())),
            ("kms.example.com:0", TargetError::InvalidPort("0".into())),
            (
                "kms.example.com:65536",
                TargetError::InvalidPort("65536".into()),
            ),
            (
                "kms.example.com:+443",
                TargetError::InvalidPort("+443".into()),
            ),
            (
                "kms.example.com:443 ",
                TargetError::InvalidPort("443 ".into()),
            ),
            (
                "https://kms.example.com:443",
                TargetError::AbsoluteForm("https://kms.example.com:443".into()),
            ),
            ("::1:443", TargetError::InvalidHost("::1".into())),
            ("[::1:443", TargetError::InvalidHost("[::1:443".into())),
            ("[::1]443", TargetError::MissingPort("[::1]443".into())),
            (
                "kms..example.com:443",
                TargetError::InvalidHost("kms..example.com".into()),
            ),
            (
                "kms.example.com..:443",
                TargetError::InvalidHost("kms.example.com..".into()),
            ),
            (
                "user@kms.example.com:443",
                TargetError::InvalidHost("user@kms.example.com".into()),
            ),
            (
                "/etc/passwd:443",
                TargetError::InvalidHost("/etc/passwd".into()),
            ),
            (
                "999.1.1.1:443",
                TargetError::InvalidHost("999.1.1.1".into()),
            ),
            (":443", TargetError::InvalidHost(String::new())),
            (".:443", TargetError::InvalidHost(".".into())),
        ] {
            assert_eq!(target(text), Err(expected), "{text}");
        }
        assert_eq!(
            target(&format!("{}:443", "a".repeat(MAX_TARGET_LEN))),
            Err(TargetError::TooLong)
        );
    }

    #[test]
    fn a_request_built_for_a_target_parses_back_to_it() {
        for text in [
            "kms.us-east-1.amazonaws.com:443",
            "[::1]:8443",
            "10.0.0.1:443",
        ] {
            let t = target(text).unwrap();
            let built = request(&t);
            assert_eq!(
                built,
                format!("CONNECT {text} HTTP/1.1\r\nHost: {text}\r\n\r\n")
            );
            assert_eq!(parse_request(built.as_bytes()).unwrap(), t);
        }
        // HTTP/1.0 and extra headers are fine; the request line's target is what counts.
        let head =
            b"CONNECT kms.example.com:443 HTTP/1.0\r\nHost: other:1\r\nUser-Agent: x\r\n\r\n";
        assert_eq!(parse_request(head).unwrap(), name("kms.example.com", 443));
    }

    #[test]
    fn malformed_requests_get_typed_errors() {
        let cases: [(&[u8], &str); 14] = [
            (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "NotConnect"),
            (
                b"connect kms.example.com:443 HTTP/1.1\r\n\r\n",
                "NotConnect",
            ),
            (
                b"CONNECT http://kms.example.com:443 HTTP/1.1\r\n\r\n",
                "BadTarget",
            ),
            (b"CONNECT /index.html HTTP/1.1\r\n\r\n", "BadTarget"),
            (b"CONNECT kms.example.com HTTP/1.1\r\n\r\n", "BadTarget"),
            (b"CONNECT kms.example.com:443 HTTP/2\r\n\r\n", "BadVersion"),
            (b"CONNECT kms.example.com:443\r\n\r\n", "Malformed"),
            (
                b"CONNECT  kms.example.com:443 HTTP/1.1\r\n\r\n",
                "Malformed",
            ),
            (
                b"CONNECT kms.example.com:443 HTTP/1.1 x\r\n\r\n",
                "Malformed",
            ),
            (
                b"CONNECT kms.example.com:443 HTTP/1.1\nHost: x\r\n\r\n",
                "Malformed",
            ),
            (
                b"CONNECT k\xc3\xa9.example.com:443 HTTP/1.1\r\n\r\n",
                "Malformed",
            ),
            (
                b"CONNECT kms.example.com:443 HTTP/1.1\r\nno colon\r\n\r\n",
                "BadHeader",
            ),
            (
                b"CONNECT kms.example.com:443 HTTP/1.1\r\n folded: x\r\n\r\n",
                "BadHeader",
            ),
            (b"CONNECT kms.example.com:443 HTTP/1.1\r\n", "Incomplete"),
        ];
        for (head, kind) in cases {
            let error = parse_request(head).unwrap_err();
            assert!(
                format!("{error:?}").starts_with(kind),
                "{}: {error:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn errors_quote_untrusted_text_escaped_and_cut_short() {
        let method = format!("G\u{1b}[31m{}", "E".repeat(500));
        let head = format!("{method} kms.example.com:443 HTTP/1.1\r\n\r\n");
        let message = parse_request(head.as_bytes()).unwrap_err().to_string();
        assert!(!message.contains('\u{1b}'), "{message}");
        assert!(message.len() < 200, "{message}");
    }

    #[test]
    fn relay_answers_parse_as_their_status() {
        for status in [
            RelayStatus::Established,
            RelayStatus::BadRequest,
            RelayStatus::Forbidden,
            RelayStatus::BadGateway,
            RelayStatus::ServiceUnavailable,
            RelayStatus::GatewayTimeout,
        ] {
            let line = parse_response(status.response()).unwrap();
            assert_eq!(line.code, status.code());
            let with_length =
                String::from_utf8_lossy(status.response()).contains("Content-Length: 0");
            assert_eq!(
                with_length,
                status != RelayStatus::Established,
                "{status:?}"
            );
        }
        assert_eq!(
            parse_response(RelayStatus::Forbidden.response())
                .unwrap()
                .to_string(),
            "403 Forbidden"
        );
        assert_eq!(
            parse_response(b"HTTP/1.0 200\r\n\r\n").unwrap().to_string(),
            "200"
        );
    }

    #[test]
    fn malformed_status_lines_are_refused() {
        for head in [
            &b"HTTP/1.1 20 OK\r\n\r\n"[..],
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 OK 200\r\n\r\n",
            b"HTTP/1.1 099 x\r\n\r\n",
            b"SSH-2.0-OpenSSH\r\n\r\n",
            b"HTTP/1.1\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n",
        ] {
            assert!(
                parse_response(head).is_err(),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[tokio::test]
    async fn read_head_stops_after_the_blank_line_and_leaves_the_rest() {
        let (head, rest) = read(
            b"CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n\x16\x03tls",
            MAX_HEAD,
        )
        .await;
        assert_eq!(head.unwrap(), b"CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n");
        assert_eq!(rest, b"\x16\x03tls");
        // A limit exactly the size of the head is enough.
        let exact = b"CONNECT a:1 HTTP/1.1\r\n\r\n";
        let (head, rest) = read(exact, exact.len()).await;
        assert_eq!(head.unwrap(), exact);
        assert!(rest.is_empty());
    }

    #[tokio::test]
    async fn read_head_refuses_an_oversize_head_and_a_missing_blank_line() {
        let mut big = b"CONNECT a:1 HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        big.extend_from_slice(b"\r\n\r\n");
        let (head, _) = read(&big, MAX_HEAD).await;
        assert!(
            matches!(head, Err(ConnectError::TooLarge { limit: MAX_HEAD })),
            "{head:?}"
        );
        let exact = b"CONNECT a:1 HTTP/1.1\r\n\r\n";
        let (head, _) = read(exact, exact.len() - 1).await;
        assert!(
            matches!(head, Err(ConnectError::TooLarge { .. })),
            "{head:?}"
        );
        let (head, _) = read(b"CONNECT a:1 HTTP/1.1\r\n", MAX_HEAD).await;
        assert!(
            matches!(head, Err(ConnectError::Incomplete { received: 22 })),
            "{head:?}"
        );
        let (head, _) = read(b"", MAX_HEAD).await;
        assert!(
            matches!(head, Err(ConnectError::Incomplete { received: 0 })),
            "{head:?}"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_request(&bytes);
            let _ = parse_response(&bytes);
            let mut with_end = bytes.clone();
            with_end.extend_from_slice(b"\r\n\r\n");
            let _ = parse_request(&with_end);
            let _ = parse_response(&with_end);
            if let Ok(text) = std::str::from_utf8(&bytes) {
                let _ = text.parse::<ConnectTarget>();
            }
        }

        #[test]
        fn read_head_never_returns_more_than_the_limit(bytes in proptest::collection::vec(any::<u8>(), 0..300), limit in 1usize..200) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let (head, rest) = runtime.block_on(read(&bytes, limit));
            if let Ok(head) = head {
                prop_assert!(head.len() <= limit);
                prop_assert!(head.ends_with(b"\r\n\r\n"));
                prop_assert_eq!([head, rest].concat(), bytes);
            }
        }

        #[test]
        fn targets_that_parse_display_as_a_target_that_parses_equal(host in "[a-zA-Z0-9.:\\[\\]-]{1,30}", port in 0u32..70000) {
            if let Ok(t) = format!("{host}:{port}").parse::<ConnectTarget>() {
                prop_assert_eq!(t.to_string().parse::<ConnectTarget>(), Ok(t));
            }
        }
    }
}
