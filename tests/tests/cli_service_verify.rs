//! End-to-end: `nitro-kms service verify` against an in-process HTTPS server that serves the
//! enclave's well-known routes from a simulated NSM (`nitro_kms_tests::service_server`), and the
//! KMS subcommands' `--ca-bundle` and `--service-pcr` against the same server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use nitro_kms_attest::service::fixture::{FixtureCa, LeafSpec, ServiceFixture};
use nitro_kms_tests::nitro_kms;
use nitro_kms_tests::service_server::{DocumentFor, ServiceServer, ServiceServerSpec};
use serde_json::Value;

const PCR0: [u8; 48] = [0x3c; 48];

struct World {
    _dir: tempfile::TempDir,
    files: tempfile::TempDir,
    fixture: Arc<ServiceFixture>,
}

impl World {
    fn new(behind: Duration) -> World {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Arc::new(ServiceFixture::open(dir.path(), PCR0, behind).unwrap());
        let files = tempfile::tempdir().unwrap();
        std::fs::write(files.path().join("root.pem"), fixture.root_pem()).unwrap();
        World {
            _dir: dir,
            files,
            fixture,
        }
    }

    fn path(&self, name: &str) -> String {
        self.files.path().join(name).display().to_string()
    }

    /// The honest document: the fixture's, with the nonce asked for.
    fn honest(&self) -> DocumentFor {
        let fixture = self.fixture.clone();
        Arc::new(move |nonce| fixture.document(Some(nonce)).unwrap())
    }

    async fn serve(&self, document: DocumentFor, signed_by: Option<&FixtureCa>) -> ServiceServer {
        let spec = LeafSpec::simulation();
        let leaf = match signed_by {
            None => self.fixture.leaf(&spec).unwrap(),
            Some(ca) => self.fixture.leaf_signed_by(&spec, ca).unwrap(),
        };
        ServiceServer::start(ServiceServerSpec {
            chain: vec![leaf.der, self.fixture.ca().der().to_vec()],
            key_pkcs8: leaf.key_pkcs8.expose().to_vec(),
            document,
            ca_pem: self.fixture.ca().pem(),
        })
        .await
    }

    /// `service verify` against `server` with the simulated root and `extra` options.
    async fn verify(&self, server: &ServiceServer, extra: &[&str]) -> Output {
        let mut args: Vec<String> = [
            "service",
            "verify",
            "--endpoint-url",
            &format!("https://localhost:{}", server.port),
            "--trust-simulated-root",
            &self.path("root.pem"),
            "--ca-out",
            &self.path("ca.pem"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        run(args).await
    }
}

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        nitro_kms(&args)
    })
    .await
    .unwrap()
}

fn pcr0_option(value: &[u8]) -> String {
    format!("0={}", hex::encode(value))
}

/// Exit 1, nothing on stdout, no CA written, and stderr naming `check`.
fn refused(out: &Output, check: &str, ca_out: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains(check), "expected {check:?} in: {stderr}");
    assert!(!ca_out.exists(), "a CA was written for a refused service");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_verify_accepts_the_attested_service_and_its_ca_works_as_a_ca_bundle() {
    let world = World::new(Duration::ZERO);
    let server = world.serve(world.honest(), None).await;
    let out = world
        .verify(
            &server,
            &["--expect-pcr", &pcr0_option(&PCR0), "--max-age", "60"],
        )
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["module_id"], world.fixture.nsm().module_id());
    assert_eq!(json["pcrs"]["0"], hex::encode(PCR0));
    let ca_der = world.fixture.ca().der();
    assert_eq!(
        json["ca_sha256"],
        hex::encode(nitro_kms_crypto::sha256(ca_der))
    );
    assert_eq!(
        json["provisioning_key_sha256"],
        hex::encode(nitro_kms_crypto::sha256(world.fixture.provisioning_spki()))
    );
    assert_eq!(json["simulated_root"], true);
    let written = std::fs::read_to_string(world.path("ca.pem")).unwrap();
    assert_eq!(written, world.fixture.ca().pem());

    // The AWS CLI's way: the written CA as --ca-bundle.
    let endpoint = format!("https://localhost:{}", server.port);
    let endpoint_for_aws = endpoint.clone();
    let kms = |extra: &[&str]| {
        let mut args: Vec<String> = [
            "list-keys",
            "--endpoint-url",
            &endpoint,
            "--region",
            "us-east-1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let with_bundle = kms(&["--ca-bundle", &world.path("ca.pem")]);
    let out = run_with_credentials(with_bundle, None).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The AWS CLI itself, with the written CA as --ca-bundle.
    let venv = nitro_kms_tests::proxy::venv();
    let ca_bundle = world.path("ca.pem");
    let aws = tokio::task::spawn_blocking(move || {
        std::process::Command::new(venv.join("bin/aws"))
            .args([
                "kms",
                "list-keys",
                "--endpoint-url",
                &endpoint_for_aws,
                "--region",
            ])
            .args(["us-east-1", "--ca-bundle", &ca_bundle, "--output", "json"])
            .env_clear()
            .env("PATH", venv.join("bin"))
            .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        aws.status.code(),
        Some(0),
        "aws: {}",
        String::from_utf8_lossy(&aws.stderr)
    );
    // Ours: the attested identity checked in every handshake.
    let root = world.path("root.pem");
    let attested = kms(&[
        "--trust-simulated-root",
        &root,
        "--service-pcr",
        &pcr0_option(&PCR0),
    ]);
    // AWS_CA_BUNDLE set machine-wide to unrelated roots (as on many hosts) does not stand in the
    // way of the attested check: only an explicit --ca-bundle adds a web-PKI check.
    let out = run_with_credentials(attested, Some(root.clone())).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = server.requests();
    let another = kms(&[
        "--trust-simulated-root",
        &root,
        "--service-pcr",
        &pcr0_option(&[0; 48]),
    ]);
    let out = run_with_credentials(another, None).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains("not the attested service: PCR0 is 3c3c"),
        "{stderr}"
    );
    assert_eq!(
        server.requests(),
        requests,
        "a request reached a refused service"
    );
}

/// Runs `nitro-kms ARGS` with test credentials and `AWS_CA_BUNDLE` set to `ca_bundle_env` (unset
/// when `None`).
async fn run_with_credentials(args: Vec<String>, ca_bundle_env: Option<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(nitro_kms_tests::binary("nitro-kms"));
        command
            .args(&args)
            .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_CA_BUNDLE");
        if let Some(bundle) = ca_bundle_env {
            command.env("AWS_CA_BUNDLE", bundle);
        }
        command.output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_verify_refuses_another_pcr0() {
    let world = World::new(Duration::ZERO);
    let server = world.serve(world.honest(), None).await;
    let out = world
        .verify(&server, &["--expect-pcr", &pcr0_option(&[0x01; 48])])
        .await;
    refused(&out, "PCR0 is 3c3c", Path::new(&world.path("ca.pem")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_verify_refuses_a_document_of_another_root() {
    let world = World::new(Duration::ZERO);
    let other_dir = tempfile::tempdir().unwrap();
    let other = Arc::new(ServiceFixture::open(other_dir.path(), PCR0, Duration::ZERO).unwrap());
    let ca_spki = world.fixture.ca().spki().unwrap();
    let forged: DocumentFor =
        Arc::new(move |nonce| other.document_binding(&ca_spki, Some(nonce)).unwrap());
    let server = world.serve(forged, None).await;
    let out = world.verify(&server, &[]).await;
    refused(
        &out,
        "not from the pinned root",
        Path::new(&world.path("ca.pem")),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_verify_refuses_a_stale_document() {
    let world = World::new(Duration::from_secs(600));
    let server = world.serve(world.honest(), None).await;
    let out = world.verify(&server, &["--max-age", "60"]).await;
    refused(&out, "stale", Path::new(&world.path("ca.pem")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_verify_refuses_a_document_that_echoes_another_nonce() {
    let world = World::new(Duration::ZERO);
    let fixture = world.fixture.clone();
    let replayed: DocumentFor = Arc::new(move |_| fixture.document(Some(&[0xee; 32])).unwrap());
    let server = world.serve(replayed, None).await;
    let out = world.verify(&server, &[]).await;
    refused(&out, "nonce is eeee", Path::new(&world.path("ca.pem")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_verify_refuses_a_ca_that_did_not_sign_the_server_certificate() {
    let world = World::new(Duration::ZERO);
    let other_ca = FixtureCa::generate("a relay's CA").unwrap();
    let server = world.serve(world.honest(), Some(&other_ca)).await;
    let out = world.verify(&server, &[]).await;
    refused(
        &out,
        "server certificate was not signed by the attested CA",
        Path::new(&world.path("ca.pem")),
    );
}
