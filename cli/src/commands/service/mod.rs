//! `nitro-kms service …`: the service's attested identity.
//!
//! - `command.rs`: the subcommands ([`ServiceCommand`]) and [`run`];
//! - `verify.rs`: `service verify`, which checks a service and writes its CA for `--ca-bundle`;
//! - `trust_args.rs`: a [`ServiceTrust`](nitro_kms_client::ServiceTrust) from a root file and
//!   `N=HEX` PCR options, shared with the KMS subcommands' `--service-pcr`.

mod command;
mod trust_args;
mod verify;

pub use command::{ServiceCommand, run};
pub use trust_args::{RootChoice, service_trust};
