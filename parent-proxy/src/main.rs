//! `nitro-kms-proxy`: the parent-instance daemon that speaks the AWS KMS JSON protocol.
//!
//! ```text
//! nitro-kms-proxy --enclave vsock://16:5000 --state-dir /var/lib/nitro-kms --credentials creds.toml
//! nitro-kms-proxy --simulate --state-dir /tmp/world        # the whole chain, one command
//! ```
//!
//! Exit status: 0 after a clean shutdown (SIGINT/SIGTERM drain the requests in flight), 1 when it
//! cannot start, 2 for a usage error.

#![deny(clippy::unwrap_used, clippy::expect_used)]

/// mimalloc in place of glibc's malloc: per-thread free lists, no fastbin consolidation. In the
/// profile of a GenerateDataKey load (BENCHMARKS.md) malloc, free and `malloc_consolidate` were
/// 10-13% of the proxy's and the enclave's CPU; A/B over 6 alternating runs of GenerateDataKey x64
/// it gave about +15% req/s, with no loss on Recipient loads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{ArgAction, Parser};
use nitro_kms_api::sigv4::{
    AccessKeyStore, SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY,
};
use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_parent_link::{LinkConfig, StateDirLock};
use nitro_kms_proxy::egress::{self, EgressSpec};
use nitro_kms_proxy::endpoint::{
    BODY_READ_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS, Endpoint, HEADER_READ_TIMEOUT,
};
use nitro_kms_proxy::metrics::Metrics;
use nitro_kms_proxy::router::Router;
use nitro_kms_proxy::simulation::{self, ChildConfig};
use nitro_kms_proxy::{enclave_credentials, sealed_credentials};
use nitro_kms_proxy::{server, stopped};
use nitro_kms_wire::Limits;
use nitro_kms_wire::transport::{self, Address};
use tokio::sync::watch;

/// Command line of the proxy.
#[derive(Parser, Debug)]
#[command(
    name = "nitro-kms-proxy",
    version,
    about = "nitro-kms parent proxy: an AWS KMS endpoint relaying to the enclave"
)]
struct Args {
    /// HTTP listen address: `127.0.0.1:9600`, `tcp://HOST:PORT` or `unix:///path`.
    #[arg(long, env = "NITRO_KMS_PROXY_LISTEN", default_value = "127.0.0.1:9600")]
    listen: String,
    /// The enclave: `vsock://CID:PORT` or `unix:///path` (not with --simulate). Repeatable: the
    /// first is the leader (every change goes there), the others read replicas of the sealed
    /// state it writes (docs/horizontal-scale.md). The environment variable holds one address.
    #[arg(long, env = "NITRO_KMS_PROXY_ENCLAVE", action = ArgAction::Append)]
    enclave: Vec<String>,
    /// Start the whole simulated chain (spawns nitro-kms-enclave --simulate).
    #[arg(long)]
    simulate: bool,
    /// Where the enclave's sealed state is kept (with --simulate: the simulated world).
    #[arg(long, env = "NITRO_KMS_PROXY_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// Access keys (TOML). With --simulate, added to the built-in simulation key.
    #[arg(long, env = "NITRO_KMS_PROXY_CREDENTIALS")]
    credentials: Option<PathBuf>,
    /// The region requests are signed for (and of the simulated keys).
    #[arg(long, env = "NITRO_KMS_PROXY_REGION", default_value = "us-east-1")]
    region: String,
    /// The account of the simulated keys.
    #[arg(long, default_value = "111122223333")]
    account: String,
    /// Connections to the enclave.
    #[arg(long, default_value_t = 2)]
    pool_size: usize,
    /// Requests waiting or in flight; more are throttled.
    #[arg(long, default_value_t = 4096)]
    max_queue: usize,
    /// Deadline of one request, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    request_timeout_ms: u64,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Deadline for a connection's request headers, in milliseconds (slowloris protection; an
    /// idle keep-alive connection is closed after it too). Lowered by the fault-injection tests.
    #[arg(long, default_value_t = duration_ms(HEADER_READ_TIMEOUT))]
    header_timeout_ms: u64,
    /// Deadline for a request's body once its headers are in, in milliseconds (slowloris
    /// protection). Lowered by the fault-injection tests.
    #[arg(long, default_value_t = duration_ms(BODY_READ_TIMEOUT))]
    body_timeout_ms: u64,
    /// Client connections served at once; more are closed as soon as they are accepted (and
    /// counted in /metrics). Bounds the memory idle connections can take.
    #[arg(long, default_value_t = DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// AWS credentials to hand the enclave for its own AWS KMS calls (`--seal-root`): `imds`
    /// (the instance role), `imds:http://HOST:PORT`, `env`, or `file:PATH` (credential_process
    /// JSON). Sent after every connection's Hello and again when renewed.
    #[arg(long, env = "NITRO_KMS_PROXY_ENCLAVE_CREDENTIALS")]
    enclave_credentials: Option<String>,
    /// How often the --enclave-credentials source is read again, in seconds (sooner when the
    /// credentials near their expiry).
    #[arg(long, default_value_t = 60)]
    enclave_credentials_refresh_secs: u64,
    /// Caller credentials sealed to the enclave (`nitro-kms credentials seal`): handed to it
    /// after every connection's Hello and again when the file changes.
    #[arg(long, env = "NITRO_KMS_PROXY_SEALED_CREDENTIALS")]
    sealed_credentials: Option<PathBuf>,
    /// Log format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
    /// An egress relay for the enclave (repeatable): HTTP CONNECT to allowed destinations only.
    /// SPEC: `vsock-port=PORT` or `listen=ADDRESS`, one or more `allow=HOST:PORT` or
    /// `allow=*.SUFFIX:PORT`, optional `max-connections=N` (64), `connect-timeout-ms=N` (5000),
    /// `idle-timeout-ms=N` (300000), `head-timeout-ms=N` (5000), comma-separated. Example:
    /// `vsock-port=8000,allow=kms.us-east-1.amazonaws.com:443`.
    #[arg(long, value_name = "SPEC")]
    egress: Vec<EgressSpec>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("nitro-kms-proxy: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, e)) => {
            eprintln!("nitro-kms-proxy: {e}");
            ExitCode::from(code)
        }
    }
}

const fn duration_ms(d: Duration) -> u64 {
    d.as_secs() * 1000 + d.subsec_millis() as u64
}

fn address(text: &str) -> Result<Address, String> {
    let full = if text.contains("://") {
        text.to_owned()
    } else {
        format!("tcp://{text}")
    };
    full.parse().map_err(|e| format!("{text}: {e}"))
}

async fn run(args: Args) -> Result<(), (u8, String)> {
    let usage = |m: String| (2u8, m);
    let fail = |m: String| (1u8, m);
    let state_dir = args.state_dir.clone().ok_or_else(|| {
        usage("--state-dir DIR is required (the enclave's sealed state lives there)".into())
    })?;
    std::fs::create_dir_all(&state_dir)
        .map_err(|e| fail(format!("{}: {e}", state_dir.display())))?;
    // One parent per state directory, for as long as it runs: a second one writing the same
    // sealed state would make the enclave lose acknowledged changes (SECURITY.md).
    let _state_lock = StateDirLock::acquire(&state_dir).map_err(|e| fail(e.to_string()))?;
    let mut access_keys = if args.simulate {
        AccessKeyStore::simulation()
    } else {
        AccessKeyStore::default()
    };
    if let Some(path) = &args.credentials {
        let loaded = AccessKeyStore::load(path).map_err(|e| usage(e.to_string()))?;
        for id in loaded.access_key_ids() {
            if let Some(c) = loaded.take_clone(&id) {
                access_keys.insert(&id, c);
            }
        }
    }
    if access_keys.is_empty() {
        return Err(usage(
            "no credentials: pass --credentials FILE (or use --simulate)".into(),
        ));
    }
    let enclaves: Vec<Address> = match (args.enclave.is_empty(), args.simulate) {
        (false, true) => return Err(usage("--enclave and --simulate exclude each other".into())),
        (false, false) => args
            .enclave
            .iter()
            .map(|a| address(a))
            .collect::<Result<_, _>>()
            .map_err(usage)?,
        (true, true) => vec![Address::Unix(simulation::socket_path(&state_dir))],
        (true, false) => {
            return Err(usage(
                "--enclave ADDRESS is required (or --simulate)".into(),
            ));
        }
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        nitro_kms_wire::shutdown::wait_for_signal().await;
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
    });
    let store =
        StateStore::open(&state_dir).map_err(|e| fail(format!("{}: {e}", state_dir.display())))?;
    let metrics = Arc::new(Metrics::with_sealed_state(store.position()));
    egress::start(&args.egress, &metrics, &stop_rx)
        .await
        .map_err(|e| fail(format!("egress relay: {e}")))?;
    let mut child = None;
    if args.simulate {
        let config = ChildConfig {
            binary: simulation::enclave_binary().map_err(fail)?,
            state_dir: state_dir.clone(),
            socket: simulation::socket_path(&state_dir),
            region: args.region.clone(),
            account: args.account.clone(),
            log_format: args.log_format.clone(),
        };
        child = Some(tokio::spawn(simulation::supervise(
            config,
            metrics.clone(),
            stop_rx.clone(),
        )));
    }
    let enclave_credentials = match &args.enclave_credentials {
        None => None,
        Some(text) => {
            let source: enclave_credentials::Source = text
                .parse()
                .map_err(|e| usage(format!("--enclave-credentials {e}")))?;
            let refresh = Duration::from_secs(args.enclave_credentials_refresh_secs.max(1));
            Some(
                enclave_credentials::start(source, refresh, stop_rx.clone())
                    .await
                    .map_err(|e| fail(format!("--enclave-credentials {text}: {e}")))?,
            )
        }
    };
    let sealed_file = match args.sealed_credentials.clone() {
        None => None,
        Some(path) => Some(sealed_credentials::start(path, stop_rx.clone()).map_err(usage)?),
    };
    let store = Arc::new(Mutex::new(store));
    let configs = enclaves
        .iter()
        .map(|address| LinkConfig {
            address: address.clone(),
            pool_size: args.pool_size.max(1),
            max_queue: args.max_queue,
            request_timeout: Duration::from_millis(args.request_timeout_ms),
            limits: Limits::default(),
            credentials: enclave_credentials.clone(),
            sealed_credentials: sealed_file.clone(),
        })
        .collect();
    let router = Router::start(configs, store, metrics.clone(), stop_rx.clone())
        .map_err(|e| usage(e.to_string()))?;
    let listen = address(&args.listen).map_err(usage)?;
    let listener = transport::listen(&listen)
        .await
        .map_err(|e| fail(format!("cannot listen on {}: {e}", args.listen)))?;
    let local = listener.local_addr().map_err(|e| fail(e.to_string()))?;
    let endpoint_url = match &local {
        Address::Tcp { host, port } => format!("http://{host}:{port}"),
        other => other.to_string(),
    };
    let endpoint = Arc::new(Endpoint {
        enclaves: router.clone(),
        access_keys: Arc::new(access_keys),
        region: args.region.clone(),
        metrics,
        max_body: args.max_body,
        pool_size: args.pool_size.max(1),
        header_timeout: Duration::from_millis(args.header_timeout_ms.max(1)),
        body_timeout: Duration::from_millis(args.body_timeout_ms.max(1)),
        max_connections: args.max_connections.max(1),
    });
    let drain = Duration::from_millis(args.request_timeout_ms);
    let server = tokio::spawn(server::serve(listener, endpoint, stop_rx.clone(), drain));
    let enclave_list = enclaves
        .iter()
        .map(Address::to_string)
        .collect::<Vec<_>>()
        .join(",");
    tracing::info!(listen = %endpoint_url, enclave = %enclave_list, "KMS endpoint listening");
    if args.simulate {
        let mut stop = stop_rx.clone();
        let ready = tokio::select! {
            ready = router.wait_connected(Duration::from_secs(60)) => ready,
            _ = stopped(&mut stop) => false,
        };
        if ready {
            println!("nitro-kms simulation ready");
            println!("endpoint: {endpoint_url}");
            println!("AWS_ACCESS_KEY_ID={SIMULATION_ACCESS_KEY_ID}");
            println!("AWS_SECRET_ACCESS_KEY={SIMULATION_SECRET_ACCESS_KEY}");
            println!("AWS_DEFAULT_REGION={}", args.region);
            println!(
                "example: aws kms create-key --endpoint-url {endpoint_url} --region {}",
                args.region
            );
            println!(
                "attest: nitro-kms attestation simulate --state-dir {} --public-key KEY.der --out doc.cose",
                state_dir.display()
            );
        } else if !*stop_rx.borrow() {
            tracing::error!("the simulated enclave did not come up within 60 s");
        }
    }
    let _ = server.await;
    if let Some(child) = child
        && let Ok(Err(e)) = child.await
    {
        return Err(fail(e));
    }
    Ok(())
}
