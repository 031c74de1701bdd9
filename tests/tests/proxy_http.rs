#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The KMS HTTP surface as a client of the simulation sees it through the proxy's relay (answered
//! by the enclave, which verifies SigV4): SigV4 refusals in AWS's words (unsigned, unknown key,
//! wrong secret, tampered body, expired or future date, wrong region), request ids, keep-alive,
//! the body limit (`--max-body`, handed to the simulated enclave), unknown targets, `/healthz` and
//! `/metrics` on the service port (the enclave's) and on the admin port (the proxy's), and a
//! clean SIGTERM.

use std::net::TcpStream;
use std::time::Duration;

use nitro_kms_tests::proxy::{Signing, Sim, kms_call, kms_headers, send};
use serde_json::json;

fn connect(sim: &Sim) -> TcpStream {
    let s = TcpStream::connect(sim.authority()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

fn call_signed(
    sim: &Sim,
    op: &str,
    body: &[u8],
    signing: Option<&Signing>,
) -> nitro_kms_tests::proxy::HttpResponse {
    let headers = kms_headers(sim.authority(), op, body, signing);
    send(&mut connect(sim), "POST", "/", &headers, body).unwrap()
}

#[test]
fn requests_that_are_not_signed_correctly_get_aws_errors() {
    let sim = Sim::start(&[]);
    let body = br#"{"NumberOfBytes":8}"#;

    let r = call_signed(&sim, "GenerateRandom", body, None);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["__type"], "MissingAuthenticationTokenException");

    let mut unknown = Signing::simulation();
    unknown.access_key_id = "AKIAUNKNOWNUNKNOWN00".into();
    let r = call_signed(&sim, "GenerateRandom", body, Some(&unknown));
    assert_eq!(
        (r.status, r.json()["__type"].as_str().unwrap()),
        (400, "UnrecognizedClientException")
    );
    assert_eq!(
        r.json()["message"],
        "The security token included in the request is invalid."
    );

    let mut wrong_secret = Signing::simulation();
    wrong_secret.secret = "not the secret".into();
    let r = call_signed(&sim, "GenerateRandom", body, Some(&wrong_secret));
    assert_eq!(
        (r.status, r.json()["__type"].as_str().unwrap()),
        (400, "InvalidSignatureException")
    );
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("The request signature we calculated does not match")
    );

    // Signed for one body, sent with another.
    let headers = kms_headers(
        sim.authority(),
        "GenerateRandom",
        body,
        Some(&Signing::simulation()),
    );
    let r = send(
        &mut connect(&sim),
        "POST",
        "/",
        &headers,
        br#"{"NumberOfBytes":9}"#,
    )
    .unwrap();
    assert_eq!(r.json()["__type"], "InvalidSignatureException");

    let mut old = Signing::simulation();
    old.at -= 600;
    let r = call_signed(&sim, "GenerateRandom", body, Some(&old));
    assert_eq!(r.json()["__type"], "InvalidSignatureException");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired: "),
        "{}",
        r.json()
    );

    let mut future = Signing::simulation();
    future.at += 600;
    let r = call_signed(&sim, "GenerateRandom", body, Some(&future));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature not yet current: "),
        "{}",
        r.json()
    );

    // The simulation serves every AWS region (issue 18), so only a scope that names no AWS region
    // is refused.
    let mut region = Signing::simulation();
    region.region = "xx-nowhere-1".into();
    let r = call_signed(&sim, "GenerateRandom", body, Some(&region));
    assert_eq!(r.json()["__type"], "InvalidSignatureException");

    // Within the 5-minute window is fine.
    let mut skewed = Signing::simulation();
    skewed.at -= 200;
    let r = call_signed(&sim, "GenerateRandom", body, Some(&skewed));
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn every_response_has_a_request_id_and_connections_are_kept_alive() {
    let sim = Sim::start(&[]);
    let mut stream = connect(&sim);
    let mut ids = Vec::new();
    for i in 0..5 {
        let body = json!({"NumberOfBytes": 4 + i}).to_string().into_bytes();
        let headers = kms_headers(
            sim.authority(),
            "GenerateRandom",
            &body,
            Some(&Signing::simulation()),
        );
        let r = send(&mut stream, "POST", "/", &headers, &body).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));
        ids.push(r.header("x-amzn-requestid").unwrap().to_owned());
    }
    // An error on the same connection also has one.
    let body = b"{}".to_vec();
    let headers = kms_headers(
        sim.authority(),
        "GenerateRandom",
        &body,
        Some(&Signing::simulation()),
    );
    let r = send(&mut stream, "POST", "/", &headers, &body).unwrap();
    assert_eq!(r.json()["message"], "NumberOfBytes is required.");
    ids.push(r.header("x-amzn-requestid").unwrap().to_owned());
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "request ids must be unique");
    assert_eq!(ids[0].len(), 36);
}

#[test]
fn unknown_targets_and_oversize_bodies_are_refused() {
    let sim = Sim::start(&["--max-body", "400000"]);
    let r = kms_call(&sim, "NoSuchOperation", &json!({}));
    assert_eq!(
        (r.status, r.json()["__type"].as_str().unwrap()),
        (400, "UnknownOperationException")
    );
    // A Recipient-sized body (a 262144-byte document in base64) fits under the limit...
    let doc = "A".repeat(349_528);
    let r = kms_call(
        &sim,
        "GenerateRandom",
        &json!({"NumberOfBytes": 8, "Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": doc}}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["__type"], "ValidationException", "{}", r.json());
    // ...and one larger than the limit is refused before anything else.
    let big = "A".repeat(500_000);
    let r = kms_call(
        &sim,
        "GenerateRandom",
        &json!({"NumberOfBytes": 8, "Padding": big}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["__type"], "SerializationException");
}

#[test]
fn healthz_and_metrics_report_the_enclave_and_the_traffic() {
    let sim = Sim::start(&[]);
    // The service port is the enclave's: its own readiness and per-operation counts.
    let r = sim.service_get("/healthz");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    kms_call(&sim, "GenerateRandom", &json!({"NumberOfBytes": 8}));
    kms_call(&sim, "GenerateRandom", &json!({}));
    let text = sim.service_metrics();
    assert!(
        text.contains("nitro_kms_requests_total{operation=\"GenerateRandom\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("nitro_kms_errors_total{operation=\"GenerateRandom\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("nitro_kms_request_duration_seconds_count{operation=\"GenerateRandom\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE nitro_kms_request_duration_seconds histogram"),
        "{text}"
    );

    // The admin port is the proxy's: the leader's control link, connections and bytes relayed.
    let r = sim.admin_get("/healthz");
    assert_eq!(
        (r.status, String::from_utf8_lossy(&r.body).into_owned()),
        (200, "ok\n".to_owned())
    );
    let text = sim.admin_metrics();
    let sample = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    // Four connections so far: /healthz, two calls, /metrics on the service port.
    assert!(
        sample("nitro_kms_relay_connections_accepted_total") >= 4,
        "{text}"
    );
    assert!(sample("nitro_kms_enclave_relayed_connections_total{enclave=\"0\"}") >= 4);
    assert!(sample("nitro_kms_relay_bytes_total{direction=\"client_to_enclave\"}") > 0);
    assert!(sample("nitro_kms_relay_bytes_total{direction=\"enclave_to_client\"}") > 0);
    assert_eq!(sample("nitro_kms_relay_connect_failures_total"), 0);
    assert_eq!(sample("nitro_kms_enclave_connections"), 2);
    assert_eq!(sample("nitro_kms_enclave_caught_up{enclave=\"0\"}"), 1);
    // Per-operation metrics are the enclave's alone: the proxy does not see operations.
    assert!(!text.contains("nitro_kms_requests_total"), "{text}");
    assert_eq!(sim.admin_get("/").status, 404);
}

#[test]
fn json_logs_are_one_json_object_per_line() {
    let sim = Sim::start(&["--log-format", "json"]);
    kms_call(&sim, "GenerateRandom", &json!({"NumberOfBytes": 8}));
    let log = sim.log_text();
    let json_lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        json_lines
            .iter()
            .any(|l| l["fields"]["message"] == "KMS endpoint listening"),
        "{log}"
    );
    // No secret ever reaches the log.
    assert!(!log.contains(nitro_kms_api::sigv4::SIMULATION_SECRET_ACCESS_KEY));
}
