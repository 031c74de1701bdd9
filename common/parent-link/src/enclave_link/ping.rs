//! `Ping` frames: the enclave checking that its parent is alive.

use std::ops::ControlFlow;

use nitro_kms_wire::Message;
use tokio::sync::mpsc;

/// Answers `Ping { nonce }` with `Pong { nonce }`.
pub(super) async fn answer(nonce: u64, tx: &mpsc::Sender<Message>) -> ControlFlow<()> {
    let _ = tx.send(Message::Pong { nonce }).await;
    ControlFlow::Continue(())
}
