//! End-to-end tests of nitro-kms live in `tests/`; this library is empty on purpose.
