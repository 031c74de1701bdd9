//! The KMS operations, one module per operation, and the steps they share.
//!
//! Each module's `run` takes the [`Context`](crate::context::Context), the authenticated caller
//! and the typed, validated request (see `nitro_kms_api::ops`) and returns the typed response or
//! AWS's error; [`crate::service`] parses requests, dispatches them here and renders the answers.
//! Shared steps live beside them: [`access`] (find the key once, authorize it, check state and
//! usage), [`ciphertext`] (blobs under stored keys), [`mac_key`] (HMAC keys and their one algorithm),
//! [`signing_key`] (signing keys, their algorithms and messages), [`key_rotation`] (which keys
//! rotate), [`imported_key`] (the `EXTERNAL` origin, import tokens and imported material's
//! ids), [`grant_access`] and [`grant_tokens`] (grants in authorization), [`multi_region_key`]
//! (multi-Region keys' copies in every region) and [`paging`]. Mutating operations build a
//! [`crate::keystore::Mutation`] and [`commit`] it through [`crate::storage::sealed_store`], so
//! their answer is only sent once the parent has stored the change durably.

pub mod access;
pub mod ciphertext;
pub mod commit;
pub mod grant_access;
pub mod grant_tokens;
pub mod imported_key;
pub mod kem_key;
pub mod key_rotation;
pub mod multi_region_key;
pub mod paging;
pub mod rsa_encryption_key;

pub mod cancel_key_deletion;
pub mod create_alias;
pub mod create_grant;
pub mod create_key;
pub mod custom_key_stores;
pub mod decapsulate;
pub mod decrypt;
pub mod delete_alias;
pub mod delete_imported_key_material;
pub mod derive_shared_secret;
pub mod describe_key;
pub mod disable_key;
pub mod disable_key_rotation;
pub mod enable_key;
pub mod enable_key_rotation;
pub mod encapsulate;
pub mod encrypt;
pub mod generate_data_key;
pub mod generate_data_key_pair;
pub mod generate_data_key_pair_without_plaintext;
pub mod generate_data_key_without_plaintext;
pub mod generate_mac;
pub mod generate_random;
pub mod get_key_last_usage;
pub mod get_key_policy;
pub mod get_key_rotation_status;
pub mod get_parameters_for_import;
pub mod get_public_key;
pub mod import_key_material;
pub mod list_aliases;
pub mod list_grants;
pub mod list_key_policies;
pub mod list_key_rotations;
pub mod list_keys;
pub mod list_resource_tags;
pub mod mac_key;
pub mod put_key_policy;
pub mod re_encrypt;
pub mod replicate_key;
pub mod retire_grant;
pub mod rotate_key_on_demand;
pub mod schedule_key_deletion;
pub mod sign;
pub mod signing_key;
pub mod tag_resource;
pub mod untag_resource;
pub mod update_alias;
pub mod update_key_description;
pub mod update_primary_region;
pub mod verify;
pub mod verify_mac;
