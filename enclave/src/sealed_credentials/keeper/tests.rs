//! The keeper against a loaded service over an in-memory parent: deliveries stored and put in
//! force, refused by key, by serial, and the stored file put in force again by a new keeper.

use nitro_kms_api::sigv4::AccessKeyStore;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_crypto::sealed_credentials::seal;
use nitro_kms_wire::Message;

use super::*;
use crate::test_support;
use crate::tls::TlsSettings;
use crate::tls::identity::new_identity;

fn toml(id: &str) -> String {
    format!(
        "[[credential]]\naccess_key_id = \"{id}\"\nsecret_access_key = \"secret-{id}\"\n\
         principal = \"arn:aws:iam::111122223333:role/App\"\n"
    )
}

fn service_tls(dir: &std::path::Path) -> Arc<ServiceTls> {
    let nsm = Arc::new(SimulatedNsm::open(SimulatedNsmConfig::new(dir)).unwrap());
    let now = crate::clock::system()();
    let stored = new_identity(now).unwrap();
    Arc::new(ServiceTls::new(&stored, nsm, TlsSettings::simulation(), now).unwrap())
}

/// Hands `sealed` to the keeper and returns the Ack's status and reason.
async fn deliver(keeper: &Keeper, in_force: &mut Option<u64>, sealed: Vec<u8>) -> (u16, String) {
    let (reply, mut acks) = mpsc::channel(1);
    keeper
        .handle(
            Delivery {
                id: 5,
                sealed,
                reply,
            },
            in_force,
        )
        .await;
    match acks.recv().await.unwrap() {
        Message::SealedCredentialsAck { id, status, reason } => {
            assert_eq!(id, 5);
            (status.code(), reason)
        }
        other => panic!("not an Ack: {other:?}"),
    }
}

#[tokio::test]
async fn sealed_credentials_are_stored_rotated_and_refused_by_key_and_by_serial() {
    let dir = tempfile::tempdir().unwrap();
    let (service, _clock, _parent) = test_support::service().await;
    let tls = service_tls(dir.path());
    let spki = tls.keys().provisioning_spki().to_vec();
    let keeper = Keeper {
        service: service.clone(),
        tls: Some(tls),
        access_keys: Arc::new(AccessKeys::new(AccessKeyStore::default())),
    };
    let mut in_force = None;

    let first = seal(&spki, 10, toml("AKIDFIRST").as_bytes()).unwrap();
    let (status, reason) = deliver(&keeper, &mut in_force, first.clone()).await;
    assert_eq!(
        (status, reason.as_str()),
        (200, "in force: 1 access keys, serial 10")
    );
    assert!(keeper.access_keys.current().get("AKIDFIRST").is_some());
    // Sent again on another connection: already in force.
    assert_eq!(deliver(&keeper, &mut in_force, first.clone()).await.0, 200);

    // Rotation: the new set replaces the old one.
    let second = seal(&spki, 11, toml("AKIDSECOND").as_bytes()).unwrap();
    assert_eq!(deliver(&keeper, &mut in_force, second).await.0, 200);
    let now = keeper.access_keys.current();
    assert!(now.get("AKIDFIRST").is_none());
    assert!(now.get("AKIDSECOND").is_some());

    // The first file replayed, or a new one with an old serial: refused, nothing changes.
    let (status, reason) = deliver(&keeper, &mut in_force, first).await;
    assert_eq!(status, 409, "{reason}");
    assert!(reason.contains("replay or rollback refused"), "{reason}");
    let stale = seal(&spki, 11, toml("AKIDSTALE").as_bytes()).unwrap();
    assert_eq!(deliver(&keeper, &mut in_force, stale).await.0, 409);
    assert!(keeper.access_keys.current().get("AKIDSECOND").is_some());

    // Sealed to another enclave's provisioning key.
    let other = service_tls(tempfile::tempdir().unwrap().path());
    let foreign = seal(
        other.keys().provisioning_spki(),
        99,
        toml("AKIDFOREIGN").as_bytes(),
    )
    .unwrap();
    let (status, reason) = deliver(&keeper, &mut in_force, foreign).await;
    assert_eq!(status, 400);
    assert!(
        reason.contains("sealed for another enclave image or keystore"),
        "{reason}"
    );
    assert!(!reason.contains("secret-"), "{reason}");
    assert!(keeper.access_keys.current().get("AKIDFOREIGN").is_none());
    assert_eq!(
        service
            .store
            .read(|k| k.caller_credentials().map(|c| c.serial)),
        Some(11)
    );

    // A new keeper over the same state (a restart) puts the stored file in force.
    let restarted = Keeper {
        service,
        tls: keeper.tls.clone(),
        access_keys: Arc::new(AccessKeys::new(AccessKeyStore::default())),
    };
    let mut restarted_in_force = None;
    restarted.follow_store(&mut restarted_in_force);
    assert_eq!(restarted_in_force, Some(11));
    assert!(restarted.access_keys.current().get("AKIDSECOND").is_some());
}
