use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad one datapoint is, from the rule's conditions. Ordered, so `Critical > Warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// No condition holds.
    Ok,
    /// The warning condition holds, and the critical one does not.
    Warning,
    /// The critical condition holds.
    Critical,
}

impl Level {
    /// The level as written in config files, logs and documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a rule after an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Nothing is breaching, or the rule has recovered.
    Ok,
    /// Breaching, but not yet for enough datapoints to fire. Notifies nobody.
    Pending,
    /// Firing at the warning level.
    Warning,
    /// Firing at the critical level.
    Critical,
    /// Every datapoint in the evaluation window is missing.
    NoData,
}

impl AlertState {
    /// The state for a rule firing at `level`; `Level::Ok` gives `AlertState::Ok`.
    pub fn firing_at(level: Level) -> AlertState {
        match level {
            Level::Ok => AlertState::Ok,
            Level::Warning => AlertState::Warning,
            Level::Critical => AlertState::Critical,
        }
    }

    /// The level this state fires at, if it is firing.
    pub fn firing_level(self) -> Option<Level> {
        match self {
            AlertState::Warning => Some(Level::Warning),
            AlertState::Critical => Some(Level::Critical),
            AlertState::Ok | AlertState::Pending | AlertState::NoData => None,
        }
    }

    /// Is the rule firing, at either level?
    pub fn is_firing(self) -> bool {
        self.firing_level().is_some()
    }

    /// The state as written in logs and documents.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Ok => "ok",
            AlertState::Pending => "pending",
            AlertState::Warning => "warning",
            AlertState::Critical => "critical",
            AlertState::NoData => "no_data",
        }
    }
}

impl fmt::Display for AlertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
