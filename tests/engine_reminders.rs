//! Reminders: re-sent every `renotify` interval while firing, off without one, capped by
//! `renotify_max`, counted per incident.

#[path = "engine/support.rs"]
mod support;

use support::*;

#[test]
fn a_firing_rule_is_reminded_every_renotify_interval() {
    let rule = rule("churn").critical("> 5").renotify(minutes(10)).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
}

#[test]
fn without_a_renotify_interval_reminders_are_off() {
    let mut h = Harness::new(config(vec![rule("churn").critical("> 5").build()]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    for _ in 0..20 {
        h.step(Some(6.0), S::Critical, &[]);
    }
}

#[test]
fn a_reminder_cap_of_two_gives_exactly_two_reminders() {
    let rule = rule("churn")
        .critical("> 5")
        .renotify(minutes(5))
        .renotify_max(2)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[]);
}

#[test]
fn the_reminder_cap_starts_over_with_each_incident() {
    let rule = rule("churn")
        .critical("> 5")
        .renotify(minutes(5))
        .renotify_max(1)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
}

#[test]
fn an_escalation_restarts_the_reminder_interval() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .renotify(minutes(10))
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(4.5), S::Warning, &[(K::Firing, L::Warning)]);
    h.step(Some(6.0), S::Critical, &[(K::Escalated, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
}

#[test]
fn a_reminder_says_the_rule_is_still_firing() {
    let rule = rule("churn")
        .name("Churn rate")
        .unit("%")
        .critical("> 5")
        .renotify(minutes(5))
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.2), S::Critical, &[(K::Firing, L::Critical)]);
    let reminder = h.step(Some(6.4), S::Critical, &[(K::Reminder, L::Critical)]);
    assert_eq!(
        only(&reminder).message,
        "Churn rate is still 6.4% (critical: > 5)"
    );
}

#[test]
fn a_rule_with_no_data_is_not_reminded() {
    let rule = rule("churn")
        .critical("> 5")
        .notify_no_data()
        .renotify(minutes(5))
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    h.step(None, S::NoData, &[]);
    h.step(None, S::NoData, &[]);
}

#[test]
fn an_escalation_or_a_downgrade_does_not_start_the_reminder_count_over() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .renotify(minutes(10))
        .renotify_max(1)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(4.5), S::Warning, &[(K::Firing, L::Warning)]);
    h.step(Some(4.5), S::Warning, &[]);
    h.step(Some(4.5), S::Warning, &[(K::Reminder, L::Warning)]);
    h.step(Some(6.0), S::Critical, &[(K::Escalated, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    // The interval has passed again, but the incident's one reminder was sent.
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(4.5), S::Warning, &[(K::Downgraded, L::Warning)]);
    h.step(Some(4.5), S::Warning, &[]);
    h.step(Some(4.5), S::Warning, &[]);
    // A new incident has its own reminder.
    h.step(Some(1.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(6.0), S::Critical, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Reminder, L::Critical)]);
}
