//! `nitro-kms-enclave`: the enclave binary.
//!
//! Start-up order matters: listen first (the parent must be able to connect), load the sealed
//! keystore *through* the first parent connection on the control link, and only then serve KMS
//! requests at the HTTP endpoint (requests that arrive earlier wait, within their deadline). A sealed state that does not authenticate stops the
//! process with status 1: the enclave refuses to serve rather than start empty. SIGTERM or SIGINT
//! stop accepting, let requests in flight finish, and exit 0.
//!
//! With `--http-listen ADDR` the enclave also serves the KMS HTTP API itself
//! ([`nitro_kms_enclave::http`]), verifying SigV4 here, over TLS with its attested identity
//! ([`nitro_kms_enclave::tls`]) and over cleartext where allowed; it starts with the control link
//! (answering 503 on `/healthz` and `/.well-known/nitro-kms/`, and closing ClientHellos, until the
//! state is loaded and the identity exists) and stops with it.
//!
//! Exit status: 0 after a clean shutdown, 1 when the sealed state or the listener fails, 2 for a
//! configuration error. With `--check-config FILE [--production]` it only checks FILE
//! ([`file_check`]) and exits: 0 fit, 1 with problems, 2 unreadable or unparseable.
//!
//! Logs go to standard error through `tracing`, as the proxy's: `--log-format text|json`, the
//! level from `RUST_LOG` (default `info`). Every line keeps the `nitro-kms-enclave: ` message
//! the tests and operators look for; no event carries plaintext, a key or a credential.

#![deny(clippy::unwrap_used, clippy::expect_used)]

/// mimalloc in place of glibc's malloc: per-thread free lists, no fastbin consolidation. In the
/// profile of a GenerateDataKey load (BENCHMARKS.md) malloc, free and `malloc_consolidate` were
/// 10-13% of the proxy's and the enclave's CPU; A/B over 6 alternating runs of GenerateDataKey x64
/// it gave about +15% req/s, with no loss on Recipient loads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use nitro_kms_attest::attestation::{TrustAnchor, Verifier};
use nitro_kms_attest::nsm::device::NsmDevice;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_attest::nsm::{Nsm, NsmExt};
use nitro_kms_crypto as crypto;
use nitro_kms_enclave::config::{Args, Config, StorageConfig, file_check};
use nitro_kms_enclave::context::Identity;
use nitro_kms_enclave::context::Regions;
use nitro_kms_enclave::recipient::RecipientVerifier;
use nitro_kms_enclave::replica_forward::ReplicaForward;
use nitro_kms_enclave::sealed_credentials::{Inbox, Keeper};
use nitro_kms_enclave::server::{self, ServerConfig};
use nitro_kms_enclave::service::Service;
use nitro_kms_enclave::storage::parent_link::ParentLink;
use nitro_kms_enclave::storage::sealed_store::{LoadError, LoadFailure, SealedKeystore};
use nitro_kms_enclave::storage::{etcd_connect, etcd_tls, seal, seal_root, sealing_key};
use nitro_kms_enclave::tls::{ServiceTls, TlsSettings};
use nitro_kms_enclave::{clock, housekeeping, http};
use nitro_kms_wire::Limits;
use nitro_kms_wire::logging;
use nitro_kms_wire::transport::{self, Address};
use tokio::sync::watch;

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging(&args.log_format);
    if let Some(path) = &args.check_config {
        return check_config(path, args.production);
    }
    let print_csr = args.print_etcd_csr;
    let config = match Config::resolve(args) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("nitro-kms-enclave: {e}");
            return ExitCode::from(2);
        }
    };
    if print_csr {
        return print_etcd_csr(&config);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("nitro-kms-enclave: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("nitro-kms-enclave: {e}");
            ExitCode::from(1)
        }
    }
}

/// Logs to standard error as the proxy does ([`logging`]): `--log-format text` (default, colour
/// only on a terminal) or `json` (one JSON object a line, panics included), the level from
/// `RUST_LOG` (an `EnvFilter`, default `info`).
///
/// Unlike the proxy, records of the `log` crate are not bridged into tracing: the enclave holds
/// the keys, so only its own events (reviewed to carry no plaintext, key or credential) are
/// printed, whatever `RUST_LOG` asks for; a dependency's trace output stays out of the log. The one
/// dependency that logs through `log` today, aws-nitro-enclaves-nsm-api, only says whether
/// `/dev/nsm` opened, which the enclave reports itself.
fn init_logging(format: &str) {
    logging::init(
        logging::Format::from_flag(format),
        logging::LogCrate::Ignore,
    );
}

/// `--check-config FILE [--production]`: prints the notes, then `ok ...` on standard output
/// (status 0), or one line per problem on standard error (status 1), or why the file cannot be
/// read (status 2). Starts nothing: no NSM, no socket, no runtime.
fn check_config(path: &std::path::Path, production: bool) -> ExitCode {
    let report = file_check::check_file(path, production);
    for note in &report.notes {
        println!("note {}: {note}", path.display());
    }
    let status = report.exit_status();
    if status == 0 {
        println!("ok {}", report.summary);
    } else {
        // The command's answer, not a log event: it must print whatever RUST_LOG says.
        let mut stderr = std::io::stderr().lock();
        if let Some(why) = &report.unreadable {
            let _ = writeln!(stderr, "{why}");
        }
        for problem in &report.problems {
            let _ = writeln!(stderr, "{}: {problem}", path.display());
        }
    }
    ExitCode::from(status)
}

/// `--print-etcd-csr`: the CSR of the etcd client key (PEM, standard output) and its SPKI
/// SHA-256 (standard error), from the simulated sealing key in --state-dir; starts nothing. On
/// Nitro the sealing key exists only inside the running enclave, so the CSR comes from its
/// start-up log (see [`etcd_identity`]): exit status 2 without --simulate.
fn print_etcd_csr(config: &Config) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let state_dir = match (&config.state_dir, config.simulate) {
        (Some(dir), true) => dir,
        _ => {
            let _ = writeln!(
                stderr,
                "nitro-kms-enclave: --print-etcd-csr needs --simulate --state-dir DIR; on Nitro \
                 the sealing key exists only in the running enclave, which logs its etcd CSR at \
                 start-up when its certificate is missing or not for its key"
            );
            return ExitCode::from(2);
        }
    };
    let printed = sealing_key::simulated(state_dir)
        .map_err(|e| e.to_string())
        .and_then(|key| {
            Ok((
                etcd_tls::csr_pem(&key).map_err(|e| e.to_string())?,
                etcd_tls::spki_sha256_hex(&key).map_err(|e| e.to_string())?,
            ))
        });
    match printed {
        Ok((csr, spki)) => {
            print!("{csr}");
            let _ = writeln!(stderr, "etcd client key spki sha256 {spki}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(stderr, "nitro-kms-enclave: --print-etcd-csr: {e}");
            ExitCode::from(1)
        }
    }
}

/// With `storage = "etcd"`: builds the etcd TLS client configuration from the sealing key as soon
/// as it is known. A certificate that is not for this enclave's derived key stops the enclave,
/// with the CSR to sign (public) and the key's SPKI SHA-256 in one `error` line: on Nitro that
/// line is the only way the operator gets the CSR.
fn etcd_identity(
    config: &Config,
    key: &seal::SealingKey,
) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
    let StorageConfig::Etcd(settings) = &config.storage else {
        return Ok(None);
    };
    match etcd_tls::client_config(settings, key) {
        Ok(tls) => {
            let spki = etcd_tls::spki_sha256_hex(key).map_err(|e| e.to_string())?;
            tracing::info!("nitro-kms-enclave: etcd client identity ok (spki sha256 {spki})");
            Ok(Some(tls))
        }
        Err(e @ etcd_tls::EtcdTlsError::CertificateNotForThisKey { .. }) => {
            let csr = etcd_tls::csr_pem(key).map_err(|e| e.to_string())?;
            tracing::error!(
                "nitro-kms-enclave: {e}; this enclave's etcd client CSR (sign it with the etcd \
                 CA; newlines written as \\n): {}",
                csr.trim_end().replace('\n', "\\n")
            );
            Err("refusing to start: etcd_client_certificate is not for this enclave's key".into())
        }
        Err(e) => Err(format!("refusing to start: {e}")),
    }
}

/// Opens the NSM (simulated, or `/dev/nsm`) and logs what it is and PCR0: the first line an
/// operator compares with `nitro-cli build-enclave`'s output and the seal-root key policy.
fn open_nsm(config: &Config) -> Result<Arc<dyn Nsm>, String> {
    let (nsm, what): (Arc<dyn Nsm>, String) = if config.simulate {
        let dir = config.state_dir.clone().unwrap_or_default();
        let image = match &config.simulated_image {
            Some(path) => path.clone(),
            None => std::env::current_exe().map_err(|e| format!("this executable: {e}"))?,
        };
        let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_image(&image))
            .map_err(|e| format!("simulated NSM in {}: {e}", dir.display()))?;
        let what = format!(
            "SIMULATED NSM, state in {}, image {}",
            dir.display(),
            image.display()
        );
        (Arc::new(nsm), what)
    } else {
        let nsm = NsmDevice::open().map_err(|e| format!("{e}"))?;
        (
            Arc::new(nsm),
            format!("NSM {}", nitro_kms_attest::nsm::device::DEVICE_PATH),
        )
    };
    let described = nsm.describe().map_err(|e| format!("{what}: {e:?}"))?;
    let pcr0 = nsm
        .describe_pcr(0)
        .map_err(|e| format!("{what}: PCR0: {e:?}"))?;
    tracing::info!(
        module_id = %described.module_id,
        max_pcrs = described.max_pcrs,
        locked_pcrs = described.locked_pcrs.len(),
        "nitro-kms-enclave: {what}: module {}, NSM API {}.{}.{}, {} PCRs ({} locked), digest {:?}",
        described.module_id,
        described.version_major,
        described.version_minor,
        described.version_patch,
        described.max_pcrs,
        described.locked_pcrs.len(),
        described.digest,
    );
    let pcr0_hex = crypto::hex_lower(&pcr0.value);
    tracing::info!(
        pcr0 = %pcr0_hex,
        "nitro-kms-enclave: PCR0 {}{}",
        pcr0_hex,
        if pcr0.value.iter().all(|b| *b == 0) {
            " (all zero: a debug-mode enclave or an unmeasured simulation; \
             kms:RecipientAttestation conditions on PCR0 will not match)"
        } else {
            ""
        }
    );
    Ok(nsm)
}

/// Where the sealing key will come from, decided before listening.
enum KeySource {
    /// Known already (simulated world or ephemeral).
    Ready(seal::SealingKey),
    /// AWS KMS, through the parent: only once the parent has connected.
    SealRoot(seal_root::SealRoot, Arc<dyn Nsm>),
}

async fn run(config: Config) -> Result<(), String> {
    let nsm = match open_nsm(&config) {
        Ok(nsm) => Some(nsm),
        // Only an ephemeral-key enclave may run without an NSM (a development host).
        Err(e) if config.ephemeral_sealing_key => {
            tracing::warn!("nitro-kms-enclave: WARNING: no NSM ({e})");
            None
        }
        Err(e) => return Err(format!("cannot open the NSM: {e}")),
    };
    let tls_nsm = nsm.clone();
    let source = match (&config.seal_root, nsm) {
        (Some(root), Some(nsm)) => {
            tracing::info!(
                key_arn = %root.key_arn,
                endpoint = %root.endpoint,
                "nitro-kms-enclave: seal root {} via {} ({})",
                root.key_arn,
                root.endpoint,
                root.relay
                    .as_deref()
                    .map_or("direct".to_owned(), |r| format!("relay {r}"))
            );
            KeySource::SealRoot(root.clone(), nsm)
        }
        _ if config.simulate => {
            let dir = config.state_dir.clone().unwrap_or_default();
            KeySource::Ready(sealing_key::simulated(&dir).map_err(|e| e.to_string())?)
        }
        _ => {
            tracing::warn!(
                "nitro-kms-enclave: WARNING: ephemeral sealing key; every key is lost when this \
                 process stops"
            );
            KeySource::Ready(seal::SealingKey::generate().map_err(|e| e.to_string())?)
        }
    };

    let mut verifiers = vec![
        Verifier::new(TrustAnchor::aws_nitro_root_g1()).with_max_age(Some(config.max_document_age)),
    ];
    if let Some(path) = &config.trust_simulated_root {
        let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let anchor = TrustAnchor::simulated_from_pem(&pem)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        tracing::warn!(
            path = %path.display(),
            sha256 = %anchor.fingerprint_hex(),
            "nitro-kms-enclave: WARNING: trusting the SIMULATED attestation root {} (sha256 {}); \
             documents it signs prove nothing about hardware",
            path.display(),
            anchor.fingerprint_hex()
        );
        verifiers.push(Verifier::new(anchor).with_max_age(Some(config.max_document_age)));
    }

    let address: Address = config
        .listen
        .parse()
        .map_err(|e| format!("--listen {}: {e}", config.listen))?;
    let listener = transport::listen(&address)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(
        listen = %config.listen,
        "nitro-kms-enclave: listening on {}",
        config.listen
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        nitro_kms_wire::shutdown::wait_for_signal().await;
        tracing::info!("nitro-kms-enclave: shutting down");
        let _ = stop_tx.send(true);
    });

    let link = Arc::new(ParentLink::new(config.persist_timeout));
    let (service_tx, service_rx) = watch::channel(None);
    // Sealed caller credentials queue here until the keeper (below) can open and store them.
    let (sealed_inbox, sealed_deliveries) = Inbox::channel();
    let forward = ReplicaForward::new(link.clone(), service_rx.clone(), config.request_timeout);
    let server = tokio::spawn(server::serve(
        listener,
        service_rx.clone(),
        link.clone(),
        sealed_inbox,
        forward.clone(),
        ServerConfig {
            limits: Limits {
                max_frame_len: config.max_frame_len,
                max_in_flight: config.max_in_flight,
            },
            max_connections: config.max_connections,
            request_timeout: config.request_timeout,
            shutdown_grace: config.request_timeout,
        },
        stop_rx.clone(),
    ));

    // The service's TLS identity, filled once the sealed state is loaded (below).
    let identity = http::IdentitySlot::new();
    let access_keys = Arc::new(http::access_keys::AccessKeys::new(
        http::access_keys::load(config.simulate, config.credentials.as_deref())
            .map_err(|e| e.to_string())?,
    ));
    let http = start_http(
        &config,
        service_rx.clone(),
        forward,
        identity.clone(),
        access_keys.clone(),
        stop_rx.clone(),
    )
    .await?;

    let mut stop = stop_rx.clone();
    let key = match source {
        KeySource::Ready(key) => key,
        KeySource::SealRoot(root, nsm) => {
            let obtained = tokio::select! {
                k = seal_root::obtain(&root, nsm, link.clone()) => k,
                _ = server::stopped(&mut stop) => {
                    let _ = server.await;
                    return Ok(());
                }
            };
            obtained.map_err(|e| format!("refusing to serve: {e}"))?
        }
    };
    // Built here, where the sealing key is first known; the etcd store (issue 19) takes it.
    // With `storage = "etcd"` the state lives in etcd, reached with TLS that ends here (client
    // identity derived from the sealing key, checked against its certificate first).
    let etcd = match (&config.storage, etcd_identity(&config, &key)?) {
        (StorageConfig::Etcd(settings), Some(tls)) => {
            Some(etcd_connect::open(settings, tls).map_err(|e| format!("refusing to serve: {e}"))?)
        }
        _ => None,
    };

    // Load through the parent (or from etcd). A parent that goes away (or fails to read its
    // files), or an etcd that does not answer yet, is retried: that is the parent's or the
    // network's trouble, not the state's. State that fails to authenticate is final.
    let mut key = Some(key);
    let (store, report) = loop {
        let key_now = key.take().ok_or("sealing key lost")?;
        let attempt = async {
            match &etcd {
                Some(etcd) => {
                    SealedKeystore::load_from_etcd(link.clone(), etcd.clone(), key_now).await
                }
                None => SealedKeystore::load(link.clone(), key_now).await,
            }
        };
        let loaded = tokio::select! {
            loaded = attempt => loaded,
            _ = server::stopped(&mut stop) => {
                let _ = server.await;
                return Ok(());
            }
        };
        match loaded {
            Ok(done) => break done,
            Err(LoadFailure {
                error: e @ (LoadError::Link(_) | LoadError::Etcd(_)),
                key: Some(k),
            }) => {
                tracing::warn!(
                    "nitro-kms-enclave: cannot load the sealed state yet ({e}); retrying"
                );
                key = Some(k);
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(failure) => return Err(format!("refusing to serve: {}", failure.error)),
        }
    };
    tracing::info!(
        keys = report.keys,
        aliases = report.aliases,
        replayed = report.replayed,
        dropped_tail_bytes = report.dropped_tail_bytes,
        skipped_stale_journal = report.skipped_stale_journal,
        generation = report.generation,
        sequence = report.sequence,
        "nitro-kms-enclave: keystore {} ({} keys, {} aliases, {} journal records replayed{}{}), generation {}, sequence {}",
        if report.fresh { "created" } else { "loaded" },
        report.keys,
        report.aliases,
        report.replayed,
        if report.dropped_tail_bytes > 0 {
            format!(", torn tail of {} bytes dropped", report.dropped_tail_bytes)
        } else {
            String::new()
        },
        if report.skipped_stale_journal {
            ", stale journal skipped"
        } else {
            ""
        },
        report.generation,
        report.sequence,
    );
    // Follow the etcd store (and campaign for its leadership) from now on.
    let _follower = store.follow_etcd(stop_rx.clone());
    let clock = clock::system();
    let service = Arc::new(Service {
        identity: Identity {
            region: config.region.clone(),
            account: config.account.clone(),
        },
        store,
        recipients: RecipientVerifier::new(verifiers),
        usage: nitro_kms_enclave::key_usage::KeyUsageTracker::starting_at(clock()),
        clock,
        policies: Default::default(),
        regions: Regions::new(config.regions.clone()),
    });
    // Issue 16: the service's attested TLS identity, before the service says it is ready.
    let service_tls = match tls_nsm {
        Some(nsm) => {
            let clock = service.clock.clone();
            let settings = TlsSettings::for_names(&config.tls_names)
                .map_err(|e| format!("--tls-name: {e}"))?;
            let started = tokio::select! {
                t = ServiceTls::start(&service.store, nsm, settings, &clock) => t,
                _ = server::stopped(&mut stop) => {
                    let _ = server.await;
                    return Ok(());
                }
            };
            let tls = started.map_err(|e| format!("refusing to serve: {e}"))?;
            tracing::info!(
                ca_sha256 = %tls.keys().ca_fingerprint_hex(),
                "nitro-kms-enclave: service TLS CA {} ({:?}), leaf valid until {} ms",
                tls.keys().ca_fingerprint_hex(),
                tls.origin(),
                tls.not_after_ms(),
            );
            tokio::spawn(tls.clone().run_renewal(clock, stop_rx.clone()));
            Some(tls)
        }
        None => {
            tracing::warn!("nitro-kms-enclave: WARNING: no NSM, so no attested TLS identity");
            None
        }
    };
    // The stored sealed caller credentials in force, then each newer one the parent delivers.
    let keeper = Keeper {
        service: service.clone(),
        tls: service_tls.clone(),
        access_keys,
    };
    tokio::spawn(keeper.run(sealed_deliveries, stop_rx.clone()));
    // From now on the HTTP endpoint terminates TLS and answers `/.well-known/nitro-kms/`.
    if let Some(tls) = service_tls
        && identity.set(tls).is_err()
    {
        return Err("the service TLS identity was set twice".to_owned());
    }
    let _ = service_tx.send(Some(service.clone()));
    tracing::info!(
        region = %config.region,
        account = %config.account,
        "nitro-kms-enclave: ready (region {}, account {})",
        config.region, config.account
    );
    tokio::spawn(housekeeping::run(service, config.deletion_sweep, stop_rx));
    server
        .await
        .map_err(|e| format!("server task failed: {e}"))?;
    if let Some(http) = http {
        http.await
            .map_err(|e| format!("HTTP endpoint task failed: {e}"))?;
    }
    Ok(())
}

/// Starts the enclave's own HTTP endpoint when `--http-listen` is given: SigV4 verified here
/// against the enclave's access keys, TLS with the identity `identity` will hold (a ClientHello
/// before it does closes the connection), cleartext only where `allow_cleartext` says so. It
/// answers 503 on `/healthz` until the service is ready and stops with the rest on `stop`.
async fn start_http(
    config: &Config,
    service: nitro_kms_enclave::context::ServiceSlot,
    forward: Arc<ReplicaForward>,
    identity: http::IdentitySlot,
    access_keys: Arc<http::access_keys::AccessKeys>,
    stop: watch::Receiver<bool>,
) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
    let Some(listen) = &config.http_listen else {
        return Ok(None);
    };
    if access_keys.is_empty() {
        tracing::warn!(
            "nitro-kms-enclave: no access keys yet: every signed HTTP request is refused \
             (UnrecognizedClientException) until sealed credentials arrive"
        );
    }
    let address: Address = listen
        .parse()
        .map_err(|e| format!("--http-listen {listen}: {e}"))?;
    let listener = transport::listen(&address)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let endpoint = Arc::new(http::HttpEndpoint {
        service,
        access_keys,
        region: config.region.clone(),
        regions: config.regions.clone(),
        limits: http::HttpLimits {
            max_body: config.max_body,
            max_connections: config.http_max_connections,
            header_timeout: config.http_header_timeout,
            body_timeout: config.http_body_timeout,
            request_timeout: config.request_timeout,
            drain: config.request_timeout,
        },
        metrics: Default::default(),
        identity: identity.clone(),
        forward,
    });
    let protocols = http::Protocols {
        cleartext: config.allow_cleartext,
        tls: Some(Arc::new(http::ServiceTlsTerminator::new(identity))),
    };
    tracing::info!(
        http_listen = %listen,
        cleartext = config.allow_cleartext,
        access_keys = endpoint.access_keys.len(),
        "nitro-kms-enclave: HTTP endpoint on {listen} (TLS{}; SigV4 verified in the enclave)",
        if config.allow_cleartext { " and cleartext" } else { " only" }
    );
    Ok(Some(tokio::spawn(http::serve(
        listener, endpoint, protocols, stop,
    ))))
}
