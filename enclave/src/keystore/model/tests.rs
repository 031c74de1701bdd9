//! Tests of the keystore model: applying, replaying and refusing mutations, snapshots.

use super::*;
use crate::keystore::CallerCredentials;
use crate::keystore::records::{KeyMaterial, KeyStateRecord};
use nitro_kms_api::types::{KeySpec, KeyUsageType};

fn key(id: &str) -> StoredKey {
    StoredKey {
        key_id: id.to_owned(),
        creation_date_ms: 1_700_000_000_000,
        description: String::new(),
        key_spec: KeySpec::SymmetricDefault,
        key_usage: KeyUsageType::EncryptDecrypt,
        state: KeyStateRecord::Enabled,
        policy: "{}".to_owned(),
        tags: BTreeMap::new(),
        material: Some(KeyMaterial {
            id: [1; 32],
            secret: SecretBytes::copy_from(&[7; 32]),
        }),
        rotation: Default::default(),
        import: None,
        grants: Vec::new(),
        multi_region: None,
    }
}

fn alias(name: &str, target: &str) -> StoredAlias {
    StoredAlias {
        name: name.to_owned(),
        target_key_id: target.to_owned(),
        creation_date_ms: 1,
        last_updated_ms: 1,
    }
}

#[test]
fn replaying_the_same_mutations_rebuilds_the_same_state() {
    let mutations = vec![
        Mutation::CreateKey(key("k1")),
        Mutation::CreateKey(key("k2")),
        Mutation::CreateAlias(alias("alias/a", "k1")),
        Mutation::UpdateAlias {
            name: "alias/a".into(),
            target_key_id: "k2".into(),
            at_ms: 5,
            guard: AliasGuard::PointsAt("k1".into()),
        },
        Mutation::TagResource {
            key_id: "k1".into(),
            tags: [("env".into(), "prod".into())].into(),
        },
        Mutation::SetKeyState {
            key_id: "k1".into(),
            state: KeyStateRecord::Disabled,
        },
        Mutation::PutKeyPolicy {
            key_id: "k2".into(),
            policy: "{\"Version\":\"2012-10-17\"}".into(),
        },
        Mutation::UntagResource {
            key_id: "k1".into(),
            tag_keys: vec!["env".into(), "absent".into()],
        },
        Mutation::UpdateKeyDescription {
            key_id: "k2".into(),
            description: "rotated by ops".into(),
        },
        Mutation::SetKeyRotation {
            key_id: "k2".into(),
            enabled: true,
            period_days: Some(90),
            next_rotation_ms: Some(1_700_000_000_000 + 90 * 86_400_000),
        },
        Mutation::RotateKey {
            key_id: "k2".into(),
            material: KeyMaterial {
                id: [2; 32],
                secret: SecretBytes::copy_from(&[8; 32]),
            },
            at_ms: 1_800_000_000_000,
            kind: crate::keystore::RotationKind::Automatic,
        },
    ];
    let mut live = Keystore::new();
    for m in &mutations {
        live.apply(m).unwrap();
    }
    // Through the journal encoding, as a restart replays it.
    let mut replayed = Keystore::new();
    for m in &mutations {
        let bytes = m.to_record_bytes().unwrap();
        replayed
            .apply(&Mutation::from_record_bytes(bytes.expose()).unwrap())
            .unwrap();
    }
    assert_eq!(live, replayed);
    assert_eq!(live.alias("alias/a").unwrap().target_key_id, "k2");
    assert_eq!(live.key("k1").unwrap().state, KeyStateRecord::Disabled);
    assert!(live.key("k1").unwrap().tags.is_empty());
    assert_eq!(live.key("k2").unwrap().description, "rotated by ops");
}

#[test]
fn an_alias_mutation_refuses_an_alias_that_no_longer_points_where_it_was_authorized() {
    let mut store = Keystore::new();
    store.apply(&Mutation::CreateKey(key("k1"))).unwrap();
    store.apply(&Mutation::CreateKey(key("k2"))).unwrap();
    store
        .apply(&Mutation::CreateAlias(alias("alias/a", "k2")))
        .unwrap();
    let before = store.clone();
    let authorized_on_k1 = AliasGuard::PointsAt("k1".into());
    let update = Mutation::UpdateAlias {
        name: "alias/a".into(),
        target_key_id: "k1".into(),
        at_ms: 5,
        guard: authorized_on_k1.clone(),
    };
    let delete = Mutation::DeleteAlias {
        name: "alias/a".into(),
        guard: authorized_on_k1,
    };
    for m in [&update, &delete] {
        assert_eq!(
            store.apply(m),
            Err(KeystoreError::AliasMoved("alias/a".into()))
        );
        assert_eq!(store, before);
    }
    // Where it does point, the guard passes; it is not part of the journal record.
    let delete_k2 = Mutation::DeleteAlias {
        name: "alias/a".into(),
        guard: AliasGuard::PointsAt("k2".into()),
    };
    let replayed = Mutation::from_record_bytes(delete_k2.to_record_bytes().unwrap().expose());
    assert_eq!(
        replayed.unwrap(),
        Mutation::DeleteAlias {
            name: "alias/a".into(),
            guard: AliasGuard::Any,
        }
    );
    store.apply(&delete_k2).unwrap();
    assert!(store.alias("alias/a").is_none());
}

#[test]
fn snapshot_round_trips_with_key_material() {
    let mut store = Keystore::new();
    store.apply(&Mutation::CreateKey(key("k1"))).unwrap();
    store
        .apply(&Mutation::CreateAlias(alias("alias/a", "k1")))
        .unwrap();
    let bytes = store.to_snapshot_bytes().unwrap();
    let back = Keystore::from_snapshot_bytes(bytes.expose()).unwrap();
    assert_eq!(back, store);
    assert_eq!(
        back.key("k1")
            .unwrap()
            .material
            .as_ref()
            .unwrap()
            .secret
            .expose(),
        &[7; 32]
    );
}

#[test]
fn mutations_that_do_not_apply_change_nothing() {
    let mut store = Keystore::new();
    store.apply(&Mutation::CreateKey(key("k1"))).unwrap();
    let before = store.clone();
    let refused = [
        (
            Mutation::CreateKey(key("k1")),
            KeystoreError::KeyExists("k1".into()),
        ),
        (
            Mutation::CreateAlias(alias("alias/a", "nope")),
            KeystoreError::NoSuchKey("nope".into()),
        ),
        (
            Mutation::DeleteAlias {
                name: "alias/none".into(),
                guard: AliasGuard::Any,
            },
            KeystoreError::NoSuchAlias("alias/none".into()),
        ),
        (
            Mutation::SetKeyState {
                key_id: "k9".into(),
                state: KeyStateRecord::Enabled,
            },
            KeystoreError::NoSuchKey("k9".into()),
        ),
    ];
    for (m, err) in refused {
        assert_eq!(store.apply(&m), Err(err));
        assert_eq!(store, before);
    }
}

#[test]
fn deleting_a_key_deletes_its_aliases() {
    let mut store = Keystore::new();
    store.apply(&Mutation::CreateKey(key("k1"))).unwrap();
    store.apply(&Mutation::CreateKey(key("k2"))).unwrap();
    store
        .apply(&Mutation::CreateAlias(alias("alias/one", "k1")))
        .unwrap();
    store
        .apply(&Mutation::CreateAlias(alias("alias/two", "k2")))
        .unwrap();
    store
        .apply(&Mutation::DeleteKey {
            key_id: "k1".into(),
        })
        .unwrap();
    assert!(store.key("k1").is_none());
    assert!(store.alias("alias/one").is_none());
    assert!(store.alias("alias/two").is_some());
}

#[test]
fn snapshot_with_a_dangling_alias_is_refused() {
    let mut store = Keystore::new();
    store
        .aliases
        .insert("alias/x".into(), alias("alias/x", "ghost"));
    let bytes = store.to_snapshot_bytes().unwrap();
    assert!(matches!(
        Keystore::from_snapshot_bytes(bytes.expose()),
        Err(KeystoreError::Decode(_))
    ));
    assert!(Keystore::from_snapshot_bytes(&[0xff, 0x00]).is_err());
}

#[test]
fn debug_of_key_material_is_redacted() {
    let printed = format!("{:?}", key("k1"));
    assert!(printed.contains("REDACTED"), "{printed}");
    assert!(!printed.contains("7, 7, 7"), "{printed}");
}

fn identity(seed: u8) -> ServiceIdentity {
    ServiceIdentity {
        ca_key: SecretBytes::copy_from(&[seed; 40]),
        ca_certificate: vec![seed, 1, 2],
        provisioning_key: SecretBytes::copy_from(&[seed ^ 0x55; 40]),
        created_ms: 1_700_000_000_000,
    }
}

/// The keystore as snapshots before issue 16 wrote it: no service identity field at all.
#[derive(Serialize)]
struct KeystoreBeforeIssue16 {
    keys: BTreeMap<String, StoredKey>,
    aliases: BTreeMap<String, StoredAlias>,
}

#[test]
fn a_snapshot_from_before_the_service_identity_loads_without_one() {
    let old = KeystoreBeforeIssue16 {
        keys: [("k1".to_owned(), key("k1"))].into(),
        aliases: BTreeMap::new(),
    };
    let mut bytes = Vec::new();
    ciborium::into_writer(&old, &mut bytes).unwrap();
    let store = Keystore::from_snapshot_bytes(&bytes).unwrap();
    assert!(store.key("k1").is_some());
    assert!(store.service_identity().is_none());
    // And a keystore without one still writes exactly that form.
    assert_eq!(store.to_snapshot_bytes().unwrap().expose(), &bytes[..]);
}

#[test]
fn the_service_identity_is_made_once_and_survives_a_snapshot_and_a_replay() {
    let mut store = Keystore::new();
    let create = Mutation::CreateServiceIdentity(identity(1));
    store.apply(&create).unwrap();
    let before = store.clone();
    assert_eq!(
        store.apply(&Mutation::CreateServiceIdentity(identity(2))),
        Err(KeystoreError::ServiceIdentityExists)
    );
    assert_eq!(store, before);
    assert_eq!(store.service_identity(), Some(&identity(1)));

    let bytes = store.to_snapshot_bytes().unwrap();
    let back = Keystore::from_snapshot_bytes(bytes.expose()).unwrap();
    assert_eq!(back.service_identity(), Some(&identity(1)));

    let record = create.to_record_bytes().unwrap();
    let mut replayed = Keystore::new();
    replayed
        .apply(&Mutation::from_record_bytes(record.expose()).unwrap())
        .unwrap();
    assert_eq!(replayed, store);
}

#[test]
fn debug_of_the_service_identity_is_redacted() {
    let printed = format!("{:?}", identity(0x41));
    assert!(printed.contains("REDACTED"), "{printed}");
    assert!(!printed.contains("65, 65, 65"), "{printed}");
    assert!(!printed.contains("20, 20, 20"), "{printed}");
}

fn caller_credentials(serial: u64) -> Mutation {
    Mutation::ReplaceCallerCredentials(CallerCredentials {
        serial,
        sealed: vec![serial as u8; 8],
    })
}

#[test]
fn caller_credentials_are_replaced_only_by_a_newer_serial_and_survive_a_snapshot_and_a_replay() {
    let mut store = Keystore::new();
    assert!(store.caller_credentials().is_none());
    store.apply(&caller_credentials(5)).unwrap();
    let before = store.clone();
    for older in [5, 4] {
        assert_eq!(
            store.apply(&caller_credentials(older)),
            Err(KeystoreError::CallerCredentialsNotNewer {
                stored: 5,
                offered: older
            })
        );
    }
    assert_eq!(store, before);
    let newer = caller_credentials(6);
    store.apply(&newer).unwrap();
    assert_eq!(store.caller_credentials().map(|c| c.serial), Some(6));

    let bytes = store.to_snapshot_bytes().unwrap();
    let back = Keystore::from_snapshot_bytes(bytes.expose()).unwrap();
    assert_eq!(back, store);

    let mut replayed = before;
    let record = newer.to_record_bytes().unwrap();
    replayed
        .apply(&Mutation::from_record_bytes(record.expose()).unwrap())
        .unwrap();
    assert_eq!(replayed, store);
}

#[test]
fn journal_records_written_before_update_key_description_existed_decode_unchanged() {
    // The CBOR record of a PutKeyPolicy as main wrote it before issue 18 added the
    // UpdateKeyDescription variant (variants are tagged by name, so adding one changes no
    // existing encoding); it must still decode and apply.
    let written_by_main = "a16c5075744b6579506f6c696379a2666b65795f6964626b3166706f6c696379627b7d";
    let record = Mutation::PutKeyPolicy {
        key_id: "k1".into(),
        policy: "{}".into(),
    };
    assert_eq!(
        hex::encode(record.to_record_bytes().unwrap().expose()),
        written_by_main
    );
    let decoded = Mutation::from_record_bytes(&hex::decode(written_by_main).unwrap()).unwrap();
    assert_eq!(decoded, record);
}

/// StoredKey exactly as main declared it before issue 18 added rotation (a copy of the old
/// declaration, to write records in the old format).
#[derive(serde::Serialize)]
struct StoredKeyBeforeRotation {
    key_id: String,
    creation_date_ms: u64,
    description: String,
    key_spec: KeySpec,
    key_usage: KeyUsageType,
    state: KeyStateRecord,
    policy: String,
    tags: BTreeMap<String, String>,
    material: Option<KeyMaterial>,
}

#[test]
fn keys_written_before_rotation_existed_load_unrotated_and_encode_unchanged() {
    let old = StoredKeyBeforeRotation {
        key_id: "k1".into(),
        creation_date_ms: 1_700_000_000_000,
        description: String::new(),
        key_spec: KeySpec::SymmetricDefault,
        key_usage: KeyUsageType::EncryptDecrypt,
        state: KeyStateRecord::Enabled,
        policy: "{}".into(),
        tags: BTreeMap::new(),
        material: key("k1").material,
    };
    let mut written_before = Vec::new();
    ciborium::into_writer(&old, &mut written_before).unwrap();
    let loaded: StoredKey = ciborium::from_reader(written_before.as_slice()).unwrap();
    assert_eq!(loaded, key("k1"));
    assert!(loaded.rotation.is_default());
    // A key that never rotated encodes as before, so snapshots and CreateKey records are unchanged.
    let mut written_now = Vec::new();
    ciborium::into_writer(&loaded, &mut written_now).unwrap();
    assert_eq!(written_now, written_before);
}

#[test]
fn a_rotated_key_opens_every_material_and_counts_on_demand_rotations_up_to_the_limit() {
    let mut store = Keystore::new();
    store.apply(&Mutation::CreateKey(key("k1"))).unwrap();
    for n in 0..crate::keystore::MAX_ON_DEMAND_ROTATIONS {
        let id = [u8::try_from(n).unwrap() + 10; 32];
        store
            .apply(&Mutation::RotateKey {
                key_id: "k1".into(),
                material: KeyMaterial {
                    id,
                    secret: SecretBytes::copy_from(&[3; 32]),
                },
                at_ms: 1,
                kind: crate::keystore::RotationKind::OnDemand,
            })
            .unwrap();
    }
    let key = store.key("k1").unwrap();
    assert!(key.material_by_id(&[1; 32]).is_some());
    assert!(key.material_by_id(&[10; 32]).is_some());
    assert_eq!(key.material.as_ref().unwrap().id, [34; 32]);
    let over = Mutation::RotateKey {
        key_id: "k1".into(),
        material: key.material.clone().unwrap(),
        at_ms: 2,
        kind: crate::keystore::RotationKind::OnDemand,
    };
    assert_eq!(
        store.check(&over),
        Err(KeystoreError::OnDemandRotationLimit("k1".into()))
    );
}

fn in_region(region: &str, mutation: Mutation) -> Mutation {
    Mutation::InRegion {
        region: region.to_owned(),
        mutation: Box::new(mutation),
    }
}

#[test]
fn a_regions_mutations_change_only_that_regions_keys_and_aliases() {
    let mut ks = Keystore::new();
    ks.apply(&Mutation::CreateKey(key("home"))).unwrap();
    ks.apply(&in_region("eu-west-1", Mutation::CreateKey(key("west"))))
        .unwrap();
    ks.apply(&in_region(
        "eu-west-1",
        Mutation::CreateAlias(alias("alias/a", "west")),
    ))
    .unwrap();
    assert!(ks.key("west").is_none() && ks.alias("alias/a").is_none());
    assert!(ks.region("eu-west-1").key("west").is_some());
    assert!(ks.region("eu-west-1").key("home").is_none());
    assert!(ks.region("ap-south-1").keys().next().is_none());
    // An alias of one region cannot point at another region's key.
    let across = in_region("eu-west-1", Mutation::CreateAlias(alias("alias/b", "home")));
    assert_eq!(
        ks.apply(&across),
        Err(KeystoreError::NoSuchKey("home".into()))
    );
    let restored = Keystore::from_snapshot_bytes(ks.to_snapshot_bytes().unwrap().expose()).unwrap();
    assert_eq!(restored, ks);
    let record = in_region(
        "eu-west-1",
        Mutation::DeleteKey {
            key_id: "west".into(),
        },
    );
    let replayed = Mutation::from_record_bytes(record.to_record_bytes().unwrap().expose()).unwrap();
    assert_eq!(replayed, record);
}

#[test]
fn a_single_region_state_encodes_as_before_regions_existed() {
    let mut ks = Keystore::new();
    ks.apply(&Mutation::CreateKey(key("home"))).unwrap();
    let bytes = ks.to_snapshot_bytes().unwrap();
    let text = String::from_utf8_lossy(bytes.expose());
    assert!(!text.contains("regions"), "{text}");
}

#[test]
fn service_wide_mutations_are_not_a_regions() {
    let ks = Keystore::new();
    let wrapped = in_region("eu-west-1", Mutation::CreateServiceIdentity(identity(1)));
    assert_eq!(
        ks.check(&wrapped),
        Err(KeystoreError::NotRegional("eu-west-1".into()))
    );
}

fn grant(id: u8) -> crate::keystore::StoredGrant {
    crate::keystore::StoredGrant {
        grant_id: [id; 32],
        grantee_principal: Some("arn:aws:iam::111122223333:user/bob".into()),
        grantee_service_principal: None,
        retiring_principal: None,
        retiring_service_principal: None,
        operations: vec!["Encrypt".into()],
        constraint: Some(crate::keystore::GrantConstraint::Subset(
            [("a".to_owned(), "b".to_owned())].into_iter().collect(),
        )),
        name: Some("g".into()),
        creation_date_ms: 1,
        issuing_account: "arn:aws:iam::111122223333:root".into(),
    }
}

#[test]
fn grants_and_the_token_key_survive_records_and_snapshots_and_go_with_their_key() {
    let mut store = Keystore::new();
    store.apply(&Mutation::CreateKey(key("k1"))).unwrap();
    let token_key = crate::keystore::GrantTokenKey(SecretBytes::copy_from(&[9; 32]));
    let create = Mutation::CreateGrant {
        key_id: "k1".into(),
        grant: grant(1),
        token_key: Some(token_key.clone()),
    };
    let replayed = Mutation::from_record_bytes(create.to_record_bytes().unwrap().expose()).unwrap();
    assert_eq!(replayed, create);
    store.apply(&replayed).unwrap();
    assert_eq!(
        store.check(&create),
        Err(KeystoreError::GrantExists(grant(1).id_hex()))
    );
    // A later grant's token key never replaces the first one.
    let other_key = crate::keystore::GrantTokenKey(SecretBytes::copy_from(&[8; 32]));
    store
        .apply(&Mutation::CreateGrant {
            key_id: "k1".into(),
            grant: grant(2),
            token_key: Some(other_key),
        })
        .unwrap();
    assert_eq!(store.grant_token_key(), Some(&token_key));
    let snapshot = store.to_snapshot_bytes().unwrap();
    let loaded = Keystore::from_snapshot_bytes(snapshot.expose()).unwrap();
    assert_eq!(loaded, store);
    let delete = Mutation::DeleteGrant {
        key_id: "k1".into(),
        grant_id: [1; 32],
    };
    store.apply(&delete).unwrap();
    assert_eq!(store.key("k1").unwrap().grants, vec![grant(2)]);
    assert!(matches!(
        store.check(&delete),
        Err(KeystoreError::NoSuchGrant(..))
    ));
    store
        .apply(&Mutation::DeleteKey {
            key_id: "k1".into(),
        })
        .unwrap();
    assert!(store.keys().all(|k| k.grants.is_empty()));
}

#[test]
fn a_batch_applies_every_part_across_regions_or_none() {
    let mut ks = Keystore::new();
    ks.apply(&Mutation::CreateKey(key("mrk-1"))).unwrap();
    let config = Box::new(crate::keystore::MultiRegionConfig {
        primary_region: "us-east-1".into(),
        replica_regions: vec!["eu-west-1".into()],
    });
    let replicate = Mutation::Batch(vec![
        Mutation::SetMultiRegion {
            key_id: "mrk-1".into(),
            config: config.clone(),
        },
        in_region("eu-west-1", Mutation::CreateKey(key("mrk-1"))),
    ]);
    // A part that fails (the key exists in eu-west-1 now) leaves every part undone.
    let before = ks.clone();
    ks.apply(&replicate).unwrap();
    assert_eq!(ks.key("mrk-1").unwrap().multi_region, Some(config));
    assert!(ks.region("eu-west-1").key("mrk-1").is_some());
    let after = ks.clone();
    let again = Mutation::Batch(vec![
        Mutation::UpdateKeyDescription {
            key_id: "mrk-1".into(),
            description: "changed".into(),
        },
        in_region("eu-west-1", Mutation::CreateKey(key("mrk-1"))),
    ]);
    assert_eq!(
        ks.apply(&again),
        Err(KeystoreError::KeyExists("mrk-1".into()))
    );
    assert_eq!(ks, after);
    assert_ne!(before, after);
    let nested = Mutation::Batch(vec![Mutation::Batch(Vec::new())]);
    assert_eq!(ks.check(&nested), Err(KeystoreError::NestedBatch));
    let wrapped = in_region("eu-west-1", Mutation::Batch(Vec::new()));
    assert_eq!(
        ks.check(&wrapped),
        Err(KeystoreError::NotRegional("eu-west-1".into()))
    );
    // A batch is journaled like any record and replays to the same state.
    let bytes = replicate.to_record_bytes().unwrap();
    assert_eq!(
        Mutation::from_record_bytes(bytes.expose()).unwrap(),
        replicate
    );
}
