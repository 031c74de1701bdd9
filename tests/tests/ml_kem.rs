#![allow(clippy::unwrap_used, clippy::expect_used)]
//! ML-KEM keys as AWS's own SDK calls them, against `nitro-kms-proxy --simulate`: boto3 for
//! every spec (round trips, interoperability with Python `cryptography`, the error rows that
//! apply, a policy denying the action): `tests/python/ml_kem.py`, which names its sources.

use nitro_kms_tests::proxy::Sim;
use std::path::Path;

#[test]
fn boto3_ml_kem_keys_of_every_spec_work_and_interoperate_with_cryptography() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/ml_kem.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ml_kem script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ml-kem complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}
