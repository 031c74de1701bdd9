//! Where the enclave's endpoint gets the access keys it verifies SigV4 signatures against, and
//! how they change without a restart.
//!
//! Two sources, merged into the set in force ([`AccessKeys`]):
//!
//! - the configured ones ([`load`]): in the simulation, the built-in simulation key
//!   ([`AccessKeyStore::simulation`], the same the proxy accepts with `--simulate`) plus the keys
//!   of a plaintext `--credentials` file in the proxy's TOML format. Outside the simulation a
//!   plaintext file is refused by the configuration (the parent could read it), so there are none;
//! - the sealed ones: a credentials file the operator sealed to this service's provisioning key
//!   (`nitro-kms credentials seal`, `docs/sealed-credentials.md`), which the parent relays but
//!   cannot read. The enclave opens it, stores it in the sealed keystore and puts it in force
//!   ([`crate::sealed_credentials`]); at start-up the stored one is put in force again.
//!
//! A new sealed file replaces the whole sealed set at once ([`AccessKeys::replace_sealed`]): a
//! request is verified against the set in force when its headers arrived, never a mix. Until
//! sealed credentials arrive, outside the simulation, the set is empty and every signed request
//! is `UnrecognizedClientException`.

use std::path::Path;
use std::sync::{Arc, RwLock};

use nitro_kms_api::sigv4::{AccessKeyStore, AccessKeysFileError};

/// The configured access keys: the simulation key when `simulate`, plus those of `credentials`
/// (which the configuration accepts only with `simulate`).
pub fn load(
    simulate: bool,
    credentials: Option<&Path>,
) -> Result<AccessKeyStore, AccessKeysFileError> {
    let mut store = if simulate {
        AccessKeyStore::simulation()
    } else {
        AccessKeyStore::default()
    };
    if let Some(path) = credentials {
        add_all(&mut store, &AccessKeyStore::load(path)?);
    }
    Ok(store)
}

fn add_all(into: &mut AccessKeyStore, from: &AccessKeyStore) {
    for id in from.access_key_ids() {
        if let Some(key) = from.take_clone(&id) {
            into.insert(&id, key);
        }
    }
}

/// The access keys in force: the configured ones plus the sealed ones, swapped whole.
#[derive(Debug)]
pub struct AccessKeys {
    configured: AccessKeyStore,
    current: RwLock<Arc<AccessKeyStore>>,
}

impl AccessKeys {
    /// The configured keys, and no sealed ones yet.
    pub fn new(configured: AccessKeyStore) -> Self {
        let mut current = AccessKeyStore::default();
        add_all(&mut current, &configured);
        Self {
            configured,
            current: RwLock::new(Arc::new(current)),
        }
    }

    /// The set in force now (a request keeps the one it started with).
    pub fn current(&self) -> Arc<AccessKeyStore> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the sealed keys with `sealed`: the configured keys stay, every previous sealed
    /// key goes. A sealed key with the id of a configured one wins.
    pub fn replace_sealed(&self, sealed: &AccessKeyStore) {
        let mut next = AccessKeyStore::default();
        add_all(&mut next, &self.configured);
        add_all(&mut next, sealed);
        let next = Arc::new(next);
        match self.current.write() {
            Ok(mut guard) => *guard = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    /// How many keys are in force.
    pub fn len(&self) -> usize {
        self.current().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.current().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use nitro_kms_api::sigv4::{AccessKey, SIMULATION_ACCESS_KEY_ID, SIMULATION_PRINCIPAL};

    use super::*;

    #[test]
    fn the_simulation_key_and_the_file_keys_are_accepted_together() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.toml");
        std::fs::write(
            &path,
            "[[credential]]\naccess_key_id = \"AKIDLOW\"\nsecret_access_key = \"s\"\n\
             principal = \"arn:aws:iam::444455556666:user/mallory\"\n",
        )
        .unwrap();
        let store = load(true, Some(&path)).unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(
            store.get(SIMULATION_ACCESS_KEY_ID).unwrap().principal,
            SIMULATION_PRINCIPAL
        );
        assert!(load(false, None).unwrap().is_empty());
    }

    fn one(id: &str) -> AccessKeyStore {
        let mut store = AccessKeyStore::default();
        store.insert(id, AccessKey::new("s", None, "arn:aws:iam::1:user/x"));
        store
    }

    #[test]
    fn a_new_sealed_set_replaces_the_old_one_and_keeps_the_configured_keys() {
        let keys = AccessKeys::new(AccessKeyStore::simulation());
        let before = keys.current();
        keys.replace_sealed(&one("AKIDOLD"));
        assert!(keys.current().get("AKIDOLD").is_some());
        keys.replace_sealed(&one("AKIDNEW"));
        let now = keys.current();
        assert!(now.get("AKIDOLD").is_none());
        assert!(now.get("AKIDNEW").is_some());
        assert!(now.get(SIMULATION_ACCESS_KEY_ID).is_some());
        assert_eq!(keys.len(), 2);
        // A request that started before keeps the set it started with.
        assert_eq!(before.len(), 1);
    }
}
