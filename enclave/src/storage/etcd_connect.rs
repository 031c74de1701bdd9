//! Opening the etcd store from the enclave's configuration: the TLS client identity
//! ([`super::etcd_tls`]), the way out (the parent's egress relay, or direct TCP in a simulation),
//! the client, and this enclave's id in the fleet.

use std::sync::Arc;

use nitro_kms_etcd::{ClientOptions, Connect, Endpoint, EtcdClient, RelayConnect, TcpConnect, Tls};

use crate::config::EtcdStorageConfig;
use crate::storage::etcd_store::EtcdStore;

/// Largest etcd answer the enclave reads (a range of the whole journal, or the snapshot, whose
/// bytes are base64 in the gateway's JSON).
pub const MAX_RESPONSE: usize = 192 << 20;

/// The etcd store described by `settings`, reached with `tls` (the client identity
/// [`super::etcd_tls::client_config`] derived from the sealing key). Connects lazily: nothing is
/// dialled here, so an unreachable etcd is found when the state is first read (and retried then).
pub fn open(
    settings: &EtcdStorageConfig,
    tls: Arc<rustls::ClientConfig>,
) -> Result<Arc<EtcdStore>, String> {
    let endpoints = settings
        .endpoints
        .iter()
        .map(|e| {
            e.parse::<Endpoint>()
                .map_err(|err| format!("etcd endpoint {e}: {err}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let connect: Arc<dyn Connect> = match &settings.relay {
        Some(relay) => {
            Arc::new(RelayConnect::new(relay).map_err(|e| format!("etcd relay {relay}: {e}"))?)
        }
        None => Arc::new(TcpConnect),
    };
    let client = EtcdClient::new(
        ClientOptions {
            endpoints,
            tls: Tls::Rustls(tls),
            request_timeout: settings.timeout,
            connect_timeout: settings.timeout,
            max_response: MAX_RESPONSE,
        },
        connect,
    )
    .map_err(|e| e.to_string())?;
    let id = enclave_id().map_err(|e| format!("cannot make this enclave's id: {e}"))?;
    tracing::info!(
        id = %id,
        endpoints = %settings.endpoints.join(","),
        relay = settings.relay.as_deref().unwrap_or("direct"),
        prefix = %String::from_utf8_lossy(&settings.prefix),
        "nitro-kms-enclave: sealed state in etcd {} under {} (this enclave is {id}, via {})",
        settings.endpoints.join(","),
        String::from_utf8_lossy(&settings.prefix),
        settings.relay.as_deref().unwrap_or("direct TCP"),
    );
    Ok(Arc::new(EtcdStore::new(
        client,
        settings.prefix.clone(),
        settings.lease_ttl,
        id,
    )))
}

/// A fresh random id for this enclave process (it names the leader in etcd, in logs and in the
/// error a follower answers writes with): a restart is another member of the fleet.
fn enclave_id() -> Result<String, nitro_kms_crypto::CryptoError> {
    let bytes: [u8; 6] = nitro_kms_crypto::random_array()?;
    Ok(format!("enclave-{}", nitro_kms_crypto::hex_lower(&bytes)))
}
