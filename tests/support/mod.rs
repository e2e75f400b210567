//! Helpers shared by the integration tests.

pub mod aws;
pub mod records;
