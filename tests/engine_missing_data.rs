//! The four missing-data policies, no_data, and undefined expressions.

#[path = "engine/support.rs"]
mod support;

use kpiwatch::config::MissingData;
use support::*;

#[test]
fn missing_goes_to_no_data_silently_when_the_whole_window_is_missing() {
    let rule = rule("churn").critical("> 5").for_m_of_n(1, 2).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(3.0), S::Ok, &[]);
    // [3, missing]: the present value still counts.
    h.step(None, S::Ok, &[]);
    h.step(None, S::NoData, &[]);
    h.step(Some(3.0), S::Ok, &[]);
}

#[test]
fn missing_reports_no_data_when_the_rule_asks_and_resolves_when_data_returns() {
    let rule = rule("churn").critical("> 5").notify_no_data().build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(3.0), S::Ok, &[]);
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    h.step(None, S::NoData, &[]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn missing_reports_no_data_for_a_notified_alert_even_when_the_rule_does_not_ask() {
    let rule = rule("churn").critical("> 5").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    let stale = h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    assert_eq!(
        only(&stale).message,
        "churn has no data: its value is missing, so its critical alert can no longer be \
         confirmed"
    );
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn missing_data_does_not_resolve_a_firing_rule_while_other_datapoints_count() {
    let rule = rule("churn").critical("> 5").for_m_of_n(2, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(None, S::Critical, &[]);
    // [6, missing, missing]: one breach counts, but a missing value cannot resolve.
    h.step(None, S::Critical, &[]);
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
}

#[test]
fn the_first_evaluation_of_a_metric_that_never_arrived_is_no_data() {
    let mut h = Harness::new(config(vec![rule("churn").critical("> 5").build()]));
    h.step(None, S::NoData, &[]);
}

#[test]
fn breaching_counts_a_missing_value_as_the_most_severe_level() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .missing(MissingData::Breaching)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(3.0), S::Ok, &[]);
    let fired = h.step(None, S::Critical, &[(K::Firing, L::Critical)]);
    assert_eq!(
        only(&fired).message,
        "churn is missing, which counts as breaching (critical: > 5)"
    );
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn breaching_counts_a_missing_value_as_warning_on_a_warning_only_rule() {
    let rule = rule("uptime")
        .warning("< 99.9")
        .missing(MissingData::Breaching)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(None, S::Warning, &[(K::Firing, L::Warning)]);
}

#[test]
fn not_breaching_counts_a_missing_value_as_ok() {
    let rule = rule("churn")
        .critical("> 5")
        .missing(MissingData::NotBreaching)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(None, S::Ok, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(None, S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn ignore_keeps_the_state_as_it_is_and_sends_nothing() {
    let rule = rule("churn")
        .critical("> 5")
        .missing(MissingData::Ignore)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(None, S::Ok, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(None, S::Critical, &[]);
    h.step(None, S::Critical, &[]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(None, S::Ok, &[]);
}

#[test]
fn ignore_still_sends_reminders_that_fall_due() {
    let rule = rule("churn")
        .critical("> 5")
        .missing(MissingData::Ignore)
        .renotify(minutes(10))
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(None, S::Critical, &[]);
    let reminder = h.step(None, S::Critical, &[(K::Reminder, L::Critical)]);
    assert_eq!(
        only(&reminder).message,
        "churn is still critical (critical: > 5); its latest value is missing"
    );
}

#[test]
fn ignore_keeps_a_pending_rule_pending() {
    let rule = rule("churn")
        .critical("> 5")
        .for_m_of_n(3, 3)
        .missing(MissingData::Ignore)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(None, S::Pending, &[]);
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn ignore_gives_a_missing_run_no_slot_in_m_of_n() {
    let rule = rule("churn")
        .critical("> 5")
        .for_m_of_n(2, 2)
        .missing(MissingData::Ignore)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(None, S::Pending, &[]);
    // The last two datapoints are the two values of 6.
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(None, S::Critical, &[]);
    h.step(None, S::Critical, &[]);
    // [6, 3]: one of two.
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    assert_eq!(
        h.state().datapoints.len(),
        3,
        "the missing runs stored nothing"
    );
}

#[test]
fn missing_keeps_a_missing_run_in_its_slot_of_the_last_n_without_counting_it() {
    let rule = rule("churn").critical("> 5").for_m_of_n(2, 2).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    // [6, missing]: not two breaches, and the latest datapoint does not breach.
    h.step(None, S::Ok, &[]);
    // [missing, 6]: still one breach of the last two runs.
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn ignore_gives_a_missing_run_no_slot_in_a_window() {
    let rule = rule("errors")
        .window(kpiwatch::config::Aggregate::Sum, 2)
        .critical("> 10")
        .missing(MissingData::Ignore)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Ok, &[]);
    h.step(None, S::Ok, &[]);
    // The sum of the last two values: 6 + 6.
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn a_rule_switched_to_ignore_gives_the_missing_datapoints_it_stored_no_slot() {
    let rule = rule("churn").critical("> 5").for_m_of_n(2, 2).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.step(None, S::Ok, &[]); // stored as missing, under `missing`

    h.config.rules[0].missing = MissingData::Ignore;
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn division_by_zero_in_an_expression_is_a_missing_value() {
    let rule = rule("ltv-cac")
        .expr("ltv / cac")
        .warning("< 3")
        .notify_no_data()
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step_with(h.metrics(&[("ltv", 1500.0), ("cac", 400.0)]), S::Ok, &[]);
    h.step_with(
        h.metrics(&[("ltv", 1500.0), ("cac", 0.0)]),
        S::NoData,
        &[(K::NoData, L::Warning)],
    );
    assert_eq!(h.state().datapoints.back().unwrap().value, None);
    h.step_with(
        h.metrics(&[("ltv", 1150.0), ("cac", 410.0)]),
        S::Warning,
        &[(K::Firing, L::Warning)],
    );
}

#[test]
fn division_by_zero_under_breaching_fires() {
    let rule = rule("ltv-cac")
        .expr("ltv / cac")
        .warning("< 3")
        .missing(MissingData::Breaching)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step_with(
        h.metrics(&[("ltv", 1500.0), ("cac", 0.0)]),
        S::Warning,
        &[(K::Firing, L::Warning)],
    );
}

#[test]
fn an_expression_missing_one_of_its_metrics_is_missing() {
    let rule = rule("ltv-cac")
        .expr("ltv / cac")
        .warning("< 3")
        .notify_no_data()
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step_with(
        h.metrics(&[("ltv", 1500.0)]),
        S::NoData,
        &[(K::NoData, L::Warning)],
    );
}

#[test]
fn data_returning_breaching_keeps_the_no_data_notice_until_the_rule_fires() {
    let rule = rule("churn")
        .critical("> 5")
        .for_m_of_n(2, 2)
        .notify_no_data()
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    h.step(Some(6.0), S::Pending, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn a_recovery_line_still_holds_an_alert_whose_data_comes_back_after_no_data() {
    let rule = rule("churn").critical("> 5").recovery("< 3.5").build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    // 4 is below the critical line but has not crossed the recovery line: the gap in the
    // data proves no recovery, so subscribers learn the alert can be confirmed again.
    h.step(Some(4.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.4), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn after_no_data_a_value_above_the_recovery_line_fires_at_the_level_it_breaches_at_most() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .recovery("< 3.5")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    h.step(Some(3.8), S::Warning, &[(K::Firing, L::Warning)]);
    h.step(Some(3.4), S::Ok, &[(K::Resolved, L::Ok)]);
    // Once resolved, a gap and a value above the recovery line are no alert.
    h.step(None, S::NoData, &[]);
    h.step(Some(3.8), S::Ok, &[]);
}

#[test]
fn not_breaching_holds_a_rule_with_a_recovery_line_at_its_least_severe_level() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .recovery("< 3.5")
        .missing(MissingData::NotBreaching)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    // Counted as ok, as 3.8 would be; and like 3.8 it does not meet the recovery line.
    h.step(None, S::Warning, &[(K::Downgraded, L::Warning)]);
    h.step(None, S::Warning, &[]);
    h.step(Some(3.4), S::Ok, &[(K::Resolved, L::Ok)]);
}
