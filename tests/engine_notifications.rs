//! The notification document: its fields, default messages, and message and action
//! templates.

#[path = "engine/support.rs"]
mod support;

use support::*;

fn churn() -> support::RuleBuilder {
    rule("churn")
        .name("Churn rate")
        .unit("%")
        .critical("> 5")
        .label("team", "growth")
}

#[test]
fn a_template_renders_every_documented_variable() {
    let message = "{{ name }}|{{ id }}|{{ value }}|{{ unit }}|{{ condition }}|\
                   {{ threshold }}|{{ previous_value }}|{{ change }}|{{ labels.team }}|\
                   {{ level }}|{{ kind }}|{{ at }}|{{ value_text }}|{{ previous_value_text }}|\
                   {{ change_text }}";
    let mut h = Harness::new(config(vec![churn().message(message).build()]));
    h.step(Some(4.0), S::Ok, &[]);
    let fired = h.step(Some(6.2), S::Critical, &[(K::Firing, L::Critical)]);
    assert_eq!(
        only(&fired).message,
        "Churn rate|churn|6.2|%|> 5|5|4|2.2|growth|critical|firing|2026-01-05T00:05:00Z|\
         6.2%|4%|+2.2%"
    );
    assert_eq!(
        kpiwatch::config::TEMPLATE_VARIABLES.len(),
        message.matches("{{").count(),
        "every documented variable is rendered above"
    );
}

#[test]
fn numbers_in_templates_are_numbers_rounded_for_reading() {
    let message = "{{ value }} {{ value | round(1) }} {{ value * 2 }} \
                   {% if value > 10000 %}large{% endif %} {{ change | abs }}";
    let rule = churn()
        .critical("> 48250")
        .warning("> 10000")
        .message(message)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    h.step(Some(48_300.0), S::Critical, &[(K::Firing, L::Critical)]);
    let downgraded = h.step(Some(48_200.0), S::Warning, &[(K::Downgraded, L::Warning)]);
    // 48200 prints as an integer, not 48200.0; change is -100, a number `abs` takes.
    assert_eq!(only(&downgraded).message, "48200 48200 96400 large 100");

    let fraction = h.evaluate(h.metrics(&[(METRIC, 2.8048780487)]));
    assert_eq!(only(&fraction).kind, K::Resolved);
    assert_eq!(only(&fraction).message.split(' ').next(), Some("2.805"));
}

/// What `validate` accepts renders at the alert: both see numbers.
#[test]
fn a_template_that_passes_validate_renders_at_the_alert() {
    let yaml = r#"
rules:
  - id: churn
    name: Churn rate
    metric: m
    unit: "%"
    critical: "> 5"
    message: "Churn {{ value | round(1) }}{{ unit }}, {{ (value - threshold) | round(2) }} over"
"#;
    let parsed = kpiwatch::config::parse(yaml, std::path::Path::new("kpiwatch.yaml"))
        .unwrap_or_else(|errors| panic!("{errors}"));
    let mut h = Harness::new(config(parsed.rules));
    let fired = h.step(Some(6.27), S::Critical, &[(K::Firing, L::Critical)]);
    assert_eq!(only(&fired).message, "Churn 6.3%, 1.27 over");
}

#[test]
fn a_resolve_renders_the_condition_that_fired_and_a_negative_change() {
    let message = "{{ kind }}: {{ value }}{{ unit }} after {{ condition }} ({{ change }})";
    let mut h = Harness::new(config(vec![churn().message(message).build()]));
    h.step(Some(6.2), S::Critical, &[(K::Firing, L::Critical)]);
    let resolved = h.step(Some(3.0), S::Ok, &[(K::Resolved, L::Ok)]);
    assert_eq!(only(&resolved).message, "resolved: 3% after > 5 (-3.2)");
}

#[test]
fn a_template_shows_missing_values_as_missing_and_can_test_for_none() {
    let message = "{{ value }} {{ previous_value }} {{ change }} {{ value_text }} \
                   {% if value is none %}none{% endif %}";
    let rule = churn()
        .message(message)
        .missing(kpiwatch::config::MissingData::Breaching)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    let fired = h.step(None, S::Critical, &[(K::Firing, L::Critical)]);
    assert_eq!(only(&fired).message, "missing missing missing missing none");
}

#[test]
fn arithmetic_on_a_missing_value_falls_back_to_the_default_message() {
    let rule = churn()
        .message("Churn is {{ value | round(1) }}%")
        .missing(kpiwatch::config::MissingData::Breaching)
        .build();
    let mut h = Harness::new(config(vec![rule]));
    let fired = h.step(None, S::Critical, &[(K::Firing, L::Critical)]);
    let message = &only(&fired).message;
    assert!(
        message.starts_with(
            "Churn rate is missing, which counts as breaching (critical: > 5) \
             (the message template failed: "
        ),
        "{message}"
    );
}

#[test]
fn the_action_is_a_template_too_and_the_runbook_is_carried() {
    let rule = churn()
        .action("Ask {{ labels.team }} to launch a retention campaign")
        .runbook("https://wiki.example.com/runbooks/churn")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    let fired = h.step(Some(6.2), S::Critical, &[(K::Firing, L::Critical)]);
    let notification = only(&fired);
    assert_eq!(
        (notification.action.as_str(), notification.runbook.as_str()),
        (
            "Ask growth to launch a retention campaign",
            "https://wiki.example.com/runbooks/churn"
        )
    );
}

#[test]
fn a_template_that_fails_to_render_falls_back_to_the_default_message_and_says_why() {
    let rule = churn()
        .message("{{ value | no_such_filter }}")
        .action("{% if %}")
        .build();
    let mut h = Harness::new(config(vec![rule]));
    let fired = h.step(Some(6.2), S::Critical, &[(K::Firing, L::Critical)]);
    let notification = only(&fired);
    assert!(
        notification
            .message
            .starts_with("Churn rate is 6.2% (critical: > 5) (the message template failed: ")
            && notification.message.contains("no_such_filter")
            && notification
                .message
                .contains("(the action template failed: "),
        "{}",
        notification.message
    );
    assert_eq!(notification.action, "{% if %}");
}

#[test]
fn default_messages_read_as_sentences() {
    let mut h = Harness::new(config(vec![churn().warning("> 4").build()]));
    let cases = [
        (6.2, "Churn rate is 6.2% (critical: > 5)"),
        (4.5, "Churn rate is 4.5% (warning: > 4)"),
        (3.0, "Churn rate is back to normal at 3%"),
    ];
    for (value, message) in cases {
        let evaluation = h.evaluate(h.metrics(&[(METRIC, value)]));
        assert_eq!(only(&evaluation).message, message);
    }
}

#[test]
fn a_notification_carries_every_field_of_the_document() {
    let rule = churn().runbook("https://wiki.example.com/churn").build();
    let mut h = Harness::new(config(vec![rule]));
    for value in [3.0, 4.0, 5.0] {
        h.evaluate(h.metrics(&[(METRIC, value)]));
    }
    let fired = h.evaluate(h.metrics(&[(METRIC, 6.2)]));
    let notification = only(&fired).clone();
    assert_eq!(
        notification,
        kpiwatch::model::Notification {
            version: "1".to_string(),
            id: "churn/firing/2026-01-05T00:15:00Z".to_string(),
            kind: K::Firing,
            rule: kpiwatch::model::RuleRef {
                id: "churn".to_string(),
                name: "Churn rate".to_string(),
            },
            level: L::Critical,
            previous_level: None,
            incident_level: Some(L::Critical),
            value: Some(6.2),
            unit: "%".to_string(),
            condition: "> 5".to_string(),
            previous_value: Some(5.0),
            sparkline: "▁▃▅█".to_string(),
            message: "Churn rate is 6.2% (critical: > 5)".to_string(),
            action: String::new(),
            runbook: "https://wiki.example.com/churn".to_string(),
            labels: [("team".to_string(), "growth".to_string())].into(),
            at: at(minutes(15)),
            run_id: "run-4".to_string(),
        }
    );
}

#[test]
fn the_sparkline_draws_the_last_twelve_values_with_gaps_for_missing_ones() {
    let rule = churn().for_m_of_n(1, 3).renotify(minutes(5)).build();
    let mut h = Harness::new(config(vec![rule]));
    for value in 1..=12 {
        h.evaluate(h.metrics(&[(METRIC, f64::from(value))]));
    }
    let reminder = h.evaluate(h.snapshot());
    assert_eq!(only(&reminder).sparkline, "▁▂▂▃▄▅▅▆▇▇█·");
}

#[test]
fn the_sparkline_of_an_ignore_rule_leaves_out_the_runs_it_skipped() {
    let rule = churn()
        .missing(kpiwatch::config::MissingData::Ignore)
        .renotify(minutes(5))
        .build();
    let mut h = Harness::new(config(vec![rule]));
    for value in 1..=12 {
        h.evaluate(h.metrics(&[(METRIC, f64::from(value))]));
    }
    let reminder = h.evaluate(h.snapshot());
    let reminder = only(&reminder);
    assert_eq!(
        (
            reminder.sparkline.as_str(),
            reminder.value,
            reminder.previous_value
        ),
        ("▁▂▂▃▄▄▅▅▆▇▇█", None, Some(12.0))
    );
}

#[test]
fn a_no_data_notice_names_no_condition() {
    let rule = churn().notify_no_data().for_m_of_n(1, 3).build();
    let mut h = Harness::new(config(vec![rule]));
    let stale = h.step(None, S::NoData, &[(K::NoData, L::Critical)]);
    let notification = only(&stale);
    assert_eq!(
        (
            notification.condition.as_str(),
            notification.message.as_str()
        ),
        ("", "Churn rate has no data: its last 3 values are missing")
    );
}

#[test]
fn every_notification_of_an_incident_carries_its_highest_level_until_the_resolve() {
    let rule = churn().warning("> 4").build();
    let mut h = Harness::new(config(vec![rule]));
    let steps = [
        (4.5, K::Firing, L::Warning, Some(L::Warning)),
        (6.2, K::Escalated, L::Critical, Some(L::Critical)),
        (4.5, K::Downgraded, L::Warning, Some(L::Critical)),
        // The resolve of an incident that was once critical still says so, for a
        // critical-only subscription to receive it.
        (3.0, K::Resolved, L::Ok, Some(L::Critical)),
        // A new incident starts from its own level.
        (4.5, K::Firing, L::Warning, Some(L::Warning)),
        (3.0, K::Resolved, L::Ok, Some(L::Warning)),
    ];
    for (value, kind, level, incident_level) in steps {
        let evaluation = h.evaluate(h.metrics(&[(METRIC, value)]));
        let notification = only(&evaluation);
        assert_eq!(
            (
                notification.kind,
                notification.level,
                notification.incident_level
            ),
            (kind, level, incident_level),
            "at value {value}"
        );
    }
}

#[test]
fn a_message_or_action_past_16_ki_characters_is_cut_so_the_run_can_be_stored() {
    use kpiwatch::engine::{MAX_TEXT_CHARS, TEXT_CUT_MARK};

    let long = "é".repeat(MAX_TEXT_CHARS + 10);
    let looped = "{% for i in range(5000) %}line {{ i }} of a runaway loop. {% endfor %}";
    let rule = churn().message(&long).action(looped).build();
    let mut h = Harness::new(config(vec![rule]));

    let fired = h.step(Some(6.2), S::Critical, &[(K::Firing, L::Critical)]);

    let fired = only(&fired);
    for text in [&fired.message, &fired.action] {
        assert_eq!(
            text.chars().count(),
            MAX_TEXT_CHARS + TEXT_CUT_MARK.chars().count()
        );
        assert!(text.ends_with(TEXT_CUT_MARK));
    }
    assert!(long.starts_with(fired.message.trim_end_matches(TEXT_CUT_MARK)));
    assert!(
        fired
            .action
            .starts_with("line 0 of a runaway loop. line 1 ")
    );
    assert!(TEXT_CUT_MARK.contains(&MAX_TEXT_CHARS.to_string()));
}
