//! A key policy document (CreateKey's `Policy`, PutKeyPolicy): `Policy::parse`, then evaluation
//! of what parsed against requests with and without attestation facts and encryption context, as
//! every operation on the key does (wildcards, condition operators, case folding).
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use nitro_kms_enclave::policy::{AttestationFacts, Policy, RequestContext, authorize};

fn contexts() -> [RequestContext; 3] {
    let key_arn =
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".to_owned();
    let pcr0 = "00".repeat(48);
    [
        RequestContext {
            principal_arn: "arn:aws:iam::111122223333:root".to_owned(),
            action: "kms:PutKeyPolicy".to_owned(),
            key_arn: key_arn.clone(),
            encryption_context: BTreeMap::new(),
            attestation: None,
            condition_keys: BTreeMap::new(),
        },
        RequestContext {
            principal_arn: "arn:aws:iam::111122223333:role/app".to_owned(),
            action: "kms:Decrypt".to_owned(),
            key_arn: key_arn.clone(),
            encryption_context: BTreeMap::from([
                ("purpose".to_owned(), "test".to_owned()),
                ("Team".to_owned(), "red".to_owned()),
            ]),
            attestation: Some(AttestationFacts {
                image_sha384: pcr0.clone(),
                pcrs: BTreeMap::from([(0, pcr0.clone()), (8, "ab".repeat(48))]),
            }),
            condition_keys: BTreeMap::new(),
        },
        RequestContext {
            principal_arn: "arn:aws:sts::444455556666:assumed-role/other/session".to_owned(),
            action: "kms:GenerateDataKey".to_owned(),
            key_arn,
            encryption_context: BTreeMap::from([("".to_owned(), "".to_owned())]),
            attestation: Some(AttestationFacts::default()),
            // CreateGrant's grant condition keys (issue 18).
            condition_keys: BTreeMap::from([
                (
                    "kms:grantoperations".to_owned(),
                    vec!["Encrypt".to_owned(), "Decrypt".to_owned()],
                ),
                (
                    "kms:grantconstrainttype".to_owned(),
                    vec!["EncryptionContextSubset".to_owned()],
                ),
            ]),
        },
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::parse(text) else {
        return;
    };
    for ctx in contexts() {
        let _ = policy.evaluate(&ctx);
        let _ = authorize(&policy, &ctx);
    }
});
