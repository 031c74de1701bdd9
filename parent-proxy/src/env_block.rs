//! The block `nitro-kms-proxy --simulate` prints for a shell: one `export` line a user can paste
//! or `eval` (`eval "$(nitro-kms-proxy --simulate --state-dir DIR --print-env)"`), so that the
//! AWS CLI, the SDKs and `nitro-kms` find the simulation without flags. Everything else in it is a
//! `#` comment, which `eval` ignores: how to switch to TLS, where the CA comes from.

use std::path::Path;

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};

/// The shell block for a simulation serving `endpoint_url` (`http://HOST:PORT`), in `region`, on
/// the world in `state_dir`. Values are quoted for the shell where they need it (a state
/// directory with a space in it still `eval`s right).
pub fn render(endpoint_url: &str, region: &str, state_dir: &Path) -> String {
    let exports = [
        ("AWS_ENDPOINT_URL", endpoint_url),
        ("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY),
        ("AWS_REGION", region),
        ("AWS_DEFAULT_REGION", region),
    ]
    .iter()
    .map(|(name, value)| format!("{name}={}", quote(value)))
    .collect::<Vec<_>>()
    .join(" ");
    let mut block = format!(
        "# nitro-kms simulation: paste this, or eval \"$(nitro-kms-proxy --simulate --state-dir \
         DIR --print-env)\"\nexport {exports}\n"
    );
    if let Some(authority) = endpoint_url.strip_prefix("http://") {
        let root = state_dir.join("root.pem");
        let ca = state_dir.join("ca.pem");
        block.push_str(&format!(
            "# TLS on the same port: nitro-kms service verify --endpoint-url https://{authority} \
             --trust-simulated-root {} --ca-out {}\n\
             # then: export AWS_ENDPOINT_URL=https://{authority} AWS_CA_BUNDLE={}\n",
            quote(&root.display().to_string()),
            quote(&ca.display().to_string()),
            quote(&ca.display().to_string()),
        ));
    }
    block
}

/// `value` as one shell word: as it is when it holds only characters no shell treats specially,
/// else in single quotes (a single quote inside written `'\''`).
fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests;
