//! [`SensitiveText`]: a string member the model marks `"sensitive": true` (a custom key store's
//! `KeyStorePassword`, an XKS proxy's credential). It is wiped from memory when dropped
//! (`zeroize`) and never printed by `Debug`, so a request logged or shown in a panic cannot leak
//! it; validation messages hide it too (`Value at '...'`, see [`crate::validate`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// A secret string of a request: zeroized on drop, redacted in `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SensitiveText(Zeroizing<String>);

impl SensitiveText {
    /// Wraps `text`.
    pub fn new(text: String) -> Self {
        SensitiveText(Zeroizing::new(text))
    }

    /// The secret itself, for validation and for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SensitiveText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SensitiveText(<redacted>)")
    }
}

impl Serialize for SensitiveText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SensitiveText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SensitiveText::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_and_serde_round_trips_it() {
        let secret: SensitiveText = serde_json::from_str(r#""kmsPswd1""#).unwrap();
        assert_eq!(secret.expose(), "kmsPswd1");
        assert!(!format!("{secret:?}").contains("kmsPswd1"));
        assert_eq!(serde_json::to_string(&secret).unwrap(), r#""kmsPswd1""#);
    }
}
