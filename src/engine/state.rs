use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{AlertState, Level};

/// What the engine remembers about one rule between evaluations. Stores keep it as an
/// opaque serde document, so fields may be added with `#[serde(default)]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleState {
    /// The state after the last evaluation.
    pub state: AlertState,
    /// The T of the last evaluation.
    pub evaluated_at: DateTime<Utc>,
    /// Recent datapoints, oldest first, as many as the rule's windows, flapping detection
    /// and sparkline need.
    pub datapoints: VecDeque<Datapoint>,
}

/// One evaluation's datapoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Datapoint {
    /// The T it was taken at.
    pub at: DateTime<Utc>,
    /// The rule's value; `None` when missing.
    pub value: Option<f64>,
    /// The level the value is at; `None` when the value is missing.
    pub level: Option<Level>,
}
