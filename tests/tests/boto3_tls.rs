#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test
//! Issue 16: boto3 (from the test virtualenv) over TLS to the enclave's own endpoint, through an
//! honest byte relay standing where the parent stands. `nitro-kms service verify --ca-out ca.pem`
//! checks the enclave's attested identity and writes its CA; boto3 with `verify=ca.pem` creates
//! a key, generates a data key and decrypts it; boto3 without that CA fails with an SSL error
//! (`tests/python/boto3_tls.py`).

use std::path::Path;
use std::process::Command;

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::mitm::HostileParent;
use nitro_kms_tests::proxy::{REGION, Sim, list_key_ids, venv};

#[test]
fn boto3_over_tls_trusts_the_ca_that_service_verify_wrote_and_nothing_else() {
    let sim = Sim::start(&[]);
    // One answer through the proxy: the enclave is ready, its identity in place.
    let _ready = list_key_ids(&sim);
    let relay = HostileParent::start(sim.dir.join("enclave-http.sock"));
    let ca = sim.verified_ca(&relay.url());

    let venv = venv();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/boto3_tls.py");
    let out = Command::new(venv.join("bin/python"))
        .arg(&script)
        .env_clear()
        .env("PATH", venv.join("bin"))
        .env("HOME", &sim.dir)
        .env("NITRO_KMS_TLS_ENDPOINT", relay.url())
        .env("NITRO_KMS_CA", &ca)
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "boto3 over TLS failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("boto3 tls complete"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
    // Every request went through the relay: TLS to the enclave, nothing in cleartext.
    assert!(relay.accepted() >= 2, "{}", relay.accepted());
    drop(relay);
    assert_eq!(sim.terminate(), Some(0));
}
