//! Which destinations an egress relay may open connections to.
//!
//! A pattern is `host:port` (exact) or `*.suffix:port` (any name with one or more labels before
//! `.suffix`, but not `suffix` itself). The port is always explicit and exact: allowing
//! `kms.us-east-1.amazonaws.com:443` must not allow port 22 of the same host. Names compare in
//! the normal form of [`ConnectTarget`] (lower case, one trailing dot removed), so
//! `KMS.us-east-1.amazonaws.com.:443` is the same destination as the pattern's. An IP literal is
//! allowed only by a pattern naming that exact address: wildcards match names, never addresses.
//!
//! The check is made on the name the enclave asked for, before anything is resolved; see the
//! [module docs](super) for why.

use std::fmt;
use std::str::FromStr;

use nitro_kms_wire::http_connect::{ConnectTarget, TargetError};
use nitro_kms_wire::transport::Host;

/// One `allow=` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// `host:port`: this host (name or IP literal) on this port, only.
    Exact(ConnectTarget),
    /// `*.suffix:port`: names ending in `.suffix` (at least one more label), on this port.
    Subdomains {
        /// The suffix, normalised, without its leading `*.`.
        suffix: String,
        /// The port.
        port: u16,
    },
}

/// Why an `allow=` value is not a [`Pattern`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The `host:port` part is not a valid target.
    #[error("allow pattern `{pattern}`: {source}")]
    Target {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        source: TargetError,
    },
    /// A `*` anywhere but as a whole leading label, or a wildcard over an IP address.
    #[error("allow pattern `{0}`: a wildcard must be `*.SUFFIX:PORT` with SUFFIX a DNS name")]
    Wildcard(String),
}

impl FromStr for Pattern {
    type Err = PatternError;

    fn from_str(pattern: &str) -> Result<Self, Self::Err> {
        let target = |text: &str| {
            text.parse::<ConnectTarget>()
                .map_err(|source| PatternError::Target {
                    pattern: pattern.to_owned(),
                    source,
                })
        };
        match pattern.strip_prefix("*.") {
            Some(rest) if !rest.contains('*') => match target(rest)? {
                ConnectTarget {
                    host: Host::Name(suffix),
                    port,
                } => Ok(Pattern::Subdomains { suffix, port }),
                ConnectTarget {
                    host: Host::Ip(_), ..
                } => Err(PatternError::Wildcard(pattern.to_owned())),
            },
            _ if pattern.contains('*') => Err(PatternError::Wildcard(pattern.to_owned())),
            _ => Ok(Pattern::Exact(target(pattern)?)),
        }
    }
}

impl Pattern {
    /// Whether `target` (normalised, as parsed from a CONNECT request) is allowed by this
    /// pattern.
    pub fn matches(&self, target: &ConnectTarget) -> bool {
        match self {
            Pattern::Exact(allowed) => allowed == target,
            Pattern::Subdomains { suffix, port } => {
                let Host::Name(name) = &target.host else {
                    return false;
                };
                *port == target.port
                    && name
                        .strip_suffix(suffix.as_str())
                        .and_then(|labels| labels.strip_suffix('.'))
                        .is_some_and(|labels| !labels.is_empty())
            }
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Exact(target) => write!(f, "{target}"),
            Pattern::Subdomains { suffix, port } => write!(f, "*.{suffix}:{port}"),
        }
    }
}

/// The destinations one relay may connect to: any of its patterns. Empty allows nothing (a spec
/// without `allow=` is refused before it gets here).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowlist {
    patterns: Vec<Pattern>,
}

impl Allowlist {
    /// An allowlist of `patterns`.
    pub fn new(patterns: Vec<Pattern>) -> Self {
        Allowlist { patterns }
    }

    /// Whether some pattern allows `target`.
    pub fn allows(&self, target: &ConnectTarget) -> bool {
        self.patterns.iter().any(|p| p.matches(target))
    }

    /// The patterns, in the order given.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }
}

/// The patterns separated by commas, as written in the spec (for the start-up log).
impl fmt::Display for Allowlist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pattern) in self.patterns.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{pattern}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowlist(patterns: &[&str]) -> Allowlist {
        Allowlist::new(patterns.iter().map(|p| p.parse().unwrap()).collect())
    }

    fn allows(list: &Allowlist, target: &str) -> bool {
        list.allows(&target.parse().unwrap())
    }

    #[test]
    fn exact_patterns_match_the_same_name_in_any_case_with_or_without_a_trailing_dot() {
        let list = allowlist(&["kms.us-east-1.amazonaws.com:443"]);
        for target in [
            "kms.us-east-1.amazonaws.com:443",
            "KMS.US-EAST-1.AMAZONAWS.COM:443",
            "kms.us-east-1.amazonaws.com.:443",
        ] {
            assert!(allows(&list, target), "{target}");
        }
        for target in [
            "kms.us-east-2.amazonaws.com:443",
            "xkms.us-east-1.amazonaws.com:443",
            "a.kms.us-east-1.amazonaws.com:443",
            "kms.us-east-1.amazonaws.com.evil.example:443",
        ] {
            assert!(!allows(&list, target), "{target}");
        }
        // The pattern is normalised too.
        assert!(allows(
            &allowlist(&["KMS.Example.COM.:443"]),
            "kms.example.com:443"
        ));
    }

    #[test]
    fn the_port_must_match_exactly() {
        let list = allowlist(&["kms.example.com:443", "*.amazonaws.com:443"]);
        assert!(!allows(&list, "kms.example.com:80"));
        assert!(!allows(&list, "kms.example.com:4430"));
        assert!(!allows(&list, "kms.us-east-1.amazonaws.com:22"));
    }

    #[test]
    fn wildcards_match_one_or_more_labels_before_the_suffix_but_not_the_suffix_itself() {
        let list = allowlist(&["*.amazonaws.com:443"]);
        for target in [
            "kms.amazonaws.com:443",
            "kms.us-east-1.amazonaws.com:443",
            "a.b.c.amazonaws.com:443",
            "KMS.AmazonAWS.com.:443",
        ] {
            assert!(allows(&list, target), "{target}");
        }
        for target in [
            "amazonaws.com:443",
            "evilamazonaws.com:443",
            "amazonaws.com.evil.example:443",
            "kms.amazonaws.co:443",
        ] {
            assert!(!allows(&list, target), "{target}");
        }
    }

    #[test]
    fn ip_literals_are_allowed_only_when_listed_exactly() {
        let list = allowlist(&["127.0.0.1:8443", "[::1]:8443", "*.localdomain:8443"]);
        assert!(allows(&list, "127.0.0.1:8443"));
        assert!(allows(&list, "[0:0:0:0:0:0:0:1]:8443"));
        assert!(!allows(&list, "127.0.0.2:8443"));
        assert!(!allows(&list, "127.0.0.1:8444"));
        assert!(!allows(&list, "10.0.0.1:8443"));
        // A name resolving to an allowed address is not that address.
        assert!(!allows(&list, "localhost:8443"));
    }

    #[test]
    fn patterns_display_as_written_in_normal_form() {
        let list = allowlist(&["KMS.example.com.:443", "*.AmazonAWS.com:443", "[::1]:1"]);
        assert_eq!(
            list.to_string(),
            "kms.example.com:443,*.amazonaws.com:443,[::1]:1"
        );
        assert_eq!(list.patterns().len(), 3);
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for pattern in [
            "kms.example.com",
            "kms.example.com:",
            "kms.example.com:0",
            "kms.example.com:*",
            "*:443",
            "*.:443",
            "*.*.example.com:443",
            "kms.*.example.com:443",
            "**.example.com:443",
            "*example.com:443",
            "*.127.0.0.1:443",
            "*.[::1]:443",
            "https://kms.example.com:443",
            "kms example.com:443",
            "",
        ] {
            assert!(pattern.parse::<Pattern>().is_err(), "{pattern}");
        }
        let error = "*.10.0.0.1:443".parse::<Pattern>().unwrap_err();
        assert_eq!(error, PatternError::Wildcard("*.10.0.0.1:443".into()));
    }
}
