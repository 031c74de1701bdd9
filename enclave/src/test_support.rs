//! In-process fixtures for unit tests: a service whose parent is an in-memory store.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_wire::{Message, PersistAck, PersistAction, Status};
use tokio::sync::mpsc;

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
    });
    (service, clock)
}

/// A link whose parent is `parent`, answered by a task.
pub fn memory_link(parent: Arc<Mutex<MemoryParent>>) -> Arc<ParentLink> {
    let link = Arc::new(ParentLink::new(Duration::from_secs(5)));
    let (tx, mut rx) = mpsc::channel::<Message>(64);
    link.attach(1, tx, 1 << 20);
    {
        let link = link.clone();
        let parent = parent.clone();
        tokio::spawn(async move {
            while let Some(Message::Persist(p)) = rx.recv().await {
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
