//! In-process fixtures for unit tests: a service whose parent is an in-memory store (which a test
//! can make hold its writes, see [`WriteGate`]), and calling operations on it as a principal.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_wire::{Message, PersistAck, PersistAction, Status};
use tokio::sync::{Notify, mpsc};

use crate::context::Identity;
use crate::recipient::RecipientVerifier;
use crate::service::Service;
use crate::storage::parent_link::ParentLink;
use crate::storage::seal::SealingKey;
use crate::storage::sealed_store::SealedKeystore;

/// The in-memory parent's files.
#[derive(Default)]
pub struct MemoryParent {
    pub snapshot: Vec<u8>,
    pub journal: Vec<u8>,
    partial: Vec<u8>,
}

/// A movable clock.
pub struct TestClock(pub AtomicU64);

impl TestClock {
    pub fn advance_ms(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

/// The fixed sealing key of these fixtures (so a test can load the same state twice).
pub fn sealing_key() -> SealingKey {
    SealingKey::new(nitro_kms_crypto::secret::SecretBytes::copy_from(&[9; 32])).unwrap()
}

/// A loaded service over an in-memory parent, with a clock the test moves.
pub async fn service() -> (Arc<Service>, Arc<TestClock>, Arc<Mutex<MemoryParent>>) {
    let parent = Arc::new(Mutex::new(MemoryParent::default()));
    let link = memory_link(parent.clone());
    let (store, _) = SealedKeystore::load(link, sealing_key()).await.unwrap();
    let (service, clock) = service_over(store);
    (service, clock, parent)
}

/// Lets a test hold the in-memory parent's next write (journal append or snapshot) until it says
/// so: the committing request then waits inside its commit, holding the store's writer lock, so
/// the test can run another request against the state from before that write.
#[derive(Default)]
pub struct WriteGate {
    armed: std::sync::atomic::AtomicBool,
    reached: Notify,
    released: Notify,
}

impl WriteGate {
    /// Holds the next write.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Waits until a write is being held.
    pub async fn reached(&self) {
        self.reached.notified().await;
    }

    /// Lets the held write through (later writes pass).
    pub fn release(&self) {
        self.released.notify_one();
    }

    async fn pass(&self) {
        if self.armed.swap(false, Ordering::SeqCst) {
            self.reached.notify_one();
            self.released.notified().await;
        }
    }
}

/// Releases `gate` once the futures polled beside this one (in one `join!`) have run as far as
/// they can: a request joined with this one is then waiting for the writer lock the held write
/// keeps.
pub async fn release_after_others_wait(gate: &WriteGate) {
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
    gate.release();
}

/// [`service`] whose parent holds a write when the returned gate is armed.
pub async fn service_with_write_gate() -> (Arc<Service>, Arc<WriteGate>) {
    let parent = Arc::new(Mutex::new(MemoryParent::default()));
    let gate = Arc::new(WriteGate::default());
    let link = gated_memory_link(parent, Some(gate.clone()));
    let (store, _) = SealedKeystore::load(link, sealing_key()).await.unwrap();
    (service_over(store).0, gate)
}

/// The account's root: the default key policy lets it do everything.
pub const ADMIN: &str = "arn:aws:iam::111122223333:root";
/// A user of the account: allowed by the default key policy, denied by [`DENIES_ALICE`].
pub const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
/// A key policy that lets the account administer and use the key but denies [`ALICE`] everything.
pub const DENIES_ALICE: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},
   "Action":"kms:*","Resource":"*"},
  {"Sid":"NotAlice","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
   "Action":"kms:*","Resource":"*"}]}"#;

/// Calls `op` as `caller`; the status and the JSON answer (`Null` when empty).
pub async fn call(
    svc: &Arc<Service>,
    caller: &str,
    op: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let reply = svc.handle(op, caller, body.to_string().as_bytes()).await;
    let json = serde_json::from_slice(&reply.body).unwrap_or(serde_json::Value::Null);
    (reply.status.code(), json)
}

/// Creates a key as [`ADMIN`] with the CreateKey `body`; its id.
pub async fn create_key(svc: &Arc<Service>, body: serde_json::Value) -> String {
    let (status, created) = call(svc, ADMIN, "CreateKey", body).await;
    assert_eq!(status, 200, "{created}");
    created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned()
}

/// A new multi-Region primary key in us-east-1 with a replica in eu-west-1 (ReplicateKey as
/// [`ADMIN`]); its id.
pub async fn replicated_to_west(svc: &Arc<Service>) -> String {
    let key = create_key(svc, serde_json::json!({"MultiRegion": true})).await;
    let replicate = serde_json::json!({"KeyId": key, "ReplicaRegion": "eu-west-1"});
    let (status, answer) = call(svc, ADMIN, "ReplicateKey", replicate).await;
    assert_eq!(status, 200, "{answer}");
    key
}

/// Stores an enabled key `key_id` of `spec` and `usage` without key material, as CreateKey did
/// for asymmetric keys before this service generated their private keys.
pub async fn store_key_without_material(
    svc: &Arc<Service>,
    key_id: &str,
    spec: nitro_kms_api::types::KeySpec,
    usage: nitro_kms_api::types::KeyUsageType,
) {
    let stored = crate::keystore::StoredKey {
        key_id: key_id.to_owned(),
        creation_date_ms: 0,
        description: String::new(),
        key_spec: spec,
        key_usage: usage,
        state: crate::keystore::KeyStateRecord::Enabled,
        policy: crate::policy::default_policy(&svc.identity.account),
        tags: std::collections::BTreeMap::new(),
        material: None,
        rotation: Default::default(),
        import: None,
        grants: Vec::new(),
        multi_region: None,
    };
    crate::ops::commit::commit(svc, crate::keystore::Mutation::CreateKey(stored))
        .await
        .unwrap();
}

/// A read replica of the state in `parent` (as if the parent had sent it a `Sync` first), loaded.
pub async fn replica(parent: Arc<Mutex<MemoryParent>>) -> Arc<Service> {
    let link = memory_link(parent);
    link.become_replica();
    let (store, _) = SealedKeystore::load(link, sealing_key()).await.unwrap();
    service_over(store).0
}

fn service_over(store: SealedKeystore) -> (Arc<Service>, Arc<TestClock>) {
    let clock = Arc::new(TestClock(AtomicU64::new(1_700_000_000_000)));
    let reading = clock.clone();
    let service = Arc::new(Service {
        identity: Identity {
            region: "us-east-1".into(),
            account: "111122223333".into(),
        },
        store,
        recipients: RecipientVerifier::new(Vec::new()),
        clock: Arc::new(move || reading.0.load(Ordering::SeqCst)),
        policies: Default::default(),
        regions: crate::context::Regions::new(crate::region_allowlist::RegionAllowlist::All),
        usage: crate::key_usage::KeyUsageTracker::starting_at(clock.0.load(Ordering::SeqCst)),
    });
    (service, clock)
}

/// A link whose parent is `parent`, answered by a task.
pub fn memory_link(parent: Arc<Mutex<MemoryParent>>) -> Arc<ParentLink> {
    gated_memory_link(parent, None)
}

/// [`memory_link`] whose writes pass `gate` first.
fn gated_memory_link(
    parent: Arc<Mutex<MemoryParent>>,
    gate: Option<Arc<WriteGate>>,
) -> Arc<ParentLink> {
    let link = Arc::new(ParentLink::new(Duration::from_secs(5)));
    let (tx, mut rx) = mpsc::channel::<Message>(64);
    link.attach(1, tx, 1 << 20);
    {
        let link = link.clone();
        let parent = parent.clone();
        tokio::spawn(async move {
            while let Some(Message::Persist(p)) = rx.recv().await {
                if let Some(gate) = &gate
                    && matches!(
                        p.action,
                        PersistAction::AppendJournal | PersistAction::WriteSnapshot
                    )
                {
                    gate.pass().await;
                }
                let mut files = parent.lock().unwrap();
                let (total, payload) = match p.action {
                    PersistAction::ReadSnapshot => (files.snapshot.len(), files.snapshot.clone()),
                    // No seal root in these fixtures (they hold the sealing key themselves).
                    PersistAction::ReadSealRoot | PersistAction::CreateSealRoot => (0, Vec::new()),
                    PersistAction::ReadJournal => (files.journal.len(), files.journal.clone()),
                    PersistAction::AppendJournal => {
                        files.journal.extend_from_slice(&p.payload);
                        (files.journal.len(), Vec::new())
                    }
                    PersistAction::WriteSnapshot => {
                        if p.offset == 0 {
                            files.partial.clear();
                        }
                        files.partial.extend_from_slice(&p.payload);
                        if files.partial.len() as u64 == p.total {
                            files.snapshot = std::mem::take(&mut files.partial);
                            files.journal.clear();
                        }
                        (files.snapshot.len(), Vec::new())
                    }
                };
                let payload = payload
                    .get(p.offset as usize..)
                    .unwrap_or_default()
                    .to_vec();
                link.deliver(PersistAck {
                    id: p.id,
                    status: Status::OK,
                    total: total as u64,
                    payload: if matches!(
                        p.action,
                        PersistAction::ReadSnapshot | PersistAction::ReadJournal
                    ) {
                        payload
                    } else {
                        Vec::new()
                    },
                });
            }
        });
    }
    link
}
