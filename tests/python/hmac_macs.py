"""boto3 GenerateMac / VerifyMac against `nitro-kms-proxy --simulate`, for every HMAC key spec.

The key material of a KMS HMAC key cannot be exported, so Python's `hmac` cannot recompute the
MAC here; instead: the MAC has the length of Python's digest of the algorithm, VerifyMac accepts
it, and Python's `hmac.compare_digest` finds the same message's MACs equal and another message's
different; a MAC of another message is refused with KMSInvalidMacException (the model: VerifyMac
never answers MacValid=false). The error texts are AWS's recorded ones
(shared/spec/aws-kms-real-errors.txt). Environment as in boto3_tour.py. Exits non-zero on the
first failure.
"""

import hashlib
import hmac
import os
import sys

import boto3
import botocore.exceptions

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])

SPECS = [
    ("HMAC_224", "HMAC_SHA_224", hashlib.sha224),
    ("HMAC_256", "HMAC_SHA_256", hashlib.sha256),
    ("HMAC_384", "HMAC_SHA_384", hashlib.sha384),
    ("HMAC_512", "HMAC_SHA_512", hashlib.sha512),
]


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
        check(f"{name}: {code} {err}", err["Code"] == code and err.get("Message", "") == message)
        check(f"{name}: HTTP 400", e.response["ResponseMetadata"]["HTTPStatusCode"] == 400)
        return
    check(f"{name}: raised {code}", False)


for spec, algorithm, digest in SPECS:
    key = kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    check(f"{spec}: MacAlgorithms", key["MacAlgorithms"] == [algorithm])
    made = kms.generate_mac(KeyId=key["KeyId"], MacAlgorithm=algorithm, Message=b"important")
    check(f"{spec}: KeyId is the ARN", made["KeyId"] == key["Arn"])
    check(f"{spec}: MacAlgorithm", made["MacAlgorithm"] == algorithm)
    check(f"{spec}: length of Python's {digest().name}", len(made["Mac"]) == digest().digest_size)
    again = kms.generate_mac(KeyId=key["Arn"], MacAlgorithm=algorithm, Message=b"important")
    check(f"{spec}: deterministic", hmac.compare_digest(made["Mac"], again["Mac"]))
    other = kms.generate_mac(KeyId=key["KeyId"], MacAlgorithm=algorithm, Message=b"different")
    check(f"{spec}: message-bound", not hmac.compare_digest(made["Mac"], other["Mac"]))
    verified = kms.verify_mac(
        KeyId=key["KeyId"], MacAlgorithm=algorithm, Message=b"important", Mac=made["Mac"]
    )
    check(f"{spec}: MacValid", verified["MacValid"] is True and verified["KeyId"] == key["Arn"])
    expect_error(
        f"{spec}: another message's MAC",
        "KMSInvalidMacException",
        "",
        kms.verify_mac,
        KeyId=key["KeyId"],
        MacAlgorithm=algorithm,
        Message=b"different",
        Mac=made["Mac"],
    )
    try:
        kms.verify_mac(
            KeyId=key["KeyId"], MacAlgorithm=algorithm, Message=b"different", Mac=made["Mac"]
        )
        check(f"{spec}: another message's MAC raised", False)
    except kms.exceptions.KMSInvalidMacException:
        check(f"{spec}: boto3 raises its modelled KMSInvalidMacException", True)

key = kms.create_key(KeySpec="HMAC_224", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
expect_error(
    "test_invalid_generate_mac[HMAC_224-HMAC_SHA_256]",
    "InvalidKeyUsageException",
    "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.",
    kms.generate_mac,
    KeyId=key["KeyId"],
    MacAlgorithm="HMAC_SHA_256",
    Message=b"m",
)
try:
    kms.generate_mac(KeyId=key["KeyId"], MacAlgorithm="HMAC_SHA_224", Message=b"m", DryRun=True)
    check("DryRun raised", False)
except kms.exceptions.DryRunOperationException:
    check("DryRun: DryRunOperationException", True)
print("hmac macs complete")
