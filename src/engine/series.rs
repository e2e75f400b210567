//! A rule's values over stored snapshots, computed as an evaluation computes them, for
//! `kpiwatch history` to show what the rule's conditions were checked against.

use std::collections::VecDeque;

use super::{Baselines, Datapoint, value};
use crate::config::Rule;
use crate::model::{AlertState, Snapshot};

/// The value of `rule` at each of `evaluations`, oldest first: each snapshot with the
/// baselines its `change` compares against. A `window` rule aggregates the values before
/// each one, so its first `window - 1` values see fewer points than an evaluation with a
/// longer history would.
pub fn rule_values<'a>(
    rule: &Rule,
    evaluations: impl IntoIterator<Item = (&'a Snapshot, &'a Baselines)>,
) -> Vec<Option<f64>> {
    let mut datapoints = VecDeque::new();
    evaluations
        .into_iter()
        .map(|(snapshot, baselines)| {
            datapoints.push_back(Datapoint {
                at: snapshot.taken_at,
                value: value::sample(rule, snapshot, baselines),
                level: None,
                state: AlertState::Ok,
            });
            value::rule_value(rule, &datapoints)
        })
        .collect()
}
