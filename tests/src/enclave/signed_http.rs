//! The test's way into the enclave's KMS API: cleartext HTTP/1.1 over the enclave's `--http-listen`
//! Unix socket, every request signed with SigV4 (`host`, `x-amz-date`, `x-amz-target` and the
//! body signed) with the caller's access key, as an SDK behind a byte-relaying parent would send
//! it. The enclave believes the principal of the key, nothing else.
//!
//! Connections are kept alive and reused: a call takes an idle connection (or opens one), and
//! puts it back after a complete answer, so concurrent calls use as many connections as there are
//! calls in flight. A reused connection the enclave closed while idle (its header deadline) fails
//! before any answer byte; that call is sent again once, on a fresh connection.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use nitro_kms_api::sigv4::{SignedRequest, SigningKey, sign_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use super::principals::TestPrincipal;

/// Largest answer head the client reads (the enclave's are a few hundred bytes).
const MAX_HEAD: usize = 64 * 1024;

/// A raw answer: HTTP status and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Why a call got no answer.
#[derive(Debug)]
enum Failure {
    /// Nothing of an answer arrived (the request may not have been read): safe to send again on
    /// a fresh connection when the connection was a reused one.
    BeforeAnswer(String),
    /// The answer broke off.
    Broken(String),
}

/// A keep-alive client of the enclave's HTTP endpoint on a Unix socket.
#[derive(Debug)]
pub struct SignedHttp {
    socket: PathBuf,
    region: String,
    idle: Mutex<Vec<UnixStream>>,
}

impl SignedHttp {
    /// A client of the endpoint at `socket`, signing for `region`.
    pub fn new(socket: &Path, region: &str) -> SignedHttp {
        SignedHttp {
            socket: socket.to_owned(),
            region: region.to_owned(),
            idle: Mutex::default(),
        }
    }

    /// The socket it connects to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Sends `op` (`X-Amz-Target: TrentService.<op>`) with `payload`, signed with `caller`'s key.
    pub async fn call(
        &self,
        caller: &TestPrincipal,
        op: &str,
        payload: &[u8],
    ) -> Result<Answer, String> {
        let request = self.signed_request(caller, op, payload)?;
        let pooled = self.take_idle();
        let reused = pooled.is_some();
        let mut stream = match pooled {
            Some(s) => s,
            None => self.connect().await?,
        };
        let result = match exchange(&mut stream, &request).await {
            Err(Failure::BeforeAnswer(_)) if reused => {
                stream = self.connect().await?;
                exchange(&mut stream, &request).await
            }
            other => other,
        };
        match result {
            Ok((answer, keep_alive)) => {
                if keep_alive {
                    lock(&self.idle).push(stream);
                }
                Ok(answer)
            }
            Err(Failure::BeforeAnswer(e) | Failure::Broken(e)) => Err(e),
        }
    }

    /// Drops every idle connection (the enclave behind the socket is gone or about to be).
    pub fn forget_connections(&self) {
        lock(&self.idle).clear();
    }

    fn take_idle(&self) -> Option<UnixStream> {
        lock(&self.idle).pop()
    }

    async fn connect(&self) -> Result<UnixStream, String> {
        UnixStream::connect(&self.socket)
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", self.socket.display()))
    }

    /// The request's bytes: head (with the SigV4 headers) and body, to be written at once.
    fn signed_request(
        &self,
        caller: &TestPrincipal,
        op: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, String> {
        let headers = vec![
            ("host".to_owned(), "localhost".to_owned()),
            (
                "content-type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            ("x-amz-target".to_owned(), format!("TrentService.{op}")),
        ];
        let key = SigningKey {
            access_key_id: caller.access_key_id,
            secret_access_key: caller.secret_access_key,
            session_token: None,
        };
        let signed = sign_request(
            &SignedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: headers.clone(),
                body: payload,
            },
            &key,
            &self.region,
            unix_now(),
        )
        .map_err(|e| format!("cannot sign: {e}"))?;
        let mut head = String::from("POST / HTTP/1.1\r\n");
        for (name, value) in headers.into_iter().chain(signed.into_pairs()) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", payload.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(payload);
        Ok(bytes)
    }
}

/// Writes `request` and reads one answer; says whether the connection may be reused.
async fn exchange(stream: &mut UnixStream, request: &[u8]) -> Result<(Answer, bool), Failure> {
    stream
        .write_all(request)
        .await
        .map_err(|e| Failure::BeforeAnswer(format!("write: {e}")))?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(Failure::Broken("answer head too large".into()));
        }
        match stream.read(&mut chunk).await {
            Ok(0) if buf.is_empty() => {
                return Err(Failure::BeforeAnswer("connection closed".into()));
            }
            Err(e) if buf.is_empty() => return Err(Failure::BeforeAnswer(format!("read: {e}"))),
            Ok(0) => return Err(Failure::Broken("connection closed in the answer".into())),
            Err(e) => return Err(Failure::Broken(format!("read: {e}"))),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let status = head
        .split("\r\n")
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Failure::Broken(format!("not an HTTP answer: {head:?}")))?;
    let header = |name: &str| {
        head.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Failure::Broken(format!("answer without content-length: {head:?}")))?;
    let keep_alive = !header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let mut body = buf.split_off(head_end);
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) => return Err(Failure::Broken("connection closed in the body".into())),
            Err(e) => return Err(Failure::Broken(format!("read: {e}"))),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(length);
    Ok((Answer { status, body }, keep_alive))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
