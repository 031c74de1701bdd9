//! The model's patterns for custom key store members, as hand-written matchers (no regex engine
//! in the enclave, as in [`crate::validate`]); each is tested against examples of the expression.

use crate::validate::Pattern;

fn count_in(s: &str, min: usize, max: usize, ok: impl Fn(char) -> bool) -> bool {
    let n = s.chars().count();
    (min..=max).contains(&n) && s.chars().all(ok)
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    count_in(s, min, max, |c| c.is_ascii_digit())
}

/// `CloudHsmClusterIdType`.
pub const CLUSTER_ID: Pattern = Pattern {
    source: "cluster-[2-7a-zA-Z]{11,16}",
    matches: |s| {
        s.strip_prefix("cluster-").is_some_and(|rest| {
            count_in(rest, 11, 16, |c| {
                c.is_ascii_alphabetic() || ('2'..='7').contains(&c)
            })
        })
    },
};

/// `XksProxyUriEndpointType`.
pub const URI_ENDPOINT: Pattern = Pattern {
    source: "^https://[a-zA-Z0-9.-]+$",
    matches: |s| {
        s.strip_prefix("https://").is_some_and(|host| {
            count_in(host, 1, usize::MAX, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
            })
        })
    },
};

/// `XksProxyUriPathType`: `/kms/xks/vN` (N one or two digits), optionally under a prefix of
/// letters, digits, `/`, `_`, `-` that starts with `/`.
pub const URI_PATH: Pattern = Pattern {
    source: r"^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$",
    matches: |s| {
        let Some((head, version)) = s.rsplit_once("/kms/xks/v") else {
            return false;
        };
        digits(version, 1, 2)
            && (head.is_empty()
                || (head.starts_with('/')
                    && count_in(head, 2, usize::MAX, |c| {
                        c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-')
                    })))
    },
};

/// `XksProxyVpcEndpointServiceNameType`: `com.amazonaws.vpce.REGION.vpce-svc-ID` (or `eu.`),
/// where REGION is two or three lowercase words joined by `-` and ending in a number.
pub const VPC_ENDPOINT_SERVICE_NAME: Pattern = Pattern {
    source: r"^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$",
    matches: |s| {
        let Some(rest) = s
            .strip_prefix("com.amazonaws.vpce.")
            .or_else(|| s.strip_prefix("eu.amazonaws.vpce."))
        else {
            return false;
        };
        let Some((region, service)) = rest.split_once(".vpce-svc-") else {
            return false;
        };
        let words: Vec<&str> = region.split('-').collect();
        let (number, words) = match words.split_last() {
            Some((number, words)) => (*number, words),
            None => return false,
        };
        (2..=3).contains(&words.len())
            && words
                .iter()
                .all(|w| count_in(w, 1, usize::MAX, |c| c.is_ascii_lowercase()))
            && digits(number, 1, usize::MAX)
            && count_in(service, 1, usize::MAX, |c| {
                c.is_ascii_digit() || c.is_ascii_lowercase()
            })
    },
};

/// `AccountIdType`.
pub const ACCOUNT_ID: Pattern = Pattern {
    source: "[0-9]{12}",
    matches: |s| digits(s, 12, 12),
};

/// `XksProxyAuthenticationAccessKeyIdType`: base32 capitals and digits.
pub const XKS_ACCESS_KEY_ID: Pattern = Pattern {
    source: "^[A-Z2-7]+$",
    matches: |s| {
        count_in(s, 1, usize::MAX, |c| {
            c.is_ascii_uppercase() || ('2'..='7').contains(&c)
        })
    },
};

/// `XksProxyAuthenticationRawSecretAccessKeyType`: base64 characters.
pub const XKS_SECRET_ACCESS_KEY: Pattern = Pattern {
    source: r"^[a-zA-Z0-9\/+=]+$",
    matches: |s| {
        count_in(s, 1, usize::MAX, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '/' | '+' | '=')
        })
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: Pattern, good: &[&str], bad: &[&str]) {
        for s in good {
            assert!(
                (pattern.matches)(s),
                "{} should match {s:?}",
                pattern.source
            );
        }
        for s in bad {
            assert!(
                !(pattern.matches)(s),
                "{} should not match {s:?}",
                pattern.source
            );
        }
    }

    #[test]
    fn each_matcher_agrees_with_its_expression_on_examples() {
        check(
            CLUSTER_ID,
            &["cluster-2a23b4cdefg", "cluster-abcdefghijklmnop"],
            &[
                "cluster-1a23b4cdef",
                "cluster-abcdefghijklmnopq",
                "cluster-18abcdefghij",
                "clstr-abcdefghijk",
            ],
        );
        check(
            URI_ENDPOINT,
            &["https://myproxy.xks.example.com", "https://a-b.c"],
            &[
                "http://myproxy.example.com",
                "https://",
                "https://a/b",
                "https://a_b",
            ],
        );
        check(
            URI_PATH,
            &[
                "/kms/xks/v1",
                "/kms/xks/v12",
                "/example/prefix/kms/xks/v1",
                "/a_b-c/kms/xks/v2",
            ],
            &[
                "/kms/xks/v",
                "/kms/xks/v123",
                "kms/xks/v1",
                "/a b/kms/xks/v1",
                "//kms/xks/v1x",
            ],
        );
        check(
            VPC_ENDPOINT_SERVICE_NAME,
            &[
                "com.amazonaws.vpce.us-east-1.vpce-svc-example1",
                "eu.amazonaws.vpce.eu-central-west-2.vpce-svc-0a1b",
            ],
            &[
                "com.amazonaws.vpce.us-1.vpce-svc-example1",
                "com.amazonaws.vpce.a-b-c-d-1.vpce-svc-x",
                "org.amazonaws.vpce.us-east-1.vpce-svc-x",
                "com.amazonaws.vpce.us-east-1.vpce-svc-X",
                "com.amazonaws.vpce.us-east-1.vpce-svc-",
            ],
        );
        check(
            ACCOUNT_ID,
            &["111122223333"],
            &["11112222333", "1111222233334", "11112222333a"],
        );
        check(
            XKS_ACCESS_KEY_ID,
            &["ABCDEFGHIJKLMNOPQRST234567"],
            &["ABCDE12345670EXAMPLE", "abc", ""],
        );
        check(
            XKS_SECRET_ACCESS_KEY,
            &["DXjSUawnel2fr6SKC7G25CNxTyWKE5PF9XX6H/u9pSo="],
            &["not base64!", ""],
        );
    }
}
