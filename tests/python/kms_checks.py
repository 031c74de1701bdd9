"""The checks the boto3 scripts share: one printed line per check, exit non-zero on the first
failure, and AWS's error (code, message, HTTP 400, request id) for a call that must fail."""

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
