//! The level one datapoint counts as, from the rule's conditions and its missing-data
//! policy.

use std::hash::{DefaultHasher, Hasher};

use super::{RuleState, value};
use crate::config::{MissingData, Rule};
use crate::model::Level;

/// How one datapoint counts in M of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counting {
    /// It counts at this level.
    At(Level),
    /// It is missing, keeps its slot among the last N and does not count (`missing`).
    Skipped,
    /// It is missing and takes no slot at all (`ignore`): the run is as if it had not
    /// happened, and the rule keeps its state.
    Ignored,
}

impl Counting {
    /// The level stored in the datapoint.
    pub(super) fn level(self) -> Option<Level> {
        match self {
            Counting::At(level) => Some(level),
            Counting::Skipped | Counting::Ignored => None,
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
            MissingData::Ignore => Counting::Ignored,
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

/// The least severe level the rule fires at: warning if it has a warning condition.
pub(super) fn least_severe_level(rule: &Rule) -> Level {
    if rule.warning.is_some() {
        Level::Warning
    } else {
        Level::Critical
    }
}

/// Recounts the levels of the stored datapoints when the rule's conditions, missing-data
/// policy or window have changed since they were counted.
///
/// Each level was counted with the config of its own evaluation. A threshold changed
/// since must apply to all of M of N at once, or an alert would outlive the condition
/// that no longer holds. Recounting on every run instead would cost a level for each of
/// N datapoints, and M of N over many datapoints is where the engine spends its time.
pub(super) fn recount_if_changed(rule: &Rule, state: &mut RuleState) {
    let fingerprint = counting_fingerprint(rule);
    if state.counted_with == Some(fingerprint) {
        return;
    }
    let datapoints = &mut state.datapoints;
    // Datapoints whose measure has changed since have no value to recount from.
    let first = state
        .measured_since
        .map_or(0, |since| datapoints.partition_point(|d| d.at <= since));
    for end in first + 1..=datapoints.len() {
        let counting = datapoint_level(rule, value::value_at(rule, datapoints, end));
        datapoints[end - 1].level = counting.level();
    }
    state.counted_with = Some(fingerprint);
}

/// A fingerprint of what a datapoint's level depends on besides its value: the
/// conditions, the missing-data policy and the window. Its hash function may change with
/// the Rust release, which only costs one recount.
fn counting_fingerprint(rule: &Rule) -> u64 {
    let mut hasher = DefaultHasher::new();
    for condition in [rule.critical, rule.warning] {
        match condition {
            Some(condition) => {
                hasher.write_u8(condition.comparison as u8 + 1);
                hasher.write_u64(condition.threshold.to_bits());
            }
            None => hasher.write_u8(0),
        }
    }
    hasher.write_u8(rule.missing as u8);
    match rule.window {
        Some(window) => {
            hasher.write_u8(window.aggregate as u8 + 1);
            hasher.write_u32(window.points);
        }
        None => hasher.write_u8(0),
    }
    hasher.finish()
}
