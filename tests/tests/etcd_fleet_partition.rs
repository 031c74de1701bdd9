#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The etcd fleet (issue 19) when the leader's parent cuts it off from etcd: every enclave reaches
//! etcd through its own HTTP CONNECT relay (the parent's egress relay); the leader's relay is
//! paused (open tunnels dropped, new ones refused). The cut-off leader acknowledges no write from
//! then on, another enclave takes over, writes go on through it; when the relay resumes, the old
//! leader follows, catches up, and every enclave lists the same keys and aliases — nothing lost,
//! nothing duplicated, and the write refused during the cut nowhere.

use std::collections::BTreeSet;
use std::time::Duration;

use nitro_kms_tests::etcd_fleet::{Fleet, FleetOptions, is_follower_error, is_retryable};
use serde_json::json;

/// How long a write may be retried while the fleet fails over.
const WRITE_WITHIN: Duration = Duration::from_secs(20);

async fn create_alias(fleet: &Fleet, alias: &str, key: &str) {
    let (_, made) = fleet
        .write(
            "CreateAlias",
            &json!({"AliasName": alias, "TargetKeyId": key}),
            WRITE_WITHIN,
        )
        .await;
    made.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_cut_off_from_etcd_stops_writing_and_rejoins_as_a_follower() {
    nitro_kms_tests::etcd_fleet::bounded(scenario()).await;
}

/// The whole scenario, bounded in time by the test above.
async fn scenario() {
    let options = FleetOptions {
        relays: true,
        ..FleetOptions::default()
    };
    let Some(fleet) = Fleet::start(3, 3, options).await else {
        return;
    };
    let old = fleet
        .wait_leader(Duration::from_secs(30))
        .await
        .expect("no leader in the new fleet");
    let first = fleet.create_key("before the cut 1", WRITE_WITHIN).await;
    create_alias(&fleet, "alias/before-1", &first).await;
    let second = fleet.create_key("before the cut 2", WRITE_WITHIN).await;
    create_alias(&fleet, "alias/before-2", &second).await;
    assert!(
        fleet
            .wait_everywhere(&second, Duration::from_secs(20))
            .await
    );

    // Cut the leader off. Nothing it is asked to write from now on is acknowledged.
    fleet.relay(old).pause().await;
    let refused = fleet
        .call(
            old,
            "CreateAlias",
            &json!({"AliasName": "alias/cut-off", "TargetKeyId": first}),
        )
        .await;
    assert!(
        refused.status == 500 && is_retryable(&refused),
        "a write to the cut-off leader: {} {}",
        refused.status,
        refused.body
    );
    let bound = fleet.lease_ttl() + Duration::from_secs(10);
    let new = fleet
        .wait_leader_other_than(Some(old), bound)
        .await
        .unwrap_or_else(|| panic!("no other leader after enclave {old} was cut off"));
    assert_eq!(fleet.metric(old, "nitro_kms_store_leader").await, Some(0.0));
    let refused = fleet
        .call(
            old,
            "CreateAlias",
            &json!({"AliasName": "alias/cut-off-2", "TargetKeyId": first}),
        )
        .await;
    assert!(
        is_follower_error(&refused),
        "a write to the old leader once another leads: {} {}",
        refused.status,
        refused.body
    );

    // The fleet goes on without it.
    let third = fleet.create_key("during the cut", WRITE_WITHIN).await;
    create_alias(&fleet, "alias/during", &third).await;
    let (_, tagged) = fleet
        .write(
            "TagResource",
            &json!({"KeyId": first, "Tags": [{"TagKey": "cut", "TagValue": "yes"}]}),
            WRITE_WITHIN,
        )
        .await;
    tagged.ok();

    // Healed: the old leader follows and catches up.
    fleet.relay(old).resume();
    assert!(
        fleet.wait_everywhere(&third, Duration::from_secs(30)).await,
        "the old leader did not catch up after its relay resumed"
    );
    assert_eq!(fleet.leader().await, Some(new));
    assert_eq!(fleet.metric(old, "nitro_kms_store_leader").await, Some(0.0));
    fleet.assert_follower_refuses(old, &first).await;
    let tags = fleet
        .call(old, "ListResourceTags", &json!({"KeyId": first}))
        .await;
    assert!(
        tags.ok()["Tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["TagKey"] == "cut" && t["TagValue"] == "yes"),
        "the old leader lacks a tag written during the cut: {}",
        tags.body
    );

    let expected_keys: BTreeSet<String> = [&first, &second, &third].into_iter().cloned().collect();
    let expected_aliases = [
        ("alias/before-1", &first),
        ("alias/before-2", &second),
        ("alias/during", &third),
    ]
    .into_iter()
    .map(|(a, k)| (a.to_owned(), k.clone()))
    .collect();
    for i in 0..fleet.len() {
        let keys = fleet.key_ids(i).await;
        let listed: BTreeSet<String> = keys.iter().cloned().collect();
        assert_eq!(keys.len(), listed.len(), "enclave {i} lists a key twice");
        assert_eq!(listed, expected_keys, "the keys of enclave {i}");
        assert_eq!(
            fleet.aliases(i).await,
            expected_aliases,
            "the aliases of enclave {i}"
        );
    }
}
