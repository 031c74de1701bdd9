//! The principals the end-to-end tests call the enclave as, each with the access key it signs with.
//!
//! The enclave believes only callers it authenticated itself (SigV4 at its HTTP endpoint, issue
//! 16), so a test cannot just name a caller: every principal a test calls as
//! ([`super::Enclave::call_as`]) needs an access key the enclave holds. [`PRINCIPALS`] is that
//! table. [`write_credentials_file`] writes it in the enclave's plaintext `--credentials` format
//! (accepted only with `--simulate`), and the harness signs each call with the caller's key.
//!
//! | const              | principal ARN                                   | why the tests use it                                                 |
//! |--------------------|-------------------------------------------------|----------------------------------------------------------------------|
//! | [`ALICE`]          | `arn:aws:iam::111122223333:user/alice`          | the default caller: of the key-owning account (default policy allows) |
//! | [`BOB`]            | `arn:aws:iam::111122223333:user/bob`            | a second caller of that account (per-caller policies, data keys)     |
//! | [`MALLORY`]        | `arn:aws:iam::444455556666:user/mallory`        | a caller of another account (the default policy gives it nothing)    |
//! | [`KEY_ADMIN`]      | `arn:aws:iam::111122223333:role/KmsKeyAdmin`    | docs/deploy-nitro.md's key administrator (policy, no use rights)     |
//! | [`SIMULATION_PRINCIPAL`] | `arn:aws:iam::111122223333:user/simulation` | the simulation's built-in key (not written: the enclave has it)     |
//!
//! A caller not in the table is a test bug: [`principal`] panics and names this table. The keys
//! are test values, never secrets; the access key ids are distinct from every other test's.

use std::path::Path;

use nitro_kms_api::sigv4::{
    SIMULATION_ACCESS_KEY_ID, SIMULATION_PRINCIPAL, SIMULATION_SECRET_ACCESS_KEY,
};

/// A caller of the key-owning account (allowed by the default key policy).
pub const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
/// A second caller of the key-owning account.
pub const BOB: &str = "arn:aws:iam::111122223333:user/bob";
/// A caller of another account.
pub const MALLORY: &str = "arn:aws:iam::444455556666:user/mallory";
/// The key administrator role of docs/deploy-nitro.md's key policy.
pub const KEY_ADMIN: &str = "arn:aws:iam::111122223333:role/KmsKeyAdmin";

/// One test principal and the access key it signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestPrincipal {
    /// The principal ARN the enclave's key policies see.
    pub arn: &'static str,
    /// Its access key id.
    pub access_key_id: &'static str,
    /// Its secret access key (a test value).
    pub secret_access_key: &'static str,
    /// Whether the enclave has the key built in (the simulation key), so it is not written to the
    /// credentials file.
    pub built_in: bool,
}

/// [`ALICE`]'s key.
pub const ALICE_KEY: TestPrincipal = file_key(ALICE, "AKIATESTALICE0000001", "alice-test-secret");
/// [`BOB`]'s key.
pub const BOB_KEY: TestPrincipal = file_key(BOB, "AKIATESTBOB000000001", "bob-test-secret");
/// [`MALLORY`]'s key.
pub const MALLORY_KEY: TestPrincipal =
    file_key(MALLORY, "AKIATESTMALLORY00001", "mallory-test-secret");
/// [`KEY_ADMIN`]'s key.
pub const KEY_ADMIN_KEY: TestPrincipal =
    file_key(KEY_ADMIN, "AKIATESTKEYADMIN0001", "key-admin-test-secret");
/// The simulation's built-in key ([`SIMULATION_PRINCIPAL`]).
pub const SIMULATION_KEY: TestPrincipal = TestPrincipal {
    arn: SIMULATION_PRINCIPAL,
    access_key_id: SIMULATION_ACCESS_KEY_ID,
    secret_access_key: SIMULATION_SECRET_ACCESS_KEY,
    built_in: true,
};

/// Every principal a test may call as (the table in the module docs).
pub const PRINCIPALS: [TestPrincipal; 5] = [
    ALICE_KEY,
    BOB_KEY,
    MALLORY_KEY,
    KEY_ADMIN_KEY,
    SIMULATION_KEY,
];

const fn file_key(
    arn: &'static str,
    access_key_id: &'static str,
    secret_access_key: &'static str,
) -> TestPrincipal {
    TestPrincipal {
        arn,
        access_key_id,
        secret_access_key,
        built_in: false,
    }
}

/// The table's entry for `arn`.
///
/// # Panics
/// If `arn` is not in [`PRINCIPALS`]: the enclave authenticates every caller, so a test can call
/// only as a principal whose key the harness gives it. Add the principal to the table in
/// `tests/src/enclave/principals.rs`.
#[track_caller]
pub fn principal(arn: &str) -> &'static TestPrincipal {
    PRINCIPALS.iter().find(|p| p.arn == arn).unwrap_or_else(|| {
        panic!(
            "{arn} is not a test principal: the enclave believes only callers it \
                 authenticated, so add it (with an access key) to the PRINCIPALS table in \
                 tests/src/enclave/principals.rs"
        )
    })
}

/// Writes the table's keys (all but the built-in one) to `path` in the enclave's `--credentials`
/// format.
pub fn write_credentials_file(path: &Path) -> std::io::Result<()> {
    let mut text = String::from("# The test principals (tests/src/enclave/principals.rs).\n");
    for p in PRINCIPALS.iter().filter(|p| !p.built_in) {
        text.push_str(&format!(
            "[[credential]]\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\nprincipal = \"{}\"\n\n",
            p.access_key_id, p.secret_access_key, p.arn
        ));
    }
    std::fs::write(path, text)
}
