//! Flapping: more than K state changes in the last W evaluations sends one notice, then
//! nothing until the rule has held one state for W evaluations.

#[path = "engine/support.rs"]
mod support;

use support::*;

fn flapping_rule() -> kpiwatch::config::Rule {
    rule("churn")
        .name("Churn rate")
        .critical("> 5")
        .flapping(3, 6)
        .build()
}

/// Five runs alternating from 6: four state changes, the fourth being one too many.
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
fn a_flapping_rule_that_settles_at_ok_is_notified_as_resolved() {
    let mut h = Harness::new(config(vec![flapping_rule()]));
    oscillate_until_flapping(&mut h);
    for _ in 0..5 {
        h.step(Some(3.0), S::Ok, &[]);
    }
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(3.0), S::Ok, &[]);
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
         Nothing more is sent until it holds one state for 6 evaluations"
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
fn changes_through_pending_count_as_state_changes() {
    let rule = rule("churn")
        .critical("> 5")
        .for_m_of_n(2, 2)
        .flapping(2, 6)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(3.0), S::Ok, &[(K::Flapping, L::Critical)]);
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
