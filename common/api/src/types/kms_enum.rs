//! What a KMS enum is ([`KmsEnum`]) and how one is declared (`kms_enum!`).
//!
//! Every enum of the model is a Rust enum whose values are the model's strings. Request structs
//! keep enum members as `String`s and validate them (see [`crate::validate`]), because an
//! unknown value is not a parse error in AWS but a `ValidationException` that quotes the value
//! and lists the accepted set. Response structs use the enums directly.
//!
//! Each enum knows two lists:
//! - `ALL`: the model's values in the model's order (pinned against the model by a test);
//! - `ACCEPTED`: the values AWS accepts in a request, in the order AWS lists them in
//!   `Member must satisfy enum value set: [...]`. Where real AWS was recorded that order is copied
//!   (it is not the model's order). The recordings also show that the commercial partition's set
//!   for `KeySpec` leaves out the China-only `SM2`; we leave the SM2 family out of every accepted
//!   set the same way. Values added to the model after the recordings are appended in model
//!   order, because where AWS puts them in its list is unknown.
//!
//! The trait lives apart from the enums so that [`crate::validate`] can check any enum without
//! depending on the shared structures (which themselves use validation).

/// What every KMS enum offers, so validation can treat them generically.
pub trait KmsEnum: Sized + Copy + 'static {
    /// The model's shape name (`DataKeySpec`).
    const SHAPE: &'static str;
    /// All values of the model, in model order.
    const ALL: &'static [Self];
    /// The values AWS accepts in requests, in the order its validation message lists them.
    const ACCEPTED: &'static [Self];

    /// The wire string.
    fn as_str(self) -> &'static str;

    /// Any model value (for responses from AWS, which may carry values we do not accept).
    fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    /// A value AWS accepts in a request; `None` means a validation error.
    fn parse_accepted(s: &str) -> Option<Self> {
        Self::ACCEPTED.iter().copied().find(|v| v.as_str() == s)
    }

    /// The accepted set as AWS prints it: `[AES_256, AES_128]`.
    fn value_set() -> String {
        let names: Vec<&str> = Self::ACCEPTED.iter().map(|v| v.as_str()).collect();
        format!("[{}]", names.join(", "))
    }
}

/// An enum string that is not a value of the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a valid {shape}")]
pub struct UnknownEnumValue {
    /// The enum's model shape name.
    pub shape: &'static str,
    /// The rejected string.
    pub value: String,
}

/// Declares a KMS enum: variants with their wire strings, and the accepted order.
macro_rules! kms_enum {
    (
        $(#[$doc:meta])*
        $name:ident ($shape:literal) {
            $( $(#[$vdoc:meta])* $variant:ident = $wire:literal, )+
        }
        accepted [ $($accepted:ident),* $(,)? ]
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
        }

        impl KmsEnum for $name {
            const SHAPE: &'static str = $shape;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const ACCEPTED: &'static [Self] = &[$($name::$accepted),*];

            fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )+
                }
            }
        }

        impl $name {
            /// The wire string (also available through [`KmsEnum::as_str`]).
            pub fn as_str(self) -> &'static str {
                KmsEnum::as_str(self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(KmsEnum::as_str(*self))
            }
        }

        impl FromStr for $name {
            type Err = UnknownEnumValue;
            /// Any value of the model (not only the accepted ones).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as KmsEnum>::from_wire(s).ok_or_else(|| UnknownEnumValue {
                    shape: $shape,
                    value: s.to_owned(),
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(KmsEnum::as_str(*self))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// `kms_enum!` for the enum declarations of [`crate::types::enums`].
pub(crate) use kms_enum;
