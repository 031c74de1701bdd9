//! Evaluating a policy for one request.

use std::collections::BTreeMap;

use nitro_kms_api::KmsError;
use nitro_kms_api::error::DenyReason;

use super::condition::{evaluate, glob};
use super::document::{Condition, Effect, Policy, Principals, Statement};

/// The prefix of `kms:EncryptionContext:<key>` condition keys, lower-cased as parsed.
const CONTEXT_KEY_PREFIX: &str = "kms:encryptioncontext:";

/// What a verified attestation document says, as policy conditions see it (lower-case hex).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttestationFacts {
    /// PCR0, the enclave image's SHA-384.
    pub image_sha384: String,
    /// Every PCR of the document.
    pub pcrs: BTreeMap<u16, String>,
}

/// Everything a policy may look at about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The authenticated caller (from the frame envelope).
    pub principal_arn: String,
    /// The IAM action, e.g. `kms:GenerateDataKey`.
    pub action: String,
    /// The key's ARN.
    pub key_arn: String,
    /// The request's encryption context.
    pub encryption_context: BTreeMap<String, String>,
    /// The verified `Recipient` attestation, if the request carried one.
    pub attestation: Option<AttestationFacts>,
    /// Further condition keys the operation sets, by lower-case name: the grant keys of
    /// CreateGrant and ListGrants (`kms:grantoperations`, `kms:granteeprincipal`,
    /// `kms:retiringprincipal`, `kms:grantconstrainttype`, `kms:grantisforawsresource`), each
    /// present only when the request gives it a value.
    pub condition_keys: BTreeMap<String, Vec<String>>,
}

/// The outcome of evaluating a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A statement allows it and none denies it.
    Allow,
    /// A statement denies it.
    ExplicitDeny,
    /// No statement allows it.
    ImplicitDeny,
}

impl RequestContext {
    /// The account of the caller: the fifth field of its ARN.
    fn caller_account(&self) -> Option<&str> {
        self.principal_arn
            .split(':')
            .nth(4)
            .filter(|a| !a.is_empty())
    }

    /// The values of the request's encryption-context keys that `ctx_key` (the part after
    /// `kms:EncryptionContext:`) names: AWS matches that part without regard to case, while the
    /// context's own keys are case-sensitive, so `tenant` and `Tenant` are two keys and both are
    /// named. Each value is one reading of the condition key (see [`Self::condition_holds`]).
    fn context_readings(&self, ctx_key: &str) -> Vec<&String> {
        self.encryption_context
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(ctx_key))
            .map(|(_, v)| v)
            .collect()
    }

    /// The request's values for a (lower-cased) condition key other than
    /// `kms:EncryptionContext:<key>`; `None` when absent.
    fn values(&self, key: &str) -> Option<Vec<String>> {
        if let Some(rest) = key.strip_prefix("kms:recipientattestation:") {
            let att = self.attestation.as_ref()?;
            if rest == "imagesha384" {
                return Some(vec![att.image_sha384.clone()]);
            }
            let index: u16 = rest.strip_prefix("pcr")?.parse().ok()?;
            return att.pcrs.get(&index).map(|v| vec![v.clone()]);
        }
        match key {
            "kms:encryptioncontextkeys" => {
                let keys: Vec<String> = self.encryption_context.keys().cloned().collect();
                (!keys.is_empty()).then_some(keys)
            }
            "kms:calleraccount" => self.caller_account().map(|a| vec![a.to_owned()]),
            "aws:principalarn" => Some(vec![self.principal_arn.clone()]),
            other => self.condition_keys.get(other).cloned(),
        }
    }

    fn principal_matches(&self, principals: &Principals) -> bool {
        let Principals::Aws(list) = principals else {
            return true;
        };
        list.iter().any(|p| self.principal_is(p))
    }

    fn principal_is(&self, p: &str) -> bool {
        let account = self.caller_account();
        if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
            return account == Some(p);
        }
        let fields: Vec<&str> = p.split(':').collect();
        if let [_, _, "iam", "", acct, "root"] = fields.as_slice() {
            return account == Some(*acct);
        }
        if p == self.principal_arn {
            return true;
        }
        // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION is a session of arn:aws:iam::ACCOUNT:role/ROLE.
        let caller: Vec<&str> = self.principal_arn.split(':').collect();
        match (caller.as_slice(), fields.as_slice()) {
            (["arn", cp, "sts", "", ca, res], ["arn", pp, "iam", "", pa, role])
                if cp == pp && ca == pa =>
            {
                let mut parts = res.split('/');
                parts.next() == Some("assumed-role")
                    && parts
                        .next()
                        .is_some_and(|r| role.strip_prefix("role/") == Some(r))
            }
            _ => false,
        }
    }

    /// Whether condition `c` holds for a statement with `effect`.
    ///
    /// `kms:EncryptionContext:<key>` is single-valued, but a context may hold several keys that
    /// differ only in case (`tenant`, `Tenant`), all named by the condition key. Such a request
    /// is read once per named key, each reading a single value, and the answer must be safe
    /// whichever reading AWS takes (AWS does not document it): a `Deny`'s condition holds when it
    /// holds for *any* reading, an `Allow`'s only when it holds for *every* one. So adding a key
    /// that differs only in case can never turn a `Deny` off nor an `Allow` on (issue 15, item 3).
    fn condition_holds(&self, c: &Condition, effect: Effect) -> bool {
        let holds =
            |values: Option<&[String]>| evaluate(c.set, c.op, c.if_exists, values, &c.values);
        let Some(ctx_key) = c.key.strip_prefix(CONTEXT_KEY_PREFIX) else {
            return holds(self.values(&c.key).as_deref());
        };
        let readings = self.context_readings(ctx_key);
        if readings.is_empty() {
            return holds(None);
        }
        let reading_holds = |v: &&String| holds(Some(std::slice::from_ref(*v)));
        match effect {
            Effect::Deny => readings.iter().any(reading_holds),
            Effect::Allow => readings.iter().all(reading_holds),
        }
    }

    fn statement_applies(&self, s: &Statement) -> bool {
        let principal = self.principal_matches(&s.principal.items) != s.principal.not;
        let action = s.action.items.iter().any(|a| glob(a, &self.action, true)) != s.action.not;
        let resource = s
            .resource
            .items
            .iter()
            .any(|r| glob(r, &self.key_arn, false))
            != s.resource.not;
        principal
            && action
            && resource
            && s.conditions
                .iter()
                .all(|c| self.condition_holds(c, s.effect))
    }
}

impl Policy {
    /// Evaluates the policy for `ctx`: explicit deny wins, then any allow, else implicit deny.
    pub fn evaluate(&self, ctx: &RequestContext) -> Decision {
        let mut allowed = false;
        for s in &self.statements {
            if ctx.statement_applies(s) {
                match s.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

/// Evaluates `policy` and turns a denial into AWS's `AccessDeniedException`.
pub fn authorize(policy: &Policy, ctx: &RequestContext) -> Result<(), KmsError> {
    let reason = match policy.evaluate(ctx) {
        Decision::Allow => return Ok(()),
        Decision::ExplicitDeny => DenyReason::ExplicitDenyInResourceBasedPolicy,
        Decision::ImplicitDeny => DenyReason::NoResourceBasedPolicy,
    };
    Err(KmsError::access_denied_because(
        &ctx.principal_arn,
        &ctx.action,
        &ctx.key_arn,
        reason,
    ))
}
