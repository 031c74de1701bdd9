//! The client's typed errors.

/// Why an etcd request failed.
///
/// [`EtcdError::Unavailable`] and [`EtcdError::Timeout`] are the retryable ones: the client has
/// already tried every endpoint once. Messages name endpoints and causes, never keys' values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EtcdError {
    /// Connect, I/O, TLS or HTTP 502/503/504 on every endpoint tried: retry later.
    #[error("etcd unavailable: {0}")]
    Unavailable(String),
    /// Every endpoint tried timed out.
    #[error("etcd request timed out")]
    Timeout,
    /// etcd answered with an error (HTTP status and the gRPC code and message it carried).
    #[error("etcd error (HTTP {status}, code {code}): {message}")]
    Server {
        /// The HTTP status of the gateway's answer.
        status: u16,
        /// The gRPC status code.
        code: i64,
        /// etcd's message.
        message: String,
    },
    /// The revision asked for is compacted away: reload from a range, then watch again.
    #[error("etcd revision compacted (compact revision {compact_revision})")]
    Compacted {
        /// The oldest revision etcd still has history from.
        compact_revision: i64,
    },
    /// The answer is not what the gateway sends.
    #[error("etcd answer not understood: {0}")]
    Decode(String),
    /// An answer (or one watch object) over the configured `max_response`.
    #[error("etcd answer larger than {limit} bytes")]
    TooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// The client's configuration is unusable.
    #[error("etcd client configuration: {0}")]
    Config(String),
}
