//! Who a verified caller is, in the three fields of STS `GetCallerIdentity`: `Arn`, `Account`
//! and `UserId`, all from the principal ARN the enclave configured for the caller's access key
//! ([`super::super::access_keys`]) — nothing of the request names the caller.
//!
//! `UserId` is formed as AWS forms `aws:userid` (IAM User Guide, "Policy variables", principal
//! table):
//!
//! - the account root (`arn:aws:iam::ACCOUNT:root`): the account id;
//! - an IAM user (`arn:aws:iam::ACCOUNT:user/PATH/NAME`): a unique id `AIDA` + 17 characters;
//! - an assumed role (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`): the role's unique id
//!   `AROA` + 17 characters, `:`, the session name;
//! - a role itself (`arn:aws:iam::ACCOUNT:role/PATH/NAME`): the role's unique id;
//! - a federated user (`arn:aws:sts::ACCOUNT:federated-user/NAME`): `ACCOUNT:NAME`.
//!
//! AWS's unique ids are assigned by IAM and cannot be known here, so ours are derived: SHA-256 of
//! a domain-separation label and the user's (or role's) ARN, in the RFC 4648 base32 alphabet
//! (AWS's ids use the same characters, `A`–`Z` and `2`–`7`). They are **not AWS's ids**, but the
//! same ARN always gives the same id, across restarts and on every replica, and two ARNs give
//! different ids (to a 2^-85 chance).

use nitro_kms_crypto as crypto;

/// The caller as `GetCallerIdentity` answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The caller's ARN, as configured for its access key.
    pub arn: String,
    /// The account id in that ARN (empty if the ARN names none).
    pub account: String,
    /// The caller's unique id, formed as AWS forms `aws:userid` (see the module documentation).
    pub user_id: String,
}

/// Length of the derived part of a unique id (after `AIDA`/`AROA`), as in AWS's ids.
pub const UNIQUE_ID_CHARS: usize = 17;

/// The label hashed before the ARN, so these ids cannot collide with another use of SHA-256 over
/// an ARN in this project.
const UNIQUE_ID_LABEL: &[u8] = b"nitro-kms sts unique id v1\0";

/// RFC 4648 base32 alphabet: the characters of AWS's unique ids.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl CallerIdentity {
    /// The identity of the caller whose principal ARN is `principal`.
    pub fn of(principal: &str) -> CallerIdentity {
        // arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (the resource may hold more colons).
        let mut fields = principal.splitn(6, ':');
        let (arn, partition, service, _region, account, resource) = (
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
        );
        let account = if arn == "arn" { account } else { "" };
        let user_id = match (service, resource.split_once('/')) {
            ("iam", None) if resource == "root" => account.to_owned(),
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((role, session)) => {
                    let role_arn = format!("arn:{partition}:iam::{account}:role/{role}");
                    format!("{}:{session}", unique_id("AROA", &role_arn))
                }
                None => unique_id("AROA", principal),
            },
            ("sts", Some(("federated-user", name))) => format!("{account}:{name}"),
            ("iam", Some(("role", _))) => unique_id("AROA", principal),
            _ => unique_id("AIDA", principal),
        };
        CallerIdentity {
            arn: principal.to_owned(),
            account: account.to_owned(),
            user_id,
        }
    }
}

/// `prefix` and [`UNIQUE_ID_CHARS`] base32 characters of SHA-256 over the label and `arn`.
pub fn unique_id(prefix: &str, arn: &str) -> String {
    let digest = crypto::sha256(&[UNIQUE_ID_LABEL, arn.as_bytes()].concat());
    let mut id = String::with_capacity(prefix.len() + UNIQUE_ID_CHARS);
    id.push_str(prefix);
    // Five bits a character, most significant first: 17 characters use 85 of the 256 bits.
    for index in 0..UNIQUE_ID_CHARS {
        let bit = index * 5;
        let byte = |i: usize| u16::from(digest.get(i).copied().unwrap_or(0));
        let window = (byte(bit / 8) << 8) | byte(bit / 8 + 1);
        let value = (window >> (11 - bit % 8)) & 0x1f;
        id.push(char::from(BASE32[usize::from(value)]));
    }
    id
}
