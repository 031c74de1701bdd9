//! Shutdown plumbing shared by the enclave and the proxy: waiting for SIGTERM/SIGINT, and
//! waiting on the `watch` flag that tells every task to stop.

use tokio::sync::watch;

/// Resolves on the first SIGTERM or SIGINT (never, if the handlers cannot be installed).
pub async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

/// Resolves once `shutdown` is true (or its sender is gone). It holds no borrow of the channel's
/// value after it returns, so it can sit in a `select!` inside a `Send` future.
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}
