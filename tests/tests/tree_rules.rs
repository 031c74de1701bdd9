#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The architecture's rules (docs/architecture.md), checked on the tree so that a change that
//! breaks one fails `make test`:
//!
//! - the workspace crates' dependencies point one way: nothing depends on `nitro-kms-proxy`,
//!   the enclave and the proxy never depend on each other, the proxy links neither the NSM and
//!   CMS code (`nitro-kms-attest`) nor the KMS client, and the shared crates under `common/` never
//!   depend on a binary's crate;
//! - inside every crate no two modules import each other, and no source file passes 800 lines
//!   (`scripts/module_cycles.py`, which `make test` also prints).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use nitro_kms_tests::{workspace_members, workspace_root as root};

/// Package name -> the workspace packages it depends on (normal and build dependencies, not
/// dev-dependencies: those never ship), read from the members' manifests.
fn workspace_graph() -> BTreeMap<String, BTreeSet<String>> {
    let members = workspace_members();
    let mut graph = BTreeMap::new();
    for member in members {
        let text = std::fs::read_to_string(root().join(&member).join("Cargo.toml")).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap()
            .to_string();
        let mut deps = BTreeSet::new();
        let mut section = String::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line.to_string();
                continue;
            }
            let shipped = section == "[dependencies]" || section == "[build-dependencies]";
            let dep = line.split(['.', ' ', '=']).next().unwrap_or_default();
            if shipped && dep.starts_with("nitro-kms-") {
                deps.insert(dep.to_string());
            }
        }
        graph.insert(name, deps);
    }
    assert!(graph.len() >= 10, "found only {graph:?}");
    graph
}

fn closure(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(next) = todo.pop() {
        for dep in graph.get(&next).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                todo.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn nothing_depends_on_the_proxy_and_the_enclave_and_proxy_never_on_each_other() {
    let graph = workspace_graph();
    for name in graph.keys() {
        let deps = closure(&graph, name);
        assert!(
            !deps.contains("nitro-kms-proxy"),
            "{name} depends on nitro-kms-proxy: {deps:?}"
        );
    }
    assert!(!closure(&graph, "nitro-kms-enclave").contains("nitro-kms-proxy"));
    assert!(!closure(&graph, "nitro-kms-proxy").contains("nitro-kms-enclave"));
    assert!(!closure(&graph, "nitro-kms-cli").contains("nitro-kms-enclave"));
}

#[test]
fn the_proxy_links_no_nsm_cms_or_client_code() {
    let graph = workspace_graph();
    let deps = closure(&graph, "nitro-kms-proxy");
    for banned in ["nitro-kms-attest", "nitro-kms-client"] {
        assert!(!deps.contains(banned), "the proxy links {banned}: {deps:?}");
    }
}

#[test]
fn the_shared_crates_depend_only_on_shared_crates_below_them() {
    let graph = workspace_graph();
    // Each shared crate and the shared crates it may use: the order of docs/architecture.md.
    let allowed: [(&str, &[&str]); 6] = [
        ("nitro-kms-crypto", &[]),
        ("nitro-kms-wire", &["nitro-kms-crypto"]),
        ("nitro-kms-api", &["nitro-kms-crypto"]),
        ("nitro-kms-attest", &["nitro-kms-crypto"]),
        (
            "nitro-kms-client",
            &[
                "nitro-kms-crypto",
                "nitro-kms-wire",
                "nitro-kms-api",
                "nitro-kms-attest",
            ],
        ),
        (
            "nitro-kms-parent-link",
            &["nitro-kms-crypto", "nitro-kms-wire", "nitro-kms-api"],
        ),
    ];
    for (name, may) in allowed {
        let deps = closure(&graph, name);
        for dep in &deps {
            assert!(
                may.contains(&dep.as_str()),
                "{name} depends on {dep}, outside {may:?}"
            );
        }
    }
}

#[test]
fn no_module_pair_imports_each_other_and_no_source_file_passes_800_lines() {
    let script = root().join("scripts/module_cycles.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(root())
        .output()
        .expect("python3 runs scripts/module_cycles.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scripts/module_cycles.py found a circle or a file over 800 lines:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("import circles: 0"), "{stdout}");
}
