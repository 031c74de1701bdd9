//! Enclaves that keep their sealed state in a real etcd (issue 19): the pieces every fleet test
//! needs — worlds that share one sealing key (as every enclave of one image gets the same root
//! key from AWS KMS on Nitro), the etcd client certificate an operator would issue for the key the
//! enclaves derive from it, and the enclave flags that point them at a
//! [`TestCluster`](nitro_kms_etcd::testing::TestCluster).

use std::path::{Path, PathBuf};

use nitro_kms_etcd::testing::TestCluster;

/// Makes `world` (a simulated enclave's state directory) with a new random sealing key, or with
/// the key of `like` when given: enclaves whose worlds share the key share the sealed state.
pub fn world(world: &Path, like: Option<&Path>) -> PathBuf {
    std::fs::create_dir_all(world).unwrap_or_else(|e| panic!("etcd store test setup: {e}"));
    let key = match like {
        Some(other) => std::fs::read(other.join("sealing.key"))
            .unwrap_or_else(|e| panic!("etcd store test setup: {e}")),
        None => nitro_kms_crypto::random_array::<32>()
            .unwrap_or_else(|e| panic!("etcd store test setup: {e}"))
            .to_vec(),
    };
    std::fs::write(world.join("sealing.key"), key)
        .unwrap_or_else(|e| panic!("etcd store test setup: {e}"));
    world.to_path_buf()
}

/// The etcd client key the enclaves of `world` derive from its sealing key: its SPKI (DER).
pub fn derived_client_spki(world: &Path) -> Vec<u8> {
    let sealing = std::fs::read(world.join("sealing.key"))
        .unwrap_or_else(|e| panic!("etcd store test setup: {e}"));
    let seed = nitro_kms_crypto::hkdf_sha256(&sealing, b"", b"nitro-kms etcd client key v1", 32)
        .unwrap_or_else(|e| panic!("etcd store test setup: {e}"));
    nitro_kms_crypto::etcd_client_key::derive_p256_client_key(seed.expose())
        .unwrap_or_else(|e| panic!("etcd store test setup: {e}"))
        .public_key_spki_der()
        .to_vec()
}

/// Writes the cluster's CA and a client certificate for `world`'s derived key into `world`, and
/// returns the enclave flags for `--storage etcd` on `cluster` under `prefix` (lease TTL
/// `ttl_secs`), without a relay (direct TCP, as the simulation allows).
pub fn storage_args(
    cluster: &TestCluster,
    world: &Path,
    prefix: &str,
    ttl_secs: u64,
) -> Vec<String> {
    let ca = world.join("etcd-ca.pem");
    std::fs::write(&ca, cluster.ca_pem()).unwrap_or_else(|e| panic!("etcd store test setup: {e}"));
    let certificate = world.join("etcd-client.pem");
    let pem = cluster
        .issue_client_certificate(&derived_client_spki(world))
        .unwrap_or_else(|e| panic!("etcd store test setup: {e}"));
    std::fs::write(&certificate, pem).unwrap_or_else(|e| panic!("etcd store test setup: {e}"));
    let endpoints = cluster
        .endpoints()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    vec![
        "--storage".into(),
        "etcd".into(),
        "--etcd-endpoints".into(),
        endpoints,
        "--etcd-ca".into(),
        ca.display().to_string(),
        "--etcd-client-certificate".into(),
        certificate.display().to_string(),
        "--etcd-prefix".into(),
        prefix.into(),
        "--etcd-lease-ttl-secs".into(),
        ttl_secs.to_string(),
    ]
}

/// Whether etcd is here; prints a loud line when it is not (the caller then skips).
pub fn etcd_available() -> bool {
    if nitro_kms_etcd::testing::etcd_binary().is_some() {
        return true;
    }
    eprintln!(
        "SKIPPED: no etcd binary on PATH (install the Debian package etcd-server, as .ci/run does)"
    );
    false
}
