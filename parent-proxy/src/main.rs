//! `nitro-kms-proxy`: the parent-instance daemon in front of the nitro-kms enclave: a byte relay
//! from `--listen` to the enclave's own HTTP endpoint, the enclave's control link (sealed-state
//! storage, seal-root credentials, read-replica syncs), the egress relays, and its own
//! `/healthz` and `/metrics` on `--admin-listen`.
//!
//! ```text
//! nitro-kms-proxy --enclave vsock://16:5000 --state-dir /var/lib/nitro-kms   # HTTP on vsock://16:5001
//! nitro-kms-proxy --simulate --state-dir /tmp/world        # the whole chain, one command
//! nitro-kms-proxy store migrate --from files:DIR --to etcd --etcd-endpoints ... # see store_migrate
//! ```
//!
//! Exit status: 0 after a clean shutdown (SIGINT/SIGTERM stop accepting and drain the open
//! connections), 1 when it cannot start, 2 for a usage error.

#![deny(clippy::unwrap_used, clippy::expect_used)]

/// mimalloc in place of glibc's malloc: per-thread free lists, no fastbin consolidation. In the
/// profile of a GenerateDataKey load (BENCHMARKS.md) malloc, free and `malloc_consolidate` were
/// 10-13% of the proxy's and the enclave's CPU; A/B over 6 alternating runs of GenerateDataKey x64
/// it gave about +15% req/s, with no loss on Recipient loads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod env_block;
mod simulation_args;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{ArgAction, Parser};
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_parent_link::{LinkConfig, StateDirLock};
use nitro_kms_proxy::admin::{self, Admin, DEFAULT_ADMIN_LISTEN};
use nitro_kms_proxy::egress::{self, EgressSpec};
use nitro_kms_proxy::metrics::Metrics;
use nitro_kms_proxy::relay::listener::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DRAIN};
use nitro_kms_proxy::relay::{self, Relay, targets};
use nitro_kms_proxy::router::Router;
use nitro_kms_proxy::simulation::{self, ChildConfig};
use nitro_kms_proxy::{enclave_credentials, sealed_credentials, stopped, store_migrate};
use nitro_kms_wire::Limits;
use nitro_kms_wire::logging;
use nitro_kms_wire::transport::{self, Address};
use tokio::sync::watch;

use crate::simulation_args::SimulationArgs;

/// Command line of the proxy.
#[derive(Parser, Debug)]
#[command(
    name = "nitro-kms-proxy",
    version,
    about = "nitro-kms parent proxy: relays client connections to the enclave's KMS endpoint",
    after_help = "Also: nitro-kms-proxy store migrate --help (move a keystore's sealed state \
                  between a state directory and etcd)"
)]
struct Args {
    /// Where clients connect: `127.0.0.1:9600`, `tcp://HOST:PORT` or `unix:///path`. Every
    /// connection is relayed, as bytes, to the enclave's HTTP endpoint (TLS or, where the
    /// enclave allows it, cleartext HTTP).
    #[arg(long, env = "NITRO_KMS_PROXY_LISTEN", default_value = "127.0.0.1:9600")]
    listen: String,
    /// The proxy's own `/healthz` (200 when the leader's control link is up) and `/metrics`
    /// (connections, bytes, control links, sealed state, egress): `127.0.0.1:9601`,
    /// `tcp://HOST:PORT` or `unix:///path`.
    #[arg(long, env = "NITRO_KMS_PROXY_ADMIN_LISTEN", default_value = DEFAULT_ADMIN_LISTEN)]
    admin_listen: String,
    /// The enclave's control link: `vsock://CID:PORT` or `unix:///path` (not with --simulate).
    /// Repeatable: the first is the leader (the only writer of the sealed state), the others read
    /// replicas that follow it (docs/horizontal-scale.md). The environment variable holds one
    /// address.
    #[arg(long, env = "NITRO_KMS_PROXY_ENCLAVE", action = ArgAction::Append)]
    enclave: Vec<String>,
    /// The enclave's HTTP endpoint (its --http-listen), where client connections are relayed:
    /// once per --enclave, in the same order. Default for a `vsock://CID:PORT` enclave:
    /// `vsock://CID:PORT+1`; a `unix://` enclave needs it. Not with --simulate.
    #[arg(long, env = "NITRO_KMS_PROXY_ENCLAVE_HTTP", action = ArgAction::Append)]
    enclave_http: Vec<String>,
    /// Start the whole simulated chain (spawns nitro-kms-enclave --simulate).
    #[arg(long)]
    simulate: bool,
    /// With --simulate: print only the shell block (`export AWS_ENDPOINT_URL=... AWS_ACCESS_KEY_ID=...`)
    /// for the simulation at --state-dir and --listen, and exit without starting anything, so
    /// that `eval "$(nitro-kms-proxy --simulate --state-dir DIR --print-env)"` works in another
    /// terminal while that simulation runs.
    #[arg(long, requires = "simulate")]
    print_env: bool,
    /// Where the enclave's sealed state is kept (with --simulate: the simulated world).
    #[arg(long, env = "NITRO_KMS_PROXY_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// Control-link connections kept to each enclave.
    #[arg(long, default_value_t = 2)]
    pool_size: usize,
    /// Client connections relayed at once; more are closed as soon as they are accepted (and
    /// counted in the admin /metrics).
    #[arg(long, default_value_t = DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Deadline for connecting a client connection to the enclave's HTTP endpoint, in
    /// milliseconds; past it the client connection is closed (the proxy cannot answer inside TLS).
    #[arg(long, default_value_t = DEFAULT_CONNECT_TIMEOUT.as_millis() as u64)]
    connect_timeout_ms: u64,
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
    /// Settings of the simulated enclave (only with --simulate).
    #[command(flatten)]
    simulation: SimulationArgs,
}

fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    if argv.nth(1).is_some_and(|a| a == "store") {
        return store_command(argv.collect());
    }
    let args = Args::parse();
    let format = logging::Format::from_flag(&args.log_format);
    logging::init(format, logging::LogCrate::Bridge);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            logging::last_words(
                format,
                "nitro-kms-proxy",
                &format!("cannot start the runtime: {e}"),
            );
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, e)) => {
            logging::last_words(format, "nitro-kms-proxy", &e);
            ExitCode::from(code)
        }
    }
}

/// `nitro-kms-proxy store migrate ...` (`rest`: the arguments after `store`): a one-shot operator
/// command beside the daemon, see [`store_migrate`].
fn store_command(rest: Vec<std::ffi::OsString>) -> ExitCode {
    let Some((_, flags)) = rest.split_first().filter(|(first, _)| *first == "migrate") else {
        eprintln!("nitro-kms-proxy store: say `migrate` (nitro-kms-proxy store migrate --help)");
        return ExitCode::from(2);
    };
    let argv = std::iter::once(std::ffi::OsString::from("nitro-kms-proxy store migrate"))
        .chain(flags.iter().cloned());
    let args = store_migrate::MigrateArgs::parse_from(argv);
    logging::init(logging::Format::Text, logging::LogCrate::Bridge);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("nitro-kms-proxy store migrate: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(store_migrate::run(&args)) {
        Ok(moved) => {
            let show = |side: &store_migrate::Side| match side {
                store_migrate::Side::Files(dir) => format!("files:{}", dir.display()),
                store_migrate::Side::Etcd => format!("etcd prefix {:?}", args.etcd_prefix),
            };
            println!(
                "moved {moved} from {} to {}",
                show(&args.from),
                show(&args.to)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nitro-kms-proxy store migrate: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// What `nitro-kms-proxy` without arguments answers (status 2): the two ways to start it.
const HOW_TO_START: &str = "say how to start it:\n  \
    nitro-kms-proxy --simulate --state-dir DIR\n      the whole chain on this machine, for local \
    use (`make sim` runs it with DIR = ~/.nitro-kms-sim)\n  \
    nitro-kms-proxy --enclave vsock://CID:PORT --state-dir DIR\n      on a parent instance, in \
    front of a running nitro-kms-enclave\n\
    nitro-kms-proxy --help lists every flag";

/// The `--print-env` block for the simulation this command line names: its endpoint is the
/// `--listen` address, which must be a TCP address with a port (the AWS CLI speaks no Unix
/// sockets, and port 0 names no port a shell could use).
fn env_block(args: &Args, state_dir: &std::path::Path) -> Result<String, String> {
    match address(&args.listen)? {
        Address::Tcp { host, port } if port != 0 => Ok(env_block::render(
            &format!("http://{host}:{port}"),
            args.simulation.region(),
            state_dir,
        )),
        _ => Err(format!(
            "--print-env needs a TCP --listen address with a port, not {}",
            args.listen
        )),
    }
}

fn address(text: &str) -> Result<Address, String> {
    let full = if text.contains("://") {
        text.to_owned()
    } else {
        format!("tcp://{text}")
    };
    full.parse().map_err(|e| format!("{text}: {e}"))
}

/// The enclaves' control-link and HTTP addresses, in `--enclave` order.
fn enclave_addresses(
    args: &Args,
    state_dir: &std::path::Path,
) -> Result<(Vec<Address>, Vec<Address>), String> {
    if args.simulate {
        if !args.enclave.is_empty() || !args.enclave_http.is_empty() {
            return Err("--enclave and --enclave-http exclude --simulate".into());
        }
        return Ok((
            vec![Address::Unix(simulation::socket_path(state_dir))],
            vec![Address::Unix(simulation::http_socket_path(state_dir))],
        ));
    }
    if args.enclave.is_empty() {
        return Err("--enclave ADDRESS is required (or --simulate)".into());
    }
    let parse = |list: &[String]| {
        list.iter()
            .map(|a| address(a))
            .collect::<Result<Vec<_>, _>>()
    };
    let enclaves = parse(&args.enclave)?;
    let http = targets::http_addresses(&enclaves, &parse(&args.enclave_http)?)
        .map_err(|e| e.to_string())?;
    Ok((enclaves, http))
}

/// Binds `text` (an address flag's value) and returns the listener with its URL for humans.
async fn bind(flag: &str, text: &str) -> Result<(transport::Listener, String), (u8, String)> {
    let listen = address(text).map_err(|e| (2, format!("{flag} {e}")))?;
    let listener = transport::listen(&listen)
        .await
        .map_err(|e| (1, format!("cannot listen on {text}: {e}")))?;
    let local = listener.local_addr().map_err(|e| (1, e.to_string()))?;
    let url = match &local {
        Address::Tcp { host, port } => format!("http://{host}:{port}"),
        other => other.to_string(),
    };
    Ok((listener, url))
}

async fn run(args: Args) -> Result<(), (u8, String)> {
    let usage = |m: String| (2u8, m);
    let fail = |m: String| (1u8, m);
    if !args.simulate && args.enclave.is_empty() && args.state_dir.is_none() {
        return Err(usage(HOW_TO_START.to_owned()));
    }
    let state_dir = args.state_dir.clone().ok_or_else(|| {
        usage("--state-dir DIR is required (the enclave's sealed state lives there)".into())
    })?;
    if args.print_env {
        print!("{}", env_block(&args, &state_dir).map_err(usage)?);
        return Ok(());
    }
    let (enclaves, http_targets) = enclave_addresses(&args, &state_dir).map_err(usage)?;
    if !args.simulate {
        // Before anything is opened or made: the parent must not even read a plaintext
        // credentials file.
        args.simulation.refuse_without_simulation().map_err(usage)?;
    }
    std::fs::create_dir_all(&state_dir)
        .map_err(|e| fail(format!("{}: {e}", state_dir.display())))?;
    // One parent per state directory, for as long as it runs: a second one writing the same
    // sealed state would make the enclave lose acknowledged changes (SECURITY.md).
    let _state_lock = StateDirLock::acquire(&state_dir).map_err(|e| fail(e.to_string()))?;

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
            region: args.simulation.region().to_owned(),
            account: args.simulation.account().to_owned(),
            log_format: args.log_format.clone(),
            extra_args: args.simulation.enclave_args(),
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
    let pool_size = args.pool_size.max(1);
    let configs = enclaves
        .iter()
        .map(|address| LinkConfig {
            address: address.clone(),
            pool_size,
            limits: Limits::default(),
            credentials: enclave_credentials.clone(),
            sealed_credentials: sealed_file.clone(),
        })
        .collect();
    let router = Router::start(configs, store, metrics.clone(), stop_rx.clone())
        .map_err(|e| usage(e.to_string()))?;
    let (admin_listener, admin_url) = bind("--admin-listen", &args.admin_listen).await?;
    let (listener, endpoint_url) = bind("--listen", &args.listen).await?;
    let admin = Arc::new(Admin {
        enclaves: router.clone(),
        metrics: metrics.clone(),
        pool_size,
    });
    tokio::spawn(admin::serve(admin_listener, admin, stop_rx.clone()));
    let relay = Arc::new(Relay {
        enclaves: router.clone(),
        targets: http_targets.clone(),
        metrics,
        max_connections: args.max_connections.max(1),
        connect_timeout: Duration::from_millis(args.connect_timeout_ms.max(1)),
        drain: DRAIN,
    });
    let server = tokio::spawn(relay::serve(listener, relay, stop_rx.clone()));
    let list = |addresses: &[Address]| {
        addresses
            .iter()
            .map(Address::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    tracing::info!(listen = %endpoint_url, admin = %admin_url, enclave = %list(&enclaves),
        enclave_http = %list(&http_targets), "KMS endpoint listening");
    if args.simulate {
        let mut stop = stop_rx.clone();
        let http_socket = simulation::http_socket_path(&state_dir);
        let ready = tokio::select! {
            ready = async {
                router.wait_connected(Duration::from_secs(60)).await
                    && simulation::wait_http_ready(&http_socket, Duration::from_secs(60)).await
            } => ready,
            _ = stopped(&mut stop) => false,
        };
        if ready {
            print_ready(
                &endpoint_url,
                &admin_url,
                &state_dir,
                args.simulation.region(),
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

/// What `--simulate` prints on standard output once the enclave is up.
fn print_ready(endpoint_url: &str, admin_url: &str, state_dir: &std::path::Path, region: &str) {
    println!("nitro-kms simulation ready");
    println!("endpoint: {endpoint_url}");
    println!("admin: {admin_url}");
    println!("AWS_ACCESS_KEY_ID={SIMULATION_ACCESS_KEY_ID}");
    println!("AWS_SECRET_ACCESS_KEY={SIMULATION_SECRET_ACCESS_KEY}");
    println!("AWS_DEFAULT_REGION={region}");
    println!("example: aws kms create-key --endpoint-url {endpoint_url} --region {region}");
    if let Some(authority) = endpoint_url.strip_prefix("http://") {
        println!(
            "tls: nitro-kms service verify --endpoint-url https://{authority} \
             --trust-simulated-root {} --ca-out ca.pem  (then --endpoint-url https://{authority} \
             --ca-bundle ca.pem)",
            state_dir.join("root.pem").display()
        );
    }
    println!(
        "attest: nitro-kms attestation simulate --state-dir {} --public-key KEY.der --out doc.cose",
        state_dir.display()
    );
    // The same block `--print-env` prints, after an empty line: what a user pastes or evals.
    println!();
    print!("{}", env_block::render(endpoint_url, region, state_dir));
}
