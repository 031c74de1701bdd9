//! The egress relay (`--egress`): how the enclave reaches AWS KMS through its parent.
//!
//! A Nitro enclave has no network interface; vsock to its parent is its only way out. Yet it
//! must call AWS KMS itself (the attested Decrypt that releases its sealing root key is only
//! worth something if KMS's answer reaches the enclave without the parent in the middle). So the
//! parent runs relays: the enclave connects to a vsock port, asks for a destination, and the
//! relay opens a TCP connection there and moves bytes both ways.
//!
//! - **Why HTTP CONNECT.** The enclave must say where to go, and CONNECT
//!   ([`nitro_kms_wire::http_connect`]) is the standard minimal way: one head naming
//!   `host:port`, one status line back (`200`, or `400`/`403`/`502`/`503`/`504` saying exactly
//!   why not), then a raw stream. One relay can serve several destinations, and any HTTP tool
//!   can probe it.
//! - **Why TLS stays inside the enclave.** The relay never sees plaintext: the enclave runs TLS
//!   through the tunnel and verifies `kms.REGION.amazonaws.com`'s certificate itself. The parent
//!   is outside the enclave's trust boundary; it can drop or delay traffic, but not read or
//!   forge KMS's answers.
//! - **Why the name is checked before resolution.** The allowlist ([`allowlist`]) is matched
//!   against the name the enclave asked for, normalised, before any DNS lookup; only an allowed
//!   name is resolved and connected to. Checking resolved addresses instead would make the
//!   policy depend on whatever DNS answers (an attacker-controlled name could resolve to an
//!   internal address that an address rule happens to allow), and resolving refused names would
//!   leak them to the resolver. IP literals are allowed only when listed exactly.
//! - **Why not AWS's `vsock-proxy`.** It does the same job but panics (and stops serving) when
//!   an upstream connection fails. Here every failure — a malformed head, a refused
//!   destination, a name that does not resolve, an upstream that refuses, resets or vanishes
//!   mid-stream, an idle tunnel — ends that one connection with an answer, a counter in
//!   `/metrics` and a log line naming the destination (never payload bytes); the listener keeps
//!   serving.
//!
//! Limits: at most `max-connections` connections per relay (`503` past it), a deadline for the
//! request head (`400`), for resolving and connecting (`504`), and an idle timeout on tunnels.
//! Upstream sockets have `TCP_NODELAY`. Listening uses [`nitro_kms_wire::transport`], so a
//! relay serves vsock (production), a Unix socket or TCP (simulation, tests) alike.
//!
//! - [`spec`]: the `--egress SPEC` syntax;
//! - [`allowlist`]: which destinations are allowed;
//! - [`relay`]: the accept loop, the CONNECT exchange, the upstream connect and the tunnel.

pub mod allowlist;
pub mod relay;
pub mod spec;

#[cfg(test)]
mod relay_tests;

use std::sync::Arc;

use nitro_kms_wire::transport::{self, Address, TransportError};
use tokio::sync::watch;

use crate::metrics::Metrics;
pub use allowlist::{Allowlist, Pattern};
pub use spec::EgressSpec;

/// Binds a listener for each spec and starts its relay, which stops when `shutdown` flips.
/// Logs `egress relay listening` with the bound address and the allowlist of each.
///
/// Returns the bound addresses (with the port the kernel chose for `tcp://HOST:0`). Fails on the
/// first spec that cannot listen: a relay the operator asked for and cannot have is a reason
/// not to start.
pub async fn start(
    specs: &[EgressSpec],
    metrics: &Arc<Metrics>,
    shutdown: &watch::Receiver<bool>,
) -> Result<Vec<Address>, TransportError> {
    let mut bound = Vec::with_capacity(specs.len());
    for spec in specs {
        let listener = transport::listen(&spec.listen).await?;
        let local = listener.local_addr()?;
        tracing::info!(listen = %local, allow = %spec.allow,
            max_connections = spec.max_connections, "egress relay listening");
        tokio::spawn(relay::serve(
            listener,
            spec.clone(),
            metrics.clone(),
            shutdown.clone(),
        ));
        bound.push(local);
    }
    Ok(bound)
}
