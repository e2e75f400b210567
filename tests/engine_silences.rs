//! Silences hold notifications back while the state keeps moving; what is owed is sent
//! when they end, and a resolve is never held back.

#[path = "engine/support.rs"]
mod support;

use kpiwatch::config::Rule;
use support::*;

/// A harness for `rule` alone, silenced from the second step (+5m) until the fourth
/// (+15m, excluded): the fourth step is the first after the silence.
fn silenced_from_the_second_step_to_the_fourth(rule: Rule) -> Harness {
    let mut config = config(vec![rule]);
    config.silences = vec![silence_rule("churn", Some(at(minutes(5))), at(minutes(15)))];
    Harness::new(config)
}

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
    let mut h = silenced_from_the_second_step_to_the_fourth(rule);
    h.step(Some(4.5), S::Warning, &[(K::Firing, L::Warning)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(4.5), S::Warning, &[]);
    // The escalation is the news; no reminder follows it.
    h.step(Some(6.0), S::Critical, &[(K::Escalated, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
}

#[test]
fn a_silence_holds_reminders_back_and_the_overdue_one_follows_its_end() {
    let rule = rule("churn").critical("> 5").renotify(minutes(5)).build();
    let mut h = silenced_from_the_second_step_to_the_fourth(rule);
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

#[test]
fn an_alert_notified_before_a_silence_and_firing_when_it_ends_is_re_sent_then() {
    let rule = rule("churn").critical("> 5").build();
    let mut h = silenced_from_the_second_step_to_the_fourth(rule);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
    let reminder = h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    assert_eq!(only(&reminder).message, "churn is still 6 (critical: > 5)");
    assert_eq!(
        (h.state().reminders_sent, h.state().last_sent_at),
        (1, Some(at(minutes(15))))
    );
    for _ in 0..5 {
        h.step(Some(6.0), S::Critical, &[]);
    }
}

#[test]
fn the_reminder_at_the_end_of_a_silence_restarts_the_renotify_clock() {
    let rule = rule("churn").critical("> 5").renotify(hours(1)).build();
    let mut config = config(vec![rule]);
    config.silences = vec![silence_rule(
        "churn",
        Some(at(minutes(15))),
        at(minutes(30)),
    )];
    let mut h = Harness::new(config).every(minutes(15));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]); // +15m: silenced
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]); // +30m: it ended
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]); // +1h: the old clock would have been due
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]); // +1h30m
}

#[test]
fn the_end_of_a_silence_re_sends_an_open_alert_even_past_the_reminder_cap() {
    let rule = rule("churn")
        .critical("> 5")
        .renotify(minutes(5))
        .renotify_max(1)
        .build();
    let mut config = config(vec![rule]);
    config.silences = vec![silence_rule(
        "churn",
        Some(at(minutes(10))),
        at(minutes(20)),
    )];
    let mut h = Harness::new(config);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    assert_eq!(h.state().reminders_sent, 2);
}

#[test]
fn an_alert_resolved_during_a_silence_sends_nothing_more_when_it_ends() {
    let rule = rule("churn").critical("> 5").build();
    let mut h = silenced_from_the_second_step_to_the_fourth(rule);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(3.0), S::Ok, &[]); // the silence has ended
    h.step(Some(3.0), S::Ok, &[]);
}

#[test]
fn the_reminder_at_the_end_of_a_silence_counts_towards_the_cap() {
    let rule = rule("churn")
        .critical("> 5")
        .renotify(minutes(10))
        .renotify_max(1)
        .build();
    let mut config = config(vec![rule]);
    config.silences = vec![silence_rule("churn", Some(at(minutes(5))), at(minutes(10)))];
    let mut h = Harness::new(config);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]); // silenced
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
}
