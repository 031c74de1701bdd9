//! The `GrantTokens` of a request (issue 18): each must be a token this service made
//! ([`nitro_kms_crypto::grant_token`]), or the request is `InvalidGrantTokenException`.
//!
//! Grants here take effect at once (every enclave applies a grant before CreateGrant answers),
//! so a token adds no permission: authorization always looks at the key's live grants, with or
//! without their tokens. A token of a grant retired since is still a token this service made, and
//! is accepted as AWS accepts tokens of grants it has not yet seen retired; only malformed or
//! forged tokens are refused.

use nitro_kms_api::{KmsError, KmsErrorType};
use nitro_kms_crypto::grant_token::{self, GrantTokenClaims};

use crate::keystore::Keystore;

/// The error for a token this service did not make.
pub fn invalid() -> KmsError {
    KmsError::new(KmsErrorType::InvalidGrantToken, "Invalid grant token.")
}

/// What one token names, if this service made it.
pub fn open(ks: &Keystore, token: &str) -> Result<GrantTokenClaims, KmsError> {
    let key = ks.grant_token_key().ok_or_else(invalid)?;
    grant_token::open(&key.0, token).map_err(|_| invalid())
}

/// Checks every token of a request.
pub fn check(ks: &Keystore, tokens: Option<&[String]>) -> Result<(), KmsError> {
    for token in tokens.unwrap_or_default() {
        open(ks, token)?;
    }
    Ok(())
}
