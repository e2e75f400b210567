//! A rule's values over stored snapshots, computed as an evaluation computes them, for
//! `kpiwatch history` to show what the rule's conditions were checked against.

use std::collections::VecDeque;

use super::{Baselines, Datapoint, Notified, value};
use crate::config::{MissingData, Rule};
use crate::model::Snapshot;

/// The value of `rule` at each of `evaluations`, oldest first: each snapshot with the
/// baselines its `change` compares against. A `window` rule aggregates the values before
/// each one, so its first `window - 1` values see fewer points than an evaluation with a
/// longer history would. As in an evaluation, a run without a value adds no point to the
/// window of an `ignore` rule; its own value is still shown, as missing.
pub fn rule_values<'a>(
    rule: &Rule,
    evaluations: impl IntoIterator<Item = (&'a Snapshot, &'a Baselines)>,
) -> Vec<Option<f64>> {
    let mut datapoints = VecDeque::new();
    evaluations
        .into_iter()
        .map(|(snapshot, baselines)| {
            let sample = value::sample(rule, snapshot, baselines, snapshot.taken_at);
            if sample.is_none() && rule.missing == MissingData::Ignore {
                return None;
            }
            datapoints.push_back(Datapoint {
                at: snapshot.taken_at,
                value: sample,
                level: None,
                told: Notified::Ok,
            });
            value::rule_value(rule, &datapoints)
        })
        .collect()
}
