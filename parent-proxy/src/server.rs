//! The HTTP accept loop: one task per connection (at most `--max-connections`; more are closed as
//! soon as they are accepted), HTTP/1.1 keep-alive, a header-read deadline,
//! and a graceful shutdown that stops accepting, lets each connection finish the request it is
//! answering, and closes it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use nitro_kms_wire::transport::Listener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::endpoint::Endpoint;

/// Serves `listener` until `shutdown` flips, then drains for at most `drain`.
pub async fn serve(
    listener: Listener,
    endpoint: Arc<Endpoint>,
    shutdown: watch::Receiver<bool>,
    drain: Duration,
) {
    let mut connections = JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = crate::stopped(&mut stop) => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                if connections.len() >= endpoint.max_connections {
                    // Closed at once: memory stays bounded whatever a client opens.
                    drop(stream);
                    let refused = endpoint.metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
                    if (refused + 1).is_power_of_two() {
                        tracing::warn!(%peer, open = connections.len(), refused = refused + 1,
                            "connection refused: --max-connections are open");
                    }
                    continue;
                }
                let endpoint = endpoint.clone();
                let header_timeout = endpoint.header_timeout;
                let mut stop = shutdown.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| endpoint.clone().handle(req));
                    let conn = http1::Builder::new()
                        .keep_alive(true)
                        .timer(TokioTimer::new())
                        .header_read_timeout(header_timeout)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = crate::stopped(&mut stop) => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    let _ = tokio::time::timeout(drain, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}
