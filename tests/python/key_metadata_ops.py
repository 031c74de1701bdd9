"""boto3 against `nitro-kms-proxy --simulate`: the key metadata operations of issue 18
(UpdateKeyDescription, ListKeyPolicies, GetKeyPolicy with PolicyName) and, when run with the
argument `custom-key-stores`, the custom key store operations as AWS answers them for an account
that has none. Sources: botocore's KMS model (members, errors) and AWS's API reference pages.

Environment (set by tests/src/proxy.rs): NITRO_KMS_ENDPOINT, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Prints one line per check; exits non-zero on the first
failure.
"""

import os
import sys

import boto3

from kms_checks import check, expect_error

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])


def key_metadata_ops():
    key = kms.create_key(Description="before")["KeyMetadata"]
    key_id, arn = key["KeyId"], key["Arn"]
    answer = kms.update_key_description(KeyId=key_id, Description="after")
    check("UpdateKeyDescription: HTTP 200", answer["ResponseMetadata"]["HTTPStatusCode"] == 200)
    check("UpdateKeyDescription: no members", set(answer) == {"ResponseMetadata"})
    described = kms.describe_key(KeyId=arn)["KeyMetadata"]
    check("DescribeKey shows the new description", described["Description"] == "after")
    policies = kms.list_key_policies(KeyId=key_id)
    check("ListKeyPolicies: default", policies["PolicyNames"] == ["default"])
    check("ListKeyPolicies: not truncated", policies["Truncated"] is False)
    pages = kms.get_paginator("list_key_policies").paginate(KeyId=arn)
    check(
        "ListKeyPolicies paginator",
        [n for p in pages for n in p["PolicyNames"]] == ["default"],
    )
    got = kms.get_key_policy(KeyId=key_id, PolicyName="default")
    check("GetKeyPolicy: PolicyName", got["PolicyName"] == "default")
    got = kms.get_key_policy(KeyId=key_id)
    check("GetKeyPolicy without PolicyName", got["PolicyName"] == "default")
    expect_error(
        "GetKeyPolicy AWS_RAM",
        "NotFoundException",
        "No such policy exists: AWS_RAM",
        kms.get_key_policy,
        KeyId=key_id,
        PolicyName="AWS_RAM",
    )
    missing = "11111111-2222-3333-4444-555555555555"
    expect_error(
        "UpdateKeyDescription missing key",
        "NotFoundException",
        f"Key '{arn.rsplit('/', 1)[0]}/{missing}' does not exist",
        kms.update_key_description,
        KeyId=missing,
        Description="x",
    )
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    expect_error(
        "UpdateKeyDescription pending deletion",
        "KMSInvalidStateException",
        f"{arn} is pending deletion.",
        kms.update_key_description,
        KeyId=key_id,
        Description="x",
    )


def custom_key_stores():
    stores = kms.describe_custom_key_stores()
    check("DescribeCustomKeyStores: empty", stores["CustomKeyStores"] == [])
    check("DescribeCustomKeyStores: not truncated", stores["Truncated"] is False)
    expect_error(
        "DescribeCustomKeyStores by id",
        "CustomKeyStoreNotFoundException",
        "Unable to find custom key store with ID cks-1234567890abcdef0",
        kms.describe_custom_key_stores,
        CustomKeyStoreId="cks-1234567890abcdef0",
    )
    expect_error(
        "DescribeCustomKeyStores by name",
        "CustomKeyStoreNotFoundException",
        "Unable to find custom key store with name ExampleKeyStore",
        kms.describe_custom_key_stores,
        CustomKeyStoreName="ExampleKeyStore",
    )
    for name, call, extra in [
        ("ConnectCustomKeyStore", kms.connect_custom_key_store, {}),
        ("DisconnectCustomKeyStore", kms.disconnect_custom_key_store, {}),
        ("DeleteCustomKeyStore", kms.delete_custom_key_store, {}),
        ("UpdateCustomKeyStore", kms.update_custom_key_store, {"NewCustomKeyStoreName": "n"}),
    ]:
        expect_error(
            name,
            "CustomKeyStoreNotFoundException",
            "Unable to find custom key store with ID cks-1234567890abcdef0",
            call,
            CustomKeyStoreId="cks-1234567890abcdef0",
            **extra,
        )
    expect_error(
        "CreateCustomKeyStore AWS_CLOUDHSM",
        "CloudHsmClusterNotFoundException",
        "Unable to find CloudHSM cluster with ID cluster-2a23b4cdefg",
        kms.create_custom_key_store,
        CustomKeyStoreName="ExampleKeyStore",
        CloudHsmClusterId="cluster-2a23b4cdefg",
        TrustAnchorCertificate="-----BEGIN CERTIFICATE-----",
        KeyStorePassword="kmsPswd1",
    )
    expect_error(
        "CreateCustomKeyStore EXTERNAL_KEY_STORE",
        "XksProxyUriUnreachableException",
        "KMS cannot reach the external key store proxy at https://myproxy.xks.example.com",
        kms.create_custom_key_store,
        CustomKeyStoreName="ExampleExternalKeyStore",
        CustomKeyStoreType="EXTERNAL_KEY_STORE",
        XksProxyConnectivity="PUBLIC_ENDPOINT",
        XksProxyUriEndpoint="https://myproxy.xks.example.com",
        XksProxyUriPath="/kms/xks/v1",
        XksProxyAuthenticationCredential={
            "AccessKeyId": "ABCDEFGHIJKLMNOPQRST234567",
            "RawSecretAccessKey": "DXjSUawnel2fr6SKC7G25CNxTyWKE5PF9XX6H/u9pSo=",
        },
    )
    expect_error(
        "CreateKey in a custom key store",
        "CustomKeyStoreNotFoundException",
        "Unable to find custom key store with ID cks-1234567890abcdef0",
        kms.create_key,
        CustomKeyStoreId="cks-1234567890abcdef0",
        Origin="AWS_CLOUDHSM",
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["custom-key-stores"]:
        custom_key_stores()
    else:
        key_metadata_ops()
    print("boto3 key metadata complete")
