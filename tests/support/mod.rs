//! Helpers shared by the integration tests.

pub mod aws;
pub mod faults;
pub mod http_server;
pub mod partial_failures;
pub mod records;
