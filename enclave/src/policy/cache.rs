//! Parsed key policies, kept between requests.
//!
//! Every KMS request evaluates its key's policy; parsing the JSON each time cost more than the
//! cryptography of a GenerateDataKey. The cache maps a key id to the policy text it parsed and the
//! result; an entry is used only while the stored text is still the same (PutKeyPolicy changes the
//! text, so the next request parses the new one). Bounded: beyond [`MAX_ENTRIES`] keys it starts
//! over rather than grow without limit.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::document::{Policy, PolicyError};

/// Most policies kept.
pub const MAX_ENTRIES: usize = 4096;

/// One cached policy: the text it was parsed from, and the result.
type Entry = (Arc<str>, Arc<Policy>);

/// Key id -> the policy text last parsed for it, and the result.
#[derive(Debug, Default)]
pub struct PolicyCache {
    entries: RwLock<HashMap<String, Entry>>,
}

impl PolicyCache {
    /// The parsed form of `text`, the policy of `key_id`.
    pub fn get(&self, key_id: &str, text: &str) -> Result<Arc<Policy>, PolicyError> {
        if let Some((cached_text, policy)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key_id)
            && &**cached_text == text
        {
            return Ok(policy.clone());
        }
        let policy = Arc::new(Policy::parse(text)?);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key_id.to_owned(), (Arc::from(text), policy.clone()));
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_policy_text_is_parsed_again() {
        let cache = PolicyCache::default();
        let allow = crate::policy::default_policy("111122223333");
        let first = cache.get("k", &allow).unwrap();
        assert!(Arc::ptr_eq(&first, &cache.get("k", &allow).unwrap()));
        let other = allow.replace("kms:*", "kms:Decrypt");
        let second = cache.get("k", &other).unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
        assert!(cache.get("k", "{not json").is_err());
    }
}
