//! Opening a sealed credentials file: the layout checked, the provisioning key's digest compared,
//! the file decrypted and its TOML parsed into access keys — or the typed reason why not, worded
//! for the `SealedCredentialsAck` and the log (never a byte of the plaintext).

use nitro_kms_api::sigv4::AccessKeyStore;
use nitro_kms_crypto::RsaPrivateKey;
use nitro_kms_crypto::sealed_credentials::{self, SealedCredentialsError};

/// A file opened: its serial and its access keys.
#[derive(Debug)]
pub struct Opened {
    /// The header's serial.
    pub serial: u64,
    /// The access keys it holds.
    pub keys: AccessKeyStore,
}

/// Why a sealed file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Malformed, sealed to another provisioning key, or does not decrypt and authenticate.
    #[error("{0}")]
    Sealed(#[from] SealedCredentialsError),
    /// It decrypted, but is not a credentials TOML the enclave accepts. No detail: the parser's
    /// message could quote a secret.
    #[error("the sealed file does not hold a valid credentials TOML")]
    NotCredentials,
}

/// Opens `sealed` with the provisioning key and parses its access keys.
pub fn open(sealed: &[u8], provisioning_key: &RsaPrivateKey) -> Result<Opened, OpenError> {
    let parsed = sealed_credentials::parse(sealed)?;
    let plaintext = parsed.open(provisioning_key)?;
    let text = std::str::from_utf8(plaintext.expose()).map_err(|_| OpenError::NotCredentials)?;
    let keys =
        AccessKeyStore::parse("sealed credentials", text).map_err(|_| OpenError::NotCredentials)?;
    Ok(Opened {
        serial: parsed.header.serial,
        keys,
    })
}

#[cfg(test)]
mod tests {
    use nitro_kms_crypto::RsaKeySize;

    use super::*;

    const TOML: &str = "[[credential]]\naccess_key_id = \"AKIDSEALED\"\n\
                        secret_access_key = \"sealed-secret\"\n\
                        principal = \"arn:aws:iam::111122223333:role/App\"\n";

    #[test]
    fn a_file_sealed_to_this_key_opens_into_its_access_keys() {
        let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
        let sealed =
            sealed_credentials::seal(key.public_key_spki_der(), 9, TOML.as_bytes()).unwrap();
        let opened = open(&sealed, &key).unwrap();
        assert_eq!(opened.serial, 9);
        assert!(opened.keys.get("AKIDSEALED").is_some());
    }

    #[test]
    fn another_key_or_not_a_credentials_file_is_refused_without_quoting_it() {
        let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
        let other = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
        let sealed =
            sealed_credentials::seal(other.public_key_spki_der(), 1, TOML.as_bytes()).unwrap();
        let refused = open(&sealed, &key).unwrap_err();
        assert_eq!(
            refused,
            OpenError::Sealed(SealedCredentialsError::WrongProvisioningKey)
        );
        assert!(
            refused
                .to_string()
                .contains("sealed for another enclave image or keystore")
        );
        let junk = "secret_access_key = \"leaky\" this is not toml";
        let sealed =
            sealed_credentials::seal(key.public_key_spki_der(), 1, junk.as_bytes()).unwrap();
        let refused = open(&sealed, &key).unwrap_err();
        assert_eq!(refused, OpenError::NotCredentials);
        assert!(!refused.to_string().contains("leaky"));
    }
}
