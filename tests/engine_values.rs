//! A rule's value: `change` against an older snapshot, and `window` aggregates.

#[path = "engine/support.rs"]
mod support;

use kpiwatch::config::{Aggregate, ChangeMode, MissingData};
use support::*;

fn mrr_drop(mode: ChangeMode, critical: &str) -> kpiwatch::config::Rule {
    rule("mrr-drop")
        .name("MRR")
        .unit("$")
        .change(days(1), mode)
        .critical(critical)
        .build()
}

#[test]
fn change_without_an_old_enough_snapshot_is_missing_and_then_compares_percent() {
    let mut h = Harness::new(config(vec![mrr_drop(ChangeMode::Percent, "< -10")])).every(hours(12));
    h.step(Some(100.0), S::NoData, &[]);
    h.step(Some(95.0), S::NoData, &[]);
    // The snapshot a day before is the first one: (85 - 100) / 100.
    let fired = h.step(Some(85.0), S::Critical, &[(K::Firing, L::Critical)]);
    let notification = only(&fired);
    assert_eq!(
        (notification.value, notification.unit.as_str()),
        (Some(-15.0), "%")
    );
    assert_eq!(
        notification.message,
        "MRR changed by -15% against 1d ago (critical: < -10)"
    );
    // Against the second snapshot: (94 - 95) / 95.
    h.step(Some(94.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn change_without_an_old_enough_snapshot_follows_the_breaching_policy() {
    let mut rule = mrr_drop(ChangeMode::Percent, "< -10");
    rule.missing = MissingData::Breaching;
    let mut h = Harness::new(config(vec![rule])).every(hours(12));
    h.step(Some(100.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(100.0), S::Critical, &[]);
    h.step(Some(100.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn absolute_change_is_the_difference_from_the_baseline() {
    let mut h =
        Harness::new(config(vec![mrr_drop(ChangeMode::Absolute, "< -1000")])).every(days(1));
    h.step(Some(50_000.0), S::NoData, &[]);
    h.step(Some(49_500.0), S::Ok, &[]);
    let fired = h.step(Some(48_200.0), S::Critical, &[(K::Firing, L::Critical)]);
    let notification = only(&fired);
    assert_eq!(
        (notification.value, notification.unit.as_str()),
        (Some(-1300.0), "$")
    );
}

#[test]
fn change_uses_the_newest_snapshot_at_or_before_t_minus_vs() {
    let mut h =
        Harness::new(config(vec![mrr_drop(ChangeMode::Absolute, "< -1000")])).every(hours(10));
    h.step(Some(10_000.0), S::NoData, &[]); // t0
    h.step(Some(9_000.0), S::NoData, &[]); // +10h
    h.step(Some(8_000.0), S::NoData, &[]); // +20h
    // +30h: the baseline is at +0h (at or before +6h), not +10h.
    h.step(Some(8_500.0), S::Critical, &[(K::Firing, L::Critical)]);
    assert_eq!(h.state().datapoints.back().unwrap().value, Some(-1500.0));
}

#[test]
fn percent_change_against_a_zero_baseline_is_missing() {
    let rule = rule("signups")
        .change(days(1), ChangeMode::Percent)
        .critical("< -10")
        .notify_no_data()
        .build();
    let mut h = Harness::new(config(vec![rule])).every(days(1));
    h.step(Some(0.0), S::NoData, &[(K::NoData, L::Critical)]);
    h.step(Some(5.0), S::NoData, &[]);
    h.step(Some(4.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn window_avg_compares_the_mean_of_the_last_points() {
    let rule = rule("churn")
        .window(Aggregate::Avg, 3)
        .critical("> 5")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(4.0), S::Ok, &[]); // 4
    h.step(Some(6.0), S::Ok, &[]); // 5
    h.step(Some(8.0), S::Critical, &[(K::Firing, L::Critical)]); // 6
    h.step(Some(2.0), S::Critical, &[]); // 5.33
    h.step(Some(1.0), S::Ok, &[(K::Resolved, L::Ok)]); // 3.67
}

#[test]
fn window_min_fires_only_when_every_point_breaches() {
    let rule = rule("latency")
        .window(Aggregate::Min, 3)
        .critical("> 200")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(150.0), S::Ok, &[]);
    h.step(Some(250.0), S::Ok, &[]);
    h.step(Some(250.0), S::Ok, &[]);
    h.step(Some(250.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(100.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn window_max_keeps_firing_while_a_breach_is_in_the_window() {
    let rule = rule("latency")
        .window(Aggregate::Max, 3)
        .critical("> 200")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(150.0), S::Ok, &[]);
    h.step(Some(250.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(150.0), S::Critical, &[]);
    h.step(Some(150.0), S::Critical, &[]);
    h.step(Some(150.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn window_sum_adds_the_last_points() {
    let rule = rule("errors")
        .window(Aggregate::Sum, 3)
        .critical("> 10")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(4.0), S::Ok, &[]);
    h.step(Some(4.0), S::Ok, &[]);
    let fired = h.step(Some(4.0), S::Critical, &[(K::Firing, L::Critical)]);
    let notification = only(&fired);
    assert_eq!(
        (notification.value, notification.previous_value),
        (Some(12.0), Some(8.0))
    );
    assert_eq!(
        notification.message,
        "errors (sum of the last 3) is 12 (critical: > 10)"
    );
    h.step(Some(1.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_window_skips_missing_values_and_is_missing_only_when_all_are() {
    let rule = rule("churn")
        .window(Aggregate::Avg, 2)
        .critical("> 5")
        .notify_no_data()
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    // [6, missing]: the average of what is present.
    h.step(None, S::Critical, &[]);
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    h.step(Some(4.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn a_window_rule_stores_raw_values_and_keeps_only_what_it_needs() {
    let rule = rule("churn")
        .window(Aggregate::Avg, 20)
        .critical("> 500")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    for value in 0..30 {
        h.step(Some(f64::from(value)), S::Ok, &[]);
    }
    let stored: Vec<Option<f64>> = h.state().datapoints.iter().map(|d| d.value).collect();
    let expected: Vec<Option<f64>> = (9..30).map(|v| Some(f64::from(v))).collect();
    assert_eq!(stored, expected);
}

#[test]
fn change_against_a_baseline_older_than_twice_vs_is_missing() {
    let rule = rule("mrr-drop")
        .change(days(1), ChangeMode::Percent)
        .critical("< -10")
        .notify_no_data()
        .build();
    let mut h = Harness::new(config(vec![rule])).every(days(19));
    h.step(Some(100.0), S::NoData, &[(K::NoData, L::Critical)]);
    // The newest snapshot at or before T - 1d is 19 days old: not "1d ago".
    h.step(Some(85.0), S::NoData, &[]);
    assert_eq!(h.state().datapoints.back().unwrap().value, None);
}

#[test]
fn change_accepts_a_baseline_up_to_twice_vs_old_and_not_a_second_more() {
    let rule = || {
        rule("mrr-drop")
            .change(days(1), ChangeMode::Percent)
            .critical("< -10")
            .build()
    };
    let mut two_days = Harness::new(config(vec![rule()])).every(days(2));
    two_days.step(Some(100.0), S::NoData, &[]);
    two_days.step(Some(85.0), S::Critical, &[(K::Firing, L::Critical)]);

    let a_second_more = days(2) + std::time::Duration::from_secs(1);
    let mut later = Harness::new(config(vec![rule()])).every(a_second_more);
    later.step(Some(100.0), S::NoData, &[]);
    later.step(Some(85.0), S::NoData, &[]);
}
