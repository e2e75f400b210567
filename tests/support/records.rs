//! Store records built by hand, for tests of a store on its own.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kpiwatch::engine::{Datapoint, Notified, RuleState, RuleStates};
use kpiwatch::model::{
    Level, NOTIFICATION_VERSION, Notification, NotificationKind, RuleRef, Snapshot,
};
use kpiwatch::store::RunRecord;

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 time")
}

/// States for `rules` rules, each with `datapoints` recent datapoints.
pub fn states(rules: usize, datapoints: usize, evaluated_at: DateTime<Utc>) -> RuleStates {
    (0..rules)
        .map(|i| {
            let history = (0..datapoints)
                .map(|k| Datapoint {
                    at: evaluated_at - chrono::Duration::minutes(5 * k as i64),
                    value: Some(i as f64 + k as f64 / 10.0),
                    level: Some(Level::Ok),
                    told: Notified::Ok,
                })
                .collect::<VecDeque<_>>();
            let mut state = RuleState::new(evaluated_at);
            state.datapoints = history;
            (format!("rule-{i:04}"), state)
        })
        .collect()
}

/// States whose values do not compress well, for tests that need many bytes cheaply.
pub fn noisy_states(rules: usize, datapoints: usize, evaluated_at: DateTime<Utc>) -> RuleStates {
    let mut states = states(rules, datapoints, evaluated_at);
    for state in states.values_mut() {
        for datapoint in &mut state.datapoints {
            datapoint.value = Some(fastrand::f64() * 1e6);
        }
    }
    states
}

/// A snapshot with `metrics` metrics.
pub fn snapshot(taken_at: DateTime<Utc>, metrics: usize) -> Snapshot {
    let mut snapshot = Snapshot::new(taken_at, format!("run-{}", taken_at.timestamp()));
    for i in 0..metrics {
        snapshot
            .metrics
            .insert(format!("group{}.metric{i}", i % 10), i as f64 * 1.5);
    }
    snapshot
}

/// A firing notification for a rule at `at`.
pub fn notification(rule: &str, at: DateTime<Utc>) -> Notification {
    Notification {
        version: NOTIFICATION_VERSION.into(),
        id: Notification::id_for(rule, NotificationKind::Firing, at),
        kind: NotificationKind::Firing,
        rule: RuleRef {
            id: rule.into(),
            name: format!("Rule {rule}"),
        },
        level: Level::Critical,
        previous_level: None,
        incident_level: None,
        value: Some(6.2),
        unit: "%".into(),
        condition: "> 5".into(),
        previous_value: Some(4.9),
        sparkline: "▁▂▃▅▇".into(),
        message: format!("{rule} is 6.2% (critical above 5%)"),
        action: "Analyze churn reasons and launch a retention campaign".into(),
        runbook: "https://wiki.example.com/runbooks/churn".into(),
        labels: BTreeMap::from([("team".to_string(), "growth".to_string())]),
        at,
        run_id: format!("run-{}", at.timestamp()),
    }
}

/// A record for a run at `taken_at` with `rules` states and one notification per name.
pub fn record(
    taken_at: DateTime<Utc>,
    expected: Option<DateTime<Utc>>,
    rules: usize,
    notified: &[&str],
) -> RunRecord {
    RunRecord {
        snapshot: snapshot(taken_at, 20),
        states: states(rules, 10, taken_at),
        notifications: notified
            .iter()
            .map(|rule| notification(rule, taken_at))
            .collect(),
        expected_last_evaluated_at: expected,
        retention: Duration::from_secs(40 * 86_400),
    }
}
