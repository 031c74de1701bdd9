//! The enclave's periodic work on its own state: one timer for every job that a date in the
//! keystore makes due, so each tick reads the keystore for each job once and no job needs a task
//! of its own.
//!
//! - [`deletion::sweep`](crate::deletion::sweep): keys whose deletion window has passed.
//! - [`rotation_schedule::rotate_due`](crate::rotation_schedule::rotate_due): keys whose automatic
//!   rotation is due.
//! - [`import_expiry::expire_due`](crate::import_expiry::expire_due): keys whose imported key
//!   material's `ValidTo` has passed.
//! - [`key_usage::flush`](crate::key_usage_flush::flush): the keys' last uses tracked in memory since
//!   the last tick, persisted as one mutation (GetKeyLastUsage).
//!
//! All do nothing on a read replica (only the leader writes the shared state). Each tick visits
//! the configured region and every other region that holds keys ([`crate::regions`]).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::context::Context;

/// Runs every job at start and then every `every`, until `shutdown` becomes true.
pub async fn run(svc: Arc<Context>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        let mut regions = vec![svc.clone()];
        regions.extend(svc.other_regions_with_keys());
        for region in &regions {
            crate::rotation_schedule::rotate_due(region).await;
            crate::deletion::sweep(region).await;
            crate::import_expiry::expire_due(region).await;
            crate::key_usage_flush::flush(region).await;
        }
        tokio::select! {
            _ = crate::server::stopped(&mut shutdown) => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
