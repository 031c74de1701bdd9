"""boto3 against `nitro-kms-proxy --simulate`: GetKeyLastUsage (issue 18). A fresh key answers an
empty `KeyLastUsage` tracked since its creation; each successful cryptographic operation becomes
the last use, with the `x-amzn-RequestId` of its answer as `KmsRequestId`; ReEncrypt is a use of
both keys; a failed call and a non-cryptographic one are not uses; an alias is refused. Sources:
botocore's KMS model (GetKeyLastUsage's shapes and documentation: "Alias names are not
supported", "If the key has not been used since tracking began, this response element is an
empty object") and AWS's API reference page for GetKeyLastUsage.

Environment as in key_metadata_ops.py. Exits non-zero on the first failure.
"""

import os

import boto3

from kms_checks import check, expect_error

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])


def last(key_id):
    return kms.get_key_last_usage(KeyId=key_id)


key = kms.create_key(Description="used")["KeyMetadata"]
fresh = last(key["KeyId"])
check("fresh key: KeyId is the key id", fresh["KeyId"] == key["KeyId"])
check("fresh key: empty KeyLastUsage", fresh["KeyLastUsage"] == {})
check("fresh key: KeyCreationDate", fresh["KeyCreationDate"] == key["CreationDate"])
check("fresh key: tracked since its creation", fresh["TrackingStartDate"] == fresh["KeyCreationDate"])

encrypted = kms.encrypt(KeyId=key["Arn"], Plaintext=b"hello")
used = last(key["Arn"])["KeyLastUsage"]
check("Encrypt is the last use", used["Operation"] == "Encrypt")
check(
    "KmsRequestId is Encrypt's request id",
    used["KmsRequestId"] == encrypted["ResponseMetadata"]["RequestId"],
)
check("no CloudTrail event id", "CloudTrailEventId" not in used)
check("Timestamp is a date", used["Timestamp"] >= fresh["KeyCreationDate"])

kms.describe_key(KeyId=key["KeyId"])
check("DescribeKey is not a use", last(key["KeyId"])["KeyLastUsage"]["Operation"] == "Encrypt")

other = kms.create_key()["KeyMetadata"]
re_encrypted = kms.re_encrypt(
    CiphertextBlob=encrypted["CiphertextBlob"], DestinationKeyId=other["KeyId"]
)
check("ReEncrypt: a use of the source key", last(key["KeyId"])["KeyLastUsage"]["Operation"] == "ReEncrypt")
check("ReEncrypt: a use of the destination key", last(other["KeyId"])["KeyLastUsage"]["Operation"] == "ReEncrypt")

kms.disable_key(KeyId=key["KeyId"])
expect_error(
    "Decrypt with a disabled key",
    "DisabledException",
    f"{key['Arn']} is disabled.",
    kms.decrypt,
    CiphertextBlob=encrypted["CiphertextBlob"],
)
check("a failed Decrypt is not a use", last(key["KeyId"])["KeyLastUsage"]["Operation"] == "ReEncrypt")

kms.create_alias(AliasName="alias/last-usage", TargetKeyId=other["KeyId"])
expect_error(
    "an alias is refused",
    "NotFoundException",
    "Invalid keyId 'alias/last-usage'",
    kms.get_key_last_usage,
    KeyId="alias/last-usage",
)
print("boto3 key last usage complete")
