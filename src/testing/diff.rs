//! Expected against actual at one step: which notifications match, which were expected
//! and did not come, which came unexpected, and which rule states differ.

use crate::engine::RuleStates;
use crate::model::{AlertState, Notification};

use super::format::{Expectation, ExpectedNotification, ExpectedValue};

/// How close a value must be to the expected one, relative to the larger of the two:
/// nine significant digits, so that `96.4` matches the `96.39999999999999` that
/// `48200 / 50000 * 100` gives.
const VALUE_TOLERANCE: f64 = 1e-9;

/// The difference between what a step expected and what it produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepDiff {
    /// Expected notifications that came, each with the one that matched it, in the order
    /// the test lists them.
    pub matched: Vec<(ExpectedNotification, Notification)>,
    /// Expected notifications that did not come.
    pub missing: Vec<ExpectedNotification>,
    /// Notifications that came and were not expected, in the order the engine sent them.
    pub unexpected: Vec<Notification>,
    /// Rules not in the state the test expects.
    pub states: Vec<StateMismatch>,
}

impl StepDiff {
    /// Did the step produce exactly what was expected?
    pub fn is_match(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.states.is_empty()
    }
}

/// A rule whose state after a step is not the expected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMismatch {
    /// The rule id.
    pub rule: String,
    /// The state the test expects.
    pub expected: AlertState,
    /// The state the rule is in.
    pub actual: AlertState,
}

/// Compares a step's expectation with the notifications of the rules the test watches
/// and the states after the step. Rules the engine has no state for are taken to be ok;
/// the parser has checked that every named rule exists.
pub fn compare(
    expectation: &Expectation,
    notifications: &[Notification],
    states: &RuleStates,
) -> StepDiff {
    let mut diff = match &expectation.notifications {
        Some(expected) => match_notifications(expected, notifications),
        None => StepDiff::default(),
    };
    for (rule, expected) in &expectation.states {
        let actual = states.get(rule).map_or(AlertState::Ok, |s| s.state);
        if actual != *expected {
            diff.states.push(StateMismatch {
                rule: rule.clone(),
                expected: *expected,
                actual,
            });
        }
    }
    diff
}

/// Pairs each expected notification with a distinct actual one it matches, as many as
/// possible. An expectation that leaves fields out can match several notifications, so a
/// greedy pairing could use up the only match of a later one; augmenting paths (Kuhn's
/// algorithm) find the largest pairing, and steps hold few notifications.
fn match_notifications(expected: &[ExpectedNotification], actual: &[Notification]) -> StepDiff {
    let fits: Vec<Vec<usize>> = expected
        .iter()
        .map(|e| {
            (0..actual.len())
                .filter(|&a| matches(e, &actual[a]))
                .collect()
        })
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; actual.len()];
    for e in 0..expected.len() {
        let mut visited = vec![false; actual.len()];
        augment(e, &fits, &mut owner, &mut visited);
    }

    let mut paired: Vec<Option<usize>> = vec![None; expected.len()];
    for (a, e) in owner.iter().enumerate() {
        if let Some(e) = e {
            paired[*e] = Some(a);
        }
    }
    let mut diff = StepDiff::default();
    for (e, pair) in paired.iter().enumerate() {
        match pair {
            Some(a) => diff.matched.push((expected[e].clone(), actual[*a].clone())),
            None => diff.missing.push(expected[e].clone()),
        }
    }
    diff.unexpected = owner
        .iter()
        .zip(actual)
        .filter(|(e, _)| e.is_none())
        .map(|(_, a)| a.clone())
        .collect();
    diff
}

fn augment(
    e: usize,
    fits: &[Vec<usize>],
    owner: &mut [Option<usize>],
    visited: &mut [bool],
) -> bool {
    for &a in &fits[e] {
        if visited[a] {
            continue;
        }
        visited[a] = true;
        if owner[a].is_none_or(|other| augment(other, fits, owner, visited)) {
            owner[a] = Some(e);
            return true;
        }
    }
    false
}

/// Does `actual` have every field `expected` gives?
pub fn matches(expected: &ExpectedNotification, actual: &Notification) -> bool {
    let text_matches = |expected: &Option<String>, actual: &str| {
        expected.as_deref().is_none_or(|text| text == actual)
    };
    expected.rule == actual.rule.id
        && expected.kind == actual.kind
        && expected.level.is_none_or(|level| level == actual.level)
        && expected
            .value
            .is_none_or(|value| value_matches(value, actual.value))
        && text_matches(&expected.message, &actual.message)
        && text_matches(&expected.action, &actual.action)
        && text_matches(&expected.condition, &actual.condition)
}

fn value_matches(expected: ExpectedValue, actual: Option<f64>) -> bool {
    match (expected, actual) {
        (ExpectedValue::Missing, None) => true,
        (ExpectedValue::Is(expected), Some(actual)) => {
            expected == actual
                || (expected - actual).abs() <= VALUE_TOLERANCE * expected.abs().max(actual.abs())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::engine::RuleState;
    use crate::model::{Level, NotificationKind, RuleRef};

    fn actual(
        rule: &str,
        kind: NotificationKind,
        level: Level,
        value: Option<f64>,
    ) -> Notification {
        let at = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        Notification {
            version: "1".to_string(),
            id: Notification::id_for(rule, kind, at),
            kind,
            rule: RuleRef {
                id: rule.to_string(),
                name: rule.to_string(),
            },
            level,
            previous_level: None,
            incident_level: None,
            value,
            unit: "%".to_string(),
            condition: "> 5".to_string(),
            previous_value: None,
            sparkline: String::new(),
            message: format!("{rule} is {value:?}"),
            action: String::new(),
            runbook: String::new(),
            labels: BTreeMap::new(),
            at,
            run_id: "test".to_string(),
        }
    }

    fn expected(rule: &str, kind: NotificationKind, level: Option<Level>) -> ExpectedNotification {
        ExpectedNotification {
            rule: rule.to_string(),
            kind,
            level,
            value: None,
            message: None,
            action: None,
            condition: None,
        }
    }

    fn expectation(notifications: Vec<ExpectedNotification>) -> Expectation {
        Expectation {
            step: 0,
            line: 1,
            notifications: Some(notifications),
            states: BTreeMap::new(),
        }
    }

    use crate::model::Level::{Critical, Ok, Warning};
    use crate::model::NotificationKind::{Firing, Resolved};

    #[test]
    fn the_same_notifications_in_another_order_match() {
        let actual = [
            actual("a", Firing, Critical, Some(6.4)),
            actual("b", Resolved, Ok, Some(1.0)),
        ];
        let expected = vec![
            expected("b", Resolved, None),
            expected("a", Firing, Some(Critical)),
        ];
        let diff = compare(&expectation(expected), &actual, &RuleStates::new());
        assert!(diff.is_match(), "{diff:#?}");
        assert_eq!(diff.matched.len(), 2);
    }

    #[test]
    fn a_wrong_level_is_one_missing_and_one_unexpected() {
        let actual = [actual("a", Firing, Critical, Some(6.4))];
        let diff = compare(
            &expectation(vec![expected("a", Firing, Some(Warning))]),
            &actual,
            &RuleStates::new(),
        );
        assert_eq!(diff.missing, vec![expected("a", Firing, Some(Warning))]);
        assert_eq!(diff.unexpected, actual.to_vec());
        assert!(diff.matched.is_empty());
    }

    #[test]
    fn an_empty_expectation_asserts_silence() {
        let actual = [actual("a", Firing, Critical, None)];
        let diff = compare(&expectation(vec![]), &actual, &RuleStates::new());
        assert!(!diff.is_match());
        assert_eq!(diff.unexpected.len(), 1);
        assert!(compare(&expectation(vec![]), &[], &RuleStates::new()).is_match());
    }

    #[test]
    fn a_loose_expectation_does_not_take_the_only_match_of_a_strict_one() {
        // The first expectation fits both; paired greedily it would take the critical one
        // and leave the second without a match.
        let actual = [
            actual("a", Firing, Critical, None),
            actual("a", Firing, Warning, None),
        ];
        let expected = vec![
            expected("a", Firing, None),
            expected("a", Firing, Some(Critical)),
        ];
        let diff = compare(&expectation(expected), &actual, &RuleStates::new());
        assert!(diff.is_match(), "{diff:#?}");
    }

    #[test]
    fn values_match_to_nine_significant_digits_and_missing_only_missing() {
        let is = ExpectedValue::Is;
        assert!(value_matches(is(96.4), Some(48200.0 / 50000.0 * 100.0)));
        assert!(value_matches(is(0.0), Some(0.0)));
        assert!(!value_matches(is(96.4), Some(96.41)));
        assert!(!value_matches(is(0.0), Some(1e-12)));
        assert!(!value_matches(is(1.0), None));
        assert!(value_matches(ExpectedValue::Missing, None));
        assert!(!value_matches(ExpectedValue::Missing, Some(0.0)));
    }

    #[test]
    fn text_fields_compare_exactly_when_given() {
        let notification = actual("a", Firing, Critical, Some(6.4));
        let mut wanted = expected("a", Firing, Some(Critical));
        wanted.message = Some("a is Some(6.4)".to_string());
        wanted.condition = Some("> 5".to_string());
        assert!(matches(&wanted, &notification));
        wanted.message = Some("a is 6.4".to_string());
        assert!(!matches(&wanted, &notification));
    }

    #[test]
    fn states_are_compared_and_an_unknown_rule_counts_as_ok() {
        let at = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        let mut pending = RuleState::new(at);
        pending.state = AlertState::Pending;
        let states = RuleStates::from([("a".to_string(), pending)]);
        let mut wanted = expectation(vec![]);
        wanted.notifications = None;
        wanted.states = BTreeMap::from([
            ("a".to_string(), AlertState::Critical),
            ("b".to_string(), AlertState::Ok),
        ]);
        let diff = compare(&wanted, &[], &states);
        assert_eq!(
            diff.states,
            vec![StateMismatch {
                rule: "a".to_string(),
                expected: AlertState::Critical,
                actual: AlertState::Pending,
            }]
        );
    }
}
