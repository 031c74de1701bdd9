//! The six custom key store operations, answered as AWS answers an account that has no custom
//! key store — which is every account here: nitro-kms keeps its keys in the enclave and never
//! creates a store (issue 18: "no fake store"). One module rather than one per operation, because
//! they share that one fact and each is a few lines.
//!
//! - DescribeCustomKeyStores: `{"CustomKeyStores":[],"Truncated":false}`; a `CustomKeyStoreId`
//!   or `CustomKeyStoreName` names nothing: `CustomKeyStoreNotFoundException`.
//! - Connect, Disconnect, Delete, Update: `CustomKeyStoreNotFoundException` for any id.
//! - Create: what AWS answers when the backing key store cannot be found or reached, so nothing
//!   is created: `CloudHsmClusterNotFoundException` for an `AWS_CLOUDHSM` store (the default
//!   type), `XksProxyUriUnreachableException` for an `EXTERNAL_KEY_STORE` on a public endpoint,
//!   `XksProxyVpcEndpointServiceNotFoundException` for one behind a VPC endpoint service. The
//!   members each type needs (API reference: "To create an CloudHSM key store, specify the
//!   CustomKeyStoreName, CloudHsmClusterId, KeyStorePassword, and TrustAnchorCertificate", and
//!   likewise for an external key store) are required first (`ValidationException`).
//!
//! No key is involved, so no key policy applies: these are IAM-only actions, and the caller was
//! authenticated (SigV4) as for CreateKey and ListKeys. AWS's message texts for these errors were
//! not recorded; ours name what was not found.

use std::sync::Arc;

use nitro_kms_api::ops::custom_key_stores::{
    CustomKeyStoreType, CustomKeyStoresListEntry, XksProxyConnectivityType,
};
use nitro_kms_api::ops::{
    ConnectCustomKeyStoreRequest, ConnectCustomKeyStoreResponse, CreateCustomKeyStoreRequest,
    CreateCustomKeyStoreResponse, DeleteCustomKeyStoreRequest, DeleteCustomKeyStoreResponse,
    DescribeCustomKeyStoresRequest, DescribeCustomKeyStoresResponse,
    DisconnectCustomKeyStoreRequest, DisconnectCustomKeyStoreResponse, UpdateCustomKeyStoreRequest,
    UpdateCustomKeyStoreResponse,
};
use nitro_kms_api::{KmsError, KmsErrorType};

use super::paging;
use crate::context::Context;

/// Runs DescribeCustomKeyStores: none, or `CustomKeyStoreNotFoundException` for a filter.
pub async fn describe(
    _svc: &Arc<Context>,
    _caller: &str,
    req: DescribeCustomKeyStoresRequest,
) -> Result<DescribeCustomKeyStoresResponse, KmsError> {
    if let Some(id) = &req.custom_key_store_id {
        return Err(KmsError::custom_key_store_not_found(id));
    }
    if let Some(name) = &req.custom_key_store_name {
        return Err(KmsError::custom_key_store_name_not_found(name));
    }
    let none: [CustomKeyStoresListEntry; 0] = [];
    let page = paging::page(&none, req.limit, req.marker.as_deref())?;
    Ok(DescribeCustomKeyStoresResponse {
        custom_key_stores: Some(page.items.to_vec()),
        next_marker: page.next_marker,
        truncated: Some(page.truncated),
    })
}

/// The error for an operation on the store `id`: there is none.
fn not_found<T>(id: Option<String>) -> Result<T, KmsError> {
    Err(KmsError::custom_key_store_not_found(
        &id.unwrap_or_default(),
    ))
}

/// Runs ConnectCustomKeyStore.
pub async fn connect(
    _svc: &Arc<Context>,
    _caller: &str,
    req: ConnectCustomKeyStoreRequest,
) -> Result<ConnectCustomKeyStoreResponse, KmsError> {
    not_found(req.custom_key_store_id)
}

/// Runs DisconnectCustomKeyStore.
pub async fn disconnect(
    _svc: &Arc<Context>,
    _caller: &str,
    req: DisconnectCustomKeyStoreRequest,
) -> Result<DisconnectCustomKeyStoreResponse, KmsError> {
    not_found(req.custom_key_store_id)
}

/// Runs DeleteCustomKeyStore.
pub async fn delete(
    _svc: &Arc<Context>,
    _caller: &str,
    req: DeleteCustomKeyStoreRequest,
) -> Result<DeleteCustomKeyStoreResponse, KmsError> {
    not_found(req.custom_key_store_id)
}

/// Runs UpdateCustomKeyStore.
pub async fn update(
    _svc: &Arc<Context>,
    _caller: &str,
    req: UpdateCustomKeyStoreRequest,
) -> Result<UpdateCustomKeyStoreResponse, KmsError> {
    not_found(req.custom_key_store_id)
}

/// Runs CreateCustomKeyStore: refused as AWS refuses a backing store it cannot find or reach.
pub async fn create(
    _svc: &Arc<Context>,
    _caller: &str,
    req: CreateCustomKeyStoreRequest,
) -> Result<CreateCustomKeyStoreResponse, KmsError> {
    let store_type = req
        .store_type()
        .ok_or_else(|| KmsError::internal("unvalidated custom key store type"))?;
    match store_type {
        CustomKeyStoreType::AwsCloudhsm => {
            require(
                &[
                    ("CloudHsmClusterId", req.cloud_hsm_cluster_id.is_some()),
                    ("KeyStorePassword", req.key_store_password.is_some()),
                    (
                        "TrustAnchorCertificate",
                        req.trust_anchor_certificate.is_some(),
                    ),
                ],
                store_type,
            )?;
            Err(KmsError::new(
                KmsErrorType::CloudHsmClusterNotFound,
                format!(
                    "Unable to find CloudHSM cluster with ID {}",
                    req.cloud_hsm_cluster_id.unwrap_or_default()
                ),
            ))
        }
        CustomKeyStoreType::ExternalKeyStore => {
            let connectivity = req.xks.connectivity();
            let vpc = connectivity == Some(XksProxyConnectivityType::VpcEndpointService);
            require(
                &[
                    ("XksProxyConnectivity", connectivity.is_some()),
                    (
                        "XksProxyUriEndpoint",
                        req.xks.xks_proxy_uri_endpoint.is_some(),
                    ),
                    ("XksProxyUriPath", req.xks.xks_proxy_uri_path.is_some()),
                    (
                        "XksProxyAuthenticationCredential",
                        req.xks.xks_proxy_authentication_credential.is_some(),
                    ),
                    (
                        "XksProxyVpcEndpointServiceName",
                        !vpc || req.xks.xks_proxy_vpc_endpoint_service_name.is_some(),
                    ),
                ],
                store_type,
            )?;
            if vpc {
                return Err(KmsError::new(
                    KmsErrorType::XksProxyVpcEndpointServiceNotFound,
                    format!(
                        "Unable to find VPC endpoint service {}",
                        req.xks
                            .xks_proxy_vpc_endpoint_service_name
                            .unwrap_or_default()
                    ),
                ));
            }
            Err(KmsError::new(
                KmsErrorType::XksProxyUriUnreachable,
                format!(
                    "KMS cannot reach the external key store proxy at {}",
                    req.xks.xks_proxy_uri_endpoint.unwrap_or_default()
                ),
            ))
        }
    }
}

/// `ValidationException` naming the first member a store of `store_type` needs and lacks.
fn require(members: &[(&str, bool)], store_type: CustomKeyStoreType) -> Result<(), KmsError> {
    match members.iter().find(|(_, present)| !present) {
        Some((member, _)) => Err(KmsError::validation(format!(
            "{member} is required for a custom key store of type {}",
            store_type.as_str()
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
