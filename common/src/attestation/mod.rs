//! Nitro attestation documents.

pub mod build;
pub mod cert_builder;
