//! The AWS KMS service model every shape of this crate is pinned to.

/// botocore's AWS KMS service model (`spec/kms-service-2.json`, Apache-2.0, copied unchanged):
/// the tests pin every shape here to it and the CLI builds its subcommands from it, so both read
/// this one copy.
pub const SERVICE_MODEL: &str = include_str!("../spec/kms-service-2.json");
