"""STS requests against `nitro-kms-proxy --simulate`, for tests/tests/sts_get_caller_identity.rs.

Environment (set by tests/src/proxy.rs): NITRO_KMS_ENDPOINT, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Prints one JSON document on stdout.

    sts_requests.py boto3 [ACCESS_KEY_ID SECRET]
        boto3's sts.get_caller_identity(): {"Account", "Arn", "UserId"} on success, or
        {"Code", "Message", "HTTPStatusCode"} of the ClientError.
    sts_requests.py raw SPEC_JSON
        One POST / signed by botocore's SigV4Auth as SPEC says: {"service": "sts",
        "body": "...", "headers": {...}, "sign": true, "access_key_id": ..., "secret": ...}.
        Prints {"status", "headers", "body"} (headers lower-cased).
"""

import json
import os
import sys
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

ENDPOINT = os.environ["NITRO_KMS_ENDPOINT"]
REGION = os.environ["AWS_DEFAULT_REGION"]


def with_boto3(args):
    kwargs = {}
    if len(args) == 2:
        kwargs = {"aws_access_key_id": args[0], "aws_secret_access_key": args[1]}
    sts = boto3.client("sts", endpoint_url=ENDPOINT, **kwargs)
    try:
        answer = sts.get_caller_identity()
        return {k: answer[k] for k in ("Account", "Arn", "UserId")}
    except botocore.exceptions.ClientError as e:
        return {
            "Code": e.response["Error"]["Code"],
            "Message": e.response["Error"].get("Message"),
            "HTTPStatusCode": e.response["ResponseMetadata"]["HTTPStatusCode"],
        }


def raw(spec):
    body = spec.get("body", "").encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    headers.update(spec.get("headers", {}))
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=ENDPOINT + "/", data=body, headers=headers
    )
    if spec.get("sign", True):
        credentials = botocore.credentials.Credentials(
            spec.get("access_key_id", os.environ["AWS_ACCESS_KEY_ID"]),
            spec.get("secret", os.environ["AWS_SECRET_ACCESS_KEY"]),
        )
        botocore.auth.SigV4Auth(credentials, spec.get("service", "sts"), REGION).add_auth(
            request
        )
    prepared = request.prepare()
    http = urllib.request.Request(
        prepared.url, data=body, headers=dict(prepared.headers), method="POST"
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(http, timeout=60)
        status, answer_headers, answer = response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        status, answer_headers, answer = e.code, e.headers, e.read()
    return {
        "status": status,
        "headers": {k.lower(): v for k, v in answer_headers.items()},
        "body": answer.decode(),
    }


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "boto3":
        print(json.dumps(with_boto3(sys.argv[2:])))
    elif mode == "raw":
        print(json.dumps(raw(json.loads(sys.argv[2]))))
    else:
        sys.exit(f"unknown mode {mode}")
