#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A hostile parent against the enclave's own HTTP endpoint (`--http-listen`, a Unix socket in
//! place of vsock): the test writes requests straight into the enclave's HTTP stream, as a parent
//! relaying (or forging) client connections could, and checks that the enclave believes only
//! signatures it verified itself.
//!
//! The enclave holds the simulation's access key (a principal of the key-owning account) and the
//! test principals' (`--credentials`, tests/src/enclave/principals.rs), among them a
//! low-privilege one of another account (MALLORY). The "parent" holds neither's
//! secret: it can send unsigned requests, requests signed with keys the enclave does not hold,
//! stale signed requests, caller headers of any name, and rewrite unsigned parts of requests.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use nitro_kms_api::sigv4::SIMULATION_PRINCIPAL;
use nitro_kms_tests::enclave::principals::MALLORY_KEY;
use nitro_kms_tests::enclave::{Dirs, Enclave, KEY_ADMIN, REGION};
use nitro_kms_tests::proxy::{HttpResponse, Signing, Sim, kms_call, kms_headers, rss_kib, send};
use serde_json::{Value, json};

/// The low-privilege key the enclave holds (a principal of another account: the default key
/// policy gives it nothing).
const LOW_KEY_ID: &str = MALLORY_KEY.access_key_id;
const LOW_SECRET: &str = MALLORY_KEY.secret_access_key;
/// The admin role of docs/deploy-nitro.md's policy.
const ADMIN: &str = KEY_ADMIN;
/// Headers a parent might use to name a caller (the frame path's principal, and guesses).
const CALLER_HEADERS: [&str; 4] = [
    "x-nitro-kms-principal",
    "x-nitro-kms-caller",
    "x-amz-principal",
    "x-forwarded-user",
];

struct Fixture {
    _dirs: Dirs,
    enclave: Enclave,
    http: PathBuf,
}

async fn start() -> Fixture {
    let dirs = Dirs::new();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let http = enclave.http_socket.clone();
    Fixture {
        _dirs: dirs,
        enclave,
        http,
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn simulation_key() -> Signing {
    Signing::simulation()
}

fn low_key() -> Signing {
    Signing {
        access_key_id: LOW_KEY_ID.into(),
        secret: LOW_SECRET.into(),
        at: now(),
        region: REGION.into(),
    }
}

/// A key the enclave does not hold (the parent made it up).
fn made_up_key() -> Signing {
    Signing {
        access_key_id: "AKIAPARENTMADETHISUP".into(),
        secret: "the-parent-knows-this-one".into(),
        at: now(),
        region: REGION.into(),
    }
}

fn connect(path: &Path) -> UnixStream {
    let stream = UnixStream::connect(path).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// One request with `headers` and `body` on a fresh connection.
fn raw(path: &Path, headers: &[(String, String)], body: &[u8]) -> HttpResponse {
    send(&mut connect(path), "POST", "/", headers, body).unwrap()
}

/// `op` with `body`, signed with `signing` (or unsigned), plus `extra` headers added after
/// signing (so not covered by the signature).
fn call(
    path: &Path,
    op: &str,
    body: &Value,
    signing: Option<&Signing>,
    extra: &[(&str, &str)],
) -> HttpResponse {
    let body = serde_json::to_vec(body).unwrap();
    let mut headers = kms_headers("localhost", op, &body, signing);
    headers.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    raw(path, &headers, &body)
}

#[track_caller]
fn assert_error(answer: &HttpResponse, status: u16, error_type: &str) {
    assert_eq!(
        (
            answer.status,
            answer.json()["__type"].as_str().unwrap_or("")
        ),
        (status, error_type),
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(answer.header("x-amzn-requestid").is_some());
    assert_eq!(
        answer.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
}

#[track_caller]
fn assert_ok(answer: &HttpResponse) -> Value {
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_enclave_believes_only_signatures_it_verified_itself() {
    let f = start().await;
    let http = f.http.as_path();
    let sim = simulation_key();

    // Health and metrics: unauthenticated, nothing secret.
    let mut stream = connect(http);
    let health = send(
        &mut stream,
        "GET",
        "/healthz",
        &[("host".into(), "x".into())],
        b"",
    )
    .unwrap();
    assert_eq!(health.status, 200);

    // The honest caller: a key, a ciphertext.
    let created = assert_ok(&call(http, "CreateKey", &json!({}), Some(&sim), &[]));
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let data_key = assert_ok(&call(
        http,
        "GenerateDataKey",
        &json!({"KeyId": key_id, "KeySpec": "AES_256"}),
        Some(&sim),
        &[],
    ));
    let blob = data_key["CiphertextBlob"].as_str().unwrap().to_owned();
    let decrypt = json!({"CiphertextBlob": blob});
    let plain = assert_ok(&call(http, "Decrypt", &decrypt, Some(&sim), &[]));
    assert_eq!(plain["Plaintext"], data_key["Plaintext"]);
    let policy_before = assert_ok(&call(
        http,
        "GetKeyPolicy",
        &json!({"KeyId": key_id, "PolicyName": "default"}),
        Some(&sim),
        &[],
    ))["Policy"]
        .clone();

    // Unsigned, even naming the key's owner in every caller header a parent might try.
    let forged: Vec<(&str, &str)> = CALLER_HEADERS
        .iter()
        .map(|h| (*h, SIMULATION_PRINCIPAL))
        .collect();
    assert_error(
        &call(http, "Decrypt", &decrypt, None, &forged),
        400,
        "MissingAuthenticationTokenException",
    );
    // Signed with a key the enclave does not hold.
    assert_error(
        &call(http, "Decrypt", &decrypt, Some(&made_up_key()), &forged),
        400,
        "UnrecognizedClientException",
    );
    // Signed by the low-privilege key, with caller headers (unsigned, then signed): it acts as
    // the signer only, who may not use the key.
    assert_error(
        &call(http, "Decrypt", &decrypt, Some(&low_key()), &forged),
        400,
        "AccessDeniedException",
    );
    for header in CALLER_HEADERS {
        let body = serde_json::to_vec(&decrypt).unwrap();
        let mut headers = vec![
            ("host".to_owned(), "localhost".to_owned()),
            ("x-amz-target".to_owned(), "TrentService.Decrypt".to_owned()),
            (header.to_owned(), SIMULATION_PRINCIPAL.to_owned()),
        ];
        headers.extend(sign(&low_key(), &headers, &body));
        assert_error(&raw(http, &headers, &body), 400, "AccessDeniedException");
    }
    // Replayed outside the time window: an honest request of 10 minutes ago.
    let stale = Signing {
        at: now() - 600,
        ..simulation_key()
    };
    let answer = call(http, "Decrypt", &decrypt, Some(&stale), &[]);
    assert_error(&answer, 400, "InvalidSignatureException");
    assert!(
        answer.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired"),
        "{}",
        answer.json()
    );
    // x-amz-target not signed: a parent could otherwise turn a signed Encrypt into a Decrypt.
    let body = serde_json::to_vec(&decrypt).unwrap();
    let mut headers = vec![("host".to_owned(), "localhost".to_owned())];
    headers.extend(sign(&sim, &headers, &body));
    headers.push(("x-amz-target".to_owned(), "TrentService.Decrypt".to_owned()));
    let answer = raw(http, &headers, &body);
    assert_error(&answer, 400, "InvalidSignatureException");
    assert_eq!(
        answer.json()["message"],
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."
    );
    // A signed target rewritten: the signature no longer matches.
    let body = serde_json::to_vec(&json!({"KeyId": key_id, "Plaintext": "AAAA"})).unwrap();
    let mut headers = kms_headers("localhost", "Encrypt", &body, Some(&sim));
    for (name, value) in &mut headers {
        if name == "x-amz-target" {
            *value = "TrentService.Decrypt".to_owned();
        }
    }
    assert_error(
        &raw(http, &headers, &body),
        400,
        "InvalidSignatureException",
    );

    // The red-team sequence: PutKeyPolicy as the admin, then Decrypt as a made-up principal.
    let open_policy = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*",
                       "Resource": "*"}]
    })
    .to_string();
    let put = json!({"KeyId": key_id, "PolicyName": "default", "Policy": open_policy});
    let as_admin: Vec<(&str, &str)> = CALLER_HEADERS.iter().map(|h| (*h, ADMIN)).collect();
    for signing in [None, Some(made_up_key()), Some(low_key())] {
        let answer = call(http, "PutKeyPolicy", &put, signing.as_ref(), &as_admin);
        assert_ne!(answer.status, 200, "PutKeyPolicy as the admin went through");
    }
    let made_up: Vec<(&str, &str)> = CALLER_HEADERS
        .iter()
        .map(|h| (*h, "arn:aws:iam::111122223333:role/MadeUp"))
        .collect();
    for signing in [None, Some(made_up_key()), Some(low_key())] {
        let answer = call(http, "Decrypt", &decrypt, signing.as_ref(), &made_up);
        assert_ne!(
            answer.status, 200,
            "Decrypt as a made-up principal went through"
        );
        assert!(answer.json().get("Plaintext").is_none());
    }
    let policy_after = assert_ok(&call(
        http,
        "GetKeyPolicy",
        &json!({"KeyId": key_id, "PolicyName": "default"}),
        Some(&sim),
        &[],
    ))["Policy"]
        .clone();
    assert_eq!(policy_before, policy_after, "the key policy changed");

    // A malformed ClientHello: answered at most with a TLS alert (record type 21), then closed.
    let mut tls = connect(http);
    tls.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0, 0, 0, 0])
        .unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    assert!(answer.is_empty() || answer[0] == 0x15, "{answer:?}");

    // Everything above was counted, nothing secret shown.
    let metrics = send(
        &mut stream,
        "GET",
        "/metrics",
        &[("host".into(), "x".into())],
        b"",
    )
    .unwrap();
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(
        text.contains("nitro_kms_requests_total{operation=\"Decrypt\"}"),
        "{text}"
    );
    assert!(text.contains("nitro_kms_ready 1"), "{text}");
    let plaintext = data_key["Plaintext"].as_str().unwrap();
    assert!(!text.contains(plaintext) && !text.contains(&key_id));
    let _ = base64::engine::general_purpose::STANDARD
        .decode(plaintext)
        .unwrap();
    f.enclave.terminate().await;
}

/// The SigV4 headers of a request with `headers` (lower-case) and `body`, signed by `signing`.
fn sign(signing: &Signing, headers: &[(String, String)], body: &[u8]) -> Vec<(String, String)> {
    use nitro_kms_api::sigv4::{SignedRequest, SigningKey, sign_request};
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: headers.to_vec(),
        body,
    };
    let key = SigningKey {
        access_key_id: &signing.access_key_id,
        secret_access_key: &signing.secret,
        session_token: None,
    };
    sign_request(&request, &key, &signing.region, signing.at)
        .unwrap()
        .into_pairs()
}

/// How far above idle the enclave's resident memory may go while 20 unauthenticated connections
/// trickle bytes at it, and after they close.
const RSS_SLACK_KIB: u64 = 6 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_trickling_connections_leave_memory_within_a_few_mib_of_idle() {
    let f = start().await;
    let pid = f.enclave.pid().unwrap();
    // Warm up: a few honest requests, so idle includes what serving costs.
    for _ in 0..5 {
        assert_ok(&call(
            &f.http,
            "ListKeys",
            &json!({}),
            Some(&simulation_key()),
            &[],
        ));
    }
    let idle = rss_kib(pid);
    let until = Instant::now() + Duration::from_secs(3);
    let writers: Vec<_> = (0..20)
        .map(|i| {
            let path = f.http.clone();
            std::thread::spawn(move || trickle(&path, i % 2 == 0, until))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let during = rss_kib(pid);
    let sent: Vec<usize> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    // The endless heads were held open (within the header deadline) the whole time: the
    // measurement saw them.
    for (i, bytes) in sent.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        assert!(
            *bytes > 500,
            "connection {i} was closed after {bytes} bytes"
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    let after = rss_kib(pid);
    eprintln!("enclave RSS: idle {idle} KiB, during {during} KiB, after {after} KiB");
    assert!(
        during < idle + RSS_SLACK_KIB,
        "during: {during} KiB vs idle {idle} KiB"
    );
    assert!(
        after < idle + RSS_SLACK_KIB,
        "after: {after} KiB vs idle {idle} KiB"
    );
    // Still serving.
    assert_ok(&call(
        &f.http,
        "ListKeys",
        &json!({}),
        Some(&simulation_key()),
        &[],
    ));
    f.enclave.terminate().await;
}

/// Sends an unauthenticated request one byte at a time until `until` or the enclave closes the
/// connection: with `body`, a whole head announcing a 1 MiB body and then the body; without, an
/// endless head. Returns how many bytes were sent.
fn trickle(path: &Path, body: bool, until: Instant) -> usize {
    let Ok(mut stream) = UnixStream::connect(path) else {
        return 0;
    };
    let head: Vec<u8> = if body {
        b"POST / HTTP/1.1\r\nhost: localhost\r\nx-amz-target: TrentService.Decrypt\r\n\
          x-nitro-kms-principal: arn:aws:iam::111122223333:role/KmsKeyAdmin\r\n\
          content-length: 1048576\r\n\r\n"
            .to_vec()
    } else {
        b"POST / HTTP/1.1\r\nhost: localhost\r\nx-padding: ".to_vec()
    };
    let mut sent = 0usize;
    while Instant::now() < until {
        let byte = head.get(sent).copied().unwrap_or(b'a');
        if stream.write_all(&[byte]).is_err() {
            return sent;
        }
        sent += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    sent
}

#[test]
fn the_simulation_starts_the_enclave_with_its_own_endpoint_beside_the_proxys() {
    let sim = Sim::start(&[]);
    let http = sim.dir.join("enclave-http.sock");
    // A key made through the proxy (frames, the proxy's SigV4) is the enclave's: it answers for
    // it on its own endpoint, with its own SigV4.
    let created = kms_call(&sim, "CreateKey", &json!({}));
    assert_eq!(created.status, 200);
    let key_id = created.json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let described = assert_ok(&call(
        &http,
        "DescribeKey",
        &json!({"KeyId": key_id}),
        Some(&simulation_key()),
        &[],
    ));
    assert_eq!(described["KeyMetadata"]["KeyId"], key_id.as_str());
    assert_error(
        &call(&http, "DescribeKey", &json!({"KeyId": key_id}), None, &[]),
        400,
        "MissingAuthenticationTokenException",
    );
    assert_eq!(sim.terminate(), Some(0));
}
