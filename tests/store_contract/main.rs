//! One contract for every store backend. `suite.rs` states it; each backend's file runs
//! it against a real instance: a real SQLite file here, DynamoDB in the emulator.

mod dynamodb;
mod sqlite;
mod suite;
#[path = "../support/mod.rs"]
mod support;
