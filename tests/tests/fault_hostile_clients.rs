#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hostile HTTP clients against the simulated chain, through the proxy's relay: slowloris headers
//! and bodies are cut at their deadlines (the enclave's now: the proxy's `--header-timeout-ms`
//! and `--body-timeout-ms` are handed to the simulated enclave), 4,000 idle connections are held
//! without trouble, garbage bytes get a 400 or a close, a body declared 10 GB long is refused
//! without being buffered (the enclave's `--max-body`), and connections past the proxy's
//! `--max-connections` are closed at once and counted. Through all of it the proxy's memory stays
//! bounded (its `VmRSS`), it does not crash, and well-behaved clients keep being answered.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nitro_kms_tests::proxy::{Signing, Sim, kms_call, kms_headers, rss_kib, send};
use serde_json::json;

/// Idle connections the idle-connections test holds at once.
const IDLE: usize = 4_000;

/// The proxy may use at most this much resident memory under any of these attacks.
const RSS_BOUND_KIB: u64 = 200 * 1024;

/// A signed request from a well-behaved client succeeds, promptly.
fn assert_serves(sim: &Sim) {
    let started = Instant::now();
    let r = kms_call(sim, "GenerateRandom", &json!({"NumberOfBytes": 16}));
    assert_eq!(r.status, 200, "{}", r.json());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a normal request took {:?}",
        started.elapsed()
    );
}

fn assert_memory_bounded(sim: &Sim, what: &str) -> u64 {
    let rss = rss_kib(sim.pid());
    assert!(
        rss < RSS_BOUND_KIB,
        "{what}: the proxy uses {rss} KiB (bound {RSS_BOUND_KIB} KiB)"
    );
    rss
}

fn connect(sim: &Sim) -> TcpStream {
    let s = TcpStream::connect(sim.authority()).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    s
}

/// What the server did to a connection we were feeding.
#[derive(Debug, PartialEq, Eq)]
enum Fate {
    /// It closed the connection (EOF or reset), after sending these bytes.
    Closed(Vec<u8>),
    /// Still open when we gave up.
    Open,
}

/// Writes `bytes` one at a time, `every` apart, watching for the server to close the connection
/// (or answer). Gives up after `limit`. Returns its fate and when it was decided.
fn dribble(
    stream: &mut TcpStream,
    bytes: &[u8],
    every: Duration,
    limit: Duration,
) -> (Fate, Duration) {
    stream.set_read_timeout(Some(every)).unwrap();
    let started = Instant::now();
    let mut got = Vec::new();
    let mut sent = 0;
    while started.elapsed() < limit {
        if sent < bytes.len() {
            if stream.write_all(&bytes[sent..=sent]).is_err() {
                return (Fate::Closed(got), started.elapsed());
            }
            sent += 1;
        }
        let mut buf = [0u8; 4096];
        match stream.read(&mut buf) {
            Ok(0) => return (Fate::Closed(got), started.elapsed()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return (Fate::Closed(got), started.elapsed()),
        }
    }
    (Fate::Open, started.elapsed())
}

/// Reads until the server closes the connection (or `limit`); returns what it sent, or `None` if
/// the connection was still open at the limit.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let (fate, _) = dribble(stream, b"", Duration::from_millis(50), limit);
    match fate {
        Fate::Closed(got) => Some(got),
        Fate::Open => None,
    }
}

fn status_of(response: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(response);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[test]
fn slowloris_headers_bodies_and_idle_connections_are_cut_at_their_deadlines_while_others_are_served()
 {
    let sim = Arc::new(Sim::start(&[
        "--header-timeout-ms",
        "1000",
        "--body-timeout-ms",
        "1000",
    ]));
    assert_serves(&sim);
    let rss_before = rss_kib(sim.pid());
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {}\r\nx-amz-target: TrentService.GenerateRandom\r\nx-padding: {}\r\n\r\n",
        sim.authority(),
        "a".repeat(200)
    );
    // 16 clients dribble headers one byte per 100 ms: 25 s worth, far past the 1 s deadline.
    let loris: Vec<_> = (0..16)
        .map(|_| {
            let (sim, head) = (sim.clone(), head.clone());
            std::thread::spawn(move || {
                let mut s = connect(&sim);
                dribble(
                    &mut s,
                    head.as_bytes(),
                    Duration::from_millis(100),
                    Duration::from_secs(8),
                )
            })
        })
        .collect();
    // One more sends nothing at all.
    let idle = {
        let sim = sim.clone();
        std::thread::spawn(move || {
            let mut s = connect(&sim);
            let started = Instant::now();
            (
                read_until_closed(&mut s, Duration::from_secs(8)),
                started.elapsed(),
            )
        })
    };
    // One sends its (signed: the enclave refuses an unsigned request from its headers alone)
    // headers at once, then its 100-byte body one byte per 100 ms.
    let slow_body = {
        let sim = sim.clone();
        std::thread::spawn(move || {
            let mut s = connect(&sim);
            let body = vec![b' '; 100];
            let headers = kms_headers(
                sim.authority(),
                "GenerateRandom",
                &body,
                Some(&Signing::simulation()),
            );
            let mut head = "POST / HTTP/1.1\r\n".to_owned();
            for (n, v) in &headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("content-length: 100\r\n\r\n");
            s.write_all(head.as_bytes()).unwrap();
            dribble(
                &mut s,
                &body,
                Duration::from_millis(100),
                Duration::from_secs(8),
            )
        })
    };
    // Meanwhile well-behaved clients are served as usual.
    let stop = Arc::new(AtomicBool::new(false));
    let good = {
        let (sim, stop) = (sim.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut served = 0;
            while !stop.load(Ordering::SeqCst) {
                assert_serves(&sim);
                served += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            served
        })
    };

    for l in loris {
        let (fate, after) = l.join().unwrap();
        assert!(
            matches!(fate, Fate::Closed(_)),
            "a slowloris connection is still open after {after:?}"
        );
        // Cut at the 1 s deadline (with slack for a loaded machine), long before its 25 s.
        assert!(
            after >= Duration::from_millis(900) && after < Duration::from_secs(5),
            "cut after {after:?}"
        );
        if let Fate::Closed(got) = fate {
            assert!(
                got.is_empty() || status_of(&got).is_some_and(|s| s >= 400),
                "{}",
                String::from_utf8_lossy(&got)
            );
        }
    }
    let (closed, after) = idle.join().unwrap();
    assert!(
        closed.is_some(),
        "an idle connection is still open after {after:?}"
    );
    assert!(
        after < Duration::from_secs(5),
        "idle connection cut after {after:?}"
    );
    let (fate, after) = slow_body.join().unwrap();
    let Fate::Closed(got) = fate else {
        panic!("the slow body's connection is still open after {after:?}");
    };
    let text = String::from_utf8_lossy(&got);
    assert_eq!(status_of(&got), Some(400), "{text}");
    assert!(
        text.contains("Request body was not received in time"),
        "{text}"
    );
    assert!(
        after < Duration::from_secs(5),
        "slow body cut after {after:?}"
    );

    stop.store(true, Ordering::SeqCst);
    let served = good.join().unwrap();
    assert!(served >= 5, "only {served} normal requests were served");
    assert_serves(&sim);
    let rss_after = assert_memory_bounded(&sim, "after slowloris");
    eprintln!("rss {rss_before} KiB -> {rss_after} KiB, {served} good requests served");
}

/// `GET /healthz` on a fresh connection. Connections are accepted in order, so once it is
/// answered every connection opened before it has been accepted.
fn healthz(sim: &Sim) -> u16 {
    let mut s = TcpStream::connect(sim.authority()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    send(
        &mut s,
        "GET",
        "/healthz",
        &[("host".into(), sim.authority().into())],
        b"",
    )
    .unwrap()
    .status
}

fn is_open(s: &mut TcpStream) -> bool {
    let mut probe = [0u8; 1];
    s.set_nonblocking(true).unwrap();
    let open = matches!(s.read(&mut probe), Err(e) if e.kind() == ErrorKind::WouldBlock);
    s.set_nonblocking(false).unwrap();
    open
}

#[test]
fn four_thousand_idle_connections_are_held_and_a_normal_request_still_succeeds() {
    // A header deadline longer than the test, so that all 4,000 are open at once however slow
    // the machine (the deadline itself is the slowloris test's business). Each is relayed to the
    // enclave, which serves 4,096 HTTP connections at once by default: hence 4,000.
    let sim = Sim::start(&["--header-timeout-ms", "120000"]);
    assert_serves(&sim);
    let rss_before = rss_kib(sim.pid());
    let started = Instant::now();
    let mut idle = Vec::with_capacity(IDLE);
    while idle.len() < IDLE {
        for _ in 0..64 {
            match TcpStream::connect(sim.authority()) {
                Ok(s) => idle.push(s),
                Err(e) => panic!("connection {} refused: {e}", idle.len()),
            }
        }
        // Pace ourselves to the proxy's accept loop: its listen backlog is 128, and a SYN dropped
        // on a full backlog costs a 1 s retransmission. This also checks it answers meanwhile.
        assert_eq!(healthz(&sim), 200);
    }
    let opened = started.elapsed();
    assert!(is_open(&mut idle[0]) && is_open(&mut idle[IDLE - 1]));
    // Two descriptors each: the client's connection and its stream to the enclave.
    let fds = std::fs::read_dir(format!("/proc/{}/fd", sim.pid()))
        .unwrap()
        .count();
    assert!(fds > 2 * IDLE, "the proxy holds only {fds} descriptors");
    // The proxy holds all of them and still answers a signed request, within bounded memory.
    assert_serves(&sim);
    // An idle relayed connection costs the proxy two 8 KiB copy buffers, two sockets and the
    // task; this grows with the connections up to --max-connections, until the enclave's header
    // deadline closes them. Bound it per connection.
    let rss_held = rss_kib(sim.pid());
    let per_connection = rss_held.saturating_sub(rss_before) / IDLE as u64;
    assert!(
        per_connection <= 32 && rss_held < 2 * RSS_BOUND_KIB,
        "holding {IDLE} idle connections: {rss_held} KiB ({per_connection} KiB each)"
    );
    drop(idle);
    assert_serves(&sim);
    eprintln!(
        "opened {IDLE} in {opened:?}; the proxy held {fds} descriptors; rss {rss_before} KiB -> \
         {rss_held} KiB holding them; {:?}",
        started.elapsed()
    );
}

#[test]
fn garbage_bytes_get_a_400_or_a_close_and_the_proxy_keeps_serving() {
    let sim = Sim::start(&[]);
    assert_serves(&sim);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                // xorshift64*: reproducible junk.
                seed ^= seed >> 12;
                seed ^= seed << 25;
                seed ^= seed >> 27;
                (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
            })
            .collect()
    };
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("random bytes", random(4096)),
        ("a megabyte of random bytes", random(1 << 20)),
        ("a NUL-filled line", vec![0; 2048]),
        ("request line then binary junk", {
            let mut b = b"POST / HTTP/1.1\r\n".to_vec();
            b.extend(random(8192));
            b
        }),
        ("headers then binary junk as chunked body", {
            let mut b = format!(
                "POST / HTTP/1.1\r\nhost: {}\r\ntransfer-encoding: chunked\r\n\r\n",
                sim.authority()
            )
            .into_bytes();
            b.extend(random(8192));
            b
        }),
        ("an endless header line", {
            let mut b = b"GET /healthz HTTP/1.1\r\nx-long: ".to_vec();
            b.extend(vec![b'a'; 2 << 20]);
            b
        }),
        (
            "a non-HTTP protocol greeting",
            b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
        ),
        (
            "an HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
        ),
        ("a bad content-length", {
            format!(
                "POST / HTTP/1.1\r\nhost: {}\r\ncontent-length: -5\r\n\r\n",
                sim.authority()
            )
            .into_bytes()
        }),
        ("two content-lengths", {
            format!(
                "POST / HTTP/1.1\r\nhost: {}\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
                sim.authority()
            )
            .into_bytes()
        }),
    ];
    cases.push(("random bytes after a good request", {
        let body = b"{}".to_vec();
        let headers = kms_headers(
            sim.authority(),
            "ListKeys",
            &body,
            Some(&Signing::simulation()),
        );
        let mut b = "POST / HTTP/1.1\r\n".to_owned();
        for (n, v) in &headers {
            b.push_str(&format!("{n}: {v}\r\n"));
        }
        b.push_str("content-length: 2\r\n\r\n{}");
        let mut b = b.into_bytes();
        b.extend(random(4096));
        b
    }));
    for (what, bytes) in cases {
        let mut s = connect(&sim);
        // Write from another thread: the proxy may stop reading (and close) half-way.
        let mut writer = s.try_clone().unwrap();
        let w = std::thread::spawn(move || {
            let _ = writer.write_all(&bytes);
        });
        let got = read_until_closed(&mut s, Duration::from_secs(15))
            .unwrap_or_else(|| panic!("{what}: the connection is still open after 15 s"));
        w.join().unwrap();
        // Either nothing (a plain close) or HTTP responses; the garbage one a 4xx.
        let text = String::from_utf8_lossy(&got);
        if !got.is_empty() {
            let last = text
                .rfind("HTTP/1.1 ")
                .unwrap_or_else(|| panic!("{what}: {text}"));
            let status = status_of(&got[last..]).unwrap();
            assert!((400..500).contains(&status), "{what}: {text}");
        }
        assert_serves(&sim);
    }
    assert_memory_bounded(&sim, "after garbage");
    assert!(!sim.log_text().contains("panicked"), "{}", sim.log_text());
}

#[test]
fn a_body_declared_ten_gigabytes_long_is_refused_without_being_buffered() {
    let sim = Sim::start(&["--max-body", "65536", "--body-timeout-ms", "2000"]);
    assert_serves(&sim);
    let headers = |body: &[u8], declared: u64| {
        let mut h = kms_headers(
            sim.authority(),
            "GenerateRandom",
            body,
            Some(&Signing::simulation()),
        );
        h.retain(|(n, _)| n != "content-length");
        let mut head = "POST / HTTP/1.1\r\n".to_owned();
        for (n, v) in &h {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str(&format!("content-length: {declared}\r\n\r\n"));
        head.into_bytes()
    };
    // The body keeps coming: refused as soon as it passes the limit, not after 10 GB.
    let mut s = connect(&sim);
    let mut writer = s.try_clone().unwrap();
    let head = headers(b"", 10_000_000_000);
    let w = std::thread::spawn(move || {
        let _ = writer.write_all(&head);
        let chunk = vec![b'x'; 16 << 10];
        // 8 MiB at most: far more than the limit, far less than declared.
        for _ in 0..512 {
            if writer.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let got = read_until_closed(&mut s, Duration::from_secs(15)).expect("still open after 15 s");
    let text = String::from_utf8_lossy(&got);
    assert_eq!(status_of(&got), Some(400), "{text}");
    assert!(text.contains("larger than the 65536-byte limit"), "{text}");
    // Answered at once; the connection then closes after the relay's lingering close (at most
    // 1 s of the client's bytes read and dropped), not after 10 GB.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    w.join().unwrap();

    // Declared within the limit but never sent: the request ends at the body deadline, nothing
    // is reserved. (Declared over the limit, the enclave refuses it from its headers.)
    let mut s = connect(&sim);
    s.write_all(&headers(b"", 60_000)).unwrap();
    s.write_all(b"{}").unwrap();
    let started = Instant::now();
    let got = read_until_closed(&mut s, Duration::from_secs(15)).expect("still open after 15 s");
    let text = String::from_utf8_lossy(&got);
    assert_eq!(status_of(&got), Some(400), "{text}");
    assert!(text.contains("not received in time"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );

    assert_serves(&sim);
    assert_memory_bounded(&sim, "after a 10 GB declared body");
}

#[test]
fn connections_beyond_max_connections_are_closed_at_once_and_counted() {
    let sim = Sim::start(&["--max-connections", "8"]);
    // Eight idle connections fill the proxy (within its 10 s header deadline).
    let mut idle: Vec<TcpStream> = (0..8).map(|_| connect(&sim)).collect();
    // Give the accept loop the moment it needs to take all eight.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !idle.iter_mut().all(is_open) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // The ninth is accepted by the kernel and closed by the proxy without an answer.
    let mut ninth = connect(&sim);
    let closed = read_until_closed(&mut ninth, Duration::from_secs(5));
    assert_eq!(
        closed,
        Some(Vec::new()),
        "the ninth connection was not closed"
    );
    assert!(
        idle.iter_mut().all(is_open),
        "the first eight were disturbed"
    );
    assert_memory_bounded(&sim, "with the cap reached");

    // Room again once they go: a normal client is served, and the refusal was counted.
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = nitro_kms_tests::proxy::try_kms_call(
            sim.authority(),
            "GenerateRandom",
            &json!({"NumberOfBytes": 16}),
        );
        if matches!(&r, Ok(r) if r.status == 200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not served after the idle ones left"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Counted by the proxy (its admin port), which refused it before any enclave saw it.
    let text = sim.admin_metrics();
    let refused = text
        .lines()
        .find_map(|l| l.strip_prefix("nitro_kms_connections_refused_total "))
        .and_then(|v| v.trim().parse::<u64>().ok());
    assert!(refused >= Some(1), "{text}");
    assert!(
        sim.log_text()
            .contains("connection refused: --max-connections are open")
    );
}
