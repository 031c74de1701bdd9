//! A slot's supervisor: keeps one connection to the enclave up until shutdown, reconnecting with
//! backoff (100 ms doubling to 2 s) whenever it drops. A drop is a WARN only when the process is
//! not stopping: an intended shutdown closes every connection, and says so once, elsewhere.

use std::time::Duration;

use nitro_kms_wire::shutdown::stopped;
use nitro_kms_wire::transport;
use nitro_kms_wire::{Hello, Limits, handshake};
use tokio::sync::watch;

use super::config::LinkConfig;
use super::connection::run_connection;
use super::slot::SlotContext;

/// Keeps one slot connected until shutdown.
pub(super) async fn supervise(
    slot: usize,
    config: LinkConfig,
    context: SlotContext,
    mut shutdown: watch::Receiver<bool>,
) {
    let metrics = &context.metrics;
    let mut backoff = Duration::from_millis(100);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let connected = tokio::select! {
            c = connect(&config) => c,
            _ = stopped(&mut shutdown) => return,
        };
        match connected {
            Err(e) => {
                tracing::debug!(slot, error = %e, "enclave not reachable yet");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stopped(&mut shutdown) => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
            Ok((stream, limits)) => {
                backoff = Duration::from_millis(100);
                metrics.connected();
                tracing::info!(slot, address = %config.address, "connected to the enclave");
                run_connection(
                    stream,
                    limits,
                    &context,
                    config.credentials.clone(),
                    config.sealed_credentials.clone(),
                    &mut shutdown,
                )
                .await;
                context.publish.send_replace(None);
                // Closed because this process is stopping (its own shutdown, or the Ctrl-C that
                // reached the whole process group and so the simulated enclave a moment
                // earlier): not news, and nothing to reconnect. The first backoff step is
                // waited before reconnecting anyway, so the flag gets that long to flip.
                if *shutdown.borrow() {
                    tracing::debug!(slot, "enclave connection closed at shutdown");
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stopped(&mut shutdown) => {
                        tracing::debug!(slot, "enclave connection closed at shutdown");
                        return;
                    }
                }
                tracing::warn!(slot, "enclave connection closed; reconnecting");
            }
        }
    }
}

/// Connects to the enclave and exchanges Hellos; returns the stream and the negotiated limits.
async fn connect(config: &LinkConfig) -> Result<(transport::Stream, Limits), String> {
    let mut stream = transport::connect(&config.address)
        .await
        .map_err(|e| e.to_string())?;
    let limits = handshake(&mut stream, &Hello::new(&config.limits))
        .await
        .map_err(|e| e.to_string())?;
    Ok((stream, limits))
}
