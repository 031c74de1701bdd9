//! Tests of the transports: address parsing and display, listening, connecting, stale sockets.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use tokio::net::TcpStream;

use super::*;
use crate::{FramedReader, FramedWriter, Hello, Limits, Message, Request, Response, handshake};

fn parse(s: &str) -> Result<Address, AddressError> {
    s.parse()
}

#[test]
fn canonical_addresses_parse_and_display_back_identically() {
    let cases = [
        (
            "vsock://16:5000",
            Address::Vsock {
                cid: 16,
                port: 5000,
            },
        ),
        (
            "vsock://ANY:5000",
            Address::Vsock {
                cid: VSOCK_CID_ANY,
                port: 5000,
            },
        ),
        (
            "vsock://3:ANY",
            Address::Vsock {
                cid: 3,
                port: VSOCK_PORT_ANY,
            },
        ),
        (
            "vsock://4294967294:0",
            Address::Vsock {
                cid: 4_294_967_294,
                port: 0,
            },
        ),
        (
            "unix:///run/nitro-kms/enclave.sock",
            Address::Unix(PathBuf::from("/run/nitro-kms/enclave.sock")),
        ),
        (
            "unix:///tmp/with space",
            Address::Unix(PathBuf::from("/tmp/with space")),
        ),
        (
            "tcp://127.0.0.1:8000",
            Address::Tcp {
                host: Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                port: 8000,
            },
        ),
        (
            "tcp://[::1]:0",
            Address::Tcp {
                host: Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                port: 0,
            },
        ),
        (
            "tcp://kms.eu-west-1.amazonaws.com:443",
            Address::Tcp {
                host: Host::Name("kms.eu-west-1.amazonaws.com".to_owned()),
                port: 443,
            },
        ),
        (
            "tcp://localhost:65535",
            Address::Tcp {
                host: Host::Name("localhost".to_owned()),
                port: 65535,
            },
        ),
    ];
    for (text, address) in cases {
        assert_eq!(parse(text).as_ref(), Ok(&address), "{text}");
        assert_eq!(address.to_string(), text);
    }
}

#[test]
fn non_canonical_spellings_parse_to_the_canonical_form() {
    let cases = [
        ("VSOCK://any:Any", "vsock://ANY:ANY"),
        ("vsock://4294967295:7", "vsock://ANY:7"),
        ("vsock://007:08", "vsock://7:8"),
        ("TCP://LocalHost:80", "tcp://localhost:80"),
        ("tcp://[0:0:0:0:0:0:0:1]:80", "tcp://[::1]:80"),
        ("Unix:///a", "unix:///a"),
    ];
    for (text, canonical) in cases {
        let address = parse(text).unwrap();
        assert_eq!(address.to_string(), canonical, "{text}");
        assert_eq!(parse(canonical).unwrap(), address);
    }
}

#[test]
fn parse_rejects_unknown_or_missing_schemes() {
    assert_eq!(
        parse("http://127.0.0.1:80"),
        Err(AddressError::UnknownScheme("http".to_owned()))
    );
    for text in [
        "",
        "127.0.0.1",
        "://x:1",
        "tcp:127.0.0.1:80",
        "vsock:3:5000",
    ] {
        assert_eq!(
            parse(text),
            Err(AddressError::Malformed(text.to_owned())),
            "{text}"
        );
    }
}

#[test]
fn parse_rejects_a_missing_port() {
    for text in [
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:",
        "tcp://[::1]",
        "tcp://[::1]:",
        "vsock://3",
        "vsock://3:",
    ] {
        assert_eq!(
            parse(text),
            Err(AddressError::MissingPort(text.to_owned())),
            "{text}"
        );
    }
}

#[test]
fn parse_rejects_invalid_ports() {
    for (text, port) in [
        ("tcp://127.0.0.1:65536", "65536"),
        ("tcp://127.0.0.1:+80", "+80"),
        ("tcp://127.0.0.1:80/", "80/"),
        ("tcp://127.0.0.1:ANY", "ANY"),
        ("vsock://3:4294967296", "4294967296"),
        ("vsock://3:-1", "-1"),
        ("vsock://3:5000:1", "5000:1"),
    ] {
        assert_eq!(
            parse(text),
            Err(AddressError::InvalidPort(port.to_owned())),
            "{text}"
        );
    }
}

#[test]
fn parse_rejects_cid_overflow_and_names_other_than_any() {
    for (text, cid) in [
        ("vsock://4294967296:5000", "4294967296"),
        ("vsock://HOST:5000", "HOST"),
        ("vsock://-1:5000", "-1"),
        ("vsock://:5000", ""),
    ] {
        assert_eq!(
            parse(text),
            Err(AddressError::InvalidCid(cid.to_owned())),
            "{text}"
        );
    }
}

#[test]
fn parse_rejects_relative_unix_paths() {
    for (text, path) in [
        ("unix:relative.sock", "relative.sock"),
        ("unix://relative.sock", "relative.sock"),
        ("unix:/abs/but/no/slashes", "/abs/but/no/slashes"),
        ("unix://", ""),
    ] {
        assert_eq!(
            parse(text),
            Err(AddressError::RelativeUnixPath(path.to_owned())),
            "{text}"
        );
    }
}

#[test]
fn parse_rejects_unix_paths_that_cannot_be_bound() {
    let longest = format!("/{}", "a".repeat(UNIX_PATH_MAX - 1));
    assert!(parse(&format!("unix://{longest}")).is_ok());
    let too_long = format!("unix://{longest}a");
    assert!(matches!(
        parse(&too_long),
        Err(AddressError::InvalidUnixPath { .. })
    ));
    assert!(matches!(
        parse("unix:///tmp/a\0b"),
        Err(AddressError::InvalidUnixPath {
            reason: "contains a NUL byte",
            ..
        })
    ));
}

#[test]
fn parse_rejects_invalid_tcp_hosts() {
    for (text, host) in [
        ("tcp://::1:80", "::1"),
        ("tcp://[::1:80", "[::1:80"),
        ("tcp://[127.0.0.1]:80", "127.0.0.1"),
        ("tcp://999.1.1.1:80", "999.1.1.1"),
        ("tcp://1.2.3:80", "1.2.3"),
        ("tcp://:80", ""),
        ("tcp://bad host:80", "bad host"),
        ("tcp://user@host:80", "user@host"),
        ("tcp://-lead.example:80", "-lead.example"),
        ("tcp://double..dot:80", "double..dot"),
    ] {
        assert_eq!(
            parse(text),
            Err(AddressError::InvalidHost(host.to_owned())),
            "{text}"
        );
    }
}

#[test]
fn address_errors_say_what_was_wrong() {
    let message = parse("unix:enclave.sock").unwrap_err().to_string();
    assert_eq!(
        message,
        "unix socket path `enclave.sock` is not absolute; write unix:///absolute/path"
    );
    let message = parse("vsock://4294967296:1").unwrap_err().to_string();
    assert!(message.contains("4294967296"), "{message}");
}

/// Serves one connection: Hello exchange, then answers each Request with a Response echoing
/// its op and payload, until the client closes.
async fn echo_one_connection(listener: Listener) -> Result<PeerAddr, crate::WireError> {
    let (mut stream, peer) = listener.accept().await.unwrap();
    let limits = handshake(&mut stream, &Hello::new(&Limits::default())).await?;
    let (read_half, write_half) = tokio::io::split(stream);
    let mut reader = FramedReader::new(read_half, &limits);
    let mut writer = FramedWriter::new(write_half, &limits);
    while let Some(message) = reader.read_message().await? {
        let Message::Request(request) = message else {
            panic!("unexpected {message:?}");
        };
        let mut payload = request.op.into_bytes();
        payload.extend_from_slice(&request.payload);
        writer
            .write_message(&Message::Response(Response::ok(request.id, payload)))
            .await?;
    }
    Ok(peer)
}

/// Connects, does the Hello exchange, sends three requests and checks the echoes.
async fn echo_client(address: &Address) {
    let mut stream = connect(address).await.unwrap();
    let limits = handshake(&mut stream, &Hello::new(&Limits::default()))
        .await
        .unwrap();
    assert_eq!(limits, Limits::default());
    let (read_half, write_half) = tokio::io::split(stream);
    let mut reader = FramedReader::new(read_half, &limits);
    let mut writer = FramedWriter::new(write_half, &limits);
    for id in 1..=3u64 {
        let request = Request {
            id,
            op: "Encrypt".to_owned(),
            caller: "arn:aws:iam::111122223333:root".to_owned(),
            payload: format!("{{\"n\":{id}}}").into_bytes(),
        };
        writer
            .write_message(&Message::Request(request))
            .await
            .unwrap();
    }
    for id in 1..=3u64 {
        let Some(Message::Response(response)) = reader.read_message().await.unwrap() else {
            panic!("expected a response");
        };
        assert_eq!(response.id, id);
        assert_eq!(
            response.payload,
            format!("Encrypt{{\"n\":{id}}}").into_bytes()
        );
    }
    writer.shutdown().await.unwrap();
}

#[tokio::test]
async fn unix_socket_carries_frames_between_listen_and_connect() {
    let dir = tempfile::tempdir().unwrap();
    let address = Address::Unix(dir.path().join("enclave.sock"));
    let listener = listen(&address).await.unwrap();
    assert_eq!(listener.local_addr().unwrap(), address);
    let server = tokio::spawn(echo_one_connection(listener));
    echo_client(&address).await;
    let peer = server.await.unwrap().unwrap();
    assert_eq!(peer, PeerAddr::Unix(None));
}

#[tokio::test]
async fn tcp_loopback_carries_frames_between_listen_and_connect() {
    let listener = listen(&parse("tcp://127.0.0.1:0").unwrap()).await.unwrap();
    let address = listener.local_addr().unwrap();
    let Address::Tcp { host, port } = &address else {
        panic!("not a TCP address: {address}");
    };
    assert_eq!(*host, Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert_ne!(*port, 0);
    let server = tokio::spawn(echo_one_connection(listener));
    echo_client(&address).await;
    let peer = server.await.unwrap().unwrap();
    assert!(
        matches!(peer, PeerAddr::Tcp(addr) if addr.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST)),
        "{peer}"
    );
}

#[tokio::test]
async fn a_tcp_listener_queues_a_burst_of_connects_beyond_std_s_128() {
    // Nobody accepts: with std's backlog of 128 the connects past it lose their SYN and wait
    // for retransmissions that are never answered; with ours every one is queued at once.
    let listener = listen(&parse("tcp://127.0.0.1:0").unwrap()).await.unwrap();
    let Address::Tcp { port, .. } = listener.local_addr().unwrap() else {
        panic!("not TCP");
    };
    let mut held = Vec::new();
    for i in 0..300 {
        let connect = TcpStream::connect((Ipv4Addr::LOCALHOST, port));
        let stream = tokio::time::timeout(std::time::Duration::from_secs(5), connect)
            .await
            .unwrap_or_else(|_| panic!("connect {i} was not queued"))
            .unwrap();
        held.push(stream);
    }
    drop(listener);
}

#[tokio::test]
async fn tcp_streams_have_nodelay_set_on_both_ends() {
    let listener = listen(&parse("tcp://127.0.0.1:0").unwrap()).await.unwrap();
    let address = listener.local_addr().unwrap();
    let (accepted, connected) = tokio::join!(listener.accept(), connect(&address));
    let (Stream::Tcp(accepted), _) = accepted.unwrap() else {
        panic!("accepted a non-TCP stream");
    };
    let Stream::Tcp(connected) = connected.unwrap() else {
        panic!("connected a non-TCP stream");
    };
    assert!(accepted.nodelay().unwrap());
    assert!(connected.nodelay().unwrap());
}

#[tokio::test]
async fn unix_listen_replaces_a_stale_socket_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stale.sock");
    // A socket file whose listener is gone, as a crashed previous run leaves it.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let address = Address::Unix(path);
    let listener = listen(&address).await.unwrap();
    let server = tokio::spawn(echo_one_connection(listener));
    echo_client(&address).await;
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn unix_listen_refuses_a_path_a_live_listener_holds() {
    let dir = tempfile::tempdir().unwrap();
    let address = Address::Unix(dir.path().join("live.sock"));
    let _live = listen(&address).await.unwrap();
    let result = listen(&address).await;
    assert!(
        matches!(&result, Err(TransportError::InUse { address: a }) if *a == address),
        "{result:?}"
    );
}

#[tokio::test]
async fn unix_listen_never_removes_a_path_that_is_not_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("precious.txt");
    std::fs::write(&path, b"keep me").unwrap();
    let result = listen(&Address::Unix(path.clone())).await;
    assert!(
        matches!(result, Err(TransportError::NotASocket { .. })),
        "{result:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}

#[tokio::test]
async fn connect_errors_name_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let address = Address::Unix(dir.path().join("nobody-home.sock"));
    let error = connect(&address).await.unwrap_err();
    assert!(
        matches!(&error, TransportError::Connect { source, .. } if source.kind() == io::ErrorKind::NotFound),
        "{error:?}"
    );
    assert!(error.to_string().contains(&address.to_string()), "{error}");
}

#[tokio::test]
async fn vsock_listen_on_any_binds_or_reports_a_clear_error() {
    // Never connects: this machine has vsock but no vsock loopback, and a connect would go to
    // the hypervisor. Port ANY lets the kernel pick a free port, so concurrent test runs on
    // the same machine cannot collide.
    let address = parse("vsock://ANY:ANY").unwrap();
    match listen(&address).await {
        Ok(listener) => {
            let Address::Vsock { port, .. } = listener.local_addr().unwrap() else {
                panic!("a vsock listener reported a non-vsock address");
            };
            assert_ne!(port, VSOCK_PORT_ANY, "the kernel should have picked a port");
        }
        Err(error) => {
            // No vsock in this kernel: the error must say which address and why.
            assert!(matches!(&error, TransportError::Listen { .. }), "{error:?}");
            let message = error.to_string();
            assert!(message.contains("vsock://ANY:ANY"), "{message}");
        }
    }
}
