use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The metrics collected by one run, at one evaluation time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The run's evaluation time T. Snapshots are keyed by it.
    pub taken_at: DateTime<Utc>,
    /// The id of the run that collected it, for tracing a notification back to its data.
    pub run_id: String,
    /// Flattened metric names (`retention.churnRate`) and their values. Only finite numbers
    /// are kept: sources drop NaN, infinities and non-numeric leaves.
    pub metrics: BTreeMap<String, f64>,
    /// The sources that failed in this run. Their metrics are absent from `metrics`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<SourceFailure>,
}

impl Snapshot {
    /// An empty snapshot at `taken_at`, to be filled by the sources.
    pub fn new(taken_at: DateTime<Utc>, run_id: impl Into<String>) -> Snapshot {
        Snapshot {
            taken_at,
            run_id: run_id.into(),
            metrics: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    /// The value of a metric, if this snapshot has it.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics.get(name).copied()
    }

    /// The failure recorded for a source in this snapshot, if it failed.
    pub fn failure_of(&self, source_id: &str) -> Option<&SourceFailure> {
        self.failures.iter().find(|f| f.source_id == source_id)
    }
}

/// A source that could not deliver its metrics in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFailure {
    /// The `id` of the source in the config.
    pub source_id: String,
    /// What went wrong, in one line that is safe to log: it never contains a secret.
    pub error: String,
}
