//! Steps the pure engine through a test in memory, as the cycle would run it on a
//! schedule: one snapshot per step, the states of one step handed to the next, and the
//! stored snapshots searched for the baselines of `change` rules.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::diff::{self, StepDiff};
use super::format::{TestCase, TestFile};
use crate::config::Config;
use crate::engine::{self, Baselines, EvaluationInput, RuleStates};
use crate::model::{Snapshot, SourceFailure};

/// What one test gave.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// The line where the test starts.
    pub line: usize,
    /// The steps whose expectation was not met, in step order. Empty when it passed.
    pub failures: Vec<StepFailure>,
}

impl TestOutcome {
    /// Did every expectation of the test hold?
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// A step whose expectation was not met.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFailure {
    /// The step, from 0.
    pub step: usize,
    /// How long after the test's start it was evaluated.
    pub offset: Duration,
    /// Its evaluation time T.
    pub at: DateTime<Utc>,
    /// The line of the expectation.
    pub line: usize,
    /// What differed.
    pub diff: StepDiff,
    /// The text fields the step's expectation compares, which the report shows for the
    /// notifications that came too: message, action, condition.
    pub compared_text: ComparedText,
}

/// Which text fields an expectation compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ComparedText {
    /// Some expected notification gives a `message`.
    pub message: bool,
    /// Some expected notification gives an `action`.
    pub action: bool,
    /// Some expected notification gives a `condition`.
    pub condition: bool,
}

/// Runs every test of a file, each from a fresh state.
pub fn run(file: &TestFile) -> Vec<TestOutcome> {
    file.tests
        .iter()
        .map(|test| run_test(&file.config, test))
        .collect()
}

/// Runs one test: every step is evaluated, and the steps with an expectation are checked.
pub fn run_test(config: &Config, test: &TestCase) -> TestOutcome {
    let offsets = engine::baseline_offsets(&config.rules);
    let mut states = RuleStates::new();
    let mut history: Vec<Snapshot> = Vec::new();
    let mut expectations = test.expectations.iter().peekable();
    let mut failures = Vec::new();

    for step in 0..test.steps {
        let at = test.time_of(step);
        let snapshot = snapshot(test, step, at);
        let baselines = baselines(&offsets, &history, at);
        let evaluation = engine::evaluate(EvaluationInput {
            config,
            snapshot: &snapshot,
            baselines: &baselines,
            states: std::mem::take(&mut states),
            at,
        });
        states = evaluation.states;
        if !offsets.is_empty() {
            history.push(snapshot);
        }

        let Some(expectation) = expectations.next_if(|e| e.step == step) else {
            continue;
        };
        let watched: Vec<_> = evaluation
            .notifications
            .into_iter()
            .filter(|n| test.watches(&n.rule.id))
            .collect();
        let diff = diff::compare(expectation, &watched, &states);
        if diff.is_match() {
            continue;
        }
        let expected = expectation.notifications.iter().flatten();
        let compared_text = expected.fold(ComparedText::default(), |shown, e| ComparedText {
            message: shown.message || e.message.is_some(),
            action: shown.action || e.action.is_some(),
            condition: shown.condition || e.condition.is_some(),
        });
        failures.push(StepFailure {
            step,
            offset: test.offset_of(step),
            at,
            line: expectation.line,
            diff,
            compared_text,
        });
    }

    TestOutcome {
        name: test.name.clone(),
        line: test.line,
        failures,
    }
}

/// The snapshot of `step`: the document in force, with the series laid over it, and the
/// sources that fail at that step.
fn snapshot(test: &TestCase, step: usize, at: DateTime<Utc>) -> Snapshot {
    let mut snapshot = Snapshot::new(at, format!("test-step-{step}"));
    let in_force = test.documents.partition_point(|d| d.from_step <= step);
    if let Some(document) = in_force.checked_sub(1).map(|i| &test.documents[i]) {
        snapshot.metrics = document.metrics.clone();
    }
    for series in &test.series {
        match series.values.get(step).copied().flatten() {
            Some(value) => snapshot.metrics.insert(series.metric.clone(), value),
            None => snapshot.metrics.remove(&series.metric),
        };
    }
    for failure in &test.failures {
        if failure.failed.get(step).copied().unwrap_or(false) {
            snapshot.failures.push(SourceFailure {
                source_id: failure.source_id.clone(),
                error: failure.error.clone(),
            });
        }
    }
    snapshot
}

/// For each `change.vs`, the newest earlier snapshot taken at or before `at - vs`, as the
/// store looks it up. `history` is in time order.
fn baselines(offsets: &[Duration], history: &[Snapshot], at: DateTime<Utc>) -> Baselines {
    offsets
        .iter()
        .filter_map(|&vs| {
            let cutoff = at.checked_sub_signed(chrono::Duration::from_std(vs).ok()?)?;
            let found = history.partition_point(|s| s.taken_at <= cutoff);
            let baseline = history.get(found.checked_sub(1)?)?;
            Some((vs, baseline.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{Level, NotificationKind};
    use crate::testing::format::{Document, FailureSeries, Series, default_start};

    /// A test file and its config in a temporary folder, parsed.
    fn load(config: &str, tests: &str) -> (tempfile::TempDir, TestFile) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kpiwatch.yaml"), config).unwrap();
        let path = dir.path().join("kpiwatch.test.yaml");
        std::fs::write(&path, tests).unwrap();
        let file = crate::testing::load(&path).unwrap_or_else(|e| panic!("{e}"));
        (dir, file)
    }

    fn case(steps: usize) -> TestCase {
        TestCase {
            name: "t".to_string(),
            line: 1,
            start: default_start(),
            interval: Duration::from_secs(300),
            steps,
            rules: None,
            documents: Vec::new(),
            series: Vec::new(),
            failures: Vec::new(),
            expectations: Vec::new(),
        }
    }

    fn metrics(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_document_holds_until_the_next_and_series_are_laid_over_it() {
        let mut test = case(4);
        test.documents = vec![
            Document {
                from_step: 1,
                metrics: metrics(&[("a", 1.0), ("b", 2.0)]),
            },
            Document {
                from_step: 3,
                metrics: metrics(&[("a", 7.0)]),
            },
        ];
        test.series = vec![Series {
            metric: "b".to_string(),
            values: vec![Some(9.0), None, Some(5.0), Some(6.0)],
        }];
        test.failures = vec![FailureSeries {
            source_id: "billing".to_string(),
            failed: vec![false, false, true, false],
            error: "HTTP 503".to_string(),
        }];

        let at = |step| test.time_of(step);
        let step0 = snapshot(&test, 0, at(0));
        assert_eq!(step0.metrics, metrics(&[("b", 9.0)]));
        let step1 = snapshot(&test, 1, at(1));
        assert_eq!(step1.metrics, metrics(&[("a", 1.0)]), "`_` removes `b`");
        let step2 = snapshot(&test, 2, at(2));
        assert_eq!(step2.metrics, metrics(&[("a", 1.0), ("b", 5.0)]));
        assert_eq!(step2.failure_of("billing").unwrap().error, "HTTP 503");
        let step3 = snapshot(&test, 3, at(3));
        assert_eq!(step3.metrics, metrics(&[("a", 7.0), ("b", 6.0)]));
        assert!(step3.failures.is_empty());
        assert_eq!(
            step3.taken_at,
            default_start() + chrono::Duration::minutes(15)
        );
    }

    #[test]
    fn baselines_are_the_newest_snapshot_at_or_before_t_minus_vs() {
        let start = default_start();
        let history: Vec<Snapshot> = (0..4)
            .map(|i| Snapshot::new(start + chrono::Duration::hours(10 * i), "run"))
            .collect();
        let vs = Duration::from_secs(24 * 3600);
        // At +30h the cutoff is +6h: the snapshot at +0h, not the one at +10h.
        let found = baselines(&[vs], &history, start + chrono::Duration::hours(30));
        assert_eq!(found[&vs].taken_at, start);
        // At +20h nothing is a day old yet.
        assert!(baselines(&[vs], &history, start + chrono::Duration::hours(20)).is_empty());
    }

    const CHANGE_CONFIG: &str = "\
rules:
  - id: mrr-drop
    name: MRR
    metric: growth.mrr
    change: { vs: 1d, as: percent }
    critical: \"< -10\"
";

    #[test]
    fn change_rules_compare_with_the_snapshot_a_day_before() {
        let tests = "\
config: kpiwatch.yaml
interval: 12h
tests:
  - name: mrr drops
    series:
      growth.mrr: 100 95 85 94
    expect:
      - { at: 12h, notifications: [], states: { mrr-drop: no_data } }
      - at: 1d
        notifications:
          - { rule: mrr-drop, kind: firing, level: critical, value: -15 }
      - { at: 36h, notifications: [ { rule: mrr-drop, kind: resolved } ] }
";
        let (_dir, file) = load(CHANGE_CONFIG, tests);
        let outcomes = run(&file);
        assert!(outcomes[0].passed(), "{:#?}", outcomes[0].failures);
    }

    #[test]
    fn a_failed_step_records_its_time_line_and_what_differed() {
        let tests = "\
config: kpiwatch.yaml
interval: 12h
tests:
  - name: mrr drops
    series:
      growth.mrr: 100 95 85
    expect:
      - at: 1d
        notifications:
          - { rule: mrr-drop, kind: firing, level: warning, message: wrong }
";
        let (_dir, file) = load(CHANGE_CONFIG, tests);
        let outcome = run_test(&file.config, &file.tests[0]);
        assert_eq!(outcome.failures.len(), 1);
        let failure = &outcome.failures[0];
        assert_eq!(
            (failure.step, failure.offset, failure.line),
            (2, Duration::from_secs(86_400), 8)
        );
        assert_eq!(failure.at, default_start() + chrono::Duration::days(1));
        assert!(failure.compared_text.message && !failure.compared_text.action);
        assert_eq!(failure.diff.missing.len(), 1);
        let came = &failure.diff.unexpected;
        assert_eq!(
            (came.len(), came[0].kind, came[0].level),
            (1, NotificationKind::Firing, Level::Critical)
        );
    }

    #[test]
    fn only_the_watched_rules_notifications_are_compared() {
        let config = "\
rules:
  - { id: a, metric: m, critical: \"> 1\" }
  - { id: b, metric: m, critical: \"> 1\" }
";
        let tests = "\
config: kpiwatch.yaml
tests:
  - name: only a
    rules: [a]
    series: { m: 5 }
    expect:
      - at: 0s
        notifications: [ { rule: a, kind: firing } ]
        states: { b: critical }
";
        let (_dir, file) = load(config, tests);
        let outcome = run_test(&file.config, &file.tests[0]);
        assert!(outcome.passed(), "{:#?}", outcome.failures);
        assert_eq!(file.tests[0].steps, 1);
    }
}
