//! `nitro-kms service …`: the service's attested identity.
//!
//! - `command.rs`: the subcommands ([`ServiceCommand`]) and [`run`];
//! - `check.rs`: checking a service's attested identity over one TLS connection
//!   ([`check_service`]), shared by `service verify` and `credentials seal`;
//! - `verify.rs`: `service verify`, which checks a service and writes its CA for `--ca-bundle`;
//! - `trust_args.rs`: a [`ServiceTrust`](nitro_kms_client::ServiceTrust) from a root file and
//!   `N=HEX` PCR options, shared with the KMS subcommands' `--service-pcr`.

mod check;
mod command;
mod trust_args;
mod verify;

pub use check::{ServiceCheckArgs, check_service};
pub use command::{ServiceCommand, run};
pub use trust_args::{RootChoice, service_trust};
