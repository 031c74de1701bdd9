//! Caller credentials the parent cannot read (issue 16): the access-key file the operator sealed
//! to this service's provisioning key (`nitro-kms credentials seal`,
//! `docs/sealed-credentials.md`), delivered by the parent in `SealedCredentials` frames.
//!
//! - [`inbox`]: where a connection's reader drops a delivery without waiting ([`Inbox`]), to be
//!   answered later with a `SealedCredentialsAck` on that connection;
//! - [`open`]: the file opened with the provisioning key and its TOML parsed into access keys,
//!   or the typed reason it is refused ([`OpenError`]);
//! - [`keeper`]: the task that, once the sealed state and the service identity are loaded, puts
//!   the stored file in force, then stores each newer delivered file in the sealed keystore
//!   (`Mutation::ReplaceCallerCredentials`, refusing a replay or rollback by its serial) and swaps
//!   the HTTP endpoint's access keys ([`crate::http::access_keys::AccessKeys`]), and follows what
//!   a leader stored when this enclave is a read replica.

pub mod inbox;
pub mod keeper;
pub mod open;

pub use inbox::{Delivery, Inbox};
pub use keeper::Keeper;
pub use open::{OpenError, Opened};
