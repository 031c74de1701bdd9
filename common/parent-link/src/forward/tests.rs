//! The relay: a replica's forward reaches the leader unchanged, the reply reaches the replica
//! that asked, and every failure to deliver is answered at once with an unauthenticated 503.

use std::time::Duration;

use nitro_kms_wire::{Forward, ForwardReply, Message, Position, Status};
use tokio::sync::mpsc;

use super::*;

fn forward(id: u64) -> Forward {
    Forward {
        id,
        op: "CreateKey".into(),
        caller: "arn:aws:iam::111122223333:root".into(),
        payload: b"{}".to_vec(),
        issued_at_ms: 1,
        nonce: 2,
        mac: vec![9; 32],
    }
}

fn reply(id: u64) -> ForwardReply {
    ForwardReply {
        id,
        status: Status::OK,
        payload: b"{\"KeyMetadata\":{}}".to_vec(),
        position: Position {
            generation: 1,
            sequence: 2,
        },
        mac: vec![8; 32],
    }
}

async fn next(rx: &mut mpsc::Receiver<Message>) -> Message {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap()
}

/// The relay's own failure answer for `id`: 503, no MAC, a reason.
fn assert_unavailable(message: Message, id: u64) {
    let Message::ForwardReply(r) = message else {
        panic!("expected a ForwardReply, got {message:?}");
    };
    assert_eq!((r.id, r.status), (id, Status::SERVICE_UNAVAILABLE));
    assert!(r.mac.is_empty());
    assert!(!r.payload.is_empty());
}

#[tokio::test]
async fn a_forward_reaches_the_leader_and_its_reply_the_replica_that_asked() {
    let relay = ForwardRelay::new();
    let (leader_tx, mut leader_rx) = mpsc::channel(8);
    relay.leader_connected(leader_tx);
    let (a_tx, mut a_rx) = mpsc::channel(8);
    let (b_tx, mut b_rx) = mpsc::channel(8);
    relay.from_replica(forward(1), &a_tx).await;
    relay.from_replica(forward(2), &b_tx).await;
    assert_eq!(next(&mut leader_rx).await, Message::Forward(forward(1)));
    assert_eq!(next(&mut leader_rx).await, Message::Forward(forward(2)));
    assert_eq!(relay.pending(), 2);
    relay.from_leader(reply(2));
    relay.from_leader(reply(1));
    assert_eq!(next(&mut b_rx).await, Message::ForwardReply(reply(2)));
    assert_eq!(next(&mut a_rx).await, Message::ForwardReply(reply(1)));
    assert_eq!(relay.pending(), 0);
    // A reply nobody waits for is dropped.
    relay.from_leader(reply(1));
    assert!(a_rx.try_recv().is_err());
}

#[tokio::test]
async fn without_a_leader_the_replica_is_answered_unavailable_at_once() {
    let relay = ForwardRelay::new();
    let (tx, mut rx) = mpsc::channel(8);
    relay.from_replica(forward(5), &tx).await;
    assert_unavailable(next(&mut rx).await, 5);
    assert_eq!(relay.pending(), 0);
}

#[tokio::test]
async fn a_leader_connection_that_closes_fails_its_forwards_in_flight() {
    let relay = ForwardRelay::new();
    let (leader_tx, mut leader_rx) = mpsc::channel(8);
    let serial = relay.leader_connected(leader_tx);
    let (tx, mut rx) = mpsc::channel(8);
    relay.from_replica(forward(7), &tx).await;
    next(&mut leader_rx).await;
    relay.leader_disconnected(serial);
    assert_unavailable(next(&mut rx).await, 7);
    // And later forwards find no leader.
    relay.from_replica(forward(8), &tx).await;
    assert_unavailable(next(&mut rx).await, 8);
}

#[tokio::test]
async fn a_duplicate_id_in_flight_is_refused_and_the_table_is_bounded() {
    let relay = ForwardRelay::new();
    let (leader_tx, _leader_rx) = mpsc::channel(MAX_PENDING + 8);
    relay.leader_connected(leader_tx);
    let (tx, mut rx) = mpsc::channel(8);
    relay.from_replica(forward(1), &tx).await;
    relay.from_replica(forward(1), &tx).await;
    assert_unavailable(next(&mut rx).await, 1);
    for id in 2..=MAX_PENDING as u64 {
        relay.from_replica(forward(id), &tx).await;
    }
    assert_eq!(relay.pending(), MAX_PENDING);
    relay.from_replica(forward(u64::MAX), &tx).await;
    assert_unavailable(next(&mut rx).await, u64::MAX);
}
