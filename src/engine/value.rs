//! A rule's value: the metric or expression, its change against a baseline snapshot, and
//! the aggregate of a window of them.

use std::collections::VecDeque;

use super::{Baselines, Datapoint};
use crate::config::{Aggregate, Change, ChangeMode, Rule, ValueSource, Window};
use crate::model::Snapshot;

/// The value a datapoint stores: the metric or expression read from `snapshot`, or, for a
/// `change` rule, its difference from the same value in the baseline snapshot. Missing
/// when a metric is missing, the arithmetic is undefined, or the baseline is absent.
pub(super) fn sample(rule: &Rule, snapshot: &Snapshot, baselines: &Baselines) -> Option<f64> {
    let current = base_value(&rule.value, snapshot)?;
    match rule.change {
        None => Some(current),
        Some(change) => {
            let baseline = base_value(&rule.value, baselines.get(&change.vs)?)?;
            difference(change, current, baseline)
        }
    }
}

/// The value the rule's conditions are checked against, given its datapoints with this
/// evaluation's last: the last sample, or for a `window` rule the aggregate of the last
/// `points` samples.
pub(super) fn rule_value(rule: &Rule, datapoints: &VecDeque<Datapoint>) -> Option<f64> {
    value_at(rule, datapoints, datapoints.len())
}

/// The rule's value as it was at the evaluation that added the datapoint before `end`
/// (exclusive), so `value_at(rule, dps, dps.len() - 1)` is the previous evaluation's.
pub(super) fn value_at(rule: &Rule, datapoints: &VecDeque<Datapoint>, end: usize) -> Option<f64> {
    let last = end.checked_sub(1)?;
    match rule.window {
        None => datapoints.get(last)?.value,
        Some(window) => {
            let start = end.saturating_sub(window.points as usize);
            aggregate(window, datapoints.range(start..end).filter_map(|d| d.value))
        }
    }
}

fn base_value(source: &ValueSource, snapshot: &Snapshot) -> Option<f64> {
    match source {
        ValueSource::Metric(name) => snapshot.metric(name),
        ValueSource::Expr(expr) => expr.eval(&|name| snapshot.metric(name)),
    }
}

fn difference(change: Change, current: f64, baseline: f64) -> Option<f64> {
    let value = match change.mode {
        ChangeMode::Absolute => current - baseline,
        ChangeMode::Percent if baseline == 0.0 => return None,
        ChangeMode::Percent => (current - baseline) / baseline.abs() * 100.0,
    };
    value.is_finite().then_some(value)
}

/// Combines the present values of a window; `None` when none is present.
fn aggregate(window: Window, values: impl Iterator<Item = f64>) -> Option<f64> {
    let (count, combined) = values.fold((0u32, 0.0f64), |(count, acc), value| {
        let acc = match (count, window.aggregate) {
            (0, _) => value,
            (_, Aggregate::Avg | Aggregate::Sum) => acc + value,
            (_, Aggregate::Min) => acc.min(value),
            (_, Aggregate::Max) => acc.max(value),
        };
        (count + 1, acc)
    });
    let value = match (count, window.aggregate) {
        (0, _) => return None,
        (_, Aggregate::Avg) => combined / f64::from(count),
        _ => combined,
    };
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(aggregate: Aggregate, values: &[f64]) -> Option<f64> {
        let window = Window {
            aggregate,
            points: 10,
        };
        super::aggregate(window, values.iter().copied())
    }

    #[test]
    fn aggregates_present_values_and_nothing_gives_missing() {
        assert_eq!(window(Aggregate::Avg, &[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(window(Aggregate::Min, &[4.0, -2.0, 6.0]), Some(-2.0));
        assert_eq!(window(Aggregate::Max, &[4.0, -2.0, 6.0]), Some(6.0));
        assert_eq!(window(Aggregate::Sum, &[4.0, -2.0, 6.0]), Some(8.0));
        assert_eq!(window(Aggregate::Avg, &[]), None);
    }

    #[test]
    fn percent_change_against_zero_is_missing_and_uses_the_baseline_magnitude() {
        let percent = Change {
            vs: std::time::Duration::from_secs(60),
            mode: ChangeMode::Percent,
        };
        assert_eq!(difference(percent, 5.0, 0.0), None);
        assert_eq!(difference(percent, -5.0, -10.0), Some(50.0));
        assert_eq!(difference(percent, 90.0, 100.0), Some(-10.0));
    }
}
