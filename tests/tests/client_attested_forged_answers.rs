#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 15, item 1: a hostile parent between an attested client and the service rewrites the
//! answers it relays — drops `CiphertextForRecipient` and puts a key of its choice in `Plaintext`,
//! adds a `Plaintext` beside the envelope, or replays a genuine envelope of another length — and
//! the attested client (`nitro_kms_client::KmsClient::attested`) and the CLI's `--recipient` refuse
//! every one of them, returning or printing nothing of the answer.
//!
//! The parent here is an HTTP relay in the test, in front of the real simulated chain: it
//! forwards each request unchanged and rewrites the JSON answer as the test tells it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Output;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use nitro_kms_api::Operation;
use nitro_kms_api::ops::{
    CreateKeyRequest, CreateKeyResponse, DecryptRequest, GenerateDataKeyPairRequest,
    GenerateDataKeyRequest, GenerateRandomRequest,
};
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_client::{ClientConfig, ClientError, Credentials, KmsClient, OPEN_FAILED};
use nitro_kms_crypto::RsaKeySize;
use nitro_kms_tests::proxy::{REGION, Sim, nitro_kms_command, send};
use serde_json::Value;

/// The key the hostile parent wants the application to use.
const CHOSEN: [u8; 32] = [0x41; 32];

/// What the relay does to the answers it passes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rewrite {
    /// Nothing (and it remembers the last `CiphertextForRecipient` it saw).
    None,
    /// Drops `CiphertextForRecipient`, sets the plaintext member to [`CHOSEN`].
    ForgePlaintext,
    /// Keeps the envelope and adds the plaintext member [`CHOSEN`].
    AddPlaintext,
    /// Swaps the envelope for the last one it saw (genuine, addressed to the same client).
    ReplayEnvelope,
}

/// The hostile parent: a keep-alive HTTP relay to the chain that rewrites answers.
struct HostileParent {
    endpoint: String,
    rewrite: Arc<Mutex<Rewrite>>,
}

impl HostileParent {
    fn start(upstream: &str) -> HostileParent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let rewrite = Arc::new(Mutex::new(Rewrite::None));
        let seen = Arc::new(Mutex::new(None::<Value>));
        let (upstream, mode) = (upstream.to_owned(), rewrite.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let (upstream, mode, seen) = (upstream.clone(), mode.clone(), seen.clone());
                std::thread::spawn(move || relay(client, &upstream, &mode, &seen));
            }
        });
        HostileParent { endpoint, rewrite }
    }

    fn set(&self, rewrite: Rewrite) {
        *self.rewrite.lock().unwrap() = rewrite;
    }
}

/// Relays the requests of one client connection until it closes.
fn relay(
    mut client: TcpStream,
    upstream: &str,
    mode: &Mutex<Rewrite>,
    seen: &Mutex<Option<Value>>,
) {
    let Ok(mut chain) = TcpStream::connect(upstream) else {
        return;
    };
    while let Some((head, body)) = read_request(&mut client) {
        let mut lines = head.split("\r\n");
        let mut start = lines.next().unwrap_or_default().split_whitespace();
        let method = start.next().unwrap_or("POST");
        let path = start.next().unwrap_or("/");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
            .collect();
        let Ok(answer) = send(&mut chain, method, path, &headers, &body) else {
            return;
        };
        let body = if answer.status == 200 && !answer.body.is_empty() {
            let mut json: Value = serde_json::from_slice(&answer.body).unwrap();
            rewrite(&mut json, *mode.lock().unwrap(), seen);
            serde_json::to_vec(&json).unwrap()
        } else {
            answer.body
        };
        let head = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n",
            answer.status,
            body.len()
        );
        if client.write_all(head.as_bytes()).is_err() || client.write_all(&body).is_err() {
            return;
        }
    }
}

fn rewrite(json: &mut Value, mode: Rewrite, seen: &Mutex<Option<Value>>) {
    let Some(answer) = json.as_object_mut() else {
        return;
    };
    let plaintext_member = if answer.contains_key("PrivateKeyCiphertextBlob") {
        "PrivateKeyPlaintext"
    } else {
        "Plaintext"
    };
    let chosen = Value::String(B64.encode(CHOSEN));
    match mode {
        Rewrite::None => {
            if let Some(envelope) = answer.get("CiphertextForRecipient") {
                *seen.lock().unwrap() = Some(envelope.clone());
            }
        }
        Rewrite::ForgePlaintext => {
            answer.shift_remove("CiphertextForRecipient");
            answer.insert(plaintext_member.to_owned(), chosen);
        }
        Rewrite::AddPlaintext => {
            answer.insert(plaintext_member.to_owned(), chosen);
        }
        Rewrite::ReplayEnvelope => {
            let old = seen.lock().unwrap().clone().unwrap();
            answer.insert("CiphertextForRecipient".to_owned(), old);
        }
    }
}

/// One request (head, body) from `stream`; `None` once the client closed the connection.
fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).ok()?;
    let len = head
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    stream.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn client(endpoint: &str) -> KmsClient {
    KmsClient::new(ClientConfig::new(
        endpoint,
        REGION,
        Credentials::new(SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, None),
    ))
    .unwrap()
}

fn refusal<T: std::fmt::Debug>(result: Result<T, ClientError>) -> String {
    match result {
        Err(ClientError::UntrustedAnswer(m)) => m,
        other => panic!("the attested client accepted a rewritten answer: {other:?}"),
    }
}

async fn new_key(sim: &Sim) -> String {
    let created: CreateKeyResponse = client(&sim.endpoint)
        .call(Operation::CreateKey, &CreateKeyRequest::default())
        .await
        .unwrap();
    created.key_metadata.unwrap().key_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attested_client_refuses_every_answer_a_hostile_parent_rewrote() {
    let sim = Sim::start(&[]);
    let parent = HostileParent::start(sim.authority());
    let key = new_key(&sim).await;
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&sim.dir)).unwrap();
    let attested = client(&parent.endpoint)
        .attested(Arc::new(nsm), RsaKeySize::Rsa2048)
        .unwrap();
    let gdk = GenerateDataKeyRequest {
        key_id: Some(key.clone()),
        key_spec: Some("AES_256".into()),
        ..Default::default()
    };
    let pair = GenerateDataKeyPairRequest {
        key_id: Some(key.clone()),
        key_pair_spec: Some("ECC_NIST_P256".into()),
        ..Default::default()
    };
    let random = |n| GenerateRandomRequest {
        number_of_bytes: Some(n),
        ..Default::default()
    };

    // Through an honest relay everything opens.
    let genuine = attested.generate_data_key(&gdk).await.unwrap();
    assert_eq!(genuine.plaintext.as_ref().unwrap().len(), 32);
    let decrypt = DecryptRequest {
        ciphertext_blob: genuine.ciphertext_blob.clone(),
        ..Default::default()
    };
    assert!(attested.generate_data_key_pair(&pair).await.is_ok());

    // The parent drops the envelope and hands over a key of its choice.
    parent.set(Rewrite::ForgePlaintext);
    let forged = "attested answer carries a Plaintext, which KMS never sends to a Recipient";
    assert_eq!(refusal(attested.generate_data_key(&gdk).await), forged);
    assert_eq!(refusal(attested.decrypt(&decrypt).await), forged);
    assert_eq!(refusal(attested.generate_random(&random(32)).await), forged);
    assert_eq!(
        refusal(attested.generate_data_key_pair(&pair).await),
        "attested answer carries a PrivateKeyPlaintext, which KMS never sends to a Recipient"
    );

    // The parent leaves the envelope and adds a plaintext beside it.
    parent.set(Rewrite::AddPlaintext);
    assert_eq!(refusal(attested.generate_data_key(&gdk).await), forged);
    assert_eq!(refusal(attested.decrypt(&decrypt).await), forged);

    // The parent replays a genuine 16-byte envelope, addressed to this very client, as the
    // answer to a request for 32 bytes.
    parent.set(Rewrite::None);
    attested.generate_random(&random(16)).await.unwrap();
    parent.set(Rewrite::ReplayEnvelope);
    assert_eq!(refusal(attested.generate_data_key(&gdk).await), OPEN_FAILED);
    assert_eq!(
        refusal(attested.generate_random(&random(32)).await),
        OPEN_FAILED
    );
    assert_eq!(
        refusal(attested.decrypt_expecting(&decrypt, 32).await),
        OPEN_FAILED
    );
    assert_eq!(
        refusal(attested.generate_data_key_pair(&pair).await),
        OPEN_FAILED
    );

    // And once the parent behaves, the same client works again.
    parent.set(Rewrite::None);
    let again = attested.decrypt_expecting(&decrypt, 32).await.unwrap();
    assert_eq!(
        again.plaintext.unwrap().expose(),
        genuine.plaintext.unwrap().expose()
    );
}

fn nitro_kms(endpoint: &str, args: &[&str]) -> Output {
    nitro_kms_command(endpoint, args).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_with_recipient_refuses_every_answer_a_hostile_parent_rewrote() {
    let sim = Sim::start(&[]);
    let parent = HostileParent::start(sim.authority());
    let key = new_key(&sim).await;
    let recipient = format!("simulated:{}", sim.dir.display());
    let gdk = [
        "generate-data-key",
        "--key-id",
        &key,
        "--key-spec",
        "AES_256",
        "--recipient",
        &recipient,
    ];
    let pair = [
        "generate-data-key-pair",
        "--key-id",
        &key,
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--recipient",
        &recipient,
    ];
    let random = [
        "generate-random",
        "--number-of-bytes",
        "32",
        "--recipient",
        &recipient,
    ];

    // Honest: the key pair's private key is opened and printed as PrivateKeyPlaintext, as the
    // data key is printed as Plaintext.
    let out = nitro_kms(&parent.endpoint, &pair);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(printed.get("CiphertextForRecipient").is_none());
    let private = B64
        .decode(printed["PrivateKeyPlaintext"].as_str().unwrap())
        .unwrap();
    let public = B64.decode(printed["PublicKey"].as_str().unwrap()).unwrap();
    assert_eq!(
        nitro_kms_crypto::ec_pkcs8_public_key(nitro_kms_crypto::EcCurve::P256, &private).unwrap(),
        public
    );

    // An envelope from another call (another CLI run: another recipient key) fails as every
    // envelope that does not open does, with the one message.
    parent.set(Rewrite::ReplayEnvelope);
    let out = nitro_kms(&parent.endpoint, &gdk);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains(OPEN_FAILED), "{stderr}");

    for (rewrite, call, member) in [
        (Rewrite::ForgePlaintext, &gdk[..], "Plaintext"),
        (Rewrite::ForgePlaintext, &random[..], "Plaintext"),
        (Rewrite::ForgePlaintext, &pair[..], "PrivateKeyPlaintext"),
        (Rewrite::AddPlaintext, &gdk[..], "Plaintext"),
    ] {
        parent.set(rewrite);
        let out = nitro_kms(&parent.endpoint, call);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(255),
            "{call:?} {rewrite:?}: {stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "{call:?} {rewrite:?} printed an answer"
        );
        assert!(
            stderr.contains(&format!(
                "attested answer carries a {member}, which KMS never sends to a Recipient"
            )),
            "{call:?} {rewrite:?}: {stderr}"
        );
    }
}
