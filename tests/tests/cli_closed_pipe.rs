#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A closed pipe on standard output is a normal end for `nitro-kms`: `nitro-kms list-keys |
//! head -c1` exits 0, with no panic and no error message, in every `--output` format, whether the
//! reader goes away after one byte or before the first.

use std::io::Read;
use std::process::{Command, Output, Stdio};

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::{REGION, Sim, kms_call};

/// Linux's default pipe buffer: output larger than this cannot sit in the pipe whole, so the
/// writer is still writing when the reader goes away.
const PIPE_BUFFER: usize = 64 * 1024;

/// Keys created so that `list-keys` prints more than [`PIPE_BUFFER`] in every format.
const KEYS: usize = 600;

const FORMATS: [&str; 3] = ["json", "text", "table"];

/// `nitro-kms ARGS`, with the simulation's credentials and, given a chain, its endpoint.
fn nk(sim: Option<&Sim>, args: &[&str]) -> Command {
    let mut cmd = Command::new(nitro_kms_tests::binary("nitro-kms"));
    cmd.args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_DEFAULT_REGION", REGION)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(sim) = sim {
        cmd.args(["--endpoint-url", &sim.endpoint]);
    }
    cmd
}

/// Runs `cmd` with stdout a pipe whose reader takes one byte, then closes its end.
fn closed_after_one_byte(mut cmd: Command) -> Output {
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    child.wait_with_output().unwrap()
}

/// Runs `cmd` with stdout a pipe whose reader was closed before the command started.
fn closed_before_start(mut cmd: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).output().unwrap()
}

/// Exit status 0, nothing on stderr (so no panic and no error message).
fn assert_normal_end(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{what}: panicked: {stderr}");
    assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
    assert!(stderr.is_empty(), "{what}: wrote to stderr: {stderr}");
}

#[test]
fn list_keys_into_a_pipe_closed_after_one_byte_exits_0_in_every_format() {
    let sim = Sim::start(&[]);
    for _ in 0..KEYS {
        let r = kms_call(&sim, "CreateKey", &serde_json::json!({}));
        assert_eq!(r.status, 200, "{}", r.json());
    }
    for format in FORMATS {
        let args = ["list-keys", "--output", format];
        // The premise: the whole answer is larger than the pipe can hold.
        let whole = nk(Some(&sim), &args).output().unwrap();
        assert_normal_end(&whole, &format!("list-keys --output {format}"));
        assert!(
            whole.stdout.len() > PIPE_BUFFER,
            "--output {format}: {} bytes fit in a pipe; create more keys",
            whole.stdout.len()
        );
        let out = closed_after_one_byte(nk(Some(&sim), &args));
        assert_normal_end(&out, &format!("list-keys --output {format} | head -c1"));
        let out = closed_before_start(nk(Some(&sim), &args));
        assert_normal_end(&out, &format!("list-keys --output {format} >&-"));
    }
}

#[test]
fn skeletons_and_tool_reports_into_a_closed_pipe_exit_0() {
    let world = tempfile::tempdir().unwrap();
    let state_dir = world.path().join("world");
    let commands: [&[&str]; 3] = [
        &["create-key", "--generate-cli-skeleton"],
        &["list-keys", "--generate-cli-skeleton", "output"],
        &[
            "attestation",
            "simulated-root",
            "--state-dir",
            state_dir.to_str().unwrap(),
        ],
    ];
    for args in commands {
        let what = args.join(" ");
        assert_normal_end(&closed_after_one_byte(nk(None, args)), &what);
        assert_normal_end(&closed_before_start(nk(None, args)), &what);
    }
}
