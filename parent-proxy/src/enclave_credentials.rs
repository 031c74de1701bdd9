//! The AWS credentials the proxy hands to the enclave (`--enclave-credentials`), kept fresh.
//!
//! With `--seal-root` the enclave calls AWS KMS itself (attested GenerateDataKey / Decrypt of its
//! sealing key). It has no instance role of its own: it signs with the parent's, which the proxy
//! reads here and sends in `Credentials` frames after every Hello and again whenever they change
//! (see [`nitro_kms_parent_link::enclave_link`]). Instance-role credentials expire (about every
//! six hours, renewed by EC2 well before): the source is polled every `refresh` and sooner when
//! the current ones are within [`RENEW_BEFORE_EXPIRY`] of expiring, so the enclave always holds
//! valid ones.
//!
//! Sources:
//! - `imds`: the EC2 instance role through IMDSv2 (`imds:http://HOST:PORT` for another endpoint,
//!   such as a test server on loopback);
//! - `env`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//!   `AWS_CREDENTIAL_EXPIRATION` (RFC 3339 or Unix seconds) of the proxy's environment;
//! - `file:PATH`: a JSON file in the `credential_process` format
//!   (`{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}`), read
//!   again at every poll, so whatever rotates the file is picked up.
//!
//! Handing the parent's credentials to the enclave gives the enclave nothing the parent lacks;
//! what keeps the sealing key from the parent is the key policy's attestation condition.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_wire::Credentials;
use nitro_kms_wire::transport::{self, Address};
use serde::Deserialize;
use tokio::sync::watch;

/// Credentials closer than this to their expiry are fetched again.
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(15 * 60);
/// The instance metadata service.
pub const IMDS_ENDPOINT: &str = "http://169.254.169.254";
/// Largest answer or file read.
const MAX_LEN: usize = 64 * 1024;
/// Deadline of one IMDS request.
const IMDS_TIMEOUT: Duration = Duration::from_secs(3);

/// Where the credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The EC2 instance role (IMDSv2) at this endpoint.
    Imds(String),
    /// The proxy's environment.
    Env,
    /// A `credential_process`-format JSON file.
    File(PathBuf),
}

impl FromStr for Source {
    type Err = String;

    fn from_str(s: &str) -> Result<Source, String> {
        match s {
            "imds" => Ok(Source::Imds(IMDS_ENDPOINT.to_owned())),
            "env" => Ok(Source::Env),
            _ => {
                if let Some(url) = s.strip_prefix("imds:") {
                    if url.starts_with("http://") {
                        return Ok(Source::Imds(url.trim_end_matches('/').to_owned()));
                    }
                    return Err(format!("{s}: the IMDS endpoint must be http://HOST:PORT"));
                }
                if let Some(path) = s.strip_prefix("file:").filter(|p| !p.is_empty()) {
                    return Ok(Source::File(PathBuf::from(path)));
                }
                Err(format!(
                    "{s}: expected imds, imds:http://HOST:PORT, env or file:PATH"
                ))
            }
        }
    }
}

/// Why credentials could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Missing or malformed.
    #[error("{0}")]
    Invalid(String),
    /// The file or the metadata service could not be read.
    #[error("{0}")]
    Unavailable(String),
}

/// The `credential_process` JSON and the IMDS answer share these names (IMDS says `Token`).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsJson {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default, alias = "Token")]
    session_token: Option<String>,
    #[serde(default)]
    expiration: Option<String>,
    /// IMDS: `Success` when the role's credentials are usable.
    #[serde(default)]
    code: Option<String>,
}

impl std::fmt::Debug for CredentialsJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsJson")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl CredentialsJson {
    fn into_credentials(self) -> Result<Credentials, SourceError> {
        if let Some(code) = self.code.as_deref().filter(|c| *c != "Success") {
            return Err(SourceError::Unavailable(format!(
                "the instance role's credentials are not usable: Code {code}"
            )));
        }
        let expiration = match self.expiration.as_deref() {
            None | Some("") => 0,
            Some(text) => parse_expiration(text).ok_or_else(|| {
                SourceError::Invalid(format!("Expiration {text:?} is not RFC 3339"))
            })?,
        };
        credentials(
            self.access_key_id,
            self.secret_access_key.into_bytes(),
            self.session_token.unwrap_or_default(),
            expiration,
        )
    }
}

fn credentials(
    access_key_id: String,
    secret: Vec<u8>,
    session_token: String,
    expiration: u64,
) -> Result<Credentials, SourceError> {
    if access_key_id.is_empty() || secret.is_empty() {
        return Err(SourceError::Invalid(
            "an access key id and a secret access key are required".into(),
        ));
    }
    Ok(Credentials {
        access_key_id,
        secret_access_key: SecretBytes::new(secret),
        session_token,
        expiration,
    })
}

/// `2026-12-03T15:00:00Z` (optionally with fractional seconds, or `+00:00`), or Unix seconds.
pub fn parse_expiration(text: &str) -> Option<u64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let b = text.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.len() < 20
        || separators
            .iter()
            .any(|&(i, c)| b.get(i).map(u8::to_ascii_uppercase) != Some(c))
    {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = fraction.get(digits..)?;
    }
    if !matches!(rest, "Z" | "z" | "+00:00") {
        return None;
    }
    let compact = format!(
        "{}{}{}T{}{}{}Z",
        text.get(0..4)?,
        text.get(5..7)?,
        text.get(8..10)?,
        text.get(11..13)?,
        text.get(14..16)?,
        text.get(17..19)?
    );
    u64::try_from(nitro_kms_api::sigv4::parse_amz_date(&compact)?).ok()
}

impl Source {
    /// Reads the credentials once.
    pub async fn fetch(&self) -> Result<Credentials, SourceError> {
        match self {
            Source::Env => from_env(),
            Source::File(path) => {
                let bytes = tokio::fs::read(path)
                    .await
                    .map_err(|e| SourceError::Unavailable(format!("{}: {e}", path.display())))?;
                parse_json(&bytes).map_err(|e| match e {
                    SourceError::Invalid(m) => {
                        SourceError::Invalid(format!("{}: {m}", path.display()))
                    }
                    other => other,
                })
            }
            Source::Imds(endpoint) => from_imds(endpoint).await,
        }
    }
}

fn parse_json(bytes: &[u8]) -> Result<Credentials, SourceError> {
    if bytes.len() > MAX_LEN {
        return Err(SourceError::Invalid(format!("larger than {MAX_LEN} bytes")));
    }
    serde_json::from_slice::<CredentialsJson>(bytes)
        .map_err(|e| SourceError::Invalid(format!("not credential JSON: {e}")))?
        .into_credentials()
}

fn from_env() -> Result<Credentials, SourceError> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        return Err(SourceError::Invalid(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set".into(),
        ));
    };
    let expiration = match var("AWS_CREDENTIAL_EXPIRATION") {
        None => 0,
        Some(text) => parse_expiration(&text).ok_or_else(|| {
            SourceError::Invalid(format!("AWS_CREDENTIAL_EXPIRATION {text:?} is not a time"))
        })?,
    };
    credentials(
        id,
        secret.into_bytes(),
        var("AWS_SESSION_TOKEN").unwrap_or_default(),
        expiration,
    )
}

/// IMDSv2: a session token (PUT), the role name, then the role's credentials.
async fn from_imds(endpoint: &str) -> Result<Credentials, SourceError> {
    let token = imds_request(endpoint, "PUT", "/latest/api/token", None).await?;
    let token = String::from_utf8(token)
        .map_err(|_| SourceError::Invalid("the IMDS token is not text".into()))?;
    let roles = imds_request(
        endpoint,
        "GET",
        "/latest/meta-data/iam/security-credentials/",
        Some(&token),
    )
    .await?;
    let roles = String::from_utf8_lossy(&roles);
    let role = roles
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or_else(|| SourceError::Unavailable("the instance has no IAM role".into()))?;
    if !role
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    {
        return Err(SourceError::Invalid(format!("{role:?} is not a role name")));
    }
    let body = imds_request(
        endpoint,
        "GET",
        &format!("/latest/meta-data/iam/security-credentials/{role}"),
        Some(&token),
    )
    .await?;
    parse_json(&body)
}

async fn imds_request(
    endpoint: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> Result<Vec<u8>, SourceError> {
    let unavailable = |e: String| SourceError::Unavailable(format!("IMDS {path}: {e}"));
    let authority = endpoint.strip_prefix("http://").unwrap_or(endpoint);
    let address: Address = format!("tcp://{authority}")
        .parse()
        .map_err(|e| unavailable(format!("{e}")))?;
    let work = async {
        let stream = transport::connect(&address)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| unavailable(e.to_string()))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", authority);
        request = match token {
            None => request.header("x-aws-ec2-metadata-token-ttl-seconds", "21600"),
            Some(t) => request.header("x-aws-ec2-metadata-token", t),
        };
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|e| unavailable(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let status = response.status().as_u16();
        let body = http_body_util::Limited::new(response.into_body(), MAX_LEN)
            .collect()
            .await
            .map_err(|e| unavailable(e.to_string()))?
            .to_bytes()
            .to_vec();
        if status != 200 {
            return Err(unavailable(format!("HTTP {status}")));
        }
        Ok(body)
    };
    tokio::time::timeout(IMDS_TIMEOUT, work)
        .await
        .map_err(|_| unavailable(format!("no answer within {IMDS_TIMEOUT:?}")))?
}

/// Polls `source` until `shutdown`, publishing each new set of credentials. The first fetch
/// happens before this returns, so a misconfigured source is reported at start-up.
pub async fn start(
    source: Source,
    refresh: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> Result<watch::Receiver<Option<Credentials>>, SourceError> {
    let first = source.fetch().await?;
    tracing::info!(
        access_key_id = %first.access_key_id,
        expires = first.expiration,
        "credentials for the enclave loaded"
    );
    let (tx, rx) = watch::channel(Some(first));
    tokio::spawn(async move {
        let mut retry = Duration::from_secs(1);
        loop {
            let expiration = tx.borrow().as_ref().map_or(0, |c| c.expiration);
            let wait = next_poll(refresh, expiration, now());
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = crate::stopped(&mut shutdown) => return,
            }
            match source.fetch().await {
                Ok(fresh) => {
                    retry = Duration::from_secs(1);
                    let changed = tx.borrow().as_ref() != Some(&fresh);
                    if changed {
                        tracing::info!(
                            access_key_id = %fresh.access_key_id,
                            expires = fresh.expiration,
                            "credentials for the enclave renewed"
                        );
                        tx.send_replace(Some(fresh));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot renew the enclave's credentials");
                    tokio::select! {
                        _ = tokio::time::sleep(retry) => {}
                        _ = crate::stopped(&mut shutdown) => return,
                    }
                    retry = (retry * 2).min(refresh.max(Duration::from_secs(1)));
                }
            }
        }
    });
    Ok(rx)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How long to wait before the next poll: `refresh`, or less when the credentials come within
/// [`RENEW_BEFORE_EXPIRY`] of expiring sooner (at least one second between polls).
fn next_poll(refresh: Duration, expiration: u64, now: u64) -> Duration {
    if expiration == 0 {
        return refresh;
    }
    let renew_at = expiration.saturating_sub(RENEW_BEFORE_EXPIRY.as_secs());
    refresh
        .min(Duration::from_secs(renew_at.saturating_sub(now)))
        .max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_and_unknown_ones_are_refused() {
        assert_eq!("imds".parse(), Ok(Source::Imds(IMDS_ENDPOINT.to_owned())));
        assert_eq!(
            "imds:http://127.0.0.1:8080/".parse(),
            Ok(Source::Imds("http://127.0.0.1:8080".to_owned()))
        );
        assert_eq!("env".parse(), Ok(Source::Env));
        assert_eq!(
            "file:/a/b.json".parse(),
            Ok(Source::File("/a/b.json".into()))
        );
        for bad in ["", "file:", "imds:https://x", "vault"] {
            assert!(bad.parse::<Source>().is_err(), "{bad}");
        }
    }

    #[test]
    fn expirations_in_rfc3339_and_unix_seconds_parse() {
        assert_eq!(
            parse_expiration("2026-12-03T15:00:00Z"),
            Some(1_796_310_000)
        );
        assert_eq!(
            parse_expiration("2026-12-03T15:00:00.123Z"),
            Some(1_796_310_000)
        );
        assert_eq!(
            parse_expiration("2026-12-03T15:00:00+00:00"),
            Some(1_796_310_000)
        );
        assert_eq!(parse_expiration("1796310000"), Some(1_796_310_000));
        for bad in [
            "2026-12-03",
            "2026-12-03T15:00:00+02:00",
            "2026/12/03T15:00:00Z",
            "x",
        ] {
            assert_eq!(parse_expiration(bad), None, "{bad}");
        }
    }

    #[test]
    fn credential_process_json_is_read_and_its_secret_kept_out_of_debug() {
        let c = parse_json(
            br#"{"Version":1,"AccessKeyId":"ASIAFILE","SecretAccessKey":"s3cr3t",
                "SessionToken":"tok","Expiration":"2026-12-03T15:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(c.access_key_id, "ASIAFILE");
        assert_eq!(c.secret_access_key.expose(), b"s3cr3t");
        assert_eq!(
            (c.session_token.as_str(), c.expiration),
            ("tok", 1_796_310_000)
        );
        assert!(!format!("{c:?}").contains("s3cr3t"));
        let err =
            parse_json(br#"{"AccessKeyId":"A","SecretAccessKey":"s3cr3t","Expiration":"soon"}"#)
                .unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        assert!(parse_json(br#"{"AccessKeyId":"","SecretAccessKey":"x"}"#).is_err());
        assert!(parse_json(&vec![b' '; MAX_LEN + 1]).is_err());
    }

    #[test]
    fn polls_come_sooner_as_expiry_nears() {
        let refresh = Duration::from_secs(60);
        assert_eq!(next_poll(refresh, 0, 1000), refresh);
        // An hour left: the usual period.
        assert_eq!(next_poll(refresh, 1000 + 3600, 1000), refresh);
        // Inside the renewal window: every second until new ones come.
        assert_eq!(next_poll(refresh, 1000 + 60, 1000), Duration::from_secs(1));
        // 20 s before the window opens.
        assert_eq!(
            next_poll(refresh, 1000 + RENEW_BEFORE_EXPIRY.as_secs() + 20, 1000),
            Duration::from_secs(20)
        );
    }

    /// A loopback IMDSv2 that hands out `creds` for role `app-role` to token holders only.
    async fn fake_imds(creds: &'static str) -> String {
        use hyper::service::service_fn;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let service =
                        service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                            let token_ok = req
                                .headers()
                                .get("x-aws-ec2-metadata-token")
                                .is_some_and(|t| t == "tok-1");
                            let (status, body) = match (req.method().as_str(), req.uri().path()) {
                                ("PUT", "/latest/api/token")
                                    if req
                                        .headers()
                                        .contains_key("x-aws-ec2-metadata-token-ttl-seconds") =>
                                {
                                    (200, "tok-1".to_owned())
                                }
                                (_, _) if !token_ok => (401, String::new()),
                                ("GET", "/latest/meta-data/iam/security-credentials/") => {
                                    (200, "app-role\n".to_owned())
                                }
                                ("GET", "/latest/meta-data/iam/security-credentials/app-role") => {
                                    (200, creds.to_owned())
                                }
                                _ => (404, String::new()),
                            };
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .status(status)
                                    .body(Full::new(Bytes::from(body)))
                                    .unwrap(),
                            )
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        format!("imds:http://{addr}")
    }

    #[tokio::test]
    async fn the_instance_role_is_read_through_imdsv2() {
        let source: Source = fake_imds(
            r#"{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAROLE",
               "SecretAccessKey":"rolesecret","Token":"roletoken","Expiration":"2026-12-03T15:00:00Z"}"#,
        )
        .await
        .parse()
        .unwrap();
        let c = source.fetch().await.unwrap();
        assert_eq!(c.access_key_id, "ASIAROLE");
        assert_eq!(c.secret_access_key.expose(), b"rolesecret");
        assert_eq!(
            (c.session_token.as_str(), c.expiration),
            ("roletoken", 1_796_310_000)
        );
    }

    #[tokio::test]
    async fn an_imds_role_without_usable_credentials_is_an_error() {
        let source: Source = fake_imds(
            r#"{"Code":"AssumeRoleUnauthorizedAccess","AccessKeyId":"x","SecretAccessKey":"y"}"#,
        )
        .await
        .parse()
        .unwrap();
        let err = source.fetch().await.unwrap_err();
        assert!(
            err.to_string().contains("AssumeRoleUnauthorizedAccess"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_rotated_file_is_published_at_the_next_poll() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creds.json");
        let write = |id: &str| {
            std::fs::write(
                &path,
                format!(r#"{{"Version":1,"AccessKeyId":"{id}","SecretAccessKey":"s"}}"#),
            )
            .unwrap()
        };
        write("AKIAFIRST");
        let (_stop_tx, stop) = watch::channel(false);
        let mut rx = start(Source::File(path.clone()), Duration::from_millis(1), stop)
            .await
            .unwrap();
        assert_eq!(
            rx.borrow_and_update()
                .as_ref()
                .map(|c| c.access_key_id.clone()),
            Some("AKIAFIRST".into())
        );
        write("AKIASECOND");
        tokio::time::timeout(Duration::from_secs(10), rx.changed())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            rx.borrow().as_ref().map(|c| c.access_key_id.clone()),
            Some("AKIASECOND".into())
        );
    }
}
