#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test
//! Issue 16, a man in the middle: the real simulated chain, and a hostile parent of the test's
//! own (`nitro_kms_tests::mitm::HostileParent`) between the client and the enclave's endpoint
//! (`enclave-http.sock`). Every attested client call — `KmsClient` with a service trust, with and
//! without `Recipient`, and the `nitro-kms` CLI with `--service-pcr 0=PCR0
//! --trust-simulated-root` — must fail with an error naming the cause and return no key when the
//! parent
//!
//! - (a) terminates TLS with a certificate of its own (one the client's `--ca-bundle` trusts,
//!   and one carrying the enclave's genuine attestation document),
//! - (b) presents the enclave's genuine chain without its key (TLS 1.3 and 1.2),
//! - (c) strips TLS: an `http://` endpoint with a service trust is refused before any
//!   connection, and a parent answering the ClientHello in cleartext is refused,
//! - (d) rewrites the enclave's answers in the TLS stream (a flipped byte, a genuine record of
//!   another session);
//!
//! and where it can be seen (a–c) the enclave got no request (its `/metrics`). (e) An honest byte
//! relay works for all of them.

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use nitro_kms_api::Operation;
use nitro_kms_api::ops::{
    CreateKeyRequest, CreateKeyResponse, DecryptRequest, GenerateDataKeyRequest,
    GenerateDataKeyResponse,
};
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_attest::attestation::TrustAnchor;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_attest::service::fixture::{FixtureCa, LeafSpec, ServiceFixture};
use nitro_kms_client::{ClientConfig, ClientError, Credentials, KmsClient, ServiceTrust};
use nitro_kms_crypto::RsaKeySize;
use nitro_kms_tests::mitm::{
    Behaviour, HostileParent, Tamper, enclave_requests, genuine_chain, genuine_document,
};
use nitro_kms_tests::proxy::{REGION, Sim, kms_call};
use nitro_kms_tests::service_cli::{ok_stdout, pcr0, pinned_call, service_verify};
use serde_json::Value;

/// The simulated chain, a hostile parent in front of its enclave, and what an attested client
/// pins.
struct World {
    sim: Sim,
    parent: HostileParent,
    /// The enclave's endpoint.
    socket: PathBuf,
    /// The simulated attestation root (PEM file).
    root: PathBuf,
    /// The enclave's PCR0 (hex), from `nitro-kms service verify` through the honest parent.
    pcr0: String,
    /// A key made before the attack.
    key_id: String,
}

impl World {
    fn start() -> World {
        let sim = Sim::start(&[]);
        // One answer through the proxy: the enclave is ready, its identity in place.
        let created = kms_call(&sim, "CreateKey", &serde_json::json!({}));
        assert_eq!(created.status, 200, "{}", sim.log_text());
        let key_id = created.json()["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned();
        let socket = sim.dir.join("enclave-http.sock");
        let parent = HostileParent::start(socket.clone());
        let root = sim.dir.join("root.pem");
        let ca = sim.dir.join("service-ca.pem");
        let pcr0 = pcr0(&service_verify(&parent.url(), &root, &ca));
        World {
            sim,
            parent,
            socket,
            root,
            pcr0,
            key_id,
        }
    }

    fn trust(&self) -> ServiceTrust {
        let root = TrustAnchor::simulated_from_pem(&std::fs::read(&self.root).unwrap()).unwrap();
        ServiceTrust::new(root).with_pcr(0, hex::decode(&self.pcr0).unwrap())
    }

    fn config(&self, endpoint: &str) -> ClientConfig {
        let mut config = ClientConfig::new(
            endpoint,
            REGION,
            Credentials::new(SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, None),
        );
        config.timeout = Duration::from_secs(20);
        config
    }

    /// `KmsClient` through the parent with the service trust (and `roots_pem` as its
    /// `--ca-bundle`, if given).
    fn client(&self, roots_pem: Option<&[u8]>) -> KmsClient {
        let mut config = self.config(&self.parent.url());
        config.tls_roots_pem = roots_pem.map(<[u8]>::to_vec);
        KmsClient::new(config.with_service_trust(self.trust())).unwrap()
    }

    /// The same, attested: its GenerateDataKey and Decrypt carry a `Recipient`.
    fn attested_client(&self, roots_pem: Option<&[u8]>) -> KmsClient {
        let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&self.sim.dir)).unwrap();
        self.client(roots_pem)
            .attested(std::sync::Arc::new(nsm), RsaKeySize::Rsa2048)
            .unwrap()
    }

    fn gdk(&self) -> GenerateDataKeyRequest {
        GenerateDataKeyRequest {
            key_id: Some(self.key_id.clone()),
            key_spec: Some("AES_256".into()),
            ..Default::default()
        }
    }

    /// `nitro-kms ARGS` through the parent, with the service trust (and `extra` options).
    fn cli(&self, args: &[&str], extra: &[&str]) -> Output {
        let mut all = args.to_vec();
        all.extend(extra);
        pinned_call(&self.parent.url(), &self.root, &self.pcr0, &all)
    }

    /// The CLI's generate-data-key through the parent: without and with `--recipient`.
    fn cli_data_keys(&self, extra: &[&str]) -> [Output; 2] {
        let recipient = format!("simulated:{}", self.sim.dir.display());
        let gdk = [
            "generate-data-key",
            "--key-id",
            &self.key_id,
            "--key-spec",
            "AES_256",
        ];
        let mut with_recipient = gdk.to_vec();
        with_recipient.extend(["--recipient", &recipient]);
        [self.cli(&gdk, extra), self.cli(&with_recipient, extra)]
    }

    fn enclave_requests(&self) -> u64 {
        enclave_requests(&self.socket)
    }
}

/// A CLI run that failed (255), printed nothing, and said each of `causes` on stderr.
fn cli_refused(what: &str, out: &Output, causes: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{what}: {stderr}");
    assert!(out.stdout.is_empty(), "{what} printed an answer: {stderr}");
    for cause in causes {
        assert!(stderr.contains(cause), "{what}: {stderr}");
    }
}

/// A transport failure whose message says each of `causes`; nothing of an answer.
fn refused<T: std::fmt::Debug>(what: &str, result: Result<T, ClientError>, causes: &[&str]) {
    match result {
        Err(err @ ClientError::Transport(_)) => {
            let message = err.to_string();
            for cause in causes {
                assert!(message.contains(cause), "{what}: {message}");
            }
        }
        other => panic!("{what}: the client did not refuse: {other:?}"),
    }
}

/// Every attested client call through the parent fails with `causes` and returns no key; the
/// enclave got no request.
async fn every_attested_call_is_refused(world: &World, roots_pem: Option<&[u8]>, causes: &[&str]) {
    let before = world.enclave_requests();
    let gdk = world.gdk();
    refused(
        "GenerateDataKey",
        world.client(roots_pem).generate_data_key(&gdk).await,
        causes,
    );
    refused(
        "GenerateDataKey with Recipient",
        world
            .attested_client(roots_pem)
            .generate_data_key(&gdk)
            .await,
        causes,
    );
    refused(
        "CreateKey",
        world
            .client(roots_pem)
            .call::<_, CreateKeyResponse>(Operation::CreateKey, &CreateKeyRequest::default())
            .await,
        causes,
    );
    let bundle = roots_pem.map(|pem| {
        let path = world.sim.dir.join("parent-ca.pem");
        std::fs::write(&path, pem).unwrap();
        path
    });
    let extra: Vec<&str> = match &bundle {
        Some(path) => vec!["--ca-bundle", path.to_str().unwrap()],
        None => Vec::new(),
    };
    let [plain, recipient] = world.cli_data_keys(&extra);
    cli_refused("generate-data-key", &plain, causes);
    cli_refused("generate-data-key --recipient", &recipient, causes);
    assert_eq!(
        world.enclave_requests(),
        before,
        "a request reached the enclave"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_terminating_tls_with_its_own_certificate_gets_no_request_and_gives_no_key() {
    let world = World::start();
    let forger = tempfile::tempdir().unwrap();
    let fixture = ServiceFixture::open(forger.path(), [0; 48], Duration::ZERO).unwrap();
    let parent_ca = FixtureCa::generate("the parent's CA").unwrap();
    let parent_ca_pem = parent_ca.pem().into_bytes();
    let terminate = |leaf: nitro_kms_attest::service::fixture::IssuedLeaf| Behaviour::Terminate {
        chain: vec![leaf.der, parent_ca.der().to_vec()],
        key_pkcs8: leaf.key_pkcs8.expose().to_vec(),
        versions: rustls::DEFAULT_VERSIONS,
    };

    // A certificate of its own for localhost, under a CA the client's --ca-bundle trusts.
    let plain_leaf = LeafSpec {
        with_extension: false,
        ..LeafSpec::simulation()
    };
    world.set_parent(terminate(
        fixture.leaf_signed_by(&plain_leaf, &parent_ca).unwrap(),
    ));
    // Without a service trust that bundle is all a client checks: the parent reads the request
    // and the answer (the attack works, so the parent in this test is a working one).
    let mut bundle_only = world.config(&world.parent.url());
    bundle_only.tls_roots_pem = Some(parent_ca_pem.clone());
    let answer = KmsClient::new(bundle_only)
        .unwrap()
        .generate_data_key(&world.gdk())
        .await
        .unwrap();
    assert_eq!(answer.plaintext.unwrap().len(), 32);
    let read = world.parent.plaintext_read();
    assert!(read > 0);
    // With it, nothing.
    let causes = [
        "not the attested service",
        "carries no attestation document",
    ];
    every_attested_call_is_refused(&world, Some(&parent_ca_pem), &causes).await;
    every_attested_call_is_refused(&world, None, &causes).await;

    // Its own certificate carrying the enclave's genuine attestation document.
    let copied = LeafSpec {
        document: Some(genuine_document(&world.socket)),
        ..LeafSpec::simulation()
    };
    world.set_parent(terminate(
        fixture.leaf_signed_by(&copied, &parent_ca).unwrap(),
    ));
    let causes = ["not the attested service", "not signed by the attested CA"];
    every_attested_call_is_refused(&world, Some(&parent_ca_pem), &causes).await;
    assert_eq!(
        world.parent.plaintext_read(),
        read,
        "a client sent the parent a byte"
    );
    world.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_presenting_the_genuine_chain_without_its_key_gets_no_request_and_gives_no_key() {
    let world = World::start();
    let chain = genuine_chain(&world.socket);
    assert_eq!(chain.len(), 2, "leaf and CA");
    let own_key = nitro_kms_crypto::EcdsaP384KeyPair::generate().unwrap();
    // rustls's defaults are [TLS 1.3, TLS 1.2]: each alone.
    let (tls13, tls12) = rustls::DEFAULT_VERSIONS.split_at(1);
    assert_eq!(tls13[0].version, rustls::ProtocolVersion::TLSv1_3);
    assert_eq!(tls12[0].version, rustls::ProtocolVersion::TLSv1_2);
    for versions in [tls13, tls12] {
        world.set_parent(Behaviour::Terminate {
            chain: chain.clone(),
            key_pkcs8: own_key.pkcs8_der().expose().to_vec(),
            versions,
        });
        every_attested_call_is_refused(&world, None, &["BadSignature", "does not hold the key"])
            .await;
    }
    assert_eq!(world.parent.plaintext_read(), 0);
    world.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_stripping_tls_gets_no_request_and_gives_no_key() {
    let world = World::start();
    let before = world.enclave_requests();
    let accepted = world.parent.accepted();
    // Told to use http:// (or the enclave's socket itself) with a service trust, the client
    // refuses before it connects: the attestation is checked in a TLS handshake or not at all.
    let http = format!("http://127.0.0.1:{}", world.parent.port);
    let socket = format!("unix://{}", world.socket.display());
    for endpoint in [&http, &socket] {
        let err =
            KmsClient::new(world.config(endpoint).with_service_trust(world.trust())).unwrap_err();
        assert!(matches!(err, ClientError::Config(_)), "{err:?}");
        assert!(
            err.to_string().contains("needs an https:// endpoint"),
            "{err}"
        );
        let err = KmsClient::new(world.config(endpoint))
            .unwrap()
            .with_service_trust(world.trust())
            .unwrap_err();
        assert!(matches!(err, ClientError::Config(_)), "{err:?}");
    }
    for endpoint in [&http, &socket] {
        let gdk = [
            "generate-data-key",
            "--key-id",
            &world.key_id,
            "--key-spec",
            "AES_256",
        ];
        let out = pinned_call(endpoint, &world.root, &world.pcr0, &gdk);
        cli_refused("generate-data-key over cleartext", &out, &["https://"]);
    }
    assert_eq!(
        world.parent.accepted(),
        accepted,
        "a client connected in cleartext"
    );
    assert_eq!(world.enclave_requests(), before);

    // A parent that answers the ClientHello with a cleartext answer holding a key of its own.
    let forged = serde_json::json!({
        "KeyId": world.key_id,
        "Plaintext": B64.encode([0x41; 32]),
        "CiphertextBlob": B64.encode([0x42; 64]),
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{forged}",
        forged.len()
    );
    world.set_parent(Behaviour::AnswerInCleartext(answer.into_bytes()));
    every_attested_call_is_refused(&world, None, &["TLS", "not TLS", "cleartext"]).await;
    world.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_rewriting_the_answers_in_the_tls_stream_gives_no_key() {
    let world = World::start();
    let gdk = world.gdk();
    // Honest first, remembering the records of a genuine answer.
    world.set_parent(Behaviour::Rewrite(Tamper::Remember));
    let genuine: GenerateDataKeyResponse =
        world.client(None).generate_data_key(&gdk).await.unwrap();
    assert_eq!(genuine.plaintext.unwrap().len(), 32);
    let causes = ["cannot decrypt peer's message", "failed authentication"];
    for tamper in [Tamper::FlipByte, Tamper::ReplayRecord] {
        world.set_parent(Behaviour::Rewrite(tamper));
        let tampered = world.parent.tampered();
        let what = format!("{tamper:?}");
        refused(
            &what,
            world.client(None).generate_data_key(&gdk).await,
            &causes,
        );
        refused(
            &what,
            world.attested_client(None).generate_data_key(&gdk).await,
            &causes,
        );
        let [plain, recipient] = world.cli_data_keys(&[]);
        cli_refused(&what, &plain, &causes);
        cli_refused(&what, &recipient, &causes);
        assert!(world.parent.tampered() >= tampered + 4, "{what}");
    }
    world.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_byte_relay_serves_every_attested_client() {
    let world = World::start();
    world.set_parent(Behaviour::Relay);
    let client = world.client(None);
    let created: CreateKeyResponse = client
        .call(Operation::CreateKey, &CreateKeyRequest::default())
        .await
        .unwrap();
    let key_id = created.key_metadata.unwrap().key_id;
    let gdk = GenerateDataKeyRequest {
        key_id: Some(key_id.clone()),
        key_spec: Some("AES_256".into()),
        ..Default::default()
    };
    let data_key = client.generate_data_key(&gdk).await.unwrap();
    let decrypt = DecryptRequest {
        ciphertext_blob: data_key.ciphertext_blob.clone(),
        ..Default::default()
    };
    let opened = client.decrypt_expecting(&decrypt, 32).await.unwrap();
    assert_eq!(
        opened.plaintext.unwrap().expose(),
        data_key.plaintext.as_ref().unwrap().expose()
    );
    // With Recipient: the key comes back only inside the envelope, opened here.
    let attested = world.attested_client(None);
    let enveloped = attested.generate_data_key(&gdk).await.unwrap();
    let decrypt = DecryptRequest {
        ciphertext_blob: enveloped.ciphertext_blob.clone(),
        ..Default::default()
    };
    let opened = attested.decrypt_expecting(&decrypt, 32).await.unwrap();
    assert_eq!(
        opened.plaintext.unwrap().expose(),
        enveloped.plaintext.as_ref().unwrap().expose()
    );

    // The CLI, the same way.
    let created: Value =
        serde_json::from_str(&ok_stdout("create-key", &world.cli(&["create-key"], &[]))).unwrap();
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let recipient = format!("simulated:{}", world.sim.dir.display());
    for extra in [&[][..], &["--recipient", &recipient][..]] {
        let mut gdk = vec![
            "generate-data-key",
            "--key-id",
            &key_id,
            "--key-spec",
            "AES_256",
        ];
        gdk.extend(extra);
        let made: Value =
            serde_json::from_str(&ok_stdout("generate-data-key", &world.cli(&gdk, &[]))).unwrap();
        let blob = world.sim.dir.join("blob");
        std::fs::write(
            &blob,
            B64.decode(made["CiphertextBlob"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        let fileb = format!("fileb://{}", blob.display());
        let mut decrypt = vec!["decrypt", "--ciphertext-blob", &fileb];
        decrypt.extend(extra);
        let opened: Value =
            serde_json::from_str(&ok_stdout("decrypt", &world.cli(&decrypt, &[]))).unwrap();
        assert_eq!(opened["Plaintext"], made["Plaintext"], "{extra:?}");
        assert_eq!(
            B64.decode(made["Plaintext"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
    }
    world.stop();
}

impl World {
    fn set_parent(&self, behaviour: Behaviour) {
        self.parent.set(behaviour);
    }

    /// Stops the parent and the chain.
    fn stop(self) {
        drop(self.parent);
        assert_eq!(self.sim.terminate(), Some(0));
    }
}
