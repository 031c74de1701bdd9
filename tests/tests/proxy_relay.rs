#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The proxy as a byte relay (issue 16): an attested TLS session runs through its `--listen`
//! end to end — the client checks the enclave's attestation in the handshake and the proxy, which
//! holds no key of the service, only moves the bytes — while cleartext HTTP keeps working on the
//! same port in the simulation; and the proxy refuses to start with what it must not hold or
//! cannot work out (a plaintext credentials file outside the simulation, a Unix-socket enclave
//! without its HTTP address).

use std::process::Command;

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::{Sim, kms_call};
use nitro_kms_tests::service_cli::{ok_stdout, other_pcr0, pcr0, pinned_call, service_verify};
use serde_json::json;

/// The proxy's `nitro_kms_relay_bytes_total` for `direction`.
fn relayed_bytes(sim: &Sim, direction: &str) -> u64 {
    let name = format!("nitro_kms_relay_bytes_total{{direction=\"{direction}\"}} ");
    let text = sim.admin_metrics();
    text.lines()
        .find_map(|l| l.strip_prefix(name.as_str())?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[test]
fn an_honest_relay_carries_attested_tls_end_to_end_and_cleartext_on_the_same_port() {
    let sim = Sim::start(&[]);
    // Cleartext through the relay, as `http://127.0.0.1:9600` is used in the simulation.
    let created = kms_call(&sim, "CreateKey", &json!({}));
    assert_eq!(created.status, 200, "{}", created.json());
    let key_id = created.json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();

    // TLS through the same port: the service's identity verified with a fresh nonce...
    let url = format!("https://{}", sim.authority());
    let root = sim.dir.join("root.pem");
    let ca = sim.dir.join("service-ca.pem");
    let before = relayed_bytes(&sim, "enclave_to_client");
    let pcr0 = pcr0(&service_verify(&url, &root, &ca));

    // ...then a request under the pinned PCR0, the attestation checked in the handshake: the
    // key made over cleartext is there, so both reached the one enclave.
    let listed = pinned_call(&url, &root, &pcr0, &["list-keys"]);
    assert!(ok_stdout("nitro-kms list-keys", &listed).contains(&key_id));
    // The relay moved the certificate chains and answers (bytes only: it holds no key to read
    // them with).
    assert!(relayed_bytes(&sim, "enclave_to_client") > before + 1000);

    // Under another PCR0 the same relayed service is refused in the handshake.
    let refused = pinned_call(&url, &root, &other_pcr0(), &["list-keys"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_ne!(refused.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("not the attested service"), "{stderr}");
    assert_eq!(sim.terminate(), Some(0));
}

/// Runs the proxy outside the simulation with `extra` and returns its exit code and stderr.
fn proxy_outside_simulation(extra: &[&str]) -> (Option<i32>, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(nitro_kms_tests::binary("nitro-kms-proxy"))
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .args(extra)
        .env_remove("NITRO_KMS_PROXY_ENCLAVE")
        .env_remove("NITRO_KMS_PROXY_ENCLAVE_HTTP")
        .env_remove("NITRO_KMS_PROXY_CREDENTIALS")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        dir,
    )
}

#[test]
fn outside_the_simulation_a_plaintext_credentials_file_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials.toml");
    std::fs::write(
        &credentials,
        format!(
            "[[credential]]\naccess_key_id = \"{SIMULATION_ACCESS_KEY_ID}\"\n\
             secret_access_key = \"{SIMULATION_SECRET_ACCESS_KEY}\"\n\
             principal = \"arn:aws:iam::111122223333:user/app\"\n"
        ),
    )
    .unwrap();
    let (code, stderr, state) = proxy_outside_simulation(&[
        "--enclave",
        "vsock://16:5000",
        "--credentials",
        credentials.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--credentials is refused without --simulate"),
        "{stderr}"
    );
    assert!(stderr.contains("must not read them"), "{stderr}");
    assert!(stderr.contains("nitro-kms credentials seal"), "{stderr}");
    // Refused before anything was set up: not even the state directory was made.
    assert!(!state.path().join("state").exists());
}

#[test]
fn a_unix_socket_enclave_needs_its_http_address() {
    let (code, stderr, _state) =
        proxy_outside_simulation(&["--enclave", "unix:///nonexistent/enclave.sock"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--enclave-http"), "{stderr}");
    // And the simulation-only settings are refused outside it, naming where they live now.
    let (code, stderr, _state) = proxy_outside_simulation(&[
        "--enclave",
        "vsock://16:5000",
        "--header-timeout-ms",
        "1000",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--header-timeout-ms only"), "{stderr}");
}
