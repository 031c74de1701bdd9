//! An etcd member's client address.

use std::fmt;
use std::str::FromStr;

use crate::EtcdError;

/// An etcd client endpoint: a host (DNS name or IP literal, IPv6 in brackets when written) and a
/// port. Also the TLS server name the member's certificate must carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The host, without brackets.
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

impl FromStr for Endpoint {
    type Err = EtcdError;

    /// Parses `host:port` (`[::1]:2379` for IPv6).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            EtcdError::Config(format!("etcd endpoint `{}`: {why}", text.escape_debug()))
        };
        if text.len() > 300 {
            return Err(bad("too long"));
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, tail) = rest.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            (host, tail.strip_prefix(':').ok_or_else(|| bad("no port"))?)
        } else {
            text.rsplit_once(':').ok_or_else(|| bad("no port"))?
        };
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(bad("invalid host"));
        }
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("invalid port"));
        }
        let port: u16 = port.parse().map_err(|_| bad("invalid port"))?;
        if port == 0 {
            return Err(bad("port 0"));
        }
        Ok(Endpoint {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests;
