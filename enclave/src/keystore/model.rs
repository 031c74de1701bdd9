//! The keystore holding the stored records: lookups, and checking and applying mutations.

use std::collections::BTreeMap;

use nitro_kms_crypto::secret::SecretBytes;
use serde::{Deserialize, Serialize};

use super::caller_credentials::CallerCredentials;
use super::error::KeystoreError;
use super::grant_token_key::GrantTokenKey;
use super::key_usage::KeyUsageRecord;
use super::mutation::{AliasGuard, Mutation};
use super::records::{
    KeyMaterial, KeyStateRecord, MAX_ON_DEMAND_ROTATIONS, RotationKind, RotationRecord,
    StoredAlias, StoredKey,
};
use super::service_identity::ServiceIdentity;

/// Every key and alias of the enclave, and the service's identity keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keystore {
    keys: BTreeMap<String, StoredKey>,
    aliases: BTreeMap<String, StoredAlias>,
    /// Absent in snapshots written before issue 16 (and until the first start of a leader that
    /// makes it); left out of the encoding while absent, so such snapshots stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service_identity: Option<ServiceIdentity>,
    /// The sealed caller credentials in force; absent until the first are delivered, and left out
    /// of the encoding while absent (older snapshots load unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    caller_credentials: Option<CallerCredentials>,
    /// The keys and aliases of each region other than the configured one (issue 18), by region
    /// name: a keystore of its own, of which only keys and aliases are used. Left out of the
    /// encoding while empty, so a single-region state is written (and read) as before.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    regions: BTreeMap<String, Keystore>,
    /// The grant token key (issue 18), made by the first CreateGrant; left out of the encoding
    /// while absent (older snapshots load unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grant_token_key: Option<GrantTokenKey>,
    /// Each key's last successful cryptographic operation as last flushed (GetKeyLastUsage,
    /// issue 18), by key id. Left out of the encoding while empty, so older states load and
    /// encode unchanged.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    key_usage: BTreeMap<String, KeyUsageRecord>,
}

/// The keystore of a region that has no keys yet.
static EMPTY_REGION: Keystore = Keystore {
    keys: BTreeMap::new(),
    aliases: BTreeMap::new(),
    service_identity: None,
    caller_credentials: None,
    regions: BTreeMap::new(),
    grant_token_key: None,
    key_usage: BTreeMap::new(),
};

impl Keystore {
    /// An empty keystore.
    pub fn new() -> Self {
        Self::default()
    }

    /// The last use of the key with this id, as last flushed.
    pub fn key_usage(&self, key_id: &str) -> Option<&KeyUsageRecord> {
        self.key_usage.get(key_id)
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

    /// The service's TLS CA and provisioning keys, once a leader made them.
    pub fn service_identity(&self) -> Option<&ServiceIdentity> {
        self.service_identity.as_ref()
    }

    /// The key that authenticates grant tokens, once the first grant made it.
    pub fn grant_token_key(&self) -> Option<&GrantTokenKey> {
        self.grant_token_key.as_ref()
    }

    /// The sealed caller credentials in force, once some were delivered.
    pub fn caller_credentials(&self) -> Option<&CallerCredentials> {
        self.caller_credentials.as_ref()
    }

    /// The keys and aliases of `region`, one other than the configured one (empty until its
    /// first key).
    pub fn region(&self, region: &str) -> &Keystore {
        self.regions.get(region).unwrap_or(&EMPTY_REGION)
    }

    /// The regions other than the configured one that have keys or aliases (or had).
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.regions.keys().map(String::as_str)
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
            | Mutation::UpdateKeyDescription { key_id, .. }
            | Mutation::SetKeyRotation { key_id, .. }
            | Mutation::SetMultiRegion { key_id, .. }
            | Mutation::DeleteKey { key_id } => self.require_key(key_id),
            Mutation::Batch(mutations) => {
                // Each part is checked against the state the parts before it leave.
                let mut next = self.clone();
                for part in mutations {
                    if matches!(part, Mutation::Batch(_)) {
                        return Err(KeystoreError::NestedBatch);
                    }
                    next.apply(part)?;
                }
                Ok(())
            }
            Mutation::ImportKeyMaterial { key_id, .. }
            | Mutation::DeleteImportedKeyMaterial { key_id } => match self.keys.get(key_id) {
                Some(key) if key.import.is_some() => Ok(()),
                Some(_) => Err(KeystoreError::NotExternal(key_id.clone())),
                None => Err(KeystoreError::NoSuchKey(key_id.clone())),
            },
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
            Mutation::RotateKey { key_id, kind, .. } => match self.keys.get(key_id) {
                Some(key)
                    if *kind == RotationKind::OnDemand
                        && key.rotation.on_demand_count >= MAX_ON_DEMAND_ROTATIONS =>
                {
                    Err(KeystoreError::OnDemandRotationLimit(key_id.clone()))
                }
                Some(key) if key.material.is_some() => Ok(()),
                Some(_) => Err(KeystoreError::NoMaterial(key_id.clone())),
                None => Err(KeystoreError::NoSuchKey(key_id.clone())),
            },
            Mutation::InRegion { region, mutation } => match mutation.as_ref() {
                Mutation::InRegion { .. }
                | Mutation::Batch(_)
                | Mutation::CreateServiceIdentity(_)
                | Mutation::ReplaceCallerCredentials(_) => {
                    Err(KeystoreError::NotRegional(region.clone()))
                }
                inner => self.region(region).check(inner),
            },
            Mutation::CreateGrant { key_id, grant, .. } => match self.keys.get(key_id) {
                Some(key) if key.grants.iter().any(|g| g.grant_id == grant.grant_id) => {
                    Err(KeystoreError::GrantExists(grant.id_hex()))
                }
                Some(_) => Ok(()),
                None => Err(KeystoreError::NoSuchKey(key_id.clone())),
            },
            Mutation::DeleteGrant { key_id, grant_id } => match self.keys.get(key_id) {
                Some(key) if key.grants.iter().any(|g| g.grant_id == *grant_id) => Ok(()),
                Some(_) => Err(KeystoreError::NoSuchGrant(
                    key_id.clone(),
                    nitro_kms_crypto::hex_lower(grant_id),
                )),
                None => Err(KeystoreError::NoSuchKey(key_id.clone())),
            },
            // Keys deleted since the uses were tracked are skipped when it applies.
            Mutation::RecordKeyUsage { .. } => Ok(()),
            Mutation::CreateServiceIdentity(_) => match self.service_identity {
                Some(_) => Err(KeystoreError::ServiceIdentityExists),
                None => Ok(()),
            },
            Mutation::ReplaceCallerCredentials(new) => match &self.caller_credentials {
                Some(stored) if new.serial <= stored.serial => {
                    Err(KeystoreError::CallerCredentialsNotNewer {
                        stored: stored.serial,
                        offered: new.serial,
                    })
                }
                _ => Ok(()),
            },
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
            Mutation::UpdateKeyDescription {
                key_id,
                description,
            } => self.key_mut(key_id)?.description = description.clone(),
            Mutation::SetKeyRotation {
                key_id,
                enabled,
                period_days,
                next_rotation_ms,
            } => {
                let rotation = &mut self.key_mut(key_id)?.rotation;
                rotation.enabled = *enabled;
                rotation.period_days = *period_days;
                rotation.next_rotation_ms = *next_rotation_ms;
            }
            Mutation::RotateKey {
                key_id,
                material,
                at_ms,
                kind,
            } => rotate(self.key_mut(key_id)?, material, *at_ms, *kind),
            Mutation::ImportKeyMaterial {
                key_id,
                material,
                valid_to_ms,
            } => {
                let key = self.key_mut(key_id)?;
                key.material = Some(material.clone());
                let import = key.import.get_or_insert_with(Default::default);
                import.first_material_id.get_or_insert(material.id);
                import.valid_to_ms = *valid_to_ms;
                if key.state == KeyStateRecord::PendingImport {
                    key.state = KeyStateRecord::Enabled;
                }
            }
            Mutation::DeleteImportedKeyMaterial { key_id } => {
                let key = self.key_mut(key_id)?;
                key.material = None;
                if let Some(import) = key.import.as_mut() {
                    import.valid_to_ms = None;
                }
                if !matches!(
                    key.state,
                    KeyStateRecord::PendingDeletion { .. }
                        | KeyStateRecord::PendingReplicaDeletion { .. }
                ) {
                    key.state = KeyStateRecord::PendingImport;
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
                self.key_usage.remove(key_id);
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
            Mutation::CreateServiceIdentity(identity) => {
                self.service_identity = Some(identity.clone());
            }
            Mutation::ReplaceCallerCredentials(credentials) => {
                self.caller_credentials = Some(credentials.clone());
            }
            Mutation::RecordKeyUsage { usage } => {
                for (key_id, record) in usage {
                    if !self.keys.contains_key(key_id) {
                        continue;
                    }
                    let newer = self
                        .key_usage
                        .get(key_id)
                        .is_none_or(|stored| stored.at_ms <= record.at_ms);
                    if newer {
                        self.key_usage.insert(key_id.clone(), record.clone());
                    }
                }
            }
            Mutation::InRegion { region, mutation } => self
                .regions
                .entry(region.clone())
                .or_default()
                .apply(mutation)?,
            Mutation::CreateGrant {
                key_id,
                grant,
                token_key,
            } => {
                self.key_mut(key_id)?.grants.push(grant.clone());
                if self.grant_token_key.is_none() {
                    self.grant_token_key = token_key.clone();
                }
            }
            Mutation::DeleteGrant { key_id, grant_id } => {
                self.key_mut(key_id)?
                    .grants
                    .retain(|g| g.grant_id != *grant_id);
            }
            Mutation::SetMultiRegion { key_id, config } => {
                self.key_mut(key_id)?.multi_region = Some(config.clone())
            }
            // `check` applied every part to a copy without error, and applying is deterministic,
            // so none fails here.
            Mutation::Batch(mutations) => {
                for part in mutations {
                    self.apply(part)?;
                }
            }
        }
        Ok(())
    }

    /// The key with this id, to change.
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
        store.check_aliases()?;
        for region in store.regions.values() {
            region.check_aliases()?;
        }
        Ok(store)
    }

    /// Every alias must point at a key: a snapshot that says otherwise was not made by us.
    fn check_aliases(&self) -> Result<(), KeystoreError> {
        for alias in self.aliases.values() {
            if !self.keys.contains_key(&alias.target_key_id) {
                return Err(KeystoreError::Decode(format!(
                    "alias {} points at no key",
                    alias.name
                )));
            }
        }
        Ok(())
    }
}

/// Makes `material` the key's current one, keeping the replaced one and recording the rotation.
fn rotate(key: &mut StoredKey, material: &KeyMaterial, at_ms: u64, kind: RotationKind) {
    if let Some(replaced) = key.material.replace(material.clone()) {
        key.rotation.earlier_materials.push(replaced);
    }
    key.rotation.rotations.push(RotationRecord {
        material_id: material.id,
        date_ms: at_ms,
        kind,
    });
    match kind {
        RotationKind::OnDemand => {
            key.rotation.on_demand_count = key.rotation.on_demand_count.saturating_add(1)
        }
        // On-demand rotations leave the schedule alone (AWS: "On-demand rotations do not change
        // existing automatic rotation schedules"); an automatic one starts the next period.
        RotationKind::Automatic => {
            if let Some(days) = key.rotation.period_days {
                key.rotation.next_rotation_ms = Some(at_ms.saturating_add(days_ms(days)));
            }
        }
    }
}

/// `days` in milliseconds.
pub fn days_ms(days: u32) -> u64 {
    u64::from(days).saturating_mul(86_400_000)
}

#[cfg(test)]
mod tests;
