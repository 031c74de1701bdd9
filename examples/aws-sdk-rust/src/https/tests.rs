//! The CA file check that keeps a bad `AWS_CA_BUNDLE` from panicking inside the SDK.

use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};

use super::*;

fn refusal(path: &std::path::Path) -> String {
    match read_ca_bundle(&path.display().to_string()) {
        Err(ExampleError::CaBundle { reason, .. }) => reason,
        other => panic!("expected a CaBundle refusal, got {other:?}"),
    }
}

#[test]
fn a_certificate_pem_is_accepted_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    let root = dir.path().join("root.pem");
    let pem = read_ca_bundle(&root.display().to_string()).unwrap();
    assert_eq!(pem, std::fs::read(&root).unwrap());
    assert!(client(Some(&root.display().to_string())).is_ok());
}

#[test]
fn a_file_without_a_certificate_is_refused_before_the_sdk_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    assert_eq!(refusal(&empty), "no CERTIFICATE block in it");

    let garbage = dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    assert_eq!(refusal(&garbage), "1 certificate(s) do not parse");

    let broken = dir.path().join("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\n!!!!\n").unwrap();
    assert!(
        refusal(&broken).starts_with("not PEM: "),
        "{}",
        refusal(&broken)
    );
}

#[test]
fn a_missing_file_is_refused_with_its_path() {
    let message = client(Some("/no/such/ca.pem")).err().unwrap().to_string();
    assert!(
        message.starts_with("AWS_CA_BUNDLE=/no/such/ca.pem: "),
        "{message}"
    );
}
