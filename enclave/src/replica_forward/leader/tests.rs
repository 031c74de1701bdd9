//! The leader's side, against a loaded service: a genuine forward runs as its caller and is
//! answered with a MAC'd reply naming the position after the write; refusals run nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nitro_kms_wire::{Forward, Message};
use tokio::sync::watch;

use super::*;
use crate::replica_forward::key::ForwardKey;
use crate::replica_forward::replay::WINDOW_MS;
use crate::service::Service;
use crate::storage::ParentLink;
use crate::test_support::{self, ADMIN};

struct Fixture {
    svc: Arc<Service>,
    clock: Arc<test_support::TestClock>,
    forwarding: Arc<ReplicaForward>,
    link: Arc<ParentLink>,
    key: ForwardKey,
}

async fn fixture() -> Fixture {
    let (svc, clock, _parent) = test_support::service().await;
    let link = Arc::new(ParentLink::new(Duration::from_secs(1)));
    let slot = watch::channel(Some(svc.clone())).1;
    let forwarding = ReplicaForward::new(link.clone(), slot, Duration::from_secs(5));
    let key = ForwardKey::of(&svc.store).unwrap();
    Fixture {
        svc,
        clock,
        forwarding,
        link,
        key,
    }
}

fn create_key(f: &Fixture, nonce: u64) -> Forward {
    let mut forward = Forward {
        id: nonce,
        op: "CreateKey".into(),
        caller: ADMIN.into(),
        payload: b"{}".to_vec(),
        issued_at_ms: (f.svc.clock)(),
        nonce,
        mac: Vec::new(),
    };
    forward.mac = f.key.forward_mac(&forward);
    forward
}

/// Serves `forward` with the service's own `handle`; the reply and whether it ran.
async fn serve(f: &Fixture, forward: Forward) -> (ForwardReply, bool) {
    let ran = Arc::new(AtomicBool::new(false));
    let (svc, flag) = (f.svc.clone(), ran.clone());
    let message = f
        .forwarding
        .serve(forward, |op, caller, payload| async move {
            flag.store(true, Ordering::SeqCst);
            svc.handle(&op, &caller, &payload).await
        })
        .await;
    let Message::ForwardReply(reply) = message else {
        panic!("not a ForwardReply: {message:?}");
    };
    (reply, ran.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_genuine_forward_runs_and_is_answered_with_a_maced_reply_at_the_new_position() {
    let f = fixture().await;
    let before = f.svc.store.position().await;
    let forward = create_key(&f, 1);
    let (reply, ran) = serve(&f, forward).await;
    assert!(ran);
    assert_eq!(reply.status.code(), 200);
    assert!(f.key.verifies_reply(1, &reply));
    assert!(reply.position > before);
    assert_eq!(reply.position, f.svc.store.position().await);
    let created: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert!(created["KeyMetadata"]["KeyId"].is_string());
}

#[tokio::test]
async fn refused_forwards_run_nothing_and_are_not_maced() {
    let f = fixture().await;
    // Replayed.
    let forward = create_key(&f, 2);
    assert!(serve(&f, forward.clone()).await.1);
    let (reply, ran) = serve(&f, forward).await;
    assert!(!ran && reply.mac.is_empty());
    // Stale by the leader's clock.
    let old = create_key(&f, 3);
    f.clock.advance_ms(WINDOW_MS + 1);
    let (reply, ran) = serve(&f, old).await;
    assert!(!ran && reply.mac.is_empty());
    assert!(String::from_utf8_lossy(&reply.payload).contains("away from the leader's clock"));
    // Forged.
    let mut forged = create_key(&f, 4);
    forged.caller = "arn:aws:iam::111122223333:role/KmsKeyAdmin".into();
    let (reply, ran) = serve(&f, forged).await;
    assert!(!ran && reply.mac.is_empty());
    // Sent to a replica.
    f.link.become_replica();
    let (reply, ran) = serve(&f, create_key(&f, 5)).await;
    assert!(!ran && reply.mac.is_empty());
    assert!(String::from_utf8_lossy(&reply.payload).contains("read replica"));
}
