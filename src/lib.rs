//! kpiwatch watches the numbers a software business lives by and tells the right people
//! when one of them crosses a line.
//!
//! The library holds all of the logic; the `kpiwatch` command line and the Lambda
//! `bootstrap` binary are thin entry points over it. The folders follow the path of one
//! check cycle:
//!
//! - [`aws`] configures the AWS SDK clients and classifies their errors;
//! - [`config`] parses and validates `kpiwatch.yaml` into the types the rest of the code uses;
//! - [`sources`] pulls metrics from the configured sources into a [`model::Snapshot`];
//! - [`engine`] is the pure evaluation function: rules, snapshot, history, previous states
//!   and the evaluation time in, new states and notifications out;
//! - [`store`] keeps snapshots, rule states and the notification outbox;
//! - [`notify`] renders and delivers notifications;
//! - [`cycle`] wires one run of all of the above together;
//! - [`testing`] steps the engine through rule unit tests, for `kpiwatch test`.
#![warn(missing_docs)]

pub mod aws;
pub mod config;
pub mod cycle;
pub mod engine;
pub mod model;
pub mod notify;
pub mod sources;
pub mod store;
pub mod testing;
