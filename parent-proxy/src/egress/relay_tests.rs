//! The relay against loopback only: upstreams on `127.0.0.1:0`, the relay on a Unix socket in a
//! temporary directory. Every test is bounded by [`bounded`]; none asserts a timing.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use nitro_kms_api::ops::GenerateRandomRequest;
use nitro_kms_client::{ClientConfig, ClientError, Credentials, KmsClient};
use nitro_kms_wire::http_connect::{self, StatusLine};
use nitro_kms_wire::transport::{self, Address, Stream};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::metrics::{EgressResult, Metrics};

/// Runs `test` with a deadline: a broken relay fails the test instead of hanging it.
async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(30), test)
        .await
        .unwrap_or_else(|_| panic!("the test did not finish within 30 s"));
}

/// Waits (bounded) until `condition` holds.
async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..1000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never true: {what}");
}

/// A relay on a Unix socket, stopped when dropped.
struct Harness {
    address: Address,
    metrics: Arc<Metrics>,
    stop: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// Starts a relay with `listen=unix://TMP/egress.sock,` then `rest` of the spec.
    async fn start(rest: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("egress.sock");
        let spec: super::EgressSpec = format!("listen=unix://{},{rest}", socket.display())
            .parse()
            .unwrap();
        let metrics = Arc::new(Metrics::default());
        let (stop, stop_rx) = watch::channel(false);
        let bound = super::start(&[spec], &metrics, &stop_rx).await.unwrap();
        Harness {
            address: bound.into_iter().next().unwrap(),
            metrics,
            stop,
            _dir: dir,
        }
    }

    fn count(&self, result: EgressResult) -> u64 {
        self.metrics.egress.get(result)
    }

    fn active(&self) -> u64 {
        self.metrics.egress.active.load(Ordering::Relaxed)
    }

    /// Connects, sends `head` and reads the relay's answer.
    async fn send(&self, head: &[u8]) -> (BufReader<Stream>, StatusLine) {
        let mut stream = BufReader::new(transport::connect(&self.address).await.unwrap());
        stream.write_all(head).await.unwrap();
        let answer = http_connect::read_head(&mut stream, http_connect::MAX_HEAD)
            .await
            .unwrap();
        (stream, http_connect::parse_response(&answer).unwrap())
    }

    /// Asks for a tunnel to `target`.
    async fn connect(&self, target: &str) -> (BufReader<Stream>, StatusLine) {
        let head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
        self.send(head.as_bytes()).await
    }
}

/// A TCP echo server on loopback; counts the connections it accepted.
async fn echo_upstream() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let (mut read, mut write) = tcp.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
                let _ = write.shutdown().await;
            });
        }
    });
    (port, accepted)
}

/// A loopback listener that never accepts: a connection the relay made to it would wait in its
/// queue, where [`assert_never_reached`] finds it.
fn silent_upstream() -> (std::net::TcpListener, u16) {
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    upstream.set_nonblocking(true).unwrap();
    let port = upstream.local_addr().unwrap().port();
    (upstream, port)
}

/// Checks that nobody connected to a [`silent_upstream`].
fn assert_never_reached(upstream: &std::net::TcpListener) {
    let queued = upstream.accept();
    assert!(
        matches!(&queued, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the relay connected upstream: {queued:?}"
    );
}

/// A loopback port nobody listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Sends `bytes` through a tunnel to an echo server and checks they come back.
async fn assert_echoes(tunnel: &mut BufReader<Stream>, bytes: &[u8]) {
    tunnel.write_all(bytes).await.unwrap();
    let mut echoed = vec![0u8; bytes.len()];
    tunnel.read_exact(&mut echoed).await.unwrap();
    assert_eq!(echoed, bytes);
}

/// Reads until the end of the stream.
async fn read_to_end(stream: &mut BufReader<Stream>) -> Vec<u8> {
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    rest
}

#[tokio::test]
async fn egress_relays_bytes_both_ways_to_an_allowed_destination_and_counts_them() {
    bounded(async {
        let (port, accepted) = echo_upstream().await;
        let relay = Harness::start(&format!("allow=127.0.0.1:{port}")).await;
        let (mut tunnel, status) = relay.connect(&format!("127.0.0.1:{port}")).await;
        assert_eq!(status.code, 200, "{status}");
        assert_echoes(&mut tunnel, b"hello upstream").await;
        // Half-close: our end of stream reaches the echo server, whose own end comes back.
        tunnel.get_mut().shutdown().await.unwrap();
        assert!(read_to_end(&mut tunnel).await.is_empty());
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        wait_until("the tunnel is closed", || relay.active() == 0).await;
        assert_eq!(relay.count(EgressResult::Relayed), 1);
        let egress = &relay.metrics.egress;
        assert_eq!(egress.bytes_to_upstream.load(Ordering::Relaxed), 14);
        assert_eq!(egress.bytes_to_enclave.load(Ordering::Relaxed), 14);
        let text = relay.metrics.render(&[], 0);
        assert!(
            text.contains("nitro_kms_egress_connections_total{result=\"relayed\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("nitro_kms_egress_bytes_total{direction=\"to_upstream\"} 14"),
            "{text}"
        );
        assert!(
            text.contains("nitro_kms_egress_active_connections 0"),
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn bytes_sent_right_after_the_connect_head_reach_the_upstream() {
    bounded(async {
        let (port, _) = echo_upstream().await;
        let relay = Harness::start(&format!("allow=localhost:{port}")).await;
        // Upper case and a trailing dot name the allowed host; localhost resolves to loopback.
        let head = format!("CONNECT LocalHost.:{port} HTTP/1.1\r\n\r\nearly bytes");
        let (mut tunnel, status) = relay.send(head.as_bytes()).await;
        assert_eq!(status.code, 200, "{status}");
        let mut echoed = [0u8; 11];
        tunnel.read_exact(&mut echoed).await.unwrap();
        assert_eq!(&echoed, b"early bytes");
    })
    .await;
}

#[tokio::test]
async fn egress_refuses_a_name_outside_the_allowlist_and_counts_it() {
    bounded(async {
        let (upstream, port) = silent_upstream();
        let relay = Harness::start(&format!("allow=127.0.0.1:1,allow=*.example.com:{port}")).await;
        for target in [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("example.com:{port}"),
        ] {
            let (mut refused, status) = relay.connect(&target).await;
            assert_eq!(status.to_string(), "403 Forbidden", "{target}");
            assert!(read_to_end(&mut refused).await.is_empty(), "{target}");
        }
        assert_eq!(relay.count(EgressResult::Refused), 3);
        assert_eq!(relay.count(EgressResult::Relayed), 0);
        assert_never_reached(&upstream);
    })
    .await;
}

#[tokio::test]
async fn egress_answers_503_past_max_connections_and_serves_again_once_one_closes() {
    bounded(async {
        let (port, _) = echo_upstream().await;
        let relay = Harness::start(&format!("allow=127.0.0.1:{port},max-connections=1")).await;
        let target = format!("127.0.0.1:{port}");
        let (held, status) = relay.connect(&target).await;
        assert_eq!(status.code, 200);
        let (mut limited, status) = relay.connect(&target).await;
        assert_eq!(status.to_string(), "503 Service Unavailable");
        assert!(read_to_end(&mut limited).await.is_empty());
        assert_eq!(relay.count(EgressResult::Limited), 1);
        drop((held, limited));
        wait_until("both connections are closed", || relay.active() == 0).await;
        let (_again, status) = relay.connect(&target).await;
        assert_eq!(status.code, 200);
        assert_eq!(relay.count(EgressResult::Relayed), 2);
    })
    .await;
}

#[tokio::test]
async fn egress_answers_502_when_the_upstream_port_is_closed_and_keeps_serving() {
    bounded(async {
        let closed = closed_port().await;
        let (port, _) = echo_upstream().await;
        let relay =
            Harness::start(&format!("allow=127.0.0.1:{closed},allow=127.0.0.1:{port}")).await;
        let (mut failed, status) = relay.connect(&format!("127.0.0.1:{closed}")).await;
        assert_eq!(status.to_string(), "502 Bad Gateway");
        assert!(read_to_end(&mut failed).await.is_empty());
        assert_eq!(relay.count(EgressResult::Failed), 1);
        let (mut tunnel, status) = relay.connect(&format!("127.0.0.1:{port}")).await;
        assert_eq!(status.code, 200);
        assert_echoes(&mut tunnel, b"still here").await;
    })
    .await;
}

#[tokio::test]
async fn egress_answers_502_for_a_name_that_does_not_resolve() {
    bounded(async {
        // `.invalid` is reserved never to resolve (RFC 2606).
        let relay = Harness::start("allow=nowhere.invalid:443,connect-timeout-ms=10000").await;
        let (_, status) = relay.connect("nowhere.invalid:443").await;
        // 504 if the resolver itself is too slow to say so.
        assert!([502, 504].contains(&status.code), "{status}");
        assert_eq!(relay.count(EgressResult::Failed), 1);
    })
    .await;
}

#[tokio::test]
async fn an_upstream_closing_or_resetting_mid_stream_ends_only_that_tunnel() {
    bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            // First connection: answers, then closes cleanly. Second: resets.
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 2];
            tcp.read_exact(&mut buf).await.unwrap();
            tcp.write_all(b"bye").await.unwrap();
            drop(tcp);
            let (tcp, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 2];
            let mut tcp = tcp;
            tcp.read_exact(&mut buf).await.unwrap();
            tcp.set_zero_linger().unwrap();
            drop(tcp);
        });
        let (echo, _) = echo_upstream().await;
        let relay = Harness::start(&format!("allow=127.0.0.1:{port},allow=127.0.0.1:{echo}")).await;

        let (mut tunnel, status) = relay.connect(&format!("127.0.0.1:{port}")).await;
        assert_eq!(status.code, 200);
        tunnel.write_all(b"hi").await.unwrap();
        assert_eq!(read_to_end(&mut tunnel).await, b"bye");
        // Only half closed so far (we could still send): our close ends the tunnel.
        drop(tunnel);

        let (mut tunnel, status) = relay.connect(&format!("127.0.0.1:{port}")).await;
        assert_eq!(status.code, 200);
        tunnel.write_all(b"hi").await.unwrap();
        // The reset ends the tunnel: end of stream (or an error), never a hang.
        let mut rest = Vec::new();
        let _ = tunnel.read_to_end(&mut rest).await;
        assert!(rest.is_empty());
        drop(tunnel);

        wait_until("both tunnels are closed", || relay.active() == 0).await;
        let (mut tunnel, status) = relay.connect(&format!("127.0.0.1:{echo}")).await;
        assert_eq!(status.code, 200);
        assert_echoes(&mut tunnel, b"ok").await;
        assert_eq!(relay.count(EgressResult::Relayed), 3);
    })
    .await;
}

#[tokio::test]
async fn a_request_head_not_complete_in_time_gets_400() {
    bounded(async {
        let relay = Harness::start("allow=127.0.0.1:1,head-timeout-ms=100").await;
        let (mut slow, status) = relay.send(b"CONNECT 127.0.0.1:1 HTTP/1.1\r\n").await;
        assert_eq!(status.to_string(), "400 Bad Request");
        assert!(read_to_end(&mut slow).await.is_empty());
        assert_eq!(relay.count(EgressResult::BadRequest), 1);
    })
    .await;
}

#[tokio::test]
async fn malformed_requests_get_400_and_never_reach_upstream() {
    bounded(async {
        let (upstream, port) = silent_upstream();
        let relay = Harness::start(&format!("allow=127.0.0.1:{port}")).await;
        let mut oversize = format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\nX: ").into_bytes();
        oversize.resize(http_connect::MAX_HEAD + 100, b'a');
        oversize.extend_from_slice(b"\r\n\r\n");
        let heads: Vec<Vec<u8>> = vec![
            format!("GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes(),
            format!("CONNECT http://127.0.0.1:{port} HTTP/1.1\r\n\r\n").into_bytes(),
            b"CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n".to_vec(),
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n".to_vec(),
            oversize,
        ];
        for head in &heads {
            let (mut refused, status) = relay.send(head).await;
            assert_eq!(status.code, 400, "{}", String::from_utf8_lossy(&head[..20]));
            assert!(read_to_end(&mut refused).await.is_empty());
        }
        assert_eq!(relay.count(EgressResult::BadRequest), heads.len() as u64);
        assert_never_reached(&upstream);
    })
    .await;
}

#[tokio::test]
async fn an_idle_tunnel_is_closed_after_the_idle_timeout() {
    bounded(async {
        let (port, _) = echo_upstream().await;
        let relay = Harness::start(&format!("allow=127.0.0.1:{port},idle-timeout-ms=100")).await;
        let (mut tunnel, status) = relay.connect(&format!("127.0.0.1:{port}")).await;
        assert_eq!(status.code, 200);
        assert_echoes(&mut tunnel, b"x").await;
        // Then silence: the relay closes the tunnel by itself.
        assert!(read_to_end(&mut tunnel).await.is_empty());
        wait_until("the tunnel is closed", || relay.active() == 0).await;
    })
    .await;
}

#[tokio::test]
async fn shutdown_closes_the_relay_and_its_open_tunnels() {
    bounded(async {
        let (port, _) = echo_upstream().await;
        let relay = Harness::start(&format!("allow=127.0.0.1:{port}")).await;
        let (mut tunnel, status) = relay.connect(&format!("127.0.0.1:{port}")).await;
        assert_eq!(status.code, 200);
        relay.stop.send(true).unwrap();
        // The open tunnel is closed with the relay.
        assert!(read_to_end(&mut tunnel).await.is_empty());
        wait_until("the tunnel is closed", || relay.active() == 0).await;
    })
    .await;
}

/// An HTTP server answering every request like KMS answers GenerateRandom of 4 bytes.
async fn fake_kms() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(|_: Request<Incoming>| async {
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                        br#"{"Plaintext":"AAECAw=="}"#,
                    ))))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    port
}

fn client_through(relay: &Harness, endpoint: &str) -> KmsClient {
    let mut config = ClientConfig::new(
        endpoint,
        "us-east-1",
        Credentials::new("AKIAEXAMPLEEXAMPLE00", "secret", None),
    );
    config.egress_relay = Some(relay.address.to_string());
    KmsClient::new(config).unwrap()
}

#[tokio::test]
async fn kms_client_reaches_an_http_server_through_the_relay_and_reports_a_refusal_typed() {
    bounded(async {
        let port = fake_kms().await;
        let relay = Harness::start(&format!("allow=localhost:{port}")).await;
        let request = GenerateRandomRequest {
            number_of_bytes: Some(4),
            ..Default::default()
        };
        let client = client_through(&relay, &format!("http://localhost:{port}"));
        for _ in 0..3 {
            let random = client.generate_random(&request).await.unwrap();
            assert_eq!(random.plaintext.unwrap().len(), 4);
        }
        // Kept alive: one tunnel for the three calls.
        assert_eq!(client.connections_opened(), 1);
        assert_eq!(relay.count(EgressResult::Relayed), 1);

        let refused = client_through(&relay, &format!("http://127.0.0.1:{port}"));
        let error = refused.generate_random(&request).await.unwrap_err();
        match &error {
            ClientError::Transport(message) => assert_eq!(
                message,
                &format!("egress relay refused 127.0.0.1:{port}: 403 Forbidden")
            ),
            other => panic!("not a transport error: {other:?}"),
        }
        assert_eq!(relay.count(EgressResult::Refused), 1);
    })
    .await;
}
