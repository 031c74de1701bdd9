//! AWS's regions, as a SigV4 credential scope names them: the set a simulated service serves by
//! default, and what an allowlist of regions is checked against.
//!
//! The list is AWS's published regions of every partition (commercial, China, GovCloud and the
//! isolated ones) where KMS is offered, as the AWS SDKs' `endpoints.json`/partitions table listed
//! them in 2026. A scope naming anything else is refused as AWS refuses a request signed for a
//! region the endpoint does not serve: `InvalidSignatureException` "Credential should be scoped to
//! a valid region, not 'REGION'. " ([`crate::sigv4`]).

/// Every AWS region this service knows, sorted.
pub const ALL: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-isoe-west-1",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "us-west-1",
    "us-west-2",
];

/// Whether `region` is one of AWS's regions ([`ALL`]).
pub fn is_known(region: &str) -> bool {
    ALL.binary_search(&region).is_ok()
}

#[cfg(test)]
mod tests;
