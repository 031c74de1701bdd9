//! A scripted enclave for unit tests of a link and of what is built on it (the proxy's router,
//! through the `test-support` feature): accepts one connection from a link, does the Hello, and
//! then sends and receives whatever frames a test dictates. Test code: it panics on anything
//! unexpected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use nitro_kms_wire::transport::{self, Address, Listener};
use nitro_kms_wire::{
    FramedReader, FramedWriter, Hello, Limits, Message, Persist, PersistAck, PersistAction, Status,
    handshake,
};
use tokio::io::{ReadHalf, WriteHalf};

use crate::enclave_link::LinkConfig;

/// A one-connection pool to `address`, without credentials.
pub fn link_config(address: Address) -> LinkConfig {
    LinkConfig {
        address,
        pool_size: 1,
        limits: Limits::default(),
        credentials: None,
        sealed_credentials: None,
    }
}

/// A test enclave's end of one connection.
pub struct FakeEnclave {
    reader: FramedReader<ReadHalf<transport::Stream>>,
    writer: FramedWriter<WriteHalf<transport::Stream>>,
}

impl FakeEnclave {
    /// Accepts the next connection on `listener` and answers its Hello.
    pub async fn accept(listener: &Listener) -> FakeEnclave {
        let (mut stream, _) = listener.accept().await.unwrap();
        let limits = handshake(&mut stream, &Hello::new(&Limits::default()))
            .await
            .unwrap();
        let (read_half, write_half) = tokio::io::split(stream);
        FakeEnclave {
            reader: FramedReader::new(read_half, &limits),
            writer: FramedWriter::new(write_half, &limits),
        }
    }

    /// Sends one frame.
    pub async fn send(&mut self, message: Message) {
        self.writer.write_message(&message).await.unwrap();
    }

    /// The next frame from the proxy (within 10 s).
    pub async fn receive(&mut self) -> Message {
        tokio::time::timeout(Duration::from_secs(10), self.reader.read_message())
            .await
            .expect("a frame within 10 s")
            .unwrap()
            .expect("the connection is open")
    }

    /// Sends a `Persist` and returns its ack (skipping the `Sync`s a stale replica is sent).
    pub async fn persist(
        &mut self,
        id: u64,
        action: PersistAction,
        offset: u64,
        total: u64,
        payload: &[u8],
    ) -> PersistAck {
        self.send(Message::Persist(Persist {
            id,
            action,
            offset,
            total,
            payload: payload.to_vec(),
        }))
        .await;
        loop {
            match self.receive().await {
                Message::PersistAck(ack) => return ack,
                Message::Sync { .. } => {}
                other => panic!("expected a PersistAck, got {other:?}"),
            }
        }
    }

    /// Answers a `Sync`, then makes sure the proxy has read the answer: it handles a
    /// connection's frames in order, so once the next request's ack is back, it has.
    pub async fn sync_ack(&mut self, id: u64, status: Status, reason: &[u8]) {
        self.send(Message::SyncAck {
            id,
            status,
            payload: reason.to_vec(),
        })
        .await;
        self.persist(u64::MAX, PersistAction::ReadJournal, 0, 0, b"")
            .await;
    }
}
