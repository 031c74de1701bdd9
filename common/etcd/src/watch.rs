//! [`WatchStream`]: a watch's answers, read from its own streamed HTTP response.

use std::collections::VecDeque;

use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::json::{self, Lines};
use crate::pool::Sender;
use crate::{EtcdError, WatchBatch};

/// The answers of one watch, in order. Dropping it closes its connection (ending the watch).
pub struct WatchStream {
    /// Keeps the connection open while the watch lives.
    _sender: Sender,
    body: Incoming,
    lines: Lines,
    pending: VecDeque<Vec<u8>>,
    ended: bool,
}

impl std::fmt::Debug for WatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStream")
            .field("ended", &self.ended)
            .finish()
    }
}

impl WatchStream {
    pub(crate) fn new(sender: Sender, body: Incoming, max_object: usize) -> Self {
        WatchStream {
            _sender: sender,
            body,
            lines: Lines::new(max_object),
            pending: VecDeque::new(),
            ended: false,
        }
    }

    /// The next batch of events, or notice (`compact_revision`, `canceled`: reported, never
    /// hidden). `Err` when the stream ends or breaks: watch again from the next revision.
    pub async fn next(&mut self) -> Result<WatchBatch, EtcdError> {
        loop {
            while let Some(object) = self.pending.pop_front() {
                if let Some(batch) = json::decode_watch(&object)? {
                    return Ok(batch);
                }
            }
            if self.ended {
                return Err(EtcdError::Unavailable("etcd watch stream ended".into()));
            }
            match self.body.frame().await {
                None => {
                    self.ended = true;
                    if let Some(rest) = self.lines.finish() {
                        self.pending.push_back(rest);
                    }
                }
                Some(Err(e)) => {
                    self.ended = true;
                    return Err(EtcdError::Unavailable(format!("etcd watch stream: {e}")));
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.pending.extend(self.lines.push(&data)?);
                    }
                }
            }
        }
    }
}
