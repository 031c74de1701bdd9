//! Keys whose deletion window has passed are deleted for good.
//!
//! ScheduleKeyDeletion only marks a key `PendingDeletion` with a date. [`sweep`] finds keys whose
//! date has passed and commits a `DeleteKey` for each (which also removes their aliases), through
//! the journal like any other change; [`run`] does it periodically. A key past its date but not
//! yet swept still refuses every use, because it is still `PendingDeletion`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::keystore::{KeyStateRecord, Mutation};
use crate::service::Service;

/// Deletes every key whose deletion date is at or before now; returns how many were deleted.
pub async fn sweep(svc: &Service) -> usize {
    let now = (svc.clock)();
    let due: Vec<String> = svc.store.read(|ks| {
        ks.keys()
            .filter(|k| {
                matches!(k.state, KeyStateRecord::PendingDeletion { deletion_date_ms, .. } if deletion_date_ms <= now)
            })
            .map(|k| k.key_id.clone())
            .collect()
    });
    let mut deleted = 0;
    for key_id in due {
        match svc
            .store
            .commit(Mutation::DeleteKey {
                key_id: key_id.clone(),
            })
            .await
        {
            Ok(()) => {
                eprintln!("nitro-kms-enclave: key {key_id} deleted (deletion window passed)");
                deleted += 1;
            }
            Err(e) => eprintln!("nitro-kms-enclave: cannot delete key {key_id} yet: {e}"),
        }
    }
    deleted
}

/// Sweeps every `every` until `shutdown` becomes true.
pub async fn run(svc: Arc<Service>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        sweep(&svc).await;
        tokio::select! {
            _ = crate::server::stopped(&mut shutdown) => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
