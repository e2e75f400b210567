//! The level one datapoint counts as, from the rule's conditions and its missing-data
//! policy.

use crate::config::{MissingData, Rule};
use crate::model::Level;

/// How one datapoint counts in M of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counting {
    /// It counts at this level.
    At(Level),
    /// It is missing and does not count (`missing`).
    Skipped,
    /// It is missing and the rule keeps its state as it is (`ignore`).
    KeepState,
}

impl Counting {
    /// The level stored in the datapoint.
    pub(super) fn level(self) -> Option<Level> {
        match self {
            Counting::At(level) => Some(level),
            Counting::Skipped | Counting::KeepState => None,
        }
    }
}

/// Critical if the critical condition holds, else warning if the warning condition holds,
/// else ok; a missing value as the rule's `missing` policy says.
pub(super) fn datapoint_level(rule: &Rule, value: Option<f64>) -> Counting {
    let Some(value) = value else {
        return match rule.missing {
            MissingData::Missing => Counting::Skipped,
            MissingData::Breaching => Counting::At(rule.most_severe_level()),
            MissingData::NotBreaching => Counting::At(Level::Ok),
            MissingData::Ignore => Counting::KeepState,
        };
    };
    Counting::At(level_of(rule, value))
}

/// The level a present value is at.
pub(super) fn level_of(rule: &Rule, value: f64) -> Level {
    if rule.critical.is_some_and(|c| c.holds(value)) {
        Level::Critical
    } else if rule.warning.is_some_and(|c| c.holds(value)) {
        Level::Warning
    } else {
        Level::Ok
    }
}
