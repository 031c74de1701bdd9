#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `common::client::KmsClient` against the simulated chain: typed calls, AWS errors mapped to
//! `KmsError`, and connection reuse (one connection for 100 sequential calls).

use nitro_kms_api::ops::{
    CreateKeyRequest, CreateKeyResponse, DecryptRequest, GenerateDataKeyRequest,
};
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_api::{KmsErrorType, Operation};
use nitro_kms_client::{ClientConfig, ClientError, Credentials, KmsClient};
use nitro_kms_tests::proxy::{REGION, Sim};
use nitro_kms_tests::tls::TlsFront;

fn client(sim: &Sim) -> KmsClient {
    KmsClient::new(ClientConfig::new(
        &sim.endpoint,
        REGION,
        Credentials::new(SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, None),
    ))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_makes_and_opens_data_keys_over_one_reused_connection() {
    let sim = Sim::start(&[]);
    let client = client(&sim);
    let created: CreateKeyResponse = client
        .call(Operation::CreateKey, &CreateKeyRequest::default())
        .await
        .unwrap();
    let key = created.key_metadata.unwrap().key_id;
    let mut last = None;
    for _ in 0..100 {
        let gdk = client
            .generate_data_key(&GenerateDataKeyRequest {
                key_id: Some(key.clone()),
                key_spec: Some("AES_256".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        last = Some(gdk);
    }
    assert_eq!(
        client.connections_opened(),
        1,
        "100 sequential calls, one connection"
    );
    let gdk = last.unwrap();
    let opened = client
        .decrypt(&DecryptRequest {
            ciphertext_blob: gdk.ciphertext_blob.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        opened.plaintext.unwrap().expose(),
        gdk.plaintext.unwrap().expose()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_errors_come_back_as_typed_kms_errors() {
    let sim = Sim::start(&[]);
    let client = client(&sim);
    let err = client
        .generate_data_key(&GenerateDataKeyRequest {
            key_id: Some("alias/missing".into()),
            key_spec: Some("AES_256".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let ClientError::Service(e) = err else {
        panic!("not a service error: {err}")
    };
    assert_eq!(e.kind(), KmsErrorType::NotFound);
    assert_eq!(e.http_status(), 400);
    assert_eq!(
        e.message(),
        "Alias arn:aws:kms:us-east-1:111122223333:alias/missing is not found."
    );
    // A wrong secret is refused by the proxy's SigV4 check.
    let bad = KmsClient::new(ClientConfig::new(
        &sim.endpoint,
        REGION,
        Credentials::new(SIMULATION_ACCESS_KEY_ID, "wrong", None),
    ))
    .unwrap();
    let err = bad
        .call::<_, CreateKeyResponse>(Operation::CreateKey, &CreateKeyRequest::default())
        .await
        .unwrap_err();
    let ClientError::Service(e) = err else {
        panic!("not a service error: {err}")
    };
    assert_eq!(e.kind(), KmsErrorType::InvalidSignature);
    // More types, as AWS names them: each decoded with its status and message.
    let created: CreateKeyResponse = client
        .call(Operation::CreateKey, &CreateKeyRequest::default())
        .await
        .unwrap();
    let key = created.key_metadata.unwrap().key_id;
    let _: serde_json::Value = client
        .call(Operation::DisableKey, &serde_json::json!({"KeyId": key}))
        .await
        .unwrap();
    for (body, kind) in [
        (
            serde_json::json!({"KeyId": key, "KeySpec": "AES_256"}),
            KmsErrorType::Disabled,
        ),
        (serde_json::json!({"KeyId": key}), KmsErrorType::Validation),
        (
            serde_json::json!({"KeyId": "not-a-key", "KeySpec": "AES_256"}),
            KmsErrorType::NotFound,
        ),
        (serde_json::json!({"KeyId": 5}), KmsErrorType::Serialization),
    ] {
        let err = client
            .call::<_, serde_json::Value>(Operation::GenerateDataKey, &body)
            .await
            .unwrap_err();
        let ClientError::Service(e) = err else {
            panic!("not a service error: {err}")
        };
        assert_eq!(e.kind(), kind, "{body}");
        assert_eq!(e.http_status(), 400);
        assert!(!e.message().is_empty());
    }
    let err = client
        .call::<_, serde_json::Value>(
            Operation::Decrypt,
            &serde_json::json!({"CiphertextBlob": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RFRkc="}),
        )
        .await
        .unwrap_err();
    let ClientError::Service(e) = err else {
        panic!("not a service error: {err}")
    };
    assert_eq!(
        (e.kind(), e.message()),
        (KmsErrorType::InvalidCiphertext, "")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attested_client_gets_plaintext_only_through_its_recipient_key() {
    use nitro_kms_api::ops::GenerateRandomRequest;
    use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
    use nitro_kms_crypto::RsaKeySize;

    let sim = Sim::start(&[]);
    let plain = client(&sim);
    let created: CreateKeyResponse = plain
        .call(Operation::CreateKey, &CreateKeyRequest::default())
        .await
        .unwrap();
    let key = created.key_metadata.unwrap().key_id;
    // The enclave application's NSM: the simulated world the chain trusts.
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&sim.dir)).unwrap();
    let attested = client(&sim)
        .attested(std::sync::Arc::new(nsm), RsaKeySize::Rsa2048)
        .unwrap();
    let gdk = attested
        .generate_data_key(&GenerateDataKeyRequest {
            key_id: Some(key.clone()),
            number_of_bytes: Some(24),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(gdk.ciphertext_for_recipient.is_some());
    assert!(
        gdk.key_material_id.is_none(),
        "no KeyMaterialId with a Recipient"
    );
    let data_key = gdk.plaintext.clone().unwrap();
    assert_eq!(data_key.len(), 24);
    // The same key through an attested Decrypt and through a plain one.
    let request = DecryptRequest {
        ciphertext_blob: gdk.ciphertext_blob.clone(),
        ..Default::default()
    };
    let again = attested.decrypt(&request).await.unwrap();
    assert!(again.ciphertext_for_recipient.is_some());
    assert_eq!(again.plaintext.unwrap().expose(), data_key.expose());
    let plainly = plain.decrypt(&request).await.unwrap();
    assert_eq!(plainly.plaintext.unwrap().expose(), data_key.expose());
    let random = attested
        .generate_random(&GenerateRandomRequest {
            number_of_bytes: Some(16),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(random.ciphertext_for_recipient.is_some());
    assert_eq!(random.plaintext.unwrap().len(), 16);
    let pair = attested
        .generate_data_key_pair(&nitro_kms_api::ops::GenerateDataKeyPairRequest {
            key_id: Some(key.clone()),
            key_pair_spec: Some("ECC_NIST_P256".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(pair.ciphertext_for_recipient.is_some());
    let private = pair.private_key_plaintext.unwrap();
    let unwrapped = plain
        .decrypt(&DecryptRequest {
            ciphertext_blob: pair.private_key_ciphertext_blob,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(unwrapped.plaintext.unwrap().expose(), private.expose());
}

/// A TLS terminator in front of the simulation, with a certificate for `kms.nitro.test`.
async fn tls_front(sim: &Sim) -> (String, String) {
    let front = TlsFront::bind("kms.nitro.test").await;
    let (port, root_pem) = (front.port, front.root_pem.clone());
    front.forward_to(sim.authority().to_owned());
    (format!("tcp://127.0.0.1:{port}"), root_pem)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_endpoints_verify_the_server_name_through_a_relay() {
    use nitro_kms_api::ops::GenerateRandomRequest;
    let sim = Sim::start(&[]);
    let (relay, root_pem) = tls_front(&sim).await;
    let creds = Credentials::new(SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, None);
    let mut config = ClientConfig::new("https://kms.nitro.test", REGION, creds.clone());
    config.connect_to = Some(relay.clone());
    config.tls_roots_pem = Some(root_pem.into_bytes());
    let client = KmsClient::new(config).unwrap();
    for _ in 0..3 {
        let random = client
            .generate_random(&GenerateRandomRequest {
                number_of_bytes: Some(8),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(random.plaintext.unwrap().len(), 8);
    }
    assert_eq!(client.connections_opened(), 1);
    // With the public roots, the self-made certificate is not trusted: no request goes out.
    let mut config = ClientConfig::new("https://kms.nitro.test", REGION, creds);
    config.connect_to = Some(relay);
    let untrusting = KmsClient::new(config).unwrap();
    let err = untrusting
        .generate_random(&GenerateRandomRequest {
            number_of_bytes: Some(8),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Transport(ref m) if m.starts_with("TLS")),
        "{err}"
    );
}

/// Hands out the simulation's credentials expiring `lifetime` from now, counting the calls.
struct Expiring {
    lifetime: std::time::Duration,
    calls: std::sync::atomic::AtomicUsize,
}

impl nitro_kms_client::CredentialsProvider for Expiring {
    fn provide(&self) -> Result<(Credentials, Option<std::time::SystemTime>), ClientError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok((
            Credentials::new(SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, None),
            Some(std::time::SystemTime::now() + self.lifetime),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_refreshed_before_they_expire_and_reused_until_then() {
    use nitro_kms_api::ops::GenerateRandomRequest;
    use std::sync::atomic::Ordering;
    let sim = Sim::start(&[]);
    let request = GenerateRandomRequest {
        number_of_bytes: Some(4),
        ..Default::default()
    };
    for (lifetime, expected_calls) in [(3600, 1), (120, 3)] {
        let provider = std::sync::Arc::new(Expiring {
            lifetime: std::time::Duration::from_secs(lifetime),
            calls: Default::default(),
        });
        let client = client(&sim).with_credentials_provider(provider.clone());
        for _ in 0..3 {
            client.generate_random(&request).await.unwrap();
        }
        // An hour of validity: asked once. Two minutes (inside the 5-minute margin): every call.
        assert_eq!(
            provider.calls.load(Ordering::SeqCst),
            expected_calls,
            "lifetime {lifetime}s"
        );
    }
}
