//! Flapping: more than K changes, in what subscribers would be told, over the last W
//! evaluations sends one notice, then nothing until that has held for W evaluations.

#[path = "engine/support.rs"]
mod support;

use kpiwatch::config::Flapping;
use support::*;

fn flapping_rule() -> kpiwatch::config::Rule {
    rule("churn")
        .name("Churn rate")
        .critical("> 5")
        .flapping(3, 6)
        .build()
}

/// Flapping detection as configured when the config says nothing about it.
fn default_flapping(mut rule: kpiwatch::config::Rule) -> kpiwatch::config::Rule {
    rule.flapping = Some(Flapping {
        max_changes: 4,
        evaluations: 10,
    });
    rule
}

/// Five runs alternating from 6: four changes, the fourth being one too many. The notice
/// takes the place of a `firing`, so no alert is open when the rule starts flapping.
fn oscillate_until_flapping(h: &mut Harness) {
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(6.0), S::Critical, &[(K::Flapping, L::Critical)]);
}

#[test]
fn a_value_oscillating_every_run_sends_one_flapping_notice_then_its_settled_state() {
    let mut h = Harness::new(config(vec![flapping_rule()]));
    oscillate_until_flapping(&mut h);
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(3.0), S::Ok, &[]);
    for _ in 0..5 {
        h.step(Some(6.0), S::Critical, &[]);
    }
    // The sixth critical run in a row: settled.
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
}

#[test]
fn a_flapping_rule_that_had_an_open_alert_is_resolved_when_it_settles_at_ok() {
    let mut h = Harness::new(config(vec![flapping_rule()]));
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    // The fourth change, in place of the resolve: the critical alert is still open.
    h.step(Some(3.0), S::Ok, &[(K::Flapping, L::Critical)]);
    for _ in 0..4 {
        h.step(Some(3.0), S::Ok, &[]);
    }
    // Six runs at ok, the notice's included: settled.
    let resolved = h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    assert_eq!(only(&resolved).incident_level, Some(L::Critical));
    h.step(Some(3.0), S::Ok, &[]);
}

#[test]
fn a_flapping_notice_that_opened_nothing_settles_at_ok_without_a_resolve() {
    let mut h = Harness::new(config(vec![flapping_rule()]));
    oscillate_until_flapping(&mut h);
    for _ in 0..6 {
        h.step(Some(3.0), S::Ok, &[]);
    }
    assert_eq!(
        (h.state().notified, h.state().incident_level),
        (kpiwatch::engine::Notified::Ok, None),
        "settled: subscribers believe nothing is open, and the next incident starts afresh"
    );
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn the_flapping_notice_says_what_happened_and_what_comes_next() {
    let mut h = Harness::new(config(vec![flapping_rule()]));
    for value in [6.0, 3.0, 6.0, 3.0] {
        h.evaluate(h.metrics(&[(METRIC, value)]));
    }
    let notice = h.step(Some(6.0), S::Critical, &[(K::Flapping, L::Critical)]);
    assert_eq!(
        only(&notice).message,
        "Churn rate is flapping: its state changed 4 times in its last 6 evaluations. \
         Nothing more is sent until it holds one state for 6 evaluations, and then only if \
         that state differs from what was last sent"
    );
}

#[test]
fn without_flapping_detection_every_change_is_notified() {
    let mut h = Harness::new(config(vec![rule("churn").critical("> 5").build()]));
    for _ in 0..5 {
        h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
        h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    }
}

#[test]
fn changes_through_pending_do_not_count_since_nobody_hears_of_them() {
    let rule = rule("churn")
        .critical("> 5")
        .for_m_of_n(2, 2)
        .flapping(2, 6)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    for _ in 0..6 {
        h.step(Some(6.0), S::Pending, &[]);
        h.step(Some(3.0), S::Ok, &[]);
    }
    assert!(!h.state().flapping);
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn a_three_of_four_rule_fed_a_value_flipping_every_run_never_fires_and_sends_nothing() {
    let rule = default_flapping(rule("churn").critical("> 5").for_m_of_n(3, 4).build());
    let mut h = Harness::new(config(vec![rule]));
    for _ in 0..15 {
        h.step(Some(6.0), S::Pending, &[]);
        h.step(Some(1.0), S::Ok, &[]);
    }
    // Nothing was sent, so settling on ok has nothing to resolve either.
    for _ in 0..12 {
        h.step(Some(1.0), S::Ok, &[]);
    }
}

#[test]
fn a_metric_missing_every_other_run_with_healthy_values_is_not_flapping() {
    let rule = default_flapping(rule("churn").critical("> 5").warning("> 4").build());
    let mut h = Harness::new(config(vec![rule]));
    for _ in 0..15 {
        h.step(Some(3.0), S::Ok, &[]);
        h.step(None, S::NoData, &[]);
    }
    assert!(!h.state().flapping);
}

#[test]
fn reported_no_data_coming_and_going_flaps_at_the_level_of_its_no_data_notices() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .notify_no_data()
        .flapping(3, 6)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(3.0), S::Ok, &[]);
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Flapping, L::Critical)]);
}

#[test]
fn the_flapping_notice_goes_at_the_worst_level_subscribers_would_have_been_told() {
    // Critical datapoints come and go, but two in a row never do: it only ever warns.
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .for_m_of_n(2, 2)
        .flapping(3, 10)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(4.5), S::Pending, &[]);
    h.step(Some(6.0), S::Warning, &[(K::Firing, L::Warning)]);
    h.step(Some(1.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(4.5), S::Pending, &[]);
    h.step(Some(6.0), S::Warning, &[(K::Firing, L::Warning)]);
    h.step(Some(1.0), S::Ok, &[(K::Flapping, L::Warning)]);
}

#[test]
fn a_silenced_flapping_rule_sends_its_notice_when_the_silence_ends_if_still_flapping() {
    let mut config = config(vec![flapping_rule()]);
    config.silences = vec![silence_rule("churn", None, at(minutes(30)))];
    let mut h = Harness::new(config);
    for value in [6.0, 3.0, 6.0, 3.0, 6.0, 3.0] {
        h.step(
            Some(value),
            if value > 5.0 { S::Critical } else { S::Ok },
            &[],
        );
    }
    h.step(Some(6.0), S::Critical, &[(K::Flapping, L::Critical)]);
}
