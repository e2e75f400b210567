//! The state machine and its transitions: firing, escalated, downgraded, resolved, M of N
//! and recovery. Each test steps one rule through time, one expectation per step.

#[path = "engine/support.rs"]
mod support;

use support::*;

#[test]
fn a_rule_fires_once_stays_quiet_while_firing_and_resolves() {
    let mut h = Harness::new(config(vec![rule("churn").critical("> 5").build()]));
    h.step(Some(4.0), S::Ok, &[]);
    h.step(Some(6.2), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(7.0), S::Critical, &[]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(3.0), S::Ok, &[]);
}

#[test]
fn warning_escalates_to_critical_then_downgrades_and_resolves() {
    let rule = rule("churn").critical("> 5").warning("> 4").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(4.5), S::Warning, &[(K::Firing, L::Warning)]);
    h.step(Some(6.0), S::Critical, &[(K::Escalated, L::Critical)]);
    h.step(Some(4.5), S::Warning, &[(K::Downgraded, L::Warning)]);
    h.step(Some(1.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_rule_can_fire_straight_at_critical_and_resolve_from_it() {
    let rule = rule("churn").critical("> 5").warning("> 4").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(9.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(2.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn notifications_carry_the_previous_notified_level() {
    let rule = rule("churn").critical("> 5").warning("> 4").build();
    let mut h = Harness::new(config(vec![rule]));
    let fired = h.step(Some(4.5), S::Warning, &[(K::Firing, L::Warning)]);
    assert_eq!(only(&fired).previous_level, None);
    let escalated = h.step(Some(6.0), S::Critical, &[(K::Escalated, L::Critical)]);
    assert_eq!(only(&escalated).previous_level, Some(L::Warning));
    let resolved = h.step(Some(1.0), S::Ok, &[(K::Resolved, L::Ok)]);
    assert_eq!(only(&resolved).previous_level, Some(L::Critical));
}

#[test]
fn two_of_three_fires_on_the_second_breach_not_the_first() {
    let rule = rule("churn").critical("> 5").for_m_of_n(2, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn two_of_three_counts_breaches_that_are_not_consecutive() {
    let rule = rule("churn").critical("> 5").for_m_of_n(2, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    // [3, 6, 3]: one breach of three.
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_pending_rule_that_recovers_notifies_nobody() {
    let rule = rule("churn").critical("> 5").for_m_of_n(3, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(3.0), S::Ok, &[]);
}

#[test]
fn a_firing_rule_stays_firing_for_as_long_as_m_of_n_hold() {
    let rule = rule("churn").critical("> 5").for_m_of_n(2, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    // [6, 6, 3]: still two of three.
    h.step(Some(3.0), S::Critical, &[]);
    // [6, 3, 3]: one of three.
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_downgrade_follows_m_of_n_like_any_level() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .for_m_of_n(2, 3)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    // [6, 6, 4.5]: two of three still critical.
    h.step(Some(4.5), S::Critical, &[]);
    // [6, 4.5, 4.5]: one critical, three at warning or worse.
    h.step(Some(4.5), S::Warning, &[(K::Downgraded, L::Warning)]);
}

#[test]
fn a_breach_then_a_recovery_that_does_not_cross_the_recovery_line_stays_firing() {
    let rule = rule("churn").critical("> 5").recovery("< 3.5").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(4.0), S::Critical, &[]);
    h.step(Some(3.6), S::Critical, &[]);
    h.step(Some(3.4), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn crossing_the_recovery_line_without_having_fired_does_nothing() {
    let rule = rule("churn").critical("> 5").recovery("< 3.5").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(4.0), S::Ok, &[]);
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(4.5), S::Ok, &[]);
}

#[test]
fn a_rule_held_by_its_recovery_line_fires_again_without_a_new_notification() {
    let rule = rule("churn").critical("> 5").recovery("< 3.5").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(4.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
}

#[test]
fn the_incident_timestamps_follow_the_state() {
    let rule = rule("churn").critical("> 5").for_m_of_n(2, 2).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    let state = h.state();
    assert_eq!((state.active_at, state.fired_at), (Some(t0()), None));

    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    let state = h.state();
    assert_eq!(
        (state.active_at, state.fired_at, state.last_sent_at),
        (Some(t0()), Some(at(minutes(5))), Some(at(minutes(5))))
    );

    h.step(Some(1.0), S::Ok, &[(K::Resolved, L::Ok)]);
    let state = h.state();
    assert_eq!(
        (state.active_at, state.fired_at, state.resolved_at),
        (None, None, Some(at(minutes(10))))
    );
}

#[test]
fn an_evaluation_at_an_already_evaluated_time_changes_nothing_and_sends_nothing() {
    let mut h = Harness::new(config(vec![rule("churn").critical("> 5").build()]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    let before = h.states.clone();

    let mut replayed = h.metrics(&[(METRIC, 1.0)]);
    replayed.taken_at = t0();
    let evaluation = kpiwatch::engine::evaluate(kpiwatch::engine::EvaluationInput {
        config: &h.config,
        snapshot: &replayed,
        baselines: &Default::default(),
        states: before.clone(),
        at: t0(),
    });

    assert_eq!(
        (evaluation.states, evaluation.notifications.len()),
        (before, 0)
    );
}

#[test]
fn several_rules_are_evaluated_independently_and_notified_in_rule_order() {
    let rules = vec![
        rule("b-churn").metric("churn").critical("> 5").build(),
        rule("a-uptime").metric("uptime").warning("< 99.9").build(),
    ];
    let mut h = Harness::new(config(rules));
    let evaluation = h.evaluate(h.metrics(&[("churn", 6.0), ("uptime", 99.0)]));
    let fired: Vec<(&str, K, L)> = evaluation
        .notifications
        .iter()
        .map(|n| (n.rule.id.as_str(), n.kind, n.level))
        .collect();
    assert_eq!(
        fired,
        [
            ("b-churn", K::Firing, L::Critical),
            ("a-uptime", K::Firing, L::Warning)
        ]
    );
}

#[test]
fn a_value_held_above_the_recovery_line_downgrades_a_critical_alert_to_warning() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .recovery("< 3.5")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    // Below warning, not yet below 3.5: still open, at the rule's least severe level.
    h.step(Some(3.8), S::Warning, &[(K::Downgraded, L::Warning)]);
    h.step(Some(3.6), S::Warning, &[]);
    h.step(Some(3.4), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_lower_value_never_leaves_the_alert_at_a_higher_level_than_a_higher_value() {
    let rule = || {
        rule("churn")
            .critical("> 5")
            .warning("> 4")
            .recovery("< 3.5")
            .build()
    };
    let mut via_warning = Harness::new(config(vec![rule()]));
    via_warning.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    via_warning.step(Some(4.5), S::Warning, &[(K::Downgraded, L::Warning)]);
    via_warning.step(Some(3.8), S::Warning, &[]);

    let mut straight_down = Harness::new(config(vec![rule()]));
    straight_down.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    straight_down.step(Some(3.8), S::Warning, &[(K::Downgraded, L::Warning)]);
}

#[test]
fn a_rule_without_a_warning_is_held_at_critical_by_its_recovery_line() {
    let rule = rule("errors").critical("> 5").recovery("< 1").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Critical, &[]);
    h.step(Some(0.5), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_rule_held_open_by_recovery_escalates_again_only_through_m_of_n() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .recovery("< 3.5")
        .for_m_of_n(2, 3)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    // [6, 6, 3.8]: two of three still critical.
    h.step(Some(3.8), S::Critical, &[]);
    // [6, 3.8, 3.8]: M of N holds no level; the recovery line holds it at warning.
    h.step(Some(3.8), S::Warning, &[(K::Downgraded, L::Warning)]);
    // [3.8, 3.8, 6]: one critical datapoint is not M of N; it stays at warning.
    h.step(Some(6.0), S::Warning, &[]);
    // [3.8, 6, 6]: two of three critical.
    h.step(Some(6.0), S::Critical, &[(K::Escalated, L::Critical)]);
    h.step(Some(3.0), S::Critical, &[]);
    // [6, 3, 3]: one of three, and below the recovery line.
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_raised_threshold_applies_at_once_to_the_datapoints_m_of_n_holds() {
    let rule = rule("churn").critical("> 5").for_m_of_n(1, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);

    h.config.rules[0].critical = Some(condition("> 10"));
    let resolved = h.step(Some(6.0), S::Ok, &[(K::Resolved, L::Ok)]);
    assert_eq!(only(&resolved).incident_level, Some(L::Critical));
    let levels: Vec<Option<L>> = h.state().datapoints.iter().map(|d| d.level).collect();
    assert_eq!(levels, [Some(L::Ok), Some(L::Ok), Some(L::Ok)]);
    h.step(Some(6.0), S::Ok, &[]);
}

#[test]
fn a_resolve_after_a_threshold_change_names_the_condition_that_fired() {
    let rule = rule("churn").unit("%").critical("> 5").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);

    h.config.rules[0].critical = Some(condition("> 10"));
    let resolved = h.step(Some(6.0), S::Ok, &[(K::Resolved, L::Ok)]);
    assert_eq!(only(&resolved).condition, "> 5");

    // The next incident names the line as the config now draws it.
    h.step(Some(11.0), S::Critical, &[(K::Firing, L::Critical)]);
    let resolved = h.step(Some(1.0), S::Ok, &[(K::Resolved, L::Ok)]);
    assert_eq!(only(&resolved).condition, "> 10");
}

#[test]
fn a_lowered_threshold_counts_the_datapoints_already_held() {
    let rule = rule("churn").critical("> 10").for_m_of_n(3, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Ok, &[]);
    h.step(Some(6.0), S::Ok, &[]);

    h.config.rules[0].critical = Some(condition("> 5"));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn a_changed_threshold_applies_to_the_window_aggregates_m_of_n_holds() {
    let rule = rule("latency")
        .window(kpiwatch::config::Aggregate::Avg, 2)
        .critical("> 5")
        .for_m_of_n(1, 2)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]); // avg 6

    h.config.rules[0].critical = Some(condition("> 8"));
    // [avg 6, avg 7]: neither is above 8 any more.
    h.step(Some(8.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_missing_value_does_not_downgrade_a_rule_held_by_its_recovery_line() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .recovery("< 3.5")
        .for_m_of_n(1, 2)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.8), S::Critical, &[]); // [6, 3.8]: still one critical of two
    h.step(None, S::Critical, &[]); // [3.8, missing]: a missing value proves nothing
    h.step(Some(3.8), S::Warning, &[(K::Downgraded, L::Warning)]);
}

#[test]
fn a_rule_that_measures_something_else_no_longer_reads_the_values_it_measured_before() {
    let rule = rule("latency")
        .window(kpiwatch::config::Aggregate::Avg, 3)
        .warning("> 800")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(300.0), S::Ok, &[]); // milliseconds
    h.step(Some(300.0), S::Ok, &[]);

    // The same latency in seconds: an average over 300 ms and 0.3 s would be 200.
    h.config.rules[0] = support::rule("latency")
        .expr("m / 1000")
        .window(kpiwatch::config::Aggregate::Avg, 3)
        .warning("> 0.8")
        .build();
    let values: Vec<Option<f64>> = h.state().datapoints.iter().map(|d| d.value).collect();
    assert_eq!(values, [Some(300.0), Some(300.0)]);
    h.step(Some(300.0), S::Ok, &[]);
    let values: Vec<Option<f64>> = h.state().datapoints.iter().map(|d| d.value).collect();
    assert_eq!(values, [None, None, Some(0.3)]);
    h.step(Some(900.0), S::Ok, &[]); // avg(0.3, 0.9) = 0.6
    h.step(Some(900.0), S::Ok, &[]); // avg(0.3, 0.9, 0.9) = 0.7
    h.step(Some(900.0), S::Warning, &[(K::Firing, L::Warning)]);
}

#[test]
fn a_rule_that_measures_something_else_keeps_the_levels_it_counted_until_they_age_out() {
    let rule = rule("latency").warning("> 800").for_m_of_n(3, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(300.0), S::Ok, &[]);
    h.step(Some(300.0), S::Ok, &[]);

    // Seconds now, the threshold moved with the unit: 300 is no breach of `> 0.8`, since
    // it was 300 ms.
    h.config.rules[0] = support::rule("latency")
        .expr("m / 1000")
        .warning("> 0.8")
        .for_m_of_n(3, 3)
        .build();
    h.step(Some(300.0), S::Ok, &[]);
    // A later threshold change recounts only what was measured in seconds.
    h.config.rules[0].warning = Some(condition("> 0.2"));
    h.step(Some(300.0), S::Pending, &[]); // [300 ms: ok, 0.3 s, 0.3 s]
    h.step(Some(300.0), S::Warning, &[(K::Firing, L::Warning)]);
}
