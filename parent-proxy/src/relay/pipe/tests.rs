use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

use super::{Counters, pipe};

#[tokio::test]
async fn bytes_pass_unchanged_both_ways_and_a_client_half_close_still_gets_the_answer() {
    let (client, mut client_peer) = duplex(64);
    let (enclave, mut enclave_peer) = duplex(64);
    let up = AtomicU64::new(0);
    let down = AtomicU64::new(0);
    let counters = Counters {
        client_to_enclave: &up,
        enclave_to_client: &down,
    };
    let relay = pipe(client, enclave, counters);
    let peers = async {
        client_peer
            .write_all(b"\x16\x03\x01 not parsed")
            .await
            .unwrap();
        client_peer.shutdown().await.unwrap();
        let mut request = Vec::new();
        enclave_peer.read_to_end(&mut request).await.unwrap();
        assert_eq!(request, b"\x16\x03\x01 not parsed");
        enclave_peer.write_all(b"answer").await.unwrap();
        drop(enclave_peer);
        let mut answer = Vec::new();
        client_peer.read_to_end(&mut answer).await.unwrap();
        assert_eq!(answer, b"answer");
    };
    tokio::time::timeout(Duration::from_secs(10), async {
        tokio::join!(relay, peers)
    })
    .await
    .unwrap();
    assert_eq!(up.load(Ordering::Relaxed), 14);
    assert_eq!(down.load(Ordering::Relaxed), 6);
}

#[tokio::test]
async fn the_relay_ends_when_the_enclave_closes_even_if_the_client_stays() {
    let (client, mut client_peer) = duplex(64);
    let (enclave, enclave_peer) = duplex(64);
    let (up, down) = (AtomicU64::new(0), AtomicU64::new(0));
    drop(enclave_peer);
    let counters = Counters {
        client_to_enclave: &up,
        enclave_to_client: &down,
    };
    tokio::time::timeout(Duration::from_secs(10), pipe(client, enclave, counters))
        .await
        .unwrap();
    // The client's side was ended: it reads end of stream.
    let mut rest = Vec::new();
    client_peer.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
}
