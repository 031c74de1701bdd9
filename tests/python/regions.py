"""boto3 clients of two regions against one `nitro-kms-proxy --simulate` endpoint (issue 18, every
region): each region has its own keys and aliases, every ARN carries the region the request was
signed for, and a region that is not AWS's is refused as AWS refuses a credential scope of a
region the endpoint does not serve. Sources: the recorded AWS errors
(shared/spec/aws-kms-real-errors.txt, `test_get_key_in_different_region`: a key id of another
region is "Key 'arn:...:<this region>:...:key/<id>' does not exist", its ARN "Invalid arn
<region>"); AWS's SigV4 error for a wrong scope region ("Credential should be scoped to a valid
region, not 'REGION'. "). Environment as in boto3_tour.py. Exits non-zero on the first failure.
"""

import os

import boto3

from kms_checks import check, expect_error

ENDPOINT = os.environ["NITRO_KMS_ENDPOINT"]
ACCOUNT = "111122223333"


def client(region, service="kms"):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=region)


east, west = client("us-east-1"), client("eu-west-1")
east_key = east.create_key(Description="east")["KeyMetadata"]
west_key = west.create_key(Description="west")["KeyMetadata"]
check("east ARN carries us-east-1", east_key["Arn"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{east_key['KeyId']}")
check("west ARN carries eu-west-1", west_key["Arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{west_key['KeyId']}")

east_ids = {k["KeyId"] for k in east.list_keys()["Keys"]}
west_keys = west.list_keys()["Keys"]
check("west lists only its own key", [k["KeyId"] for k in west_keys] == [west_key["KeyId"]])
check("west's listed ARN carries eu-west-1", west_keys[0]["KeyArn"] == west_key["Arn"])
check("east does not list west's key", west_key["KeyId"] not in east_ids and east_key["KeyId"] in east_ids)

# The same alias name in both regions: two aliases, each to its own region's key.
east.create_alias(AliasName="alias/app", TargetKeyId=east_key["KeyId"])
west.create_alias(AliasName="alias/app", TargetKeyId=west_key["KeyId"])
west_aliases = [a for a in west.list_aliases()["Aliases"] if a["AliasName"] == "alias/app"]
check("west's alias/app targets west's key", [a["TargetKeyId"] for a in west_aliases] == [west_key["KeyId"]])
check("west's alias ARN carries eu-west-1", west_aliases[0]["AliasArn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/app")
check("east's alias/app describes east's key", east.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == east_key["KeyId"])
check("west's alias/app describes west's key", west.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == west_key["KeyId"])

expect_error(
    "east's key id in west",
    "NotFoundException",
    f"Key 'arn:aws:kms:eu-west-1:{ACCOUNT}:key/{east_key['KeyId']}' does not exist",
    west.describe_key,
    KeyId=east_key["KeyId"],
)
expect_error(
    "east's key ARN in west",
    "NotFoundException",
    "Invalid arn us-east-1",
    west.describe_key,
    KeyId=east_key["Arn"],
)

blob = west.encrypt(KeyId="alias/app", Plaintext=b"west secret")["CiphertextBlob"]
opened = west.decrypt(CiphertextBlob=blob)
check("west decrypts its own ciphertext", opened["Plaintext"] == b"west secret" and opened["KeyId"] == west_key["Arn"])

identity = client("eu-west-1", "sts").get_caller_identity()
check("STS answers in eu-west-1", identity["Account"] == ACCOUNT)

expect_error(
    "a region AWS does not have",
    "InvalidSignatureException",
    "Credential should be scoped to a valid region, not 'us-east-3'. ",
    client("us-east-3").list_keys,
)
print("regions complete")
