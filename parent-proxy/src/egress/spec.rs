//! The value of one `--egress SPEC` flag: where a relay listens, what it allows, its limits.
//!
//! ```text
//! --egress vsock-port=8000,allow=kms.us-east-1.amazonaws.com:443,allow=*.amazonaws.com:443
//! --egress listen=unix:///tmp/egress.sock,allow=localhost:8443,max-connections=8
//! ```
//!
//! SPEC is comma-separated `key=value` items (so no value can hold a comma):
//!
//! | key                  | meaning                                                     | default |
//! |----------------------|-------------------------------------------------------------|---------|
//! | `vsock-port=PORT`    | listen on `vsock://ANY:PORT` (what the enclave reaches)     | —       |
//! | `listen=ADDRESS`     | or listen on any transport address (`unix://`, `tcp://`)    | —       |
//! | `allow=PATTERN`      | a destination, repeatable; see [`super::allowlist`]         | —       |
//! | `max-connections=N`  | relayed connections at once; more get `503`                 | 64      |
//! | `connect-timeout-ms=N` | resolving and connecting upstream, all addresses together | 5000    |
//! | `idle-timeout-ms=N`  | a tunnel with no byte either way for this long is closed    | 300000  |
//! | `head-timeout-ms=N`  | the CONNECT head must be complete within this              | 5000    |
//!
//! Exactly one of `vsock-port` and `listen`, and at least one `allow`, are required; every other
//! key at most once. Anything else is an error that names the offending item: the proxy refuses
//! to start (usage error, exit 2) rather than relay with a configuration nobody meant.

use std::str::FromStr;
use std::time::Duration;

use nitro_kms_wire::transport::{Address, AddressError, VSOCK_CID_ANY};

use super::allowlist::{Allowlist, Pattern, PatternError};

/// Default `max-connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;
/// Default `connect-timeout-ms`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `idle-timeout-ms`: five minutes, longer than any SDK keeps an idle connection.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Default `head-timeout-ms`: a CONNECT head is one small write; a peer that takes longer is
/// broken or hostile (slowloris), and holds a connection slot while it waits.
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest `max-connections`.
const MAX_MAX_CONNECTIONS: u64 = 1_000_000;
/// Largest timeout, in milliseconds: a day.
const MAX_TIMEOUT_MS: u64 = 86_400_000;

/// One relay's configuration, parsed from `--egress SPEC`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EgressSpec {
    /// Where the relay listens (`vsock://ANY:PORT` for `vsock-port=PORT`).
    pub listen: Address,
    /// The destinations it may connect to.
    pub allow: Allowlist,
    /// Connections handled at once; past it, `503 Service Unavailable`.
    pub max_connections: usize,
    /// Deadline for resolving the name and connecting to one of its addresses (`504` after).
    pub connect_timeout: Duration,
    /// A tunnel with no byte either way for this long is closed.
    pub idle_timeout: Duration,
    /// Deadline for the CONNECT request head (`400` after).
    pub head_timeout: Duration,
}

/// Why a `--egress` value is not an [`EgressSpec`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// An item without `=`.
    #[error("`{0}` is not KEY=VALUE")]
    NotKeyValue(String),
    /// A key this spec does not have.
    #[error(
        "unknown key `{0}`; expected vsock-port, listen, allow, max-connections, \
         connect-timeout-ms, idle-timeout-ms or head-timeout-ms"
    )]
    UnknownKey(String),
    /// A key other than `allow` given twice.
    #[error("`{0}` is given twice")]
    Repeated(&'static str),
    /// Neither `vsock-port` nor `listen`.
    #[error("no listen address: give vsock-port=PORT or listen=ADDRESS")]
    NoListen,
    /// Both `vsock-port` and `listen`.
    #[error("vsock-port and listen exclude each other")]
    BothListen,
    /// No `allow`: a relay that allows nothing is a mistake.
    #[error("no allow=HOST:PORT: the relay would refuse every destination")]
    NoAllow,
    /// A number out of range or not a number.
    #[error("{key}=`{value}`: expected a whole number from 1 to {max}")]
    BadNumber {
        /// The key.
        key: &'static str,
        /// The value as given.
        value: String,
        /// The largest value allowed.
        max: u64,
    },
    /// `listen=` is not a transport address.
    #[error("listen: {0}")]
    Listen(#[from] AddressError),
    /// An `allow=` pattern is malformed.
    #[error(transparent)]
    Allow(#[from] PatternError),
}

/// Stores `value` in `slot` unless it is already filled.
fn once<T>(slot: &mut Option<T>, key: &'static str, value: T) -> Result<(), SpecError> {
    if slot.replace(value).is_some() {
        return Err(SpecError::Repeated(key));
    }
    Ok(())
}

/// A decimal number from 1 to `max` (digits only).
fn number(key: &'static str, value: &str, max: u64) -> Result<u64, SpecError> {
    let bad = || SpecError::BadNumber {
        key,
        value: value.to_owned(),
        max,
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(bad)
}

impl FromStr for EgressSpec {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut vsock_port = None;
        let mut listen = None;
        let mut patterns = Vec::new();
        let mut max_connections = None;
        let mut connect_timeout = None;
        let mut idle_timeout = None;
        let mut head_timeout = None;
        let ms = |key, value| number(key, value, MAX_TIMEOUT_MS).map(Duration::from_millis);
        for item in spec.split(',') {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| SpecError::NotKeyValue(item.to_owned()))?;
            match key {
                "vsock-port" => {
                    let key = "vsock-port";
                    once(
                        &mut vsock_port,
                        key,
                        number(key, value, u64::from(u32::MAX - 1))?,
                    )?;
                }
                "listen" => once(&mut listen, "listen", value.parse::<Address>()?)?,
                "allow" => patterns.push(value.parse::<Pattern>()?),
                "max-connections" => {
                    let key = "max-connections";
                    once(
                        &mut max_connections,
                        key,
                        number(key, value, MAX_MAX_CONNECTIONS)?,
                    )?;
                }
                "connect-timeout-ms" => {
                    let key = "connect-timeout-ms";
                    once(&mut connect_timeout, key, ms(key, value)?)?;
                }
                "idle-timeout-ms" => {
                    let key = "idle-timeout-ms";
                    once(&mut idle_timeout, key, ms(key, value)?)?;
                }
                "head-timeout-ms" => {
                    let key = "head-timeout-ms";
                    once(&mut head_timeout, key, ms(key, value)?)?;
                }
                _ => return Err(SpecError::UnknownKey(key.to_owned())),
            }
        }
        let listen = match (vsock_port, listen) {
            (Some(_), Some(_)) => return Err(SpecError::BothListen),
            (None, None) => return Err(SpecError::NoListen),
            (None, Some(address)) => address,
            (Some(port), None) => Address::Vsock {
                cid: VSOCK_CID_ANY,
                port: u32::try_from(port).unwrap_or(u32::MAX - 1),
            },
        };
        if patterns.is_empty() {
            return Err(SpecError::NoAllow);
        }
        Ok(EgressSpec {
            listen,
            allow: Allowlist::new(patterns),
            max_connections: max_connections
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(DEFAULT_MAX_CONNECTIONS),
            connect_timeout: connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            idle_timeout: idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT),
            head_timeout: head_timeout.unwrap_or(DEFAULT_HEAD_TIMEOUT),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Result<EgressSpec, SpecError> {
        spec.parse()
    }

    #[test]
    fn a_vsock_spec_listens_on_any_cid_with_the_defaults() {
        let spec = parse(
            "vsock-port=8000,allow=kms.us-east-1.amazonaws.com:443,allow=*.amazonaws.com:443",
        )
        .unwrap();
        assert_eq!(spec.listen.to_string(), "vsock://ANY:8000");
        assert_eq!(
            spec.allow.to_string(),
            "kms.us-east-1.amazonaws.com:443,*.amazonaws.com:443"
        );
        assert_eq!(spec.max_connections, DEFAULT_MAX_CONNECTIONS);
        assert_eq!(spec.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(spec.idle_timeout, DEFAULT_IDLE_TIMEOUT);
        assert_eq!(spec.head_timeout, DEFAULT_HEAD_TIMEOUT);
    }

    #[test]
    fn a_listen_spec_takes_any_transport_address_and_every_limit() {
        let spec = parse(
            "listen=unix:///tmp/egress.sock,allow=localhost:8443,max-connections=8,\
             connect-timeout-ms=250,idle-timeout-ms=1000,head-timeout-ms=100",
        )
        .unwrap();
        assert_eq!(spec.listen.to_string(), "unix:///tmp/egress.sock");
        assert_eq!(spec.max_connections, 8);
        assert_eq!(spec.connect_timeout, Duration::from_millis(250));
        assert_eq!(spec.idle_timeout, Duration::from_secs(1));
        assert_eq!(spec.head_timeout, Duration::from_millis(100));
        let spec = parse("allow=127.0.0.1:1,listen=tcp://127.0.0.1:0").unwrap();
        assert_eq!(spec.listen.to_string(), "tcp://127.0.0.1:0");
    }

    #[test]
    fn bad_specs_are_refused_with_the_reason() {
        let cases = [
            ("", SpecError::NotKeyValue(String::new())),
            ("vsock-port=8000", SpecError::NoAllow),
            ("allow=kms.example.com:443", SpecError::NoListen),
            (
                "vsock-port=8000,listen=unix:///x,allow=a.b:1",
                SpecError::BothListen,
            ),
            (
                "vsock-port=8000,vsock-port=8001,allow=a.b:1",
                SpecError::Repeated("vsock-port"),
            ),
            (
                "vsock-port=8000,allow=a.b:1,max-connections=1,max-connections=2",
                SpecError::Repeated("max-connections"),
            ),
            (
                "vsock-port=8000,allow=a.b:1,",
                SpecError::NotKeyValue(String::new()),
            ),
            (
                "vsock-port=8000,allow",
                SpecError::NotKeyValue("allow".into()),
            ),
            (
                "vsock-port=8000,allow=a.b:1,port=1",
                SpecError::UnknownKey("port".into()),
            ),
            (
                "Vsock-Port=8000,allow=a.b:1",
                SpecError::UnknownKey("Vsock-Port".into()),
            ),
            (
                "vsock-port=ANY,allow=a.b:1",
                SpecError::BadNumber {
                    key: "vsock-port",
                    value: "ANY".into(),
                    max: u64::from(u32::MAX - 1),
                },
            ),
            (
                "vsock-port=8000,allow=a.b:1,max-connections=0",
                SpecError::BadNumber {
                    key: "max-connections",
                    value: "0".into(),
                    max: MAX_MAX_CONNECTIONS,
                },
            ),
            (
                "vsock-port=8000,allow=a.b:1,idle-timeout-ms=-5",
                SpecError::BadNumber {
                    key: "idle-timeout-ms",
                    value: "-5".into(),
                    max: MAX_TIMEOUT_MS,
                },
            ),
            (
                "vsock-port=8000,allow=a.b:1,connect-timeout-ms=99999999999999999999999",
                SpecError::BadNumber {
                    key: "connect-timeout-ms",
                    value: "99999999999999999999999".into(),
                    max: MAX_TIMEOUT_MS,
                },
            ),
        ];
        for (spec, expected) in cases {
            assert_eq!(parse(spec), Err(expected), "{spec}");
        }
        assert!(matches!(
            parse("listen=unix:relative.sock,allow=a.b:1"),
            Err(SpecError::Listen(AddressError::RelativeUnixPath(_)))
        ));
        assert!(matches!(
            parse("vsock-port=8000,allow=*.1.2.3.4:443"),
            Err(SpecError::Allow(PatternError::Wildcard(_)))
        ));
        assert!(matches!(
            parse("vsock-port=8000,allow=kms.example.com"),
            Err(SpecError::Allow(PatternError::Target { .. }))
        ));
    }

    #[test]
    fn spec_errors_name_the_offending_item() {
        let message = parse("vsock-port=8000,allow=kms.example.com:https")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "allow pattern `kms.example.com:https`: invalid port `https`"
        );
        let message = parse("vsock-port=8000,allow=a.b:1,timeout=5")
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("unknown key `timeout`"), "{message}");
    }
}
