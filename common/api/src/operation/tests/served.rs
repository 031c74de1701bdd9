//! Operations not served (unsupported vs unknown) and the README's generated list.

use crate::error::KmsErrorType;
use crate::model_operations::is_model_operation;
use crate::operation::Operation;

/// The README markers between which [`Operation::supported_operations_markdown`] is kept.
const BEGIN: &str = "<!-- supported-operations:begin -->\n";
const END: &str = "<!-- supported-operations:end -->";

#[test]
fn every_served_operation_is_a_model_operation_with_a_summary() {
    for op in Operation::ALL {
        assert!(is_model_operation(op.name()), "{op}");
        assert!(!op.summary().is_empty(), "{op}");
    }
}

#[test]
fn a_model_operation_not_served_is_unsupported_operation_naming_it() {
    // Every operation of the model is served since issue 18; a model operation added later and
    // not yet served would get this answer.
    let err = crate::KmsError::unsupported_operation("Decapsulate");
    assert_eq!(err.kind(), KmsErrorType::UnsupportedOperation);
    assert_eq!(err.http_status(), 400);
    assert_eq!(
        err.message(),
        "Decapsulate is not supported by this service (nitro-kms implements a subset of AWS KMS)"
    );
    for name in crate::model_operations::MODEL_OPERATIONS {
        match Operation::from_target(&format!("TrentService.{name}")) {
            Ok(op) => assert_eq!(op.name(), *name),
            Err(err) => assert_eq!(err.kind(), KmsErrorType::UnsupportedOperation, "{name}"),
        }
    }
}

#[test]
fn a_name_outside_the_model_is_unknown_operation_with_a_message() {
    for target in [
        "TrentService.NoSuchOperation",
        "TrentService.enableKeyRotation",
        "EnableKeyRotation",
        "",
    ] {
        let err = super::super::not_served(target);
        assert_eq!(err.kind(), KmsErrorType::UnknownOperation, "{target}");
        assert!(!err.message().is_empty(), "{target}");
    }
    assert_eq!(
        super::super::not_served("TrentService.NoSuchOperation").message(),
        "TrentService.NoSuchOperation is not an operation of AWS KMS (TrentService)"
    );
}

#[test]
fn readme_lists_the_supported_operations_generated_from_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let expected = Operation::supported_operations_markdown();
    let listed = readme
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(section, _)| section);
    assert_eq!(
        listed,
        Some(expected.as_str()),
        "README.md's supported operations are out of date; put this between the markers:\n{BEGIN}{expected}{END}"
    );
}
