#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `--seal-root kms:ARN` end to end: the enclave's sealing key comes from an "upstream AWS KMS"
//! (a second, simulated nitro-kms behind TLS with a test CA), reached through the proxy's egress
//! relay, with the parent's credentials handed over in `Credentials` frames.
//!
//! The chain under test is the real pair of processes: `nitro-kms-proxy` (not simulated: its own
//! `--enclave` socket, `--egress`, `--enclave-credentials file:...`) and `nitro-kms-enclave
//! --seal-root`. The upstream's key policy releases keys only to attestation documents whose
//! PCR0 (`kms:RecipientAttestation:ImageSha384`) is the enclave binary's SHA-384. So:
//! first start seals under a new root (GenerateDataKey), a restart unseals (Decrypt) and every
//! ciphertext still decrypts, the parent itself cannot Decrypt the stored blob, and an enclave
//! simulating another image is refused and will not serve.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::binary;
use nitro_kms_tests::proxy::{HttpResponse, Sim, kms_call, try_kms_call};
use nitro_kms_tests::tls::TlsFront;
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const SIM_PRINCIPAL: &str = "arn:aws:iam::111122223333:user/simulation";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A free loopback port (bound, then released for the proxy to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// The parent under test: a proxy (not simulated) and the files it and its enclave use.
struct Parent {
    dir: PathBuf,
    proxy: Child,
    authority: String,
    /// The proxy's admin port (`host:port`).
    admin: String,
    upstream_world: PathBuf,
    key_arn: String,
    tls_port: u16,
}

impl Parent {
    fn start(
        dir: &Path,
        upstream_world: &Path,
        key_arn: &str,
        tls_port: u16,
        ca_pem: &str,
    ) -> Parent {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("ca.pem"), ca_pem).unwrap();
        // The callers the enclave accepts (handed to it, never to the proxy).
        std::fs::write(
            dir.join("callers.toml"),
            format!(
                "[[credential]]\naccess_key_id = \"{SIMULATION_ACCESS_KEY_ID}\"\n\
                 secret_access_key = \"{SIMULATION_SECRET_ACCESS_KEY}\"\n\
                 principal = \"{SIM_PRINCIPAL}\"\n"
            ),
        )
        .unwrap();
        // The parent's "instance role": what the upstream KMS accepts.
        std::fs::write(
            dir.join("aws.json"),
            json!({
                "Version": 1,
                "AccessKeyId": SIMULATION_ACCESS_KEY_ID,
                "SecretAccessKey": SIMULATION_SECRET_ACCESS_KEY,
            })
            .to_string(),
        )
        .unwrap();
        let port = free_port();
        let admin_port = free_port();
        let log = std::fs::File::create(dir.join("proxy.log")).unwrap();
        let proxy = Command::new(binary("nitro-kms-proxy"))
            .arg("--enclave")
            .arg(format!("unix://{}", dir.join("enclave.sock").display()))
            .arg("--state-dir")
            .arg(dir.join("parent"))
            .arg("--enclave-http")
            .arg(format!(
                "unix://{}",
                dir.join("enclave-http.sock").display()
            ))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--admin-listen", &format!("127.0.0.1:{admin_port}")])
            .arg("--egress")
            .arg(format!(
                "listen=unix://{},allow=localhost:{tls_port}",
                dir.join("egress.sock").display()
            ))
            .arg("--enclave-credentials")
            .arg(format!("file:{}", dir.join("aws.json").display()))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Parent {
            dir: dir.to_owned(),
            proxy,
            authority: format!("127.0.0.1:{port}"),
            admin: format!("127.0.0.1:{admin_port}"),
            upstream_world: upstream_world.to_owned(),
            key_arn: key_arn.to_owned(),
            tls_port,
        }
    }

    /// Starts the enclave under test (log `name`.log); `extra` is appended.
    fn enclave(&self, name: &str, extra: &[&str]) -> (Child, PathBuf) {
        let log = self.dir.join(format!("{name}.log"));
        let child = Command::new(binary("nitro-kms-enclave"))
            .arg("--simulate")
            .arg("--state-dir")
            .arg(&self.upstream_world)
            .arg("--listen")
            .arg(format!(
                "unix://{}",
                self.dir.join("enclave.sock").display()
            ))
            .arg("--seal-root")
            .arg(format!("kms:{}", self.key_arn))
            .arg("--seal-root-endpoint")
            .arg(format!("https://localhost:{}", self.tls_port))
            .arg("--seal-root-relay")
            .arg(format!("unix://{}", self.dir.join("egress.sock").display()))
            .arg("--seal-root-ca")
            .arg(self.dir.join("ca.pem"))
            .args(["--region", "us-east-1", "--account", ACCOUNT])
            // The callers: the enclave verifies their signatures (a plaintext file, which the
            // enclave accepts only in the simulation; the proxy refuses it outright).
            .arg("--http-listen")
            .arg(format!(
                "unix://{}",
                self.dir.join("enclave-http.sock").display()
            ))
            .arg("--credentials")
            .arg(self.dir.join("callers.toml"))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        (child, log)
    }

    fn call(&self, op: &str, body: &Value) -> HttpResponse {
        try_kms_call(&self.authority, op, body).unwrap_or_else(|e| panic!("{op}: {e}"))
    }

    /// Waits for the enclave's "ready" line (or its exit), within a minute.
    fn wait_ready(&self, child: &mut Child, log: &Path) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if text.contains("nitro-kms-enclave: ready") {
                return;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the enclave exited ({status}): {text}\nproxy: {}",
                    self.proxy_log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the enclave did not become ready: {text}\nproxy: {}",
                self.proxy_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn proxy_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("proxy.log")).unwrap_or_default()
    }
}

impl Drop for Parent {
    fn drop(&mut self) {
        let _ = self.proxy.kill();
        let _ = self.proxy.wait();
    }
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Creates the seal-root key on the upstream: administration for the simulation principal,
/// GenerateDataKey and Decrypt only for attested recipients whose PCR0 is `pcr0_hex`.
fn create_seal_root_key(upstream: &Sim, pcr0_hex: &str) -> String {
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "KeyAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": SIM_PRINCIPAL},
                "Action": ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy"],
                "Resource": "*"
            },
            {
                "Sid": "ReleaseToTheEnclaveImageOnly",
                "Effect": "Allow",
                "Principal": {"AWS": SIM_PRINCIPAL},
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": "*",
                "Condition": {"StringEqualsIgnoreCase": {
                    "kms:RecipientAttestation:ImageSha384": pcr0_hex
                }}
            }
        ]
    });
    let r = kms_call(
        upstream,
        "CreateKey",
        &json!({"Policy": policy.to_string(), "Description": "nitro-kms seal root"}),
    );
    assert_eq!(r.status, 200, "{}", r.json());
    r.json()["KeyMetadata"]["Arn"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sealing_key_comes_from_kms_survives_restarts_and_is_refused_to_another_image() {
    let upstream = Sim::start(&[]);
    let front = TlsFront::bind_with_test_ca("localhost").await;
    let (tls_port, ca_pem) = (front.port, front.root_pem.clone());
    front.forward_to(upstream.authority().to_owned());
    let enclave_binary = binary("nitro-kms-enclave");
    let pcr0 = nitro_kms_crypto::hex_lower(&nitro_kms_crypto::sha384(
        &std::fs::read(&enclave_binary).unwrap(),
    ));
    let key_arn = create_seal_root_key(&upstream, &pcr0);
    let tmp = tempfile::tempdir().unwrap();
    let parent = Parent::start(
        &tmp.path().join("parent-host"),
        &upstream.dir,
        &key_arn,
        tls_port,
        &ca_pem,
    );
    let blob_path = tmp.path().join("parent-host/parent/seal-root.blob");

    // First start: a new sealing key from the upstream, its blob kept by the parent.
    let (mut enclave, log) = parent.enclave("enclave-1", &[]);
    parent.wait_ready(&mut enclave, &log);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains(&format!("PCR0 {pcr0}")), "{text}");
    assert!(text.contains("new sealing key from"), "{text}");
    let root_blob = std::fs::read(&blob_path).unwrap();
    assert!(!root_blob.is_empty());

    let created = parent.call("CreateKey", &json!({}));
    assert_eq!(created.status, 200, "{}", created.json());
    let key_id = created.json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let encrypted = parent.call(
        "Encrypt",
        &json!({"KeyId": key_id, "Plaintext": b64(b"kept across restarts")}),
    );
    assert_eq!(encrypted.status, 200, "{}", encrypted.json());
    let ciphertext = encrypted.json()["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_owned();

    // The parent holds the blob and the instance role, yet cannot open the blob itself: without
    // an attestation document the policy's condition key is absent and the statement denies.
    let context = json!({"nitro-kms": "seal-root"});
    let denied = kms_call(
        &upstream,
        "Decrypt",
        &json!({"CiphertextBlob": b64(&root_blob), "KeyId": key_arn, "EncryptionContext": context}),
    );
    assert_eq!(denied.status, 400, "{}", denied.json());
    assert_eq!(denied.json()["__type"], "AccessDeniedException");

    // Restart: the stored blob is decrypted (attested), the keystore unseals, old ciphertext opens.
    stop(enclave);
    let (mut enclave, log) = parent.enclave("enclave-2", &[]);
    parent.wait_ready(&mut enclave, &log);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("sealing key released by"), "{text}");
    assert!(text.contains("keystore loaded (1 keys"), "{text}");
    assert_eq!(
        std::fs::read(&blob_path).unwrap(),
        root_blob,
        "the root is never replaced"
    );
    let decrypted = parent.call("Decrypt", &json!({"CiphertextBlob": ciphertext}));
    assert_eq!(decrypted.status, 200, "{}", decrypted.json());
    assert_eq!(decrypted.json()["Plaintext"], b64(b"kept across restarts"));
    stop(enclave);

    // Another image (PCR0 of a different file): the upstream refuses, the enclave will not serve.
    let other_image = tmp.path().join("other-image");
    std::fs::write(&other_image, b"a different enclave image").unwrap();
    let (mut impostor, log) = parent.enclave(
        "enclave-other-image",
        &["--simulated-image", other_image.to_str().unwrap()],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = impostor.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the impostor kept running");
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(text.contains("AccessDeniedException"), "{text}");
    assert!(!text.contains("nitro-kms-enclave: ready"), "{text}");
    assert_eq!(std::fs::read(&blob_path).unwrap(), root_blob);

    // The egress relay carried every seal-root call and refused nothing.
    let metrics = parent.call_metrics();
    let count = |result: &str| -> u64 {
        let name = format!("nitro_kms_egress_connections_total{{result=\"{result}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name.as_str()))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {metrics}"))
    };
    // One connection per enclave start at least: create, release, refusal.
    assert!(count("relayed") >= 3, "{metrics}");
    assert_eq!(count("refused"), 0, "{metrics}");
}

impl Parent {
    fn call_metrics(&self) -> String {
        let r = nitro_kms_tests::proxy::get(&self.admin, "/metrics");
        String::from_utf8(r.body).unwrap()
    }
}
