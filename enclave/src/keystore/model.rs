//! The keystore holding the stored records: lookups, and checking and applying mutations.

use std::collections::BTreeMap;

use nitro_kms_crypto::secret::SecretBytes;
use serde::{Deserialize, Serialize};

use super::error::KeystoreError;
use super::mutation::{AliasGuard, Mutation};
use super::records::{StoredAlias, StoredKey};

/// Every key and alias of the enclave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keystore {
    keys: BTreeMap<String, StoredKey>,
    aliases: BTreeMap<String, StoredAlias>,
}

impl Keystore {
    /// An empty keystore.
    pub fn new() -> Self {
        Self::default()
    }

    /// The key with this id.
    pub fn key(&self, key_id: &str) -> Option<&StoredKey> {
        self.keys.get(key_id)
    }

    /// All keys, ordered by key id (ListKeys pages through this order).
    pub fn keys(&self) -> impl Iterator<Item = &StoredKey> {
        self.keys.values()
    }

    /// The alias with this full name (`alias/...`).
    pub fn alias(&self, name: &str) -> Option<&StoredAlias> {
        self.aliases.get(name)
    }

    /// All aliases, ordered by name.
    pub fn aliases(&self) -> impl Iterator<Item = &StoredAlias> {
        self.aliases.values()
    }

    /// Checks that `m` applies to the current state, without changing anything: an operation
    /// calls this before journaling, so that a journaled mutation always applies on replay.
    pub fn check(&self, m: &Mutation) -> Result<(), KeystoreError> {
        match m {
            Mutation::CreateKey(key) => {
                if self.keys.contains_key(&key.key_id) {
                    return Err(KeystoreError::KeyExists(key.key_id.clone()));
                }
                Ok(())
            }
            Mutation::SetKeyState { key_id, .. }
            | Mutation::PutKeyPolicy { key_id, .. }
            | Mutation::TagResource { key_id, .. }
            | Mutation::UntagResource { key_id, .. }
            | Mutation::DeleteKey { key_id } => self.require_key(key_id),
            Mutation::CreateAlias(alias) => {
                if self.aliases.contains_key(&alias.name) {
                    return Err(KeystoreError::AliasExists(alias.name.clone()));
                }
                self.require_key(&alias.target_key_id)
            }
            Mutation::UpdateAlias {
                name,
                target_key_id,
                guard,
                ..
            } => {
                self.require_alias_as(name, guard)?;
                self.require_key(target_key_id)
            }
            Mutation::DeleteAlias { name, guard } => self.require_alias_as(name, guard),
        }
    }

    fn require_key(&self, key_id: &str) -> Result<(), KeystoreError> {
        match self.keys.contains_key(key_id) {
            true => Ok(()),
            false => Err(KeystoreError::NoSuchKey(key_id.to_owned())),
        }
    }

    /// The alias exists and, if `guard` says so, still points at the key it names.
    fn require_alias_as(&self, name: &str, guard: &AliasGuard) -> Result<(), KeystoreError> {
        match (self.aliases.get(name), guard) {
            (None, _) => Err(KeystoreError::NoSuchAlias(name.to_owned())),
            (Some(alias), AliasGuard::PointsAt(key_id)) if alias.target_key_id != *key_id => {
                Err(KeystoreError::AliasMoved(name.to_owned()))
            }
            (Some(_), _) => Ok(()),
        }
    }

    /// Applies `m`. Deterministic: the same state and mutation always give the same result.
    pub fn apply(&mut self, m: &Mutation) -> Result<(), KeystoreError> {
        self.check(m)?;
        match m {
            Mutation::CreateKey(key) => {
                self.keys.insert(key.key_id.clone(), key.clone());
            }
            Mutation::SetKeyState { key_id, state } => self.key_mut(key_id)?.state = *state,
            Mutation::PutKeyPolicy { key_id, policy } => {
                self.key_mut(key_id)?.policy = policy.clone()
            }
            Mutation::TagResource { key_id, tags } => {
                let key = self.key_mut(key_id)?;
                for (k, v) in tags {
                    key.tags.insert(k.clone(), v.clone());
                }
            }
            Mutation::UntagResource { key_id, tag_keys } => {
                let key = self.key_mut(key_id)?;
                for k in tag_keys {
                    key.tags.remove(k);
                }
            }
            Mutation::DeleteKey { key_id } => {
                self.keys.remove(key_id);
                // AWS deletes the key's aliases with it.
                self.aliases.retain(|_, a| a.target_key_id != *key_id);
            }
            Mutation::CreateAlias(alias) => {
                self.aliases.insert(alias.name.clone(), alias.clone());
            }
            Mutation::UpdateAlias {
                name,
                target_key_id,
                at_ms,
                ..
            } => {
                let alias = self
                    .aliases
                    .get_mut(name)
                    .ok_or_else(|| KeystoreError::NoSuchAlias(name.clone()))?;
                alias.target_key_id = target_key_id.clone();
                alias.last_updated_ms = *at_ms;
            }
            Mutation::DeleteAlias { name, .. } => {
                self.aliases.remove(name);
            }
        }
        Ok(())
    }

    fn key_mut(&mut self, key_id: &str) -> Result<&mut StoredKey, KeystoreError> {
        self.keys
            .get_mut(key_id)
            .ok_or_else(|| KeystoreError::NoSuchKey(key_id.to_owned()))
    }

    /// The whole state as CBOR, in a zeroizing buffer (it holds key material).
    pub fn to_snapshot_bytes(&self) -> Result<SecretBytes, KeystoreError> {
        let mut out = Vec::new();
        ciborium::into_writer(self, &mut out).map_err(|e| KeystoreError::Encode(e.to_string()))?;
        Ok(SecretBytes::new(out))
    }

    /// Rebuilds a keystore from [`Keystore::to_snapshot_bytes`]'s output.
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Self, KeystoreError> {
        let store: Self =
            ciborium::from_reader(bytes).map_err(|e| KeystoreError::Decode(e.to_string()))?;
        // Every alias must point at a key: a snapshot that says otherwise was not made by us.
        for alias in store.aliases.values() {
            if !store.keys.contains_key(&alias.target_key_id) {
                return Err(KeystoreError::Decode(format!(
                    "alias {} points at no key",
                    alias.name
                )));
            }
        }
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
