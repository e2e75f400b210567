//! The pure evaluation function.
//!
//! [`evaluate`] takes the rules, this run's snapshot, the baseline snapshots that `change`
//! rules compare against, the previous rule states and the evaluation time T. It returns
//! the new states and the notifications to send. It reads no clock, no environment and no
//! file, so tests step it through time one evaluation at a time.

mod state;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use state::{Datapoint, RuleState};

use crate::config::Config;
use crate::model::{Notification, Snapshot};

/// Previous or new rule states, by rule id. Source-health rules use the id
/// `source-health:<source id>`.
pub type RuleStates = BTreeMap<String, RuleState>;

/// For each `change.vs` offset in the config, the stored snapshot nearest at or before
/// `T - vs`, when there is one.
pub type Baselines = BTreeMap<Duration, Snapshot>;

/// Everything one evaluation reads.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationInput<'a> {
    /// The validated config: rules, silences, sources and source-health settings.
    pub config: &'a Config,
    /// This run's snapshot, taken at `at`.
    pub snapshot: &'a Snapshot,
    /// Baselines for `change` rules; see [`baseline_offsets`].
    pub baselines: &'a Baselines,
    /// The states the previous evaluation returned; empty on the first run.
    pub states: &'a RuleStates,
    /// The evaluation time T.
    pub at: DateTime<Utc>,
}

/// What one evaluation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The new state of every rule in the config, and of every source's health rule.
    pub states: RuleStates,
    /// The notifications to send, in rule order.
    pub notifications: Vec<Notification>,
}

/// The distinct `change.vs` offsets of the rules, shortest first. The cycle asks the store
/// for one baseline snapshot per offset.
pub fn baseline_offsets(rules: &[crate::config::Rule]) -> Vec<Duration> {
    let mut offsets: Vec<Duration> = rules
        .iter()
        .filter_map(|r| r.change.map(|c| c.vs))
        .collect();
    offsets.sort();
    offsets.dedup();
    offsets
}

/// Evaluates every rule at `input.at`. Placeholder until the engine lands.
pub fn evaluate(input: &EvaluationInput<'_>) -> Evaluation {
    let _ = input;
    Evaluation {
        states: RuleStates::new(),
        notifications: Vec::new(),
    }
}
