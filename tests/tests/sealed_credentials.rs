//! Caller credentials the parent cannot read (issue 16), end to end on the simulated chain:
//!
//! - `nitro-kms credentials seal` verifies the enclave's endpoint (through a TCP byte relay in
//!   this test, where the parent's relay stands) and seals a credentials file to its
//!   provisioning key; the proxy's `--sealed-credentials` hands it over the control link (the
//!   file appears after the proxy started: it waits for it); a request signed with a key that
//!   exists only in that file then works at the enclave's endpoint;
//! - rotation: a newly sealed file with another key set, put in place, takes effect without a
//!   restart (the old key is then `UnrecognizedClientException`);
//! - the older file put back (a replay) is refused, and changes nothing;
//! - a file sealed to another world's enclave is refused ("sealed for another enclave image or
//!   keystore") and its key does not work;
//! - after a restart of the chain, the stored credentials are in force again (the file on disk is
//!   then the foreign one, which is refused: the keys come from the sealed keystore).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use nitro_kms_tests::proxy::{REGION, Sim, list_key_ids};
use nitro_kms_tests::service_cli::{nitro_kms, ok_stdout, pcr0, service_verify};
use nitro_kms_tests::tcp_relay::TcpRelay;

/// How long a change may take to reach the enclave (the proxy polls the file every 2 s).
const PATIENCE: Duration = Duration::from_secs(30);

/// One simulated world with its enclave endpoint reachable over TLS, its root, CA and PCR0.
struct World {
    sim: Sim,
    relay: TcpRelay,
    root: PathBuf,
    ca: PathBuf,
    pcr0: String,
}

impl World {
    fn start(tmp: Option<tempfile::TempDir>, extra: &[&str]) -> World {
        let sim = match tmp {
            Some(tmp) => Sim::start_in(tmp, extra),
            None => Sim::start(extra),
        };
        // One answer through the proxy: the enclave is ready, its identity in place.
        let _ready = list_key_ids(&sim);
        let relay = TcpRelay::to(sim.dir.join("enclave-http.sock"));
        let root = sim.dir.join("root.pem");
        let ca = sim.dir.join("service-ca.pem");
        let pcr0 = pcr0(&service_verify(&relay.url(), &root, &ca));
        World {
            sim,
            relay,
            root,
            ca,
            pcr0,
        }
    }

    /// `nitro-kms credentials seal` of a file holding `access_key_id` to this world's enclave.
    fn seal(&self, dir: &Path, access_key_id: &str, out: &Path) -> serde_json::Value {
        let input = dir.join(format!("{access_key_id}.toml"));
        std::fs::write(&input, credentials_toml(access_key_id)).unwrap_or_else(|e| panic!("{e}"));
        let printed = ok_stdout(
            "credentials seal",
            &nitro_kms(&[
                "credentials",
                "seal",
                "--endpoint-url",
                &self.relay.url(),
                "--trust-simulated-root",
                self.root.to_str().unwrap_or_else(|| panic!("not text")),
                "--expect-pcr",
                &format!("0={}", self.pcr0),
                "--in",
                input.to_str().unwrap_or_else(|| panic!("not text")),
                "--out",
                out.to_str().unwrap_or_else(|| panic!("not text")),
            ]),
        );
        assert!(!printed.contains(&secret_of(access_key_id)), "{printed}");
        serde_json::from_str(&printed).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `nitro-kms list-keys` at the enclave's endpoint, signed with `access_key_id`.
    fn list_keys_as(&self, access_key_id: &str) -> Output {
        Command::new(nitro_kms_tests::binary("nitro-kms"))
            .args([
                "list-keys",
                "--endpoint-url",
                &self.relay.url(),
                "--ca-bundle",
            ])
            .arg(&self.ca)
            .env("AWS_ACCESS_KEY_ID", access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret_of(access_key_id))
            .env("AWS_DEFAULT_REGION", REGION)
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_CA_BUNDLE")
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn works(&self, access_key_id: &str) -> bool {
        self.list_keys_as(access_key_id).status.success()
    }

    fn unrecognized(&self, access_key_id: &str) -> bool {
        let out = self.list_keys_as(access_key_id);
        !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("UnrecognizedClientException")
    }

    /// Waits (bounded) until `done`; panics with the proxy's log otherwise.
    fn wait_until(&self, what: &str, done: impl Fn(&World) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "{what} did not happen: {}",
                self.sim.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn secret_of(access_key_id: &str) -> String {
    format!("sealed-secret-of-{access_key_id}")
}

fn credentials_toml(access_key_id: &str) -> String {
    format!(
        "[[credential]]\naccess_key_id = \"{access_key_id}\"\nsecret_access_key = \"{}\"\n\
         principal = \"arn:aws:iam::111122223333:role/SealedApp\"\n",
        secret_of(access_key_id)
    )
}

/// Puts `from` in place at `to` in one step (what an operator's `mv` does).
fn install(from: &Path, to: &Path) {
    std::fs::rename(from, to).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn sealed_credentials_are_delivered_rotated_refused_when_replayed_or_foreign_and_survive_a_restart()
{
    let work = tempfile::tempdir().unwrap();
    let sealed = work.path().join("credentials.sealed");
    let sealed_arg = sealed.to_str().unwrap().to_owned();
    let args = ["--sealed-credentials", sealed_arg.as_str()];
    let world = World::start(None, &args);
    assert!(world.unrecognized("AKIDSEALEDFIRST0001"));

    // Sealing needs a pinned image, and refuses another one before writing anything.
    let input = work.path().join("refused.toml");
    std::fs::write(&input, credentials_toml("AKIDSEALEDREFUSED04")).unwrap();
    let refused_out = work.path().join("refused.sealed");
    let seal_with = |pcr: Option<String>| {
        let mut args = vec![
            "credentials".to_owned(),
            "seal".to_owned(),
            "--endpoint-url".to_owned(),
            world.relay.url(),
            "--trust-simulated-root".to_owned(),
            world.root.display().to_string(),
            "--in".to_owned(),
            input.display().to_string(),
            "--out".to_owned(),
            refused_out.display().to_string(),
        ];
        if let Some(pcr) = pcr {
            args.extend(["--expect-pcr".to_owned(), pcr]);
        }
        nitro_kms(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_eq!(seal_with(None).status.code(), Some(252));
    let other_image = seal_with(Some(format!("0={}", "00".repeat(48))));
    assert_eq!(other_image.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&other_image.stderr).contains("PCR0"),
        "{}",
        String::from_utf8_lossy(&other_image.stderr)
    );
    assert!(!refused_out.exists());

    // Sealed to this enclave, delivered by the proxy: the sealed-only key works.
    let first = work.path().join("first.sealed");
    let printed = world.seal(work.path(), "AKIDSEALEDFIRST0001", &first);
    assert_eq!(printed["access_keys"], 1, "{printed}");
    assert_eq!(
        printed["provisioning_key_sha256"].as_str().unwrap().len(),
        64
    );
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&first).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let first_bytes = std::fs::read(&first).unwrap();
    install(&first, &sealed);
    world.wait_until("the first sealed key in force", |w| {
        w.works("AKIDSEALEDFIRST0001")
    });

    // Rotation without a restart: the new set replaces the old one.
    let second = work.path().join("second.sealed");
    let printed = world.seal(work.path(), "AKIDSEALEDSECOND002", &second);
    assert_eq!(printed["access_keys"], 1, "{printed}");
    install(&second, &sealed);
    world.wait_until("the rotated key in force", |w| {
        w.works("AKIDSEALEDSECOND002")
    });
    assert!(world.unrecognized("AKIDSEALEDFIRST0001"));

    // The older file replayed: refused, nothing changes.
    std::fs::write(&sealed, &first_bytes).unwrap();
    world.wait_until("the replay refused", |w| {
        w.sim.log_text().contains("replay or rollback refused")
    });
    assert!(world.unrecognized("AKIDSEALEDFIRST0001"));
    assert!(world.works("AKIDSEALEDSECOND002"));

    // A file sealed to another world's enclave: refused, its key does not work.
    let other = World::start(None, &[]);
    let foreign = work.path().join("foreign.sealed");
    other.seal(work.path(), "AKIDSEALEDFOREIGN03", &foreign);
    drop(other);
    install(&foreign, &sealed);
    world.wait_until("the foreign file refused", |w| {
        w.sim
            .log_text()
            .contains("sealed for another enclave image or keystore")
    });
    assert!(world.unrecognized("AKIDSEALEDFOREIGN03"));
    assert!(world.works("AKIDSEALEDSECOND002"));
    let log = world.sim.log_text();
    for id in [
        "AKIDSEALEDFIRST0001",
        "AKIDSEALEDSECOND002",
        "AKIDSEALEDFOREIGN03",
    ] {
        assert!(!log.contains(&secret_of(id)), "a secret in the log");
    }

    // Restart: the stored credentials are in force again, whatever the file on disk says.
    let World { sim, relay, .. } = world;
    drop(relay);
    let tmp = sim.crash();
    let world = World::start(Some(tmp), &args);
    world.wait_until("the stored key in force after the restart", |w| {
        w.works("AKIDSEALEDSECOND002")
    });
    assert!(world.unrecognized("AKIDSEALEDFOREIGN03"));
    assert!(world.unrecognized("AKIDSEALEDFIRST0001"));
    world.sim.terminate();
}
