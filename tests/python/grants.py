"""boto3 grants against `nitro-kms-proxy --simulate`.

CreateGrant (operations, retiring principal, an EncryptionContextSubset constraint, Name
idempotency: the same GrantId with a new token), the grant token used at once in Encrypt,
ListGrants paging, ListRetirableGrants, RetireGrant by token and by key and grant id,
RevokeGrant, and the errors AWS answers (the model's rows; messages as in
tests/tests/enclave_grants.rs). Environment as in boto3_tour.py. Exits non-zero on the first
failure.
"""

import os

import boto3

from kms_checks import check, expect_error

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])
sts = boto3.client("sts", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])
me = sts.get_caller_identity()["Arn"]
grantee = "arn:aws:iam::111122223333:role/app"

key_id = kms.create_key()["KeyMetadata"]["KeyId"]
first = kms.create_grant(
    KeyId=key_id,
    GranteePrincipal=grantee,
    RetiringPrincipal=me,
    Operations=["Encrypt", "Decrypt"],
    Constraints={"EncryptionContextSubset": {"tenant": "a"}},
    Name="app-grant",
)
check("grant id is 64 hex", len(first["GrantId"]) == 64)
again = kms.create_grant(
    KeyId=key_id,
    GranteePrincipal=grantee,
    RetiringPrincipal=me,
    Operations=["Encrypt", "Decrypt"],
    Constraints={"EncryptionContextSubset": {"tenant": "a"}},
    Name="app-grant",
)
check("same name and parameters: same grant id", again["GrantId"] == first["GrantId"])
check("a new token each time", again["GrantToken"] != first["GrantToken"])

sealed = kms.encrypt(KeyId=key_id, Plaintext=b"hi", GrantTokens=[first["GrantToken"]])
check("the token is accepted at once", "CiphertextBlob" in sealed)
expect_error(
    "forged token", "InvalidGrantTokenException", "Invalid grant token.",
    kms.encrypt, KeyId=key_id, Plaintext=b"hi", GrantTokens=["00" * 120],
)

second = kms.create_grant(KeyId=key_id, GranteePrincipal=grantee, Operations=["DescribeKey"])
page = kms.list_grants(KeyId=key_id, Limit=1)
check("first page of one", len(page["Grants"]) == 1 and page["Truncated"] is True)
rest = kms.list_grants(KeyId=key_id, Limit=1, Marker=page["NextMarker"])
check("second page", len(rest["Grants"]) == 1 and rest["Truncated"] is False)
entry = page["Grants"][0]
check("entry constraints", entry["Constraints"] == {"EncryptionContextSubset": {"tenant": "a"}})
check("entry creation date", "CreationDate" in entry and entry["IssuingAccount"].endswith(":root"))
retirable = kms.list_retirable_grants(RetiringPrincipal=me)
check("retirable grants", [g["GrantId"] for g in retirable["Grants"]] == [first["GrantId"]])

kms.retire_grant(GrantToken=first["GrantToken"])
kms.revoke_grant(KeyId=key_id, GrantId=second["GrantId"])
check("no grants left", kms.list_grants(KeyId=key_id)["Grants"] == [])
expect_error(
    "revoked again", "NotFoundException", "Grant ID not found",
    kms.revoke_grant, KeyId=key_id, GrantId=second["GrantId"],
)
expect_error(
    "only CreateGrant", "ValidationException",
    "Grants must not contain only the CreateGrant operation.",
    kms.create_grant, KeyId=key_id, GranteePrincipal=grantee, Operations=["CreateGrant"],
)
print("grants complete")
