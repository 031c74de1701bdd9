//! The timed load: N tasks call the operation in a loop until the duration or the request count
//! is reached, each latency going into an HdrHistogram (microseconds, 3 significant digits).
//!
//! The clock starts here, after everything the run needs was made (key, documents, warm-up), so
//! preparation is never part of the measured duration. The same loop serves the warm-up that
//! measures how fast fresh documents are used (see `documents.rs`), without progress lines.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use nitro_kms_api::Operation;

use super::bodies::Bodies;
use super::progress::Progress;
use super::target::Target;
use crate::error::CliError;

/// The highest latency recorded, in microseconds (a minute); longer ones count as a minute.
const MAX_MICROS: u64 = 60_000_000;

/// What one run sends, and for how long.
pub(super) struct Load {
    /// The operation every request calls.
    pub(super) op: Operation,
    /// Concurrent tasks (each with its kept-alive connection).
    pub(super) concurrency: usize,
    /// How long the run lasts, if it is timed.
    pub(super) duration: Option<Duration>,
    /// How many requests the run sends, if it is counted.
    pub(super) requests: Option<u64>,
    /// Recipient answers must carry `CiphertextForRecipient` and no `Plaintext`.
    pub(super) check_recipient: bool,
    /// A progress line every second, or none (`--json`, the warm-up).
    pub(super) progress: Option<Progress>,
}

/// What a run measured.
pub(super) struct Outcome {
    /// Every request's latency, in microseconds.
    pub(super) histogram: Histogram<u64>,
    /// Requests sent (answered or failed).
    pub(super) requests: u64,
    /// Requests that failed.
    pub(super) errors: u64,
    /// The first failure's text, to show what went wrong.
    pub(super) first_error: Option<String>,
    /// The run stopped early: the bodies made ahead ran out.
    pub(super) exhausted: bool,
    /// From the first request to the last answer.
    pub(super) elapsed: Duration,
}

/// The counters the tasks share.
#[derive(Default)]
struct Shared {
    done: AtomicU64,
    errors: AtomicU64,
    exhausted: AtomicBool,
    first_error: Mutex<Option<String>>,
}

/// Runs `load` against `target` with `bodies`; the clock starts when the first task does.
pub(super) async fn drive(
    target: &Arc<Target>,
    bodies: &Arc<Bodies>,
    load: &Load,
) -> Result<Outcome, CliError> {
    let shared = Arc::new(Shared::default());
    let budget = Arc::new(AtomicU64::new(load.requests.unwrap_or(u64::MAX)));
    let started = Instant::now();
    let deadline = load.duration.map(|d| started + d);
    let progress = load
        .progress
        .map(|progress| tokio::spawn(report_every_second(progress, shared.clone(), started)));
    let mut workers = Vec::with_capacity(load.concurrency);
    for _ in 0..load.concurrency {
        let (target, bodies, budget, shared) = (
            target.clone(),
            bodies.clone(),
            budget.clone(),
            shared.clone(),
        );
        let (op, check_recipient) = (load.op, load.check_recipient);
        workers.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, MAX_MICROS, 3).ok();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                if budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
                    .is_err()
                {
                    break;
                }
                let body = bodies.next();
                let t = Instant::now();
                let outcome = match (&*bodies, body) {
                    (Bodies::Inline(request), _) => target
                        .client
                        .generate_data_key(request)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    (_, Some(body)) => match target.call(op, body).await {
                        Ok(answer) if check_recipient && !recipient_answer_ok(&answer) => Err(
                            "a Recipient answer without CiphertextForRecipient, or with Plaintext"
                                .to_owned(),
                        ),
                        Ok(_) => Ok(()),
                        Err(e) => Err(e),
                    },
                    (_, None) => {
                        shared.exhausted.store(true, Ordering::Relaxed);
                        break;
                    }
                };
                let micros = u64::try_from(t.elapsed().as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                if let Some(h) = hist.as_mut() {
                    let _ = h.record(micros.min(MAX_MICROS));
                }
                shared.done.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = outcome {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut first) = shared.first_error.lock() {
                        first.get_or_insert(e);
                    }
                }
            }
            hist
        }));
    }
    let mut histogram =
        Histogram::<u64>::new_with_bounds(1, MAX_MICROS, 3).map_err(super::other)?;
    for w in workers {
        if let Ok(Some(h)) = w.await {
            histogram.add(h).map_err(super::other)?;
        }
    }
    let elapsed = started.elapsed();
    if let Some(task) = progress {
        task.abort();
    }
    let requests = shared.done.load(Ordering::Relaxed);
    let errors = shared.errors.load(Ordering::Relaxed);
    if let Some(progress) = load.progress {
        progress.finish(&format!(
            "{:.1} s, {requests} requests, {errors} errors: done",
            elapsed.as_secs_f64()
        ));
    }
    let first_error = shared.first_error.lock().ok().and_then(|e| e.clone());
    Ok(Outcome {
        histogram,
        requests,
        errors,
        first_error,
        exhausted: shared.exhausted.load(Ordering::Relaxed),
        elapsed,
    })
}

/// The run's progress line, once a second: time, requests so far, the last second's rate.
async fn report_every_second(progress: Progress, shared: Arc<Shared>, started: Instant) {
    let mut last = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = shared.done.load(Ordering::Relaxed);
        progress.update(&format!(
            "{:.1} s, {} requests, {} req/s, {} errors",
            started.elapsed().as_secs_f64(),
            now,
            now - last,
            shared.errors.load(Ordering::Relaxed)
        ));
        last = now;
    }
}

/// A Recipient answer must carry the key for the recipient and never the plaintext.
fn recipient_answer_ok(body: &[u8]) -> bool {
    let has = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    has(b"\"CiphertextForRecipient\"") && !has(b"\"Plaintext\"")
}

#[cfg(test)]
mod tests;
