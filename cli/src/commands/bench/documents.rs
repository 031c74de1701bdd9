//! The fresh attestation documents of `--recipient` (its default mode): one per request, made
//! before the clock starts.
//!
//! Each GenerateDataKey carries its own freshly signed document (distinct signatures, never sent
//! twice), so the service verifies a new document every time; they are all made ahead so that
//! the load generator's own signing does not compete with the service for the same cores while
//! it is measured. How many:
//! - `--requests N`: N, one per request;
//! - `--documents N`: N, as the user chose;
//! - `--duration S` alone: as many as S seconds can use. A warm-up first sends a small batch of
//!   fresh documents at the run's concurrency (untimed, not part of the result) and measures
//!   how fast the service takes them; the run then gets that rate × S plus a margin, capped at
//!   [`MAX_AUTOMATIC`] to bound memory. (A fixed count was either too few for a fast service or
//!   many seconds of silent signing for a short run.)
//!
//! The count and why are said on stderr before making them, with progress while they are made
//! (see [`Progress`]) and how long it took. A run that still uses them all up ends early and
//! says so.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nitro_kms_api::Operation;
use nitro_kms_client::Attestation;
use serde_json::json;

use super::bodies::Bodies;
use super::load::{Load, drive};
use super::progress::Progress;
use super::target::Target;
use crate::error::CliError;

/// The most documents a run makes when it chooses the count itself: each request body takes
/// about 10 KiB of memory (so some 400 MB at most), and this is several seconds at the fastest
/// rates measured so far (BENCHMARKS.md; `scripts/bench.sh` passes at most as many).
pub(super) const MAX_AUTOMATIC: usize = 40_000;

/// The margin over the warm-up's rate: the warm-up starts cold, so the run is usually faster.
const MARGIN: f64 = 1.25;

/// How often a progress line is written while documents are made.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// What decides how many documents a run needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Need {
    /// `--requests N`: one per request.
    Requests(u64),
    /// `--documents N`: the user's count.
    Chosen(u32),
    /// `--duration S` alone, at the rate a warm-up measured.
    Measured {
        /// Requests per second the warm-up reached.
        rate: f64,
        /// The run's duration in seconds.
        seconds: f64,
    },
}

/// How many documents to make and the sentence that says why.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    /// Documents to make.
    pub(super) count: usize,
    /// Why that many (shown on stderr before they are made).
    pub(super) why: String,
}

/// The number of documents `need` calls for, and why.
pub(super) fn plan(need: Need) -> Plan {
    match need {
        Need::Requests(n) => Plan {
            count: usize::try_from(n).unwrap_or(usize::MAX),
            why: format!("one per request (--requests {n})"),
        },
        Need::Chosen(n) => Plan {
            count: usize::try_from(n).unwrap_or(usize::MAX),
            why: "as --documents says (the run stops early if they run out)".to_owned(),
        },
        Need::Measured { rate, seconds } => {
            let wanted = (rate.max(0.0) * seconds.max(0.0) * MARGIN).ceil();
            // A float-to-int `as` saturates; the cap bounds it anyway.
            let wanted = (wanted as usize).max(1);
            let count = wanted.min(MAX_AUTOMATIC);
            let mut why = format!(
                "one per request, enough for {seconds} s at the {rate:.0} requests per second \
                 the warm-up measured, plus {:.0}%",
                (MARGIN - 1.0) * 100.0
            );
            if count < wanted {
                why.push_str(&format!(
                    " ({wanted}), capped at {MAX_AUTOMATIC} to bound memory: pass --documents \
                     N for more (the run stops early if they run out)"
                ));
            }
            Plan { count, why }
        }
    }
}

/// What a fresh-document run needs besides its documents.
pub(super) struct Fresh<'a> {
    /// Signs the documents.
    pub(super) attestation: &'a Attestation,
    /// The key every request names.
    pub(super) key_id: &'a str,
    /// `--requests`, `--documents` or `--duration`: see [`Need`].
    pub(super) requests: Option<u64>,
    /// `--documents`.
    pub(super) documents: Option<u32>,
    /// `--duration`, in seconds.
    pub(super) seconds: Option<f64>,
    /// `--concurrency`, for the warm-up.
    pub(super) concurrency: usize,
}

/// The bodies of a fresh-document run: warms up first when the count depends on the rate, then
/// makes the planned count with progress on stderr.
pub(super) async fn fresh_bodies(
    target: &Arc<Target>,
    fresh: &Fresh<'_>,
    progress: Progress,
) -> Result<Bodies, CliError> {
    let need = match (fresh.requests, fresh.documents, fresh.seconds) {
        (Some(n), _, _) => Need::Requests(n),
        (None, Some(n), _) => Need::Chosen(n),
        (None, None, seconds) => Need::Measured {
            rate: warm_up(target, fresh, progress).await?,
            seconds: seconds.unwrap_or(0.0),
        },
    };
    let plan = plan(need);
    progress.note(&format!(
        "making {} attestation documents ahead of the clock: {}",
        plan.count, plan.why
    ));
    let bodies = make(
        fresh.attestation,
        fresh.key_id,
        plan.count,
        "documents",
        progress,
    )?;
    Ok(Bodies::each(bodies))
}

/// How many requests the warm-up sends: enough to keep every task busy for a while, few enough
/// to be made in well under a second.
fn warm_up_requests(concurrency: usize) -> usize {
    concurrency.saturating_mul(16).clamp(200, 2_000)
}

/// Sends a small batch of fresh documents at the run's concurrency, untimed and not counted in
/// the result, and returns the requests per second it reached.
async fn warm_up(
    target: &Arc<Target>,
    fresh: &Fresh<'_>,
    progress: Progress,
) -> Result<f64, CliError> {
    let count = warm_up_requests(fresh.concurrency);
    progress.note(&format!(
        "warm-up: {count} requests with fresh documents at concurrency {}, to measure how many \
         documents the run needs (not part of the result)",
        fresh.concurrency
    ));
    let bodies = make(
        fresh.attestation,
        fresh.key_id,
        count,
        "warm-up documents",
        progress,
    )?;
    let load = Load {
        op: Operation::GenerateDataKey,
        concurrency: fresh.concurrency,
        duration: None,
        requests: None,
        check_recipient: true,
        progress: None,
    };
    let outcome = drive(target, &Arc::new(Bodies::each(bodies)), &load).await?;
    let seconds = outcome.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        outcome.requests as f64 / seconds
    } else {
        0.0
    };
    let first_error = outcome
        .first_error
        .map(|e| format!(" (the first: {e})"))
        .unwrap_or_default();
    progress.note(&format!(
        "warm-up: {} requests in {seconds:.2} s ({rate:.0} per second), {} errors{first_error}",
        outcome.requests, outcome.errors
    ));
    Ok(rate)
}

/// Makes `count` GenerateDataKey bodies, each with its own freshly signed document, on every
/// core; writes `label done/count (percent)` when it starts, about every second, and when done.
pub(super) fn make(
    attestation: &Attestation,
    key_id: &str,
    count: usize,
    label: &str,
    progress: Progress,
) -> Result<Vec<Vec<u8>>, CliError> {
    let started = Instant::now();
    let made = AtomicUsize::new(0);
    let status = |done: usize| format!("{label} {done}/{count} ({}%)", percent(done, count));
    progress.update(&status(0));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = count.div_ceil(threads);
    let all = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let n = per.min(count.saturating_sub(t * per));
                let made = &made;
                scope.spawn(move || -> Result<Vec<Vec<u8>>, CliError> {
                    (0..n)
                        .map(|_| {
                            let body = body(attestation, key_id)?;
                            made.fetch_add(1, Ordering::Relaxed);
                            Ok(body)
                        })
                        .collect()
                })
            })
            .collect();
        let mut last = Instant::now();
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(50));
            if last.elapsed() >= PROGRESS_EVERY {
                progress.update(&status(made.load(Ordering::Relaxed)));
                last = Instant::now();
            }
        }
        let mut all = Vec::with_capacity(count);
        for h in handles {
            all.extend(
                h.join()
                    .map_err(|_| CliError::Other("a document maker panicked".into()))??,
            );
        }
        Ok::<_, CliError>(all)
    })?;
    progress.finish(&format!(
        "{} in {:.1} s",
        status(all.len()),
        started.elapsed().as_secs_f64()
    ));
    Ok(all)
}

/// One GenerateDataKey body with a freshly signed document.
fn body(attestation: &Attestation, key_id: &str) -> Result<Vec<u8>, CliError> {
    let recipient = attestation
        .recipient()
        .map_err(|e| CliError::Other(e.to_string()))?;
    let body = json!({
        "KeyId": key_id,
        "KeySpec": "AES_256",
        "Recipient": recipient,
    });
    Ok(body.to_string().into_bytes())
}

/// `done` out of `count` in whole percent (100 for nothing to do).
fn percent(done: usize, count: usize) -> usize {
    done.saturating_mul(100).checked_div(count).unwrap_or(100)
}

#[cfg(test)]
mod tests;
