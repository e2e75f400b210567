//! Silences hold notifications back while the state keeps moving; what is owed is sent
//! when they end, and a resolve is never held back.

#[path = "engine/support.rs"]
mod support;

use support::*;

#[test]
fn a_silence_starting_after_firing_still_lets_the_resolve_through() {
    let mut config = config(vec![rule("churn").critical("> 5").build()]);
    config.silences = vec![silence_rule("churn", Some(at(minutes(5))), at(hours(1)))];
    let mut h = Harness::new(config);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]); // silenced from here
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(3.0), S::Ok, &[]);
}

#[test]
fn a_silence_expiring_while_the_rule_still_fires_notifies_it_then() {
    let mut config = config(vec![rule("churn").critical("> 5").build()]);
    config.silences = vec![silence_rule("churn", None, at(minutes(10)))];
    let mut h = Harness::new(config);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]); // until is excluded
    h.step(Some(6.0), S::Critical, &[]);
}

#[test]
fn an_alert_that_fires_and_recovers_within_a_silence_sends_nothing() {
    let mut config = config(vec![rule("churn").critical("> 5").build()]);
    config.silences = vec![silence_rule("churn", None, at(minutes(15)))];
    let mut h = Harness::new(config);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(3.0), S::Ok, &[]);
}

#[test]
fn a_level_change_during_a_silence_is_sent_as_the_difference_when_it_ends() {
    let rule = rule("churn").critical("> 5").warning("> 4").build();
    let mut config = config(vec![rule]);
    config.silences = vec![silence_rule("churn", Some(at(minutes(5))), at(minutes(15)))];
    let mut h = Harness::new(config);
    h.step(Some(4.5), S::Warning, &[(K::Firing, L::Warning)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(4.5), S::Warning, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Escalated, L::Critical)]);
}

#[test]
fn a_silence_holds_reminders_back_and_the_overdue_one_follows_its_end() {
    let rule = rule("churn").critical("> 5").renotify(minutes(5)).build();
    let mut config = config(vec![rule]);
    config.silences = vec![silence_rule("churn", Some(at(minutes(5))), at(minutes(15)))];
    let mut h = Harness::new(config);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
}

#[test]
fn a_silence_matches_by_labels_and_leaves_other_rules_alone() {
    let rules = vec![
        rule("nps")
            .metric("nps")
            .warning("< 30")
            .label("domain", "support")
            .build(),
        rule("churn")
            .metric("churn")
            .critical("> 5")
            .label("domain", "retention")
            .build(),
    ];
    let mut config = config(rules);
    config.silences = vec![silence_labels(&[("domain", "support")], at(hours(1)))];
    let mut h = Harness::new(config);
    let evaluation = h.evaluate(h.metrics(&[("nps", 20.0), ("churn", 6.0)]));
    let sent: Vec<&str> = evaluation
        .notifications
        .iter()
        .map(|n| n.rule.id.as_str())
        .collect();
    assert_eq!(sent, ["churn"]);
}

#[test]
fn a_silence_needs_every_one_of_its_labels() {
    let rule = rule("nps")
        .warning("< 30")
        .label("domain", "support")
        .build();
    let mut config = config(vec![rule]);
    config.silences = vec![silence_labels(
        &[("domain", "support"), ("team", "cx")],
        at(hours(1)),
    )];
    let mut h = Harness::new(config);
    h.step(Some(20.0), S::Warning, &[(K::Firing, L::Warning)]);
}

#[test]
fn a_silence_that_has_not_started_does_not_apply() {
    let mut config = config(vec![rule("churn").critical("> 5").build()]);
    config.silences = vec![silence_rule("churn", Some(at(minutes(10))), at(hours(1)))];
    let mut h = Harness::new(config);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(6.0), S::Critical, &[]); // +10m: in force
}
