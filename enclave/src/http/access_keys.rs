//! Where the enclave's endpoint gets the access keys it verifies SigV4 signatures against.
//!
//! In the simulation: the built-in simulation key ([`AccessKeyStore::simulation`], the same the
//! proxy accepts with `--simulate`), plus the keys of a plaintext `--credentials` file in the
//! proxy's TOML format. Outside the simulation a plaintext file is refused by the configuration
//! (the parent could read it), and sealed credentials are not delivered yet: the store is empty
//! and every signed request is `UnrecognizedClientException`.

use std::path::Path;

use nitro_kms_api::sigv4::{AccessKeyStore, AccessKeysFileError};

/// The access keys for this configuration: the simulation key when `simulate`, plus those of
/// `credentials` (which the configuration accepts only with `simulate`).
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
        let loaded = AccessKeyStore::load(path)?;
        for id in loaded.access_key_ids() {
            if let Some(key) = loaded.take_clone(&id) {
                store.insert(&id, key);
            }
        }
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_PRINCIPAL};

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
}
