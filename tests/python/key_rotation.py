"""boto3 key rotation against `nitro-kms-proxy --simulate`.

EnableKeyRotation (period 90..2560, default 365), GetKeyRotationStatus, DisableKeyRotation,
RotateKeyOnDemand (ciphertexts made before three rotations still decrypt, KeyMaterialId names the
material used), ListKeyRotations paging, and AWS's errors: the model (kms-service-2.json) for
members, ranges and error types; shared/spec/aws-kms-real-errors.txt for the texts
(test_rotate_key_on_demand_raises_error_given_key_is_disabled,
test_rotate_key_on_demand_raises_error_given_non_symmetric_key). Environment as in
boto3_tour.py. Exits non-zero on the first failure.
"""

import os

import boto3
import botocore.exceptions

from kms_checks import check, expect_error

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])

key = kms.create_key()["KeyMetadata"]
key_id, arn = key["KeyId"], key["Arn"]

status = kms.get_key_rotation_status(KeyId=key_id)
check("off by default", status["KeyRotationEnabled"] is False and "NextRotationDate" not in status)

kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
status = kms.get_key_rotation_status(KeyId=arn)
check("enabled", status["KeyRotationEnabled"] is True)
check("period 90", status["RotationPeriodInDays"] == 90)
check("next rotation date", "NextRotationDate" in status)
kms.enable_key_rotation(KeyId=key_id)
check("default period 365", kms.get_key_rotation_status(KeyId=key_id)["RotationPeriodInDays"] == 365)

# boto3 checks the model's range itself (the server's ValidationException is pinned by the
# enclave's tests and by the raw request in enclave_rotation.rs).
try:
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=89)
    check("period 89 refused", False)
except botocore.exceptions.ParamValidationError:
    check("period 89 refused by boto3", True)

kms.disable_key_rotation(KeyId=key_id)
check("disabled", kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False)

blobs = [kms.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"]]
for n in range(3):
    rotated = kms.rotate_key_on_demand(KeyId=key_id)
    check(f"rotation {n + 1}: KeyId", rotated["KeyId"] == key_id)
    blobs.append(kms.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"])
material_ids = []
for n, blob in enumerate(blobs):
    opened = kms.decrypt(CiphertextBlob=blob)
    check(f"blob {n} decrypts", opened["Plaintext"] == b"before")
    material_ids.append(opened["KeyMaterialId"])
check("four materials", len(set(material_ids)) == 4)

first = kms.list_key_rotations(KeyId=key_id, Limit=2)
check("page 1", len(first["Rotations"]) == 2 and first["Truncated"] is True)
second = kms.list_key_rotations(KeyId=key_id, Limit=2, Marker=first["NextMarker"])
check("page 2", len(second["Rotations"]) == 1 and second["Truncated"] is False)
rotations = first["Rotations"] + second["Rotations"]
check("on demand", all(r["RotationType"] == "ON_DEMAND" for r in rotations))
check("material ids", [r["KeyMaterialId"] for r in rotations] == material_ids[1:])
check("current", rotations[-1]["KeyMaterialState"] == "CURRENT")
paginated = [
    r
    for page in kms.get_paginator("list_key_rotations").paginate(KeyId=key_id, PaginationConfig={"PageSize": 1})
    for r in page["Rotations"]
]
check("paginator", len(paginated) == 3)

hmac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
expect_error("hmac key", "UnsupportedOperationException", "", kms.rotate_key_on_demand, KeyId=hmac_key["KeyId"])

kms.disable_key(KeyId=key_id)
expect_error("disabled key", "DisabledException", f"{arn} is disabled.", kms.rotate_key_on_demand, KeyId=key_id)

print("key rotation complete")
