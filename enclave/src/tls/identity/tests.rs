//! Tests of the identity keys: made once by a leader, kept across restarts, shared by replicas.

use std::sync::{Arc, Mutex};

use super::*;
use crate::test_support::{self, MemoryParent};

fn clock() -> Clock {
    Arc::new(|| 1_700_000_000_000)
}

async fn load(parent: &Arc<Mutex<MemoryParent>>) -> SealedKeystore {
    SealedKeystore::load(
        test_support::memory_link(parent.clone()),
        test_support::sealing_key(),
    )
    .await
    .unwrap()
    .0
}

#[tokio::test]
async fn the_identity_is_made_at_the_first_start_and_the_same_after_a_restart() {
    let parent = Arc::new(Mutex::new(MemoryParent::default()));
    let first = load(&parent).await;
    let (made, origin) = ensure(&first, &clock()).await.unwrap();
    assert_eq!(origin, Origin::Created);
    let keys = ServiceKeys::from_stored(&made).unwrap();
    assert_eq!(keys.provisioning_key().bits(), 3072);
    drop(first);

    let restarted = load(&parent).await;
    let (loaded, origin) = ensure(&restarted, &clock()).await.unwrap();
    assert_eq!(origin, Origin::Loaded);
    assert_eq!(loaded, made);
    let again = ServiceKeys::from_stored(&loaded).unwrap();
    assert_eq!(again.ca_spki(), keys.ca_spki());
    assert_eq!(again.ca_certificate(), keys.ca_certificate());
    assert_eq!(again.provisioning_spki(), keys.provisioning_spki());
}

#[tokio::test]
async fn a_state_from_before_the_identity_keeps_its_keys_and_gains_one() {
    let (svc, _clock, parent) = test_support::service().await;
    let key_id = test_support::create_key(&svc, serde_json::json!({})).await;
    assert!(svc.store.read(|k| k.service_identity().is_none()));
    drop(svc);

    let restarted = load(&parent).await;
    let (made, origin) = ensure(&restarted, &clock()).await.unwrap();
    assert_eq!(origin, Origin::Created);
    let reloaded = load(&parent).await;
    assert!(reloaded.read(|k| k.key(&key_id).is_some()));
    assert_eq!(reloaded.read(|k| k.service_identity().cloned()), Some(made));
}

#[tokio::test]
async fn a_replica_makes_none_and_uses_the_leaders() {
    let parent = Arc::new(Mutex::new(MemoryParent::default()));
    let leader = load(&parent).await;
    let link = test_support::memory_link(parent.clone());
    link.become_replica();
    let replica = SealedKeystore::load(link, test_support::sealing_key())
        .await
        .unwrap()
        .0;
    let replica_clock = clock();
    let waiting = ensure(&replica, &replica_clock);
    let making = async {
        // Let the replica look first (and find nothing), then make it on the leader.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        ensure(&leader, &clock()).await.unwrap()
    };
    let ((seen, origin), (made, _)) = tokio::join!(async { waiting.await.unwrap() }, making);
    assert_eq!(origin, Origin::Loaded);
    assert_eq!(seen, made);
}

#[test]
fn a_stored_identity_whose_certificate_is_not_its_key_is_refused() {
    let mut identity = new_identity(1_700_000_000_000).unwrap();
    let other = new_identity(1_700_000_000_000).unwrap();
    identity.ca_certificate = other.ca_certificate;
    assert!(matches!(
        ServiceKeys::from_stored(&identity),
        Err(TlsError::StoredIdentity(_))
    ));
}
