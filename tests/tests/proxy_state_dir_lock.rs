#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One parent per state directory (issue 15, item 5): a second `nitro-kms-proxy` on the state
//! directory of a running one refuses to start and names the holder's pid, and the first goes on
//! serving — on 3ba6dd6 both ran, and a key acknowledged by the first was gone at its next start
//! once the second had rewritten the files.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nitro_kms_tests::proxy::{Sim, kms_call, list_key_ids};
use serde_json::json;

/// Runs a second proxy on `sim`'s state directory and returns its exit status and stderr.
fn second_proxy_on(sim: &Sim) -> (Option<i32>, String) {
    let mut child = Command::new(nitro_kms_tests::binary("nitro-kms-proxy"))
        .arg("--simulate")
        .arg("--state-dir")
        .arg(&sim.dir)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a second proxy on a held state directory kept running");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status.code(), stderr)
}

#[test]
fn a_second_proxy_on_a_held_state_directory_refuses_to_start_naming_the_holder() {
    let sim = Sim::start(&[]);
    let (code, stderr) = second_proxy_on(&sim);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("in use by process {}", sim.pid())),
        "{stderr}"
    );
    // The first is untouched and keeps what it acknowledges.
    let created = kms_call(&sim, "CreateKey", &json!({}));
    assert_eq!(created.status, 200, "{}", sim.log_text());
    let key = created.json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(list_key_ids(&sim).contains(&key));
}

#[test]
fn the_same_refusal_after_the_first_proxy_has_written() {
    let sim = Sim::start(&[]);
    let created = kms_call(&sim, "CreateKey", &json!({}));
    assert_eq!(created.status, 200, "{}", sim.log_text());
    let key = created.json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, stderr) = second_proxy_on(&sim);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("in use by process {}", sim.pid())),
        "{stderr}"
    );
    // A key created after the refusal is kept across a restart of the first proxy.
    let later = kms_call(&sim, "CreateKey", &json!({}));
    assert_eq!(later.status, 200, "{}", sim.log_text());
    let later = later.json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let restarted = Sim::start_in(sim.crash(), &[]);
    let keys = list_key_ids(&restarted);
    assert!(keys.contains(&key) && keys.contains(&later), "{keys:?}");
}
