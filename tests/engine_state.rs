//! What the engine stores between runs: only current rules, only the datapoints they
//! need, and a serde document that round-trips.

#[path = "engine/support.rs"]
mod support;

use kpiwatch::engine::{Notified, RuleState, RuleStates};
use support::*;

#[test]
fn states_of_rules_removed_from_the_config_are_dropped() {
    let rules = vec![
        rule("churn").metric("churn").critical("> 5").build(),
        rule("nps").metric("nps").warning("< 30").build(),
    ];
    let mut h = Harness::new(config(rules));
    h.evaluate(h.metrics(&[("churn", 6.0), ("nps", 20.0)]));
    h.config.rules.retain(|r| r.id == "churn");

    let evaluation = h.evaluate(h.metrics(&[("churn", 6.0), ("nps", 20.0)]));

    let ids: Vec<&str> = evaluation.states.keys().map(String::as_str).collect();
    assert_eq!(ids, ["churn"]);
}

#[test]
fn a_rule_removed_while_its_alert_is_open_is_resolved_once_then_forgotten() {
    let rules = vec![
        rule("churn").metric("churn").critical("> 5").build(),
        rule("nps").metric("nps").warning("< 30").build(),
    ];
    let mut h = Harness::new(config(rules)).watch("nps");
    h.evaluate(h.metrics(&[("churn", 6.0), ("nps", 40.0)]));
    h.config.rules.retain(|r| r.id == "nps");

    let removed = h.evaluate(h.metrics(&[("churn", 6.0), ("nps", 40.0)]));
    let notification = only(&removed);
    assert_eq!(
        (
            notification.rule.id.as_str(),
            notification.kind,
            notification.previous_level,
            notification.message.as_str()
        ),
        (
            "churn",
            K::Resolved,
            Some(L::Critical),
            "churn was removed from the config, so its critical alert is closed"
        )
    );

    let after = h.evaluate(h.metrics(&[("churn", 6.0), ("nps", 40.0)]));
    assert_eq!(after.notifications.len(), 0);
}

#[test]
fn a_rule_removed_while_ok_goes_quietly() {
    let mut h = Harness::new(config(vec![rule("churn").critical("> 5").build()]));
    h.step(Some(1.0), S::Ok, &[]);
    h.config.rules.clear();
    let evaluation = h.evaluate(h.metrics(&[(METRIC, 1.0)]));
    assert_eq!(
        (evaluation.states.len(), evaluation.notifications.len()),
        (0, 0)
    );
}

#[test]
fn each_rule_keeps_as_many_datapoints_as_its_longest_need() {
    let rules = vec![
        rule("plain").critical("> 5").build(),
        rule("m-of-n").critical("> 5").for_m_of_n(20, 30).build(),
        rule("flapping").critical("> 5").flapping(3, 15).build(),
    ];
    let mut h = Harness::new(config(rules));
    for _ in 0..50 {
        h.evaluate(h.metrics(&[(METRIC, 1.0)]));
    }
    let kept: Vec<(&str, usize)> = h
        .states
        .iter()
        .map(|(id, state)| (id.as_str(), state.datapoints.len()))
        .collect();
    // The sparkline needs 12, flapping its window and the state before it.
    assert_eq!(kept, [("flapping", 16), ("m-of-n", 30), ("plain", 12)]);
}

#[test]
fn the_stored_state_round_trips_through_serde_json() {
    let rule = rule("churn")
        .critical("> 5")
        .warning("> 4")
        .for_m_of_n(2, 3)
        .renotify(minutes(5))
        .flapping(3, 6)
        .build();
    let mut config = config(vec![rule]);
    config.sources = vec![source("billing")];
    config.silences = vec![silence_rule("churn", Some(at(minutes(15))), at(hours(1)))];
    let mut h = Harness::new(config);
    h.evaluate(h.failure("billing", "timed out"));
    for value in [6.0, 6.0, 4.5, 6.0] {
        h.evaluate(h.metrics(&[(METRIC, value)]));
    }
    assert!(h.states["churn"].silenced_while_open);

    let json = serde_json::to_string(&h.states).unwrap();
    let restored: RuleStates = serde_json::from_str(&json).unwrap();

    assert_eq!(restored, h.states);
}

#[test]
fn a_state_stored_before_the_newer_fields_existed_still_loads() {
    let json = r#"{
        "state": "critical",
        "evaluated_at": "2026-01-05T00:00:00Z",
        "datapoints": [{ "at": "2026-01-05T00:00:00Z", "value": 6.0, "level": "critical" }]
    }"#;

    let state: RuleState = serde_json::from_str(json).unwrap();

    assert_eq!(
        (
            state.notified,
            state.reminders_sent,
            state.datapoints[0].told,
            state.silenced_while_open,
            state.nothing_open_before_flapping,
        ),
        (Notified::Ok, 0, Notified::Ok, false, false)
    );
}

#[test]
fn datapoints_stored_with_the_rule_state_load_it_as_what_subscribers_are_told() {
    let json = r#"{
        "state": "pending",
        "evaluated_at": "2026-01-05T00:10:00Z",
        "datapoints": [
            { "at": "2026-01-05T00:00:00Z", "value": 6.0, "level": "critical",
              "state": "critical" },
            { "at": "2026-01-05T00:05:00Z", "value": 6.0, "level": "critical",
              "state": "pending" },
            { "at": "2026-01-05T00:10:00Z", "value": null, "state": "no_data" }
        ]
    }"#;

    let state: RuleState = serde_json::from_str(json).unwrap();

    let told: Vec<Notified> = state.datapoints.iter().map(|d| d.told).collect();
    assert_eq!(told, [Notified::Critical, Notified::Ok, Notified::NoData]);
    let stored = serde_json::to_value(&state).unwrap();
    assert_eq!(stored["datapoints"][0]["state"], "critical");
}

#[test]
fn a_restored_state_continues_exactly_where_it_left_off() {
    let rule = rule("churn").critical("> 5").for_m_of_n(2, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(6.0), S::Pending, &[]);
    h.states = serde_json::from_str(&serde_json::to_string(&h.states).unwrap()).unwrap();
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
}

#[test]
fn a_rule_removed_while_its_flapping_notice_opened_nothing_goes_quietly() {
    let rules = vec![
        rule("churn").critical("> 5").flapping(3, 6).build(),
        rule("nps").metric("nps").warning("< 30").build(),
    ];
    let mut h = Harness::new(config(rules));
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    // In place of a firing: no alert is open, as settling at ok would show by sending
    // nothing.
    h.step(Some(6.0), S::Critical, &[(K::Flapping, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[]);

    h.config.rules.retain(|r| r.id == "nps");
    let removed = h.evaluate(h.metrics(&[("nps", 40.0)]));
    assert_eq!(removed.notifications, []);
}

#[test]
fn a_rule_removed_while_flapping_over_an_open_alert_resolves_it() {
    let rules = vec![
        rule("churn").critical("> 5").flapping(3, 6).build(),
        rule("nps").metric("nps").warning("< 30").build(),
    ];
    let mut h = Harness::new(config(rules));
    h.step(Some(3.0), S::Ok, &[]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    h.step(Some(6.0), S::Critical, &[(K::Firing, L::Critical)]);
    h.step(Some(3.0), S::Ok, &[(K::Flapping, L::Critical)]);

    h.config.rules.retain(|r| r.id == "nps");
    let removed = h.evaluate(h.metrics(&[("nps", 40.0)]));
    let notification = only(&removed);
    assert_eq!(
        (notification.kind, notification.incident_level),
        (K::Resolved, Some(L::Critical))
    );
}
