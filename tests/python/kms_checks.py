"""The checks the boto3 scripts share: one printed line per check, exit non-zero on the first
failure, and AWS's error (code, message, HTTP 400, request id) for a call that must fail."""

import json
import sys

import botocore.exceptions


def check(name, condition):
    if not condition:
        print(f"FAIL {name}")
        sys.exit(1)
    print(f"ok   {name}")


def expect_error(name, code, message, call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        check(f"{name}: {code}", err["Code"] == code and message in err.get("Message", ""))
        check(f"{name}: HTTP 400", e.response["ResponseMetadata"]["HTTPStatusCode"] == 400)
        check(f"{name}: request id", bool(e.response["ResponseMetadata"].get("RequestId")))
        return
    check(f"{name}: raised {code}", False)


def expect_empty_error(name, code, call, **kwargs):
    """The call fails with `code` and AWS's empty message, exactly (InvalidCiphertextException,
    KMSInvalidSignatureException: errors that must say nothing more)."""
    expect_error(name, code, "", call, **kwargs)
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        check(f"{name}: empty message", e.response["Error"].get("Message", "") == "")


def policy_denying(account, action):
    """A key policy that lets the account do everything except `action` (for everyone)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": action, "Resource": "*"}]})


def expect_access_denied(name, action, call, **kwargs):
    """The call fails with AccessDeniedException naming `action` (a policy denies it)."""
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        check(f"{name}: {err}", err["Code"] == "AccessDeniedException" and action in err["Message"])
        return
    check(f"{name}: raised AccessDeniedException", False)
