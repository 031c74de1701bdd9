//! The six custom key store operations: CreateCustomKeyStore, ConnectCustomKeyStore,
//! DeleteCustomKeyStore, DescribeCustomKeyStores, DisconnectCustomKeyStore and
//! UpdateCustomKeyStore.
//!
//! nitro-kms has no custom key stores and never makes one (issue 18: "no fake store"), but a
//! client calling these must get AWS's answers for an account that has none, so the requests are
//! parsed and validated exactly as the model says (lengths, the patterns of
//! [`patterns`], the two enums; `KeyStorePassword` and the XKS credential are sensitive:
//! [`SensitiveText`], hidden in messages). The responses of Connect, Delete, Disconnect and
//! Update are the model's empty structures, answered as `{}`.

pub mod patterns;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::blob::Timestamp;
use crate::json::{Kind, Member, Shape};
use crate::sensitive_text::SensitiveText;
use crate::types::kms_enum::{KmsEnum, UnknownEnumValue, kms_enum};
use crate::validate::{Validate, Violations};

kms_enum! {
    /// The kind of a custom key store.
    CustomKeyStoreType("CustomKeyStoreType") {
        /// Backed by a CloudHSM cluster (the default).
        AwsCloudhsm = "AWS_CLOUDHSM",
        /// Backed by an external key store proxy (XKS).
        ExternalKeyStore = "EXTERNAL_KEY_STORE",
    }
    accepted [AwsCloudhsm, ExternalKeyStore]
}

kms_enum! {
    /// How KMS reaches an external key store proxy.
    XksProxyConnectivityType("XksProxyConnectivityType") {
        /// Over the internet.
        PublicEndpoint = "PUBLIC_ENDPOINT",
        /// Through a VPC endpoint service.
        VpcEndpointService = "VPC_ENDPOINT_SERVICE",
    }
    accepted [PublicEndpoint, VpcEndpointService]
}

/// `XksProxyAuthenticationCredentialType`: the SigV4 key KMS would sign XKS requests with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct XksProxyAuthenticationCredential {
    /// The access key id (sensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<SensitiveText>,
    /// The raw secret key (sensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_secret_access_key: Option<SensitiveText>,
}

impl XksProxyAuthenticationCredential {
    const MEMBERS: &'static [Member] = &[
        Member::new("AccessKeyId", Kind::String),
        Member::new("RawSecretAccessKey", Kind::String),
    ];

    fn check(&self, v: &mut Violations, path: &str) {
        let at = |member: &str| format!("{path}.{member}");
        let id = self.access_key_id.as_ref().map(SensitiveText::expose);
        if v.not_null_sensitive(&at("accessKeyId"), id.is_some()) {
            v.sensitive_str_len(&at("accessKeyId"), id, 20, 30);
            v.sensitive_pattern(&at("accessKeyId"), id, patterns::XKS_ACCESS_KEY_ID);
        }
        let secret = self
            .raw_secret_access_key
            .as_ref()
            .map(SensitiveText::expose);
        if v.not_null_sensitive(&at("rawSecretAccessKey"), secret.is_some()) {
            v.sensitive_str_len(&at("rawSecretAccessKey"), secret, 43, 64);
            v.sensitive_pattern(
                &at("rawSecretAccessKey"),
                secret,
                patterns::XKS_SECRET_ACCESS_KEY,
            );
        }
    }
}

/// The external key store proxy members CreateCustomKeyStore and UpdateCustomKeyStore share
/// (flattened into both, so they are declared and checked once).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct XksProxySettings {
    /// The XKS proxy's `https://` endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xks_proxy_uri_endpoint: Option<String>,
    /// The XKS proxy's base path (`.../kms/xks/v1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xks_proxy_uri_path: Option<String>,
    /// The VPC endpoint service of the proxy (VPC_ENDPOINT_SERVICE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xks_proxy_vpc_endpoint_service_name: Option<String>,
    /// The account owning that endpoint service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xks_proxy_vpc_endpoint_service_owner: Option<String>,
    /// The credential KMS would sign proxy requests with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xks_proxy_authentication_credential: Option<XksProxyAuthenticationCredential>,
    /// `PUBLIC_ENDPOINT` or `VPC_ENDPOINT_SERVICE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xks_proxy_connectivity: Option<String>,
}

/// A request's member list: `$member`s, then the [`XksProxySettings`] members the model puts
/// after them.
macro_rules! members_then_xks {
    ($($member:expr),* $(,)?) => {
        &[
            $($member,)*
            Member::new("XksProxyUriEndpoint", Kind::String),
            Member::new("XksProxyUriPath", Kind::String),
            Member::new("XksProxyVpcEndpointServiceName", Kind::String),
            Member::new("XksProxyVpcEndpointServiceOwner", Kind::String),
            Member::new(
                "XksProxyAuthenticationCredential",
                Kind::Structure(XksProxyAuthenticationCredential::MEMBERS),
            ),
            Member::new("XksProxyConnectivity", Kind::String),
        ]
    };
}

impl XksProxySettings {
    /// The connectivity, if given and valid.
    pub fn connectivity(&self) -> Option<XksProxyConnectivityType> {
        self.xks_proxy_connectivity
            .as_deref()
            .and_then(XksProxyConnectivityType::parse_accepted)
    }

    fn check(&self, v: &mut Violations) {
        let endpoint = self.xks_proxy_uri_endpoint.as_deref();
        v.str_len("xksProxyUriEndpoint", endpoint, 10, 128);
        v.pattern("xksProxyUriEndpoint", endpoint, patterns::URI_ENDPOINT);
        let path = self.xks_proxy_uri_path.as_deref();
        v.str_len("xksProxyUriPath", path, 10, 128);
        v.pattern("xksProxyUriPath", path, patterns::URI_PATH);
        let name = self.xks_proxy_vpc_endpoint_service_name.as_deref();
        v.str_len("xksProxyVpcEndpointServiceName", name, 20, 64);
        v.pattern(
            "xksProxyVpcEndpointServiceName",
            name,
            patterns::VPC_ENDPOINT_SERVICE_NAME,
        );
        let owner = self.xks_proxy_vpc_endpoint_service_owner.as_deref();
        v.str_len("xksProxyVpcEndpointServiceOwner", owner, 12, 12);
        v.pattern(
            "xksProxyVpcEndpointServiceOwner",
            owner,
            patterns::ACCOUNT_ID,
        );
        if let Some(credential) = &self.xks_proxy_authentication_credential {
            credential.check(v, "xksProxyAuthenticationCredential");
        }
        v.enum_value::<XksProxyConnectivityType>(
            "xksProxyConnectivity",
            self.xks_proxy_connectivity.as_deref(),
        );
    }
}

/// `CloudHsmClusterId` and `KeyStorePassword`, as both requests check them.
fn check_cloudhsm_members(
    v: &mut Violations,
    cluster_id: Option<&str>,
    password: Option<&SensitiveText>,
) {
    v.str_len("cloudHsmClusterId", cluster_id, 19, 24);
    v.pattern("cloudHsmClusterId", cluster_id, patterns::CLUSTER_ID);
    let password = password.map(SensitiveText::expose);
    v.sensitive_str_len("keyStorePassword", password, 7, 32);
}

/// Request of CreateCustomKeyStore.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateCustomKeyStoreRequest {
    /// A friendly name, unique in the account and region (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_name: Option<String>,
    /// The CloudHSM cluster (AWS_CLOUDHSM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_hsm_cluster_id: Option<String>,
    /// The cluster's trust anchor certificate (AWS_CLOUDHSM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_anchor_certificate: Option<String>,
    /// The `kmsuser` password (AWS_CLOUDHSM; sensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_store_password: Option<SensitiveText>,
    /// `AWS_CLOUDHSM` (default) or `EXTERNAL_KEY_STORE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_type: Option<String>,
    /// The external key store proxy members.
    #[serde(flatten)]
    pub xks: XksProxySettings,
}

impl Shape for CreateCustomKeyStoreRequest {
    const NAME: &'static str = "CreateCustomKeyStoreRequest";
    const MEMBERS: &'static [Member] = members_then_xks!(
        Member::new("CustomKeyStoreName", Kind::String),
        Member::new("CloudHsmClusterId", Kind::String),
        Member::new("TrustAnchorCertificate", Kind::String),
        Member::new("KeyStorePassword", Kind::String),
        Member::new("CustomKeyStoreType", Kind::String),
    );
}

impl CreateCustomKeyStoreRequest {
    /// The store type with AWS's default (`AWS_CLOUDHSM`) applied; `None` only for a value
    /// validation refuses.
    pub fn store_type(&self) -> Option<CustomKeyStoreType> {
        match self.custom_key_store_type.as_deref() {
            None => Some(CustomKeyStoreType::AwsCloudhsm),
            Some(s) => CustomKeyStoreType::parse_accepted(s),
        }
    }
}

impl Validate for CreateCustomKeyStoreRequest {
    fn check_constraints(&self, v: &mut Violations) {
        let name = self.custom_key_store_name.as_deref();
        if v.not_null("customKeyStoreName", name.is_some()) {
            v.str_len("customKeyStoreName", name, 1, 256);
        }
        v.str_len(
            "trustAnchorCertificate",
            self.trust_anchor_certificate.as_deref(),
            1,
            5000,
        );
        v.enum_value::<CustomKeyStoreType>(
            "customKeyStoreType",
            self.custom_key_store_type.as_deref(),
        );
        check_cloudhsm_members(
            v,
            self.cloud_hsm_cluster_id.as_deref(),
            self.key_store_password.as_ref(),
        );
        self.xks.check(v);
    }
}

/// Response of CreateCustomKeyStore (never sent by nitro-kms: no store is ever created).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateCustomKeyStoreResponse {
    /// The new store's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_id: Option<String>,
}

impl Shape for CreateCustomKeyStoreResponse {
    const NAME: &'static str = "CreateCustomKeyStoreResponse";
    const MEMBERS: &'static [Member] = &[Member::new("CustomKeyStoreId", Kind::String)];
}

/// Declares a request whose only member is the required `CustomKeyStoreId`, and its empty
/// response (the model's `{}` structure).
macro_rules! store_id_request {
    ($(#[$doc:meta])* $request:ident, $response:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase", default)]
        pub struct $request {
            /// The custom key store (1 to 64 characters).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub custom_key_store_id: Option<String>,
        }

        impl Shape for $request {
            const NAME: &'static str = stringify!($request);
            const MEMBERS: &'static [Member] = &[Member::new("CustomKeyStoreId", Kind::String)];
        }

        impl Validate for $request {
            fn check_constraints(&self, v: &mut Violations) {
                check_store_id(v, self.custom_key_store_id.as_deref());
            }
        }

        #[doc = concat!("Response of ", stringify!($request), ": the model's empty structure, `{}`.")]
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $response {}

        impl Shape for $response {
            const NAME: &'static str = stringify!($response);
            const MEMBERS: &'static [Member] = &[];
        }
    };
}

/// A required `CustomKeyStoreIdType` member.
fn check_store_id(v: &mut Violations, id: Option<&str>) {
    if v.not_null("customKeyStoreId", id.is_some()) {
        v.str_len("customKeyStoreId", id, 1, 64);
    }
}

store_id_request!(
    /// Request of ConnectCustomKeyStore.
    ConnectCustomKeyStoreRequest,
    ConnectCustomKeyStoreResponse
);
store_id_request!(
    /// Request of DeleteCustomKeyStore.
    DeleteCustomKeyStoreRequest,
    DeleteCustomKeyStoreResponse
);
store_id_request!(
    /// Request of DisconnectCustomKeyStore.
    DisconnectCustomKeyStoreRequest,
    DisconnectCustomKeyStoreResponse
);

/// Request of UpdateCustomKeyStore.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateCustomKeyStoreRequest {
    /// The custom key store (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_id: Option<String>,
    /// A new friendly name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_custom_key_store_name: Option<String>,
    /// A new `kmsuser` password (sensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_store_password: Option<SensitiveText>,
    /// A related CloudHSM cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_hsm_cluster_id: Option<String>,
    /// New external key store proxy settings.
    #[serde(flatten)]
    pub xks: XksProxySettings,
}

impl Shape for UpdateCustomKeyStoreRequest {
    const NAME: &'static str = "UpdateCustomKeyStoreRequest";
    const MEMBERS: &'static [Member] = members_then_xks!(
        Member::new("CustomKeyStoreId", Kind::String),
        Member::new("NewCustomKeyStoreName", Kind::String),
        Member::new("KeyStorePassword", Kind::String),
        Member::new("CloudHsmClusterId", Kind::String),
    );
}

impl Validate for UpdateCustomKeyStoreRequest {
    fn check_constraints(&self, v: &mut Violations) {
        check_store_id(v, self.custom_key_store_id.as_deref());
        v.str_len(
            "newCustomKeyStoreName",
            self.new_custom_key_store_name.as_deref(),
            1,
            256,
        );
        check_cloudhsm_members(
            v,
            self.cloud_hsm_cluster_id.as_deref(),
            self.key_store_password.as_ref(),
        );
        self.xks.check(v);
    }
}

/// Response of UpdateCustomKeyStore: the model's empty structure, `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateCustomKeyStoreResponse {}

impl Shape for UpdateCustomKeyStoreResponse {
    const NAME: &'static str = "UpdateCustomKeyStoreResponse";
    const MEMBERS: &'static [Member] = &[];
}

/// Request of DescribeCustomKeyStores: all stores, or one by id or by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeCustomKeyStoresRequest {
    /// Only this store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_id: Option<String>,
    /// Only the store of this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_name: Option<String>,
    /// Page size, 1 to 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `NextMarker` of a previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Shape for DescribeCustomKeyStoresRequest {
    const NAME: &'static str = "DescribeCustomKeyStoresRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("CustomKeyStoreId", Kind::String),
        Member::new("CustomKeyStoreName", Kind::String),
        Member::new("Limit", Kind::Integer),
        Member::new("Marker", Kind::String),
    ];
}

impl Validate for DescribeCustomKeyStoresRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.str_len(
            "customKeyStoreId",
            self.custom_key_store_id.as_deref(),
            1,
            64,
        );
        v.str_len(
            "customKeyStoreName",
            self.custom_key_store_name.as_deref(),
            1,
            256,
        );
        v.pagination(self.limit, self.marker.as_deref());
    }
}

/// `XksProxyConfigurationType` of a listed store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct XksProxyConfiguration {
    /// The proxy's access key id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<SensitiveText>,
    /// `PUBLIC_ENDPOINT` or `VPC_ENDPOINT_SERVICE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connectivity: Option<String>,
    /// The proxy endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_endpoint: Option<String>,
    /// The proxy path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_path: Option<String>,
    /// The VPC endpoint service name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_service_name: Option<String>,
    /// The VPC endpoint service owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_service_owner: Option<String>,
}

impl XksProxyConfiguration {
    const MEMBERS: &'static [Member] = &[
        Member::new("AccessKeyId", Kind::String),
        Member::new("Connectivity", Kind::String),
        Member::new("UriEndpoint", Kind::String),
        Member::new("UriPath", Kind::String),
        Member::new("VpcEndpointServiceName", Kind::String),
        Member::new("VpcEndpointServiceOwner", Kind::String),
    ];
}

/// `CustomKeyStoresListEntry`: one store as DescribeCustomKeyStores lists it (members in AWS's
/// order). nitro-kms lists none; the type is here so the answer has the model's shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CustomKeyStoresListEntry {
    /// Its CloudHSM cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_hsm_cluster_id: Option<String>,
    /// Why the last connection attempt failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_error_code: Option<String>,
    /// CONNECTED, CONNECTING, FAILED, DISCONNECTED or DISCONNECTING.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_state: Option<String>,
    /// When it was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    /// Its id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_id: Option<String>,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_name: Option<String>,
    /// Its type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_type: Option<String>,
    /// Its cluster's trust anchor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_anchor_certificate: Option<String>,
    /// Its XKS proxy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xks_proxy_configuration: Option<XksProxyConfiguration>,
}

impl CustomKeyStoresListEntry {
    const MEMBERS: &'static [Member] = &[
        Member::new("CloudHsmClusterId", Kind::String),
        Member::new("ConnectionErrorCode", Kind::String),
        Member::new("ConnectionState", Kind::String),
        Member::new("CreationDate", Kind::Timestamp),
        Member::new("CustomKeyStoreId", Kind::String),
        Member::new("CustomKeyStoreName", Kind::String),
        Member::new("CustomKeyStoreType", Kind::String),
        Member::new("TrustAnchorCertificate", Kind::String),
        Member::new(
            "XksProxyConfiguration",
            Kind::Structure(XksProxyConfiguration::MEMBERS),
        ),
    ];
}

/// Response of DescribeCustomKeyStores (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeCustomKeyStoresResponse {
    /// The stores on this page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_stores: Option<Vec<CustomKeyStoresListEntry>>,
    /// Marker of the next page, when `Truncated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// Whether more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

impl Shape for DescribeCustomKeyStoresResponse {
    const NAME: &'static str = "DescribeCustomKeyStoresResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new(
            "CustomKeyStores",
            Kind::List(&Kind::Structure(CustomKeyStoresListEntry::MEMBERS)),
        ),
        Member::new("NextMarker", Kind::String),
        Member::new("Truncated", Kind::Boolean),
    ];
}

#[cfg(test)]
mod tests;
