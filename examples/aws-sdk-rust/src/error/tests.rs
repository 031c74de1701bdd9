//! The one-line message of a failed step.

use super::*;

#[derive(Debug, thiserror::Error)]
#[error("outer")]
struct Outer(#[source] Inner);

#[derive(Debug, thiserror::Error)]
#[error("inner")]
struct Inner;

#[test]
fn a_kms_error_names_the_operation_and_every_cause_on_one_line() {
    assert_eq!(
        ExampleError::kms("Decrypt", Outer(Inner)).to_string(),
        "Decrypt: outer: inner"
    );
}
