//! The `nitro-kms` CLI as the attested-client tests run it: with the simulation's keys and region
//! and no CA bundle from the environment, so that only what a test passes (`--trust-simulated-root`,
//! `--service-pcr`, `--ca-out`) decides whom the CLI trusts.
//!
//! One place for the sequence every issue-16 test starts with — `service verify` to learn the
//! enclave's PCR0 and CA, then calls pinned to that PCR0 — so that the tests of the relay, of the
//! hostile parent and of the interop with other clients check the same thing the same way.

use std::path::Path;
use std::process::{Command, Output};

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};

use crate::proxy::REGION;

/// Runs `nitro-kms ARGS` with the simulation's keys and region and no CA bundle from outside.
///
/// # Panics
/// If the binary cannot be started.
pub fn nitro_kms(args: &[&str]) -> Output {
    Command::new(crate::binary("nitro-kms"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_DEFAULT_REGION", REGION)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_CA_BUNDLE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run nitro-kms: {e}"))
}

/// The standard output of a run that must have succeeded (exit 0); `what` names it in the panic.
///
/// # Panics
/// If the run exited otherwise, with both its outputs.
pub fn ok_stdout(what: &str, out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `nitro-kms service verify` against `url` under the simulated `root`, writing the service's CA
/// to `ca_out`: the facts it printed (JSON). Their `pcrs."0"` is what later calls pin.
///
/// # Panics
/// If the verification fails or prints no JSON.
pub fn service_verify(url: &str, root: &Path, ca_out: &Path) -> serde_json::Value {
    let verified = nitro_kms(&[
        "service",
        "verify",
        "--endpoint-url",
        url,
        "--trust-simulated-root",
        &root.to_string_lossy(),
        "--ca-out",
        &ca_out.to_string_lossy(),
    ]);
    let stdout = ok_stdout("service verify", &verified);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("service verify printed {stdout}: {e}"))
}

/// The PCR0 (hex) in the facts `service verify` printed.
///
/// # Panics
/// If there is none.
pub fn pcr0(facts: &serde_json::Value) -> String {
    facts["pcrs"]["0"]
        .as_str()
        .unwrap_or_else(|| panic!("no PCR0 in {facts}"))
        .to_owned()
}

/// `nitro-kms OP ARGS --endpoint-url URL --trust-simulated-root ROOT --service-pcr 0=PCR0`: a call
/// that checks the attestation in the certificate of every handshake.
pub fn pinned_call(url: &str, root: &Path, pcr0: &str, args: &[&str]) -> Output {
    let pcr = format!("0={pcr0}");
    let root = root.to_string_lossy();
    let mut all = args.to_vec();
    all.extend([
        "--endpoint-url",
        url,
        "--trust-simulated-root",
        &root,
        "--service-pcr",
        &pcr,
    ]);
    nitro_kms(&all)
}

/// A PCR0 no enclave has (all zeros): pinning it must make every handshake fail.
pub fn other_pcr0() -> String {
    "00".repeat(48)
}
