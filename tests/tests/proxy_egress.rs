#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `nitro-kms-proxy --egress`, the whole process: a relay on a Unix socket beside the simulated
//! chain, reached with raw CONNECT requests (an allowed loopback echo server, a disallowed one)
//! and with `KmsClient` running TLS through the tunnel; what `/metrics` and the log say; and a
//! bad spec refused as a usage error. Never over vsock (this machine has no vsock loopback).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use nitro_kms_api::ops::GenerateRandomRequest;
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_client::{ClientConfig, ClientError, Credentials, KmsClient};
use nitro_kms_tests::proxy::{REGION, Sim};
use nitro_kms_tests::tls::TlsFront;

/// Opens a connection to the relay at `socket` and asks for `target`; returns the stream and
/// the answer's head.
fn connect_through(socket: &Path, target: &str) -> (UnixStream, String) {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "closed before the answer"
        );
        head.push(byte[0]);
    }
    (stream, String::from_utf8_lossy(&head).into_owned())
}

/// The proxy's `/metrics` text (its admin port).
fn metrics(sim: &Sim) -> String {
    sim.admin_metrics()
}

#[test]
fn proxy_egress_relays_to_an_allowed_server_refuses_another_and_counts_both() {
    // The allowed upstream: echoes one connection, then ends.
    let echo = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = echo.local_addr().unwrap().port();
    let echo_thread = std::thread::spawn(move || {
        let (mut stream, _) = echo.accept().unwrap();
        let mut reader = stream.try_clone().unwrap();
        std::io::copy(&mut reader, &mut stream).unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
    });
    // The disallowed one: never accepted from, so a connection made to it would wait in its
    // queue.
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    other.set_nonblocking(true).unwrap();
    let other_port = other.local_addr().unwrap().port();

    let tmp = tempfile::tempdir().unwrap();
    let socket = tmp.path().join("egress.sock");
    let spec = format!("listen=unix://{},allow=localhost:{port}", socket.display());
    let sim = Sim::start_in(tmp, &["--egress", &spec]);

    let (mut tunnel, head) = connect_through(&socket, &format!("localhost:{port}"));
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    tunnel.write_all(b"p4yl0ad!").unwrap();
    let mut echoed = [0u8; 8];
    tunnel.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"p4yl0ad!");
    tunnel.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    tunnel.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    echo_thread.join().unwrap();

    let (mut refused, head) = connect_through(&socket, &format!("127.0.0.1:{other_port}"));
    assert!(head.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{head}");
    let mut rest = Vec::new();
    refused.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    let queued = other.accept();
    assert!(
        matches!(&queued, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the relay connected to a disallowed server: {queued:?}"
    );

    let text = metrics(&sim);
    for line in [
        "nitro_kms_egress_connections_total{result=\"relayed\"} 1",
        "nitro_kms_egress_connections_total{result=\"refused\"} 1",
        "nitro_kms_egress_connections_total{result=\"bad_request\"} 0",
        "nitro_kms_egress_bytes_total{direction=\"to_upstream\"} 8",
        "nitro_kms_egress_bytes_total{direction=\"to_enclave\"} 8",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    let log = sim.log_text();
    assert!(log.contains("egress relay listening"), "{log}");
    assert!(log.contains(&format!("localhost:{port}")), "{log}");
    assert!(
        log.lines()
            .any(|l| l.contains("403 Forbidden") && l.contains(&format!("127.0.0.1:{other_port}"))),
        "the refusal is not logged with its destination:\n{log}"
    );
    assert!(!log.contains("p4yl0ad"), "payload bytes in the log:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_client_reaches_the_proxy_over_https_through_its_egress_relay() {
    // TLS runs in the client, through the tunnel: the relay only sees ciphertext.
    let front = TlsFront::bind("localhost").await;
    let tls_port = front.port;
    let root_pem = front.root_pem.clone();
    let tmp = tempfile::tempdir().unwrap();
    let socket = tmp.path().join("egress.sock");
    let spec = format!(
        "listen=unix://{},allow=localhost:{tls_port}",
        socket.display()
    );
    let sim = Sim::start_in(tmp, &["--egress", &spec]);
    front.forward_to(sim.authority().to_owned());

    let client = |endpoint: String| {
        let credentials =
            Credentials::new(SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, None);
        let mut config = ClientConfig::new(&endpoint, REGION, credentials);
        config.egress_relay = Some(format!("unix://{}", socket.display()));
        config.tls_roots_pem = Some(root_pem.clone().into_bytes());
        KmsClient::new(config).unwrap()
    };
    let request = GenerateRandomRequest {
        number_of_bytes: Some(8),
        ..Default::default()
    };
    let through = client(format!("https://localhost:{tls_port}"));
    for _ in 0..3 {
        let random = through.generate_random(&request).await.unwrap();
        assert_eq!(random.plaintext.unwrap().len(), 8);
    }
    assert_eq!(through.connections_opened(), 1);

    // The same server by its IP address is not in the allowlist: a typed refusal.
    let refused = client(format!("https://127.0.0.1:{tls_port}"));
    let error = refused.generate_random(&request).await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Transport(m)
            if *m == format!("egress relay refused 127.0.0.1:{tls_port}: 403 Forbidden")),
        "{error:?}"
    );
    let text = metrics(&sim);
    assert!(
        text.contains("nitro_kms_egress_connections_total{result=\"relayed\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("nitro_kms_egress_connections_total{result=\"refused\"} 1"),
        "{text}"
    );
}

#[test]
fn a_bad_egress_spec_is_a_usage_error_that_names_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    for (spec, says) in [
        ("vsock-port=8000", "no allow=HOST:PORT"),
        ("vsock-port=8000,allow=*.10.0.0.1:443", "a wildcard must be"),
        (
            "listen=unix:///tmp/x.sock,allow=kms.example.com",
            "lacks a port",
        ),
        (
            "vsock-port=8000,allow=a.example:443,retries=3",
            "unknown key `retries`",
        ),
    ] {
        let out = std::process::Command::new(nitro_kms_tests::binary("nitro-kms-proxy"))
            .arg("--simulate")
            .arg("--state-dir")
            .arg(tmp.path())
            .args(["--egress", spec])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{spec}: {stderr}");
        assert!(stderr.contains("--egress"), "{spec}: {stderr}");
        assert!(stderr.contains(says), "{spec}: {stderr}");
    }
}
