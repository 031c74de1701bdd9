#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The source rules of SECURITY.md "Supply chain", checked on the tree itself so that a change
//! that loosens them fails `make test` (clippy then enforces what they switch on):
//!
//! - `unsafe_code = "forbid"` for the whole workspace, and every crate inherits the workspace's
//!   lints (a crate with its own `[lints]` table could drop it);
//! - no `unsafe` block, function, impl or trait anywhere in the crates' sources — not even in the
//!   NSM driver, which talks to `/dev/nsm` through `aws-nitro-enclaves-nsm-api`'s safe API;
//! - `#![deny(clippy::unwrap_used, clippy::expect_used)]` at the root of every crate that ships
//!   (tests may allow them: a panic there is a failed test);
//! - `examples/aws-sdk-rust`, its own workspace so the AWS SDK stays out of the main build, states
//!   the same lints itself (it cannot inherit them) and its sources are checked with the members'.
//!   It calls rustls only to check the CA file it hands the SDK: the crypto it does (RSA key pair,
//!   CMS envelope, SHA-256) goes through nitro-kms-attest and nitro-kms-crypto.

use std::path::{Path, PathBuf};

use nitro_kms_tests::{workspace_members, workspace_root as root};

/// The example that is a workspace of its own (excluded by the root manifest).
const SDK_EXAMPLE: &str = "examples/aws-sdk-rust";

/// Every crate whose sources these rules cover: the workspace's members and [`SDK_EXAMPLE`].
fn crates() -> Vec<String> {
    let mut crates = workspace_members();
    crates.push(SDK_EXAMPLE.to_owned());
    crates
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_workspace_forbids_unsafe_and_every_crate_inherits_its_lints() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let lints = manifest
        .split("[workspace.lints.rust]")
        .nth(1)
        .expect("a [workspace.lints.rust] table");
    let table = lints.split("\n[").next().unwrap();
    assert!(
        table.contains("unsafe_code = \"forbid\""),
        "[workspace.lints.rust] must forbid unsafe_code:\n{table}"
    );
    for krate in workspace_members() {
        let manifest = std::fs::read_to_string(root().join(&krate).join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{krate}/Cargo.toml must inherit the workspace lints"
        );
    }
}

#[test]
fn the_sdk_example_is_its_own_workspace_with_the_same_lints() {
    let root_manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(
        root_manifest.contains(&format!("exclude = [\"{SDK_EXAMPLE}\"]")),
        "the root Cargo.toml must exclude {SDK_EXAMPLE}"
    );
    let manifest = std::fs::read_to_string(root().join(SDK_EXAMPLE).join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("\n[workspace]\n"),
        "{SDK_EXAMPLE}: no [workspace]"
    );
    let lints = manifest
        .split("[lints.rust]")
        .nth(1)
        .and_then(|rest| rest.split("\n[profile").next())
        .unwrap_or_else(|| panic!("{SDK_EXAMPLE}/Cargo.toml has no [lints.rust]"));
    for lint in [
        "unsafe_code = \"forbid\"",
        "unwrap_used = \"deny\"",
        "expect_used = \"deny\"",
    ] {
        assert!(
            lints.contains(lint),
            "{SDK_EXAMPLE}/Cargo.toml lacks {lint}"
        );
    }
    assert!(
        std::fs::read_to_string(root().join(SDK_EXAMPLE).join("Cargo.lock")).is_ok(),
        "{SDK_EXAMPLE} builds with --locked: its Cargo.lock is committed"
    );
}

#[test]
fn no_source_file_contains_unsafe_code() {
    let mut files = Vec::new();
    for krate in crates() {
        for dir in ["src", "tests", "benches"] {
            let dir = root().join(&krate).join(dir);
            if dir.is_dir() {
                rust_files(&dir, &mut files);
            }
        }
    }
    assert!(files.len() > 50, "found only {} files", files.len());
    // Built, so that this file does not hold the patterns it looks for.
    let kw = "unsafe";
    let patterns = [
        format!("{kw} {{"),
        format!("{kw} fn"),
        format!("{kw} impl"),
        format!("{kw} trait"),
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for pattern in &patterns {
                assert!(
                    !code.contains(pattern.as_str()),
                    "{}:{}: `{pattern}`",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn every_shipped_crate_root_denies_unwrap_and_expect() {
    let mut roots = Vec::new();
    // Every member ships except the end-to-end test crate.
    for krate in crates().into_iter().filter(|k| k != "tests") {
        for root_file in ["src/lib.rs", "src/main.rs"] {
            let path = root().join(&krate).join(root_file);
            if path.is_file() {
                roots.push(format!("{krate}/{root_file}"));
            }
        }
    }
    for must in [
        "enclave/src/lib.rs",
        "enclave/src/main.rs",
        "parent-proxy/src/lib.rs",
        "parent-proxy/src/main.rs",
        "cli/src/main.rs",
        "common/crypto/src/lib.rs",
        "examples/envelope-file/src/main.rs",
        "examples/aws-sdk-rust/src/main.rs",
    ] {
        assert!(
            roots.iter().any(|r| r == must),
            "{must} not found among {roots:?}"
        );
    }
    for root_file in roots {
        let text = std::fs::read_to_string(root().join(&root_file)).unwrap();
        assert!(
            text.contains("#![deny(clippy::unwrap_used, clippy::expect_used)]"),
            "{root_file} must deny clippy::unwrap_used and clippy::expect_used"
        );
    }
}
