//! [`KmsError`]: one AWS KMS error, its type and message, and its JSON body both ways.
//!
//! An AWS JSON 1.1 error is an HTTP status plus a body `{"__type":"NotFoundException","message":
//! "..."}`. SDKs fill the exception's modelled `message` field from the lower-case key, so the
//! body must be exact. The named constructors carrying AWS's recorded messages are in
//! [`crate::error::messages`].

use std::fmt;

use serde_json::{Map, Value};

use crate::error::error_type::{KmsErrorType, bare_type_name};

/// A KMS error: its type and its message, ready to be sent or as received.
///
/// Construct it with the named constructors (which carry AWS's exact wording) rather than with
/// [`KmsError::new`] wherever one exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct KmsError {
    kind: KmsErrorType,
    /// The raw `__type` of an [`KmsErrorType::Unrecognized`] error, to show it as received.
    raw_type: Option<String>,
    message: String,
}

impl fmt::Display for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.type_name())
        } else {
            write!(f, "{}: {}", self.type_name(), self.message)
        }
    }
}

/// Why [`KmsError::from_json`] could not read a body as an AWS error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorBodyError {
    /// The body is not a JSON object.
    #[error("error body is not a JSON object")]
    NotAnObject,
    /// The object has no string `__type` member.
    #[error("error body has no __type")]
    MissingType,
}

impl KmsError {
    /// An error of `kind` with `message`. Prefer a named constructor where one exists.
    pub fn new(kind: KmsErrorType, message: impl Into<String>) -> Self {
        Self {
            kind,
            raw_type: None,
            message: message.into(),
        }
    }

    /// The error type.
    pub fn kind(&self) -> KmsErrorType {
        self.kind
    }

    /// The `__type` string (without namespace), as sent on the wire.
    pub fn type_name(&self) -> &str {
        match (&self.kind, &self.raw_type) {
            (KmsErrorType::Unrecognized, Some(raw)) => raw,
            (kind, _) => kind.type_name(),
        }
    }

    /// The HTTP status to answer with.
    pub fn http_status(&self) -> u16 {
        self.kind.http_status()
    }

    /// The message (possibly empty, e.g. for `InvalidCiphertextException`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON error body: `{"__type":"NotFoundException","message":"..."}`.
    ///
    /// `message` is lower-case because boto3 fills the exception's modelled field only from that
    /// key. An empty message is omitted altogether, because that is what AWS sends
    /// (`{"__type":"InvalidCiphertextException"}`, seen in aws-cli#1100 and
    /// aws-nitro-enclaves-sdk-c#68); SDKs then report an empty message, as the recordings show.
    pub fn to_json(&self) -> String {
        let mut body = Map::new();
        body.insert("__type".into(), Value::String(self.type_name().to_owned()));
        if !self.message.is_empty() {
            body.insert("message".into(), Value::String(self.message.clone()));
        }
        Value::Object(body).to_string()
    }

    /// Reads an AWS error body (the client side of [`KmsError::to_json`]).
    ///
    /// Tolerant as SDKs are: `message` or `Message`, a missing or `null` message (empty), and a
    /// `__type` with a namespace prefix (`com.amazonaws.kms#NotFoundException`). An unknown type is
    /// kept as [`KmsErrorType::Unrecognized`] with its bare name.
    pub fn from_json(body: &[u8]) -> Result<Self, ErrorBodyError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| ErrorBodyError::NotAnObject)?;
        let object = value.as_object().ok_or(ErrorBodyError::NotAnObject)?;
        let raw_type = object
            .get("__type")
            .and_then(Value::as_str)
            .ok_or(ErrorBodyError::MissingType)?;
        let message = ["message", "Message"]
            .iter()
            .find_map(|key| object.get(*key).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned();
        Ok(match KmsErrorType::from_type_name(raw_type) {
            Some(kind) => Self::new(kind, message),
            None => Self {
                kind: KmsErrorType::Unrecognized,
                raw_type: Some(bare_type_name(raw_type).to_owned()),
                message,
            },
        })
    }
}
