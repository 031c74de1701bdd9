#![allow(clippy::unwrap_used, clippy::expect_used)]
//! boto3 (from the test virtualenv) against `nitro-kms-proxy --simulate`: the seed operations and
//! errors, plus a Recipient GenerateDataKey whose CiphertextForRecipient the script decrypts with
//! the `cryptography` package (`tests/python/boto3_tour.py`).

use std::path::Path;

use nitro_kms_tests::proxy::Sim;

#[test]
fn boto3_runs_the_seed_operations_and_a_recipient_round_trip() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/boto3_tour.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "boto3 tour failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("boto3 tour complete"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}
