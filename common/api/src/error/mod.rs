//! AWS KMS errors: their `__type` names, HTTP statuses, messages and JSON bodies.
//!
//! An AWS JSON 1.1 error is an HTTP status plus a body `{"__type":"NotFoundException","message":
//! "..."}`. SDKs pick the exception class from `__type` (after stripping any
//! `namespace#` prefix) and fill the exception's modelled `message` field from the lower-case key,
//! so both must be exact. Client errors are 400; the three "fault" shapes of the model
//! (`KMSInternalException`, `DependencyTimeoutException`, `KeyUnavailableException`) are 500, which
//! is what makes SDKs retry them.
//!
//! The constructors carry the messages recorded from real AWS (see
//! `shared/spec/aws-kms-real-errors.txt`); each is pinned by a test quoting the recorded text.
//!
//! - [`error_type`]: [`KmsErrorType`], the table of every `__type` and its HTTP status;
//! - [`kms_error`]: [`KmsError`] itself and its JSON body (sent and received);
//! - [`messages`]: the named constructors with AWS's wording, and [`DenyReason`].

pub mod error_type;
pub mod kms_error;
pub mod messages;

#[cfg(test)]
mod tests;

pub use error_type::KmsErrorType;
pub use kms_error::{ErrorBodyError, KmsError};
pub use messages::DenyReason;
