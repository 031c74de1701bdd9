//! Where the bench's load goes: a [`KmsClient`] to `--endpoint-url` (as an SDK sends it, with
//! credentials from the usual AWS sources, over HTTP or TLS) or to the enclave's own HTTP
//! endpoint (`--enclave`, signed with the simulation's built-in key), and, with `--control`, the
//! bench as that enclave's parent on its control link.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_api::Operation;
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_client::{
    ClientConfig, Credentials, CredentialsProvider, DefaultChain, KmsClient, ServiceTrust,
};
use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_parent_link::{EnclaveLink, LinkConfig, LinkCounters, StateDirLock};
use nitro_kms_wire::Limits;
use nitro_kms_wire::transport::Address;
use serde_json::Value;
use tokio::sync::watch;

use super::{BenchArgs, other};
use crate::commands::service::{RootChoice, service_trust};
use crate::error::CliError;

/// Where the load goes: KMS JSON over HTTP, as an SDK sends it, to `--endpoint-url` or to the
/// enclave's own endpoint.
pub(super) struct Target {
    /// The client every request goes through (one kept-alive connection per task).
    pub(super) client: KmsClient,
    /// With `--control`: the bench is the enclave's parent while it runs.
    _parent: Option<BenchParent>,
}

/// The bench as an enclave's parent on its control link (`--control`): the link serves the
/// enclave's `Persist` frames from `--state-dir`.
struct BenchParent {
    _link: Arc<EnclaveLink>,
    /// Dropping it stops the link's supervisors.
    _stop: watch::Sender<bool>,
    /// The state directory's lock, held while the bench is the enclave's parent: as for the
    /// proxy, a second parent on the same directory would make the two enclaves overwrite each
    /// other's sealed state.
    _state_lock: StateDirLock,
}

impl Target {
    /// Sends one request body; `Ok` holds the 200 answer's body, `Err` the error's.
    pub(super) async fn call(&self, op: Operation, body: Vec<u8>) -> Result<Vec<u8>, String> {
        self.client
            .call_raw(op, body)
            .await
            .map_err(|e| e.to_string())
    }

    /// A set-up call whose answer is needed as JSON.
    pub(super) async fn call_json(&self, op: Operation, body: &Value) -> Result<Value, CliError> {
        let answer = self
            .call(op, body.to_string().into_bytes())
            .await
            .map_err(|e| other(format!("{}: {e}", op.name())))?;
        serde_json::from_slice(&answer).map_err(other)
    }

    /// Connections opened so far (`connections` in the result).
    pub(super) fn connections(&self) -> u64 {
        self.client.connections_opened()
    }
}

/// The client for `--endpoint-url` or `--enclave` (and, with `--control`, the bench as the
/// enclave's parent), configured from the TLS and connection options.
pub(super) async fn connect(args: &BenchArgs) -> Result<Target, CliError> {
    let (url, creds) = match (&args.endpoint_url, &args.enclave) {
        (Some(url), _) => (url.clone(), DefaultChain.provide().map_err(other)?.0),
        // The enclave alone: its endpoint, with the key every simulated enclave holds.
        (None, Some(address)) => (
            address.clone(),
            Credentials::new(SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, None),
        ),
        (None, None) => {
            return Err(CliError::Usage(
                "give --endpoint-url, or --enclave (with --control and --state-dir to be its \
                 parent)"
                    .into(),
            ));
        }
    };
    let parent = match (&args.control, &args.state_dir) {
        (Some(control), Some(state_dir)) => Some(be_parent(control, state_dir).await?),
        _ => None,
    };
    let mut config = ClientConfig::new(&url, &args.region, creds);
    // Kept-alive connections, one per task; none kept (and no TLS resumption) when every request
    // must open its own.
    config.max_idle = if args.new_connection_per_request {
        0
    } else {
        args.concurrency.max(8)
    };
    config.tls_resumption = !args.new_connection_per_request;
    config.connect_to = args.connect_to.clone();
    if let Some(path) = &args.ca_bundle {
        config.tls_roots_pem = Some(crate::input::read_file(path)?);
    }
    config.service_trust = bench_service_trust(args)?;
    Ok(Target {
        client: KmsClient::new(config).map_err(other)?,
        _parent: parent,
    })
}

/// `--service-pcr` with `--service-root` / `--trust-simulated-root`: the attested-TLS trust.
fn bench_service_trust(args: &BenchArgs) -> Result<Option<ServiceTrust>, CliError> {
    let root = match (&args.service_root, &args.trust_simulated_root) {
        (Some(path), _) => RootChoice::Pem("--service-root", path),
        (None, Some(path)) => RootChoice::SimulatedPem("--trust-simulated-root", path),
        (None, None) if args.service_pcr.is_empty() => return Ok(None),
        (None, None) => RootChoice::AwsNitro,
    };
    service_trust(root, "--service-pcr", &args.service_pcr, None).map(Some)
}

/// Connects to the enclave's control link at `control` as its parent, serving its sealed state
/// from `state_dir` (locked while the bench runs).
async fn be_parent(control: &str, state_dir: &Path) -> Result<BenchParent, CliError> {
    let address: Address = control
        .parse()
        .map_err(|e| CliError::Usage(format!("--control: {e}")))?;
    let store =
        StateStore::open(state_dir).map_err(|e| other(format!("{}: {e}", state_dir.display())))?;
    let state_lock = StateDirLock::acquire(state_dir).map_err(other)?;
    let (stop, stop_rx) = watch::channel(false);
    let link = EnclaveLink::start(
        LinkConfig {
            address,
            pool_size: 1,
            limits: Limits::default(),
            credentials: None,
            sealed_credentials: None,
        },
        Arc::new(Mutex::new(store)),
        Arc::new(LinkCounters::default()),
        stop_rx,
    );
    if !link.wait_connected(Duration::from_secs(10)).await {
        return Err(other(
            "cannot connect to the enclave's control link within 10 s",
        ));
    }
    Ok(BenchParent {
        _link: link,
        _stop: stop,
        _state_lock: state_lock,
    })
}
