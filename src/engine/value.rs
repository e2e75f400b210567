//! A rule's value: the metric or expression, its change against a baseline snapshot, and
//! the aggregate of a window of them.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Baselines, Datapoint};
use crate::config::{Aggregate, Change, ChangeMode, Rule, ValueSource, Window};
use crate::model::Snapshot;

/// The value a datapoint stores: the metric or expression read from `snapshot`, or, for a
/// `change` rule, its difference from the same value in the baseline snapshot. Missing
/// when a metric is missing, the arithmetic is undefined, or there is no baseline recent
/// enough (see [`is_recent_enough`]).
pub(super) fn sample(
    rule: &Rule,
    snapshot: &Snapshot,
    baselines: &Baselines,
    at: DateTime<Utc>,
) -> Option<f64> {
    let current = base_value(&rule.value, snapshot)?;
    match rule.change {
        None => Some(current),
        Some(change) => {
            let baseline = baselines
                .get(&change.vs)
                .filter(|b| is_recent_enough(b.taken_at, change.vs, at))?;
            difference(change, current, base_value(&rule.value, baseline)?)
        }
    }
}

/// Is a baseline taken at `taken_at` close enough to `T - vs` to stand for it? The store
/// gives the newest snapshot at or before `T - vs`, however old; after a gap in the runs
/// that may be far older, and "-15% against 1d ago" measured against a snapshot of 19
/// days ago would be a wrong statement. A tolerance of `vs` itself, so a baseline in
/// `[T - 2·vs, T - vs]`, accepts the late or missed runs of any schedule that runs at
/// least once per `vs`, and turns the rest into a missing value.
fn is_recent_enough(taken_at: DateTime<Utc>, vs: Duration, at: DateTime<Utc>) -> bool {
    (at - taken_at)
        .to_std()
        .is_ok_and(|age| age <= vs.saturating_mul(2))
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
    fn a_baseline_counts_back_to_twice_its_offset_before_t() {
        let at = DateTime::parse_from_rfc3339("2026-01-20T00:00:00Z")
            .unwrap()
            .to_utc();
        let day = Duration::from_secs(86_400);
        let days_ago = |n: i64| at - chrono::Duration::days(n);
        assert!(is_recent_enough(days_ago(1), day, at));
        assert!(is_recent_enough(days_ago(2), day, at));
        assert!(!is_recent_enough(
            days_ago(2) - chrono::Duration::seconds(1),
            day,
            at
        ));
        assert!(!is_recent_enough(days_ago(19), day, at));
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
