//! The client side of issue 16 against the real enclave, not a fixture: the simulation's enclave
//! serves its own endpoint (`enclave-http.sock` in the state directory); a TCP relay in this test
//! stands where the parent's byte relay will stand. Through it:
//!
//! - `nitro-kms service verify` checks the enclave's attested identity and writes its CA;
//! - the AWS CLI, with that CA as `--ca-bundle`, creates a key over TLS (SigV4 verified in the
//!   enclave);
//! - the `nitro-kms` CLI with `--service-pcr` (PCR0 from `service verify`) lists it, checking the
//!   attestation in the certificate of every handshake, and refuses the same service under
//!   another PCR0 without sending a request.

use std::path::Path;
use std::process::Output;

use nitro_kms_tests::proxy::{Sim, aws_kms_command, list_key_ids};
use nitro_kms_tests::service_cli::{ok_stdout, other_pcr0, pcr0, pinned_call, service_verify};
use nitro_kms_tests::tcp_relay::TcpRelay;

/// Runs `aws kms ARGS --endpoint-url URL --ca-bundle CA` from the test virtualenv.
fn aws_over_tls(url: &str, ca: &Path, args: &[&str]) -> Output {
    aws_kms_command(url, args)
        .arg("--ca-bundle")
        .arg(ca)
        .output()
        .unwrap_or_else(|e| panic!("cannot run aws: {e}"))
}

#[test]
fn service_verify_the_aws_cli_and_service_pcr_work_against_the_real_enclave_endpoint() {
    let sim = Sim::start(&[]);
    // The proxy says "endpoint:" before the enclave is ready; the enclave serves TLS from when it
    // is (its identity is in place before it reports ready), which one answer through the proxy
    // proves.
    let _ready = list_key_ids(&sim);
    let relay = TcpRelay::to(sim.dir.join("enclave-http.sock"));
    let url = relay.url();
    let root = sim.dir.join("root.pem");
    let ca = sim.dir.join("service-ca.pem");

    // The attested identity, checked with a fresh nonce; the CA written for --ca-bundle.
    let facts = service_verify(&url, &root, &ca);
    let pcr0 = pcr0(&facts);
    assert_eq!(pcr0.len(), 96, "{facts}");
    assert!(
        std::fs::read_to_string(&ca)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );

    // The AWS CLI over TLS to the enclave, trusting only that CA.
    let created = aws_over_tls(&url, &ca, &["create-key"]);
    let created: serde_json::Value =
        serde_json::from_str(&ok_stdout("aws create-key", &created)).unwrap();
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();

    // Ours, checking the attestation in each handshake under the pinned PCR0.
    let listed = pinned_call(&url, &root, &pcr0, &["list-keys"]);
    assert!(ok_stdout("nitro-kms list-keys", &listed).contains(&key_id));

    // The same service under another PCR0 is refused in the handshake.
    let refused = pinned_call(&url, &root, &other_pcr0(), &["list-keys"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_ne!(refused.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("not the attested service"), "{stderr}");
    assert!(stderr.contains("PCR0"), "{stderr}");

    // Without the CA the AWS CLI refuses the enclave's certificate.
    let untrusted = aws_kms_command(&url, &["list-keys"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run aws: {e}"));
    assert_ne!(untrusted.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&untrusted.stderr).contains("CERTIFICATE_VERIFY_FAILED"),
        "{}",
        String::from_utf8_lossy(&untrusted.stderr)
    );

    drop(relay);
    sim.terminate();
}
