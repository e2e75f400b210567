//! The built-in health rule of each source.

#[path = "engine/support.rs"]
mod support;

use std::time::Duration;

use kpiwatch::config::{ForClause, SourceHealth};
use support::*;

fn billing_config(source_health: SourceHealth) -> kpiwatch::config::Config {
    let mut config = config(Vec::new());
    config.sources = vec![source("billing")];
    config.source_health = source_health;
    config
}

fn two_of_three(level: L, renotify_interval: Option<Duration>) -> SourceHealth {
    SourceHealth {
        level,
        for_clause: ForClause {
            breaching: 2,
            datapoints: 3,
        },
        renotify_interval,
    }
}

#[test]
fn source_health_fires_after_m_of_n_failures_and_resolves_naming_the_source_and_error() {
    let mut h = Harness::new(billing_config(two_of_three(L::Warning, None)));
    assert_eq!(h.watched, "source-health:billing");
    h.step_with(h.snapshot(), S::Ok, &[]);
    h.step_with(h.failure("billing", "timed out after 5s"), S::Pending, &[]);
    let fired = h.step_with(
        h.failure("billing", "HTTP 502 Bad Gateway"),
        S::Warning,
        &[(K::Firing, L::Warning)],
    );
    let notification = only(&fired);
    assert_eq!(
        (
            notification.rule.name.as_str(),
            notification.message.as_str()
        ),
        (
            "Source billing",
            "Source billing is failing: HTTP 502 Bad Gateway"
        )
    );
    // [failed, failed, ok]: two of three failed, but the source has recovered.
    let resolved = h.step_with(h.snapshot(), S::Ok, &[(K::Resolved, L::Ok)]);
    assert_eq!(
        only(&resolved).message,
        "Source billing is healthy again (last error: HTTP 502 Bad Gateway)"
    );
    h.step_with(h.snapshot(), S::Ok, &[]);
}

#[test]
fn source_health_fires_again_when_the_source_fails_m_of_n_runs_after_recovering() {
    let mut h = Harness::new(billing_config(two_of_three(L::Warning, None)));
    h.step_with(h.failure("billing", "timed out"), S::Pending, &[]);
    h.step_with(
        h.failure("billing", "timed out"),
        S::Warning,
        &[(K::Firing, L::Warning)],
    );
    h.step_with(h.snapshot(), S::Ok, &[(K::Resolved, L::Ok)]);
    // [failed, ok, failed]: failed two of the last three runs.
    h.step_with(
        h.failure("billing", "timed out"),
        S::Warning,
        &[(K::Firing, L::Warning)],
    );
    h.step_with(h.snapshot(), S::Ok, &[(K::Resolved, L::Ok)]);
    // [ok, failed, ok] then [failed, ok, failed]... one failure of three pends.
    h.step_with(h.snapshot(), S::Ok, &[]);
    h.step_with(h.failure("billing", "timed out"), S::Pending, &[]);
}

#[test]
fn a_changed_source_health_level_applies_to_the_failures_already_counted() {
    let mut h = Harness::new(billing_config(two_of_three(L::Warning, None)));
    h.step_with(h.failure("billing", "timed out"), S::Pending, &[]);
    h.config.source_health.level = L::Critical;
    h.step_with(
        h.failure("billing", "timed out"),
        S::Critical,
        &[(K::Firing, L::Critical)],
    );
}

#[test]
fn source_health_fires_at_the_configured_level_and_reminds() {
    let settings = SourceHealth {
        level: L::Critical,
        for_clause: ForClause::default(),
        renotify_interval: Some(minutes(10)),
    };
    let mut h = Harness::new(billing_config(settings));
    h.step_with(
        h.failure("billing", "refused"),
        S::Critical,
        &[(K::Firing, L::Critical)],
    );
    h.step_with(h.failure("billing", "refused"), S::Critical, &[]);
    let reminder = h.step_with(
        h.failure("billing", "refused"),
        S::Critical,
        &[(K::Reminder, L::Critical)],
    );
    assert_eq!(
        only(&reminder).message,
        "Source billing is still failing: refused"
    );
}

#[test]
fn source_health_is_notified_before_the_rules_its_failure_leaves_without_data() {
    let rules = vec![rule("churn").critical("> 5").notify_no_data().build()];
    let mut config = config(rules);
    config.sources = vec![source("billing")];
    let mut h = Harness::new(config);
    let evaluation = h.evaluate(h.failure("billing", "timed out"));
    let sent: Vec<(&str, K)> = evaluation
        .notifications
        .iter()
        .map(|n| (n.rule.id.as_str(), n.kind))
        .collect();
    assert_eq!(
        sent,
        [("source-health:billing", K::Firing), ("churn", K::NoData)]
    );
}

#[test]
fn source_health_carries_the_source_label_for_silences_and_filters() {
    let mut config = billing_config(SourceHealth::default());
    config.silences = vec![silence_labels(&[("source", "billing")], at(hours(1)))];
    let mut h = Harness::new(config);
    h.step_with(h.failure("billing", "timed out"), S::Warning, &[]);
    assert_eq!(
        h.state().last_error.as_deref(),
        Some("timed out"),
        "the error is kept for the notification the silence holds back"
    );
}

#[test]
fn a_source_health_sparkline_draws_failures_high() {
    let mut h = Harness::new(billing_config(two_of_three(L::Warning, None)));
    h.evaluate(h.snapshot());
    h.evaluate(h.failure("billing", "down"));
    let fired = h.evaluate(h.failure("billing", "down"));
    assert_eq!(only(&fired).sparkline, "▁██");
}
