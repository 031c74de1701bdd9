//! The KMS service model (botocore's JSON, the same file the AWS CLI is generated from), embedded
//! so the `nitro-kms` KMS subcommands take exactly the AWS CLI's options, in the model's order.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

const MODEL_JSON: &str = nitro_kms_api::SERVICE_MODEL;

/// A JSON object read in document order (the model's member order is the CLI's option order).
#[derive(Debug)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A reference to a shape.
#[derive(Debug, Deserialize)]
pub struct ShapeRef {
    /// The shape's name.
    pub shape: String,
    /// The member's documentation (HTML), shown by `nitro-kms <op> help`.
    #[serde(default)]
    pub documentation: Option<String>,
}

/// An operation.
#[derive(Debug, Deserialize)]
pub struct OperationDef {
    /// Its input shape.
    pub input: Option<ShapeRef>,
    /// Its output shape.
    pub output: Option<ShapeRef>,
    /// Its documentation (HTML): the first sentence is its line in `nitro-kms --help`, the whole
    /// its description in `nitro-kms <op> help`.
    #[serde(default)]
    pub documentation: Option<String>,
}

/// A shape.
#[derive(Debug, Deserialize)]
pub struct Shape {
    /// structure, list, map, string, integer, boolean, blob, timestamp.
    #[serde(rename = "type")]
    pub kind: String,
    /// Structure members, in order.
    #[serde(default)]
    pub members: Ordered<ShapeRef>,
    /// Required members.
    #[serde(default)]
    pub required: Vec<String>,
    /// Enum values.
    #[serde(default, rename = "enum")]
    pub values: Vec<String>,
    /// List element.
    pub member: Option<ShapeRef>,
    /// Map key (its type is shown by `--help`).
    pub key: Option<ShapeRef>,
    /// Map value.
    pub value: Option<ShapeRef>,
    /// Minimum value (integers) or length (strings, blobs, lists).
    pub min: Option<i64>,
    /// Maximum value (integers) or length (strings, blobs, lists), shown by `--help`.
    pub max: Option<i64>,
}

/// The parts of the model the CLI uses.
#[derive(Debug, Deserialize)]
pub struct Model {
    /// Operations by name.
    pub operations: HashMap<String, OperationDef>,
    /// Shapes by name.
    pub shapes: HashMap<String, Shape>,
}

/// The model (parsed once).
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        serde_json::from_str(MODEL_JSON).unwrap_or(Model {
            operations: HashMap::new(),
            shapes: HashMap::new(),
        })
    })
}

impl Model {
    /// A shape by name.
    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }
}

/// botocore's `xform_name` with `-`: `GenerateDataKey` → `generate-data-key`.
pub fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_the_aws_cli_option_names() {
        assert_eq!(
            kebab("GenerateDataKeyPairWithoutPlaintext"),
            "generate-data-key-pair-without-plaintext"
        );
        assert_eq!(kebab("KeyId"), "key-id");
        assert_eq!(kebab("DryRun"), "dry-run");
        assert_eq!(kebab("ReEncrypt"), "re-encrypt");
        assert_eq!(kebab("AWSAccountId"), "aws-account-id");
    }

    #[test]
    fn the_embedded_model_has_every_served_operation() {
        for op in nitro_kms_api::Operation::ALL {
            assert!(model().operations.contains_key(op.name()), "{op}");
        }
    }
}
