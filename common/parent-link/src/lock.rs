//! Poison-tolerant locking for the link's short critical sections.
//!
//! The maps and the store behind these mutexes stay consistent even if a holder panicked (each
//! critical section is one insert, remove or `Persist`), so a poisoned lock is taken over rather
//! than propagated: one failed task must not stop the whole link.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, taking the guard over if a previous holder panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
