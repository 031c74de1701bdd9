"""Multi-Region keys across the regions one `nitro-kms-proxy --simulate` endpoint serves (issue 18
item 6), through boto3 clients of two regions: CreateKey MultiRegion=True, ReplicateKey,
DescribeKey's MultiRegionConfiguration in both regions, ciphertexts of either copy decrypting with
the other (same key id and material), RotateKeyOnDemand on the primary reaching the replica,
UpdatePrimaryRegion, the error rows, and ScheduleKeyDeletion of a primary with replicas
(PendingReplicaDeletion, refused use, CancelKeyDeletion). Sources: the model's documentation of ReplicateKey and
UpdatePrimaryRegion (kms-service-2.json); the recorded not-primary error
(shared/spec/aws-kms-real-errors.txt, test_replicate_replica_key_should_fail:
UnsupportedOperationException "<mrk-key-arn> is not a multi-region primary key."); ReplicateKey's
documentation for AlreadyExistsException. Exits non-zero on the first failure.
"""

import os

import boto3

from kms_checks import check, expect_error, policy_denying

ENDPOINT = os.environ["NITRO_KMS_ENDPOINT"]
ACCOUNT = "111122223333"


def client(region):
    return boto3.client("kms", endpoint_url=ENDPOINT, region_name=region)


def arn(region, key_id):
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


east, west = client("us-east-1"), client("eu-west-1")
key_id = east.create_key(MultiRegion=True, Description="primary")["KeyMetadata"]["KeyId"]
check("an mrk- id", key_id.startswith("mrk-"))

replicated = east.replicate_key(
    KeyId=key_id, ReplicaRegion="eu-west-1", Description="replica",
    Tags=[{"TagKey": "team", "TagValue": "core"}])
replica = replicated["ReplicaKeyMetadata"]
check("replica ARN in eu-west-1", replica["Arn"] == arn("eu-west-1", key_id))
check("replica has the same key id", replica["KeyId"] == key_id)
check("replica has its own description", replica["Description"] == "replica")
check("replica is enabled", replica["KeyState"] == "Enabled")
check("replica tags", replicated["ReplicaTags"] == [{"TagKey": "team", "TagValue": "core"}])
check("replica default policy", ACCOUNT in replicated["ReplicaPolicy"])


def configuration(kms):
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]


for kms, kind in [(east, "PRIMARY"), (west, "REPLICA")]:
    config = configuration(kms)
    check(f"{kind} type", config["MultiRegionKeyType"] == kind)
    check(f"{kind} sees the primary", config["PrimaryKey"] == {"Arn": arn("us-east-1", key_id), "Region": "us-east-1"})
    check(f"{kind} sees the replica", config["ReplicaKeys"] == [{"Arn": arn("eu-west-1", key_id), "Region": "eu-west-1"}])

for sealer, opener, name in [(east, west, "east to west"), (west, east, "west to east")]:
    blob = sealer.encrypt(KeyId=key_id, Plaintext=b"across regions")["CiphertextBlob"]
    opened = opener.decrypt(CiphertextBlob=blob)
    check(f"{name} decrypts", opened["Plaintext"] == b"across regions")

east.rotate_key_on_demand(KeyId=key_id)
blob = east.encrypt(KeyId=key_id, Plaintext=b"after rotation")["CiphertextBlob"]
check("the replica decrypts after the primary's rotation", west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"after rotation")
check("the replica lists the rotation", len(west.list_key_rotations(KeyId=key_id)["Rotations"]) == 1)

expect_error("replicating the replica", "UnsupportedOperationException",
             f"{arn('eu-west-1', key_id)} is not a multi-region primary key.",
             west.replicate_key, KeyId=key_id, ReplicaRegion="us-west-2")
expect_error("rotating the replica", "UnsupportedOperationException",
             f"{arn('eu-west-1', key_id)} is not a multi-region primary key.",
             west.rotate_key_on_demand, KeyId=key_id)
expect_error("a second replica in eu-west-1", "AlreadyExistsException", arn("eu-west-1", key_id),
             east.replicate_key, KeyId=key_id, ReplicaRegion="eu-west-1")
expect_error("a replica in the primary's region", "UnsupportedOperationException", "",
             east.replicate_key, KeyId=key_id, ReplicaRegion="us-east-1")
single = east.create_key()["KeyMetadata"]["KeyId"]
expect_error("a single-Region key", "UnsupportedOperationException",
             f"{arn('us-east-1', single)} is not a multi-region primary key.",
             east.replicate_key, KeyId=single, ReplicaRegion="eu-west-1")
expect_error("UpdatePrimaryRegion to a region without a replica", "NotFoundException",
             f"Key '{arn('us-west-2', key_id)}' does not exist",
             east.update_primary_region, KeyId=key_id, PrimaryRegion="us-west-2")

denied = east.create_key(MultiRegion=True, Policy=policy_denying(ACCOUNT, "kms:ReplicateKey"))["KeyMetadata"]["KeyId"]
expect_error("a policy denying kms:ReplicateKey", "AccessDeniedException", "kms:ReplicateKey",
             east.replicate_key, KeyId=denied, ReplicaRegion="eu-west-1")

east.update_primary_region(KeyId=key_id, PrimaryRegion="eu-west-1")
check("west is primary now", configuration(west)["MultiRegionKeyType"] == "PRIMARY")
check("east is a replica now", configuration(east)["MultiRegionKeyType"] == "REPLICA")
check("both name eu-west-1 primary", configuration(east)["PrimaryKey"]["Region"] == "eu-west-1")
replica_of_west = client("ap-south-1")
west.replicate_key(KeyId=key_id, ReplicaRegion="ap-south-1")
blob = west.encrypt(KeyId=key_id, Plaintext=b"new primary")["CiphertextBlob"]
check("a replica made by the new primary decrypts", replica_of_west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"new primary")

# ScheduleKeyDeletion of a primary that has replicas (its documentation and KeyMetadata's): the
# primary waits in PendingReplicaDeletion with its window and no date, refuses use while its
# replica still works, and CancelKeyDeletion brings it back Disabled.
doomed = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
east.replicate_key(KeyId=doomed, ReplicaRegion="eu-west-1")
scheduled = east.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
check("a primary with replicas is PendingReplicaDeletion", scheduled["KeyState"] == "PendingReplicaDeletion")
check("no deletion date until the last replica goes", "DeletionDate" not in scheduled)
check("the window asked for", scheduled["PendingWindowInDays"] == 7)
doomed_metadata = east.describe_key(KeyId=doomed)["KeyMetadata"]
check("DescribeKey shows PendingReplicaDeletion", doomed_metadata["KeyState"] == "PendingReplicaDeletion")
check("DescribeKey shows the window", doomed_metadata.get("PendingDeletionWindowInDays") == 7)
check("DescribeKey shows no date", "DeletionDate" not in doomed_metadata)
expect_error("encrypting under a primary pending replica deletion", "KMSInvalidStateException",
             f"{arn('us-east-1', doomed)} is pending replica deletion.",
             east.encrypt, KeyId=doomed, Plaintext=b"x")
check("its replica still encrypts", west.encrypt(KeyId=doomed, Plaintext=b"x")["KeyId"] == arn("eu-west-1", doomed))
east.cancel_key_deletion(KeyId=doomed)
check("cancelled: Disabled", east.describe_key(KeyId=doomed)["KeyMetadata"]["KeyState"] == "Disabled")
print("multi-region keys complete")
