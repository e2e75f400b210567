use std::path::Path;
use std::time::Duration;

use chrono::{TimeZone, Utc};

use crate::config::ConfigErrors;
use crate::model::{AlertState, Level, NotificationKind};
use crate::testing::format::{ExpectedValue, TestFile, default_start};

const CONFIG: &str = "\
sources:
  - id: billing
    file: { path: metrics.json }
rules:
  - id: churn-rate
    metric: retention.churnRate
    critical: \"> 5\"
  - id: ltv-cac
    expr: acquisition.ltv / acquisition.cac
    warning: \"< 3\"
";

/// Parses `tests` as a file beside a config holding `config`.
fn parse_with(config: &str, tests: &str) -> Result<TestFile, ConfigErrors> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kpiwatch.yaml"), config).unwrap();
    std::fs::write(
        dir.path().join("metrics.json"),
        r#"{"retention": {"churnRate": 6.2, "note": "high"}, "regions": [{"p99": 120}]}"#,
    )
    .unwrap();
    super::parse(tests, &dir.path().join("kpiwatch.test.yaml"))
}

fn parse(tests: &str) -> TestFile {
    parse_with(CONFIG, tests).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(tests: &str) -> Vec<String> {
    let errors = parse_with(CONFIG, tests).unwrap_err();
    errors
        .errors
        .iter()
        .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
        .collect()
}

#[test]
fn file_settings_apply_unless_a_test_sets_its_own() {
    let file = parse(
        "\
config: kpiwatch.yaml
interval: 1h
tests:
  - name: file settings
    expect: [ { at: 0s, notifications: [] } ]
  - name: own settings
    start: 2026-12-01T00:00:00Z
    interval: 1d
    expect: [ { at: 0s, notifications: [] } ]
",
    );
    let (first, second) = (&file.tests[0], &file.tests[1]);
    assert_eq!(
        (first.start, first.interval),
        (default_start(), Duration::from_secs(3600))
    );
    let december = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    assert_eq!(
        (second.start, second.interval),
        (december, Duration::from_secs(86_400))
    );
    assert_eq!(second.time_of(2), december + chrono::Duration::days(2));
}

#[test]
fn steps_are_given_by_offset_time_or_number_and_sorted() {
    let file = parse(
        "\
config: kpiwatch.yaml
start: 2026-12-01T00:00:00Z
tests:
  - name: three ways
    expect:
      - { step: 4, notifications: [] }
      - { at: 2026-12-01T00:05:00Z, notifications: [] }
      - { at: 10m, notifications: [] }
",
    );
    let test = &file.tests[0];
    let steps: Vec<usize> = test.expectations.iter().map(|e| e.step).collect();
    assert_eq!(steps, [1, 2, 4]);
    assert_eq!(
        test.steps, 5,
        "without series, the last entry is the last step"
    );
}

#[test]
fn inline_documents_flatten_like_a_sources_json_and_files_are_read_as_sources_read_them() {
    let file = parse(
        "\
config: kpiwatch.yaml
tests:
  - name: documents
    snapshots:
      - at: 10m
        file: metrics.json
      - at: 0s
        metrics:
          retention: { churnRate: 6.2 }
          acquisition.cac: 400
          regions: [ { p99: 120 } ]
    expect: [ { at: 10m, notifications: [] } ]
",
    );
    let documents = &file.tests[0].documents;
    assert_eq!(documents[0].from_step, 0);
    let names: Vec<&str> = documents[0].metrics.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["acquisition.cac", "regions.0.p99", "retention.churnRate"]
    );
    assert_eq!(documents[1].from_step, 2);
    assert_eq!(documents[1].metrics.len(), 2, "the string leaf is skipped");
}

#[test]
fn source_failures_take_steps_alone_or_with_the_error_to_report() {
    let file = parse(
        "\
config: kpiwatch.yaml
tests:
  - name: billing fails
    source_failures:
      billing: { steps: okx2 fail, error: HTTP 503 }
    expect: [ { at: 10m, notifications: [] } ]
  - name: billing fails quietly
    source_failures:
      billing: fail ok
    expect: [ { at: 0s, notifications: [] } ]
",
    );
    let failure = &file.tests[0].failures[0];
    assert_eq!(failure.failed, [false, false, true]);
    assert_eq!(failure.error, "HTTP 503");
    assert_eq!(file.tests[0].steps, 3);
    assert_eq!(
        file.tests[1].failures[0].error,
        super::inputs::DEFAULT_FAILURE
    );
}

#[test]
fn expected_notifications_keep_the_fields_they_give() {
    let file = parse(
        "\
config: kpiwatch.yaml
tests:
  - name: fields
    series: { retention.churnRate: _ }
    expect:
      - at: 0s
        states: { churn-rate: no_data }
        notifications:
          - rule: churn-rate
            kind: no_data
            value: _
            message: \"Churn: \\\"gone\\\"\"
          - { rule: source-health:billing, kind: resolved, level: ok, action: '' }
",
    );
    let expectation = &file.tests[0].expectations[0];
    assert_eq!(expectation.states["churn-rate"], AlertState::NoData);
    let notifications = expectation.notifications.as_ref().unwrap();
    let first = &notifications[0];
    assert_eq!(first.kind, NotificationKind::NoData);
    assert_eq!(first.level, None);
    assert_eq!(first.value, Some(ExpectedValue::Missing));
    assert_eq!(first.message.as_deref(), Some("Churn: \"gone\""));
    assert_eq!(first.action, None);
    let second = &notifications[1];
    assert_eq!(second.rule, "source-health:billing");
    assert_eq!(second.level, Some(Level::Ok));
    assert_eq!(second.action.as_deref(), Some(""));
}

#[test]
fn an_expectation_without_notifications_leaves_them_unchecked() {
    let file = parse(
        "\
config: kpiwatch.yaml
tests:
  - name: states only
    expect: [ { at: 0s, states: { ltv-cac: no_data } } ]
",
    );
    assert_eq!(file.tests[0].expectations[0].notifications, None);
}

#[test]
fn every_error_of_every_test_is_reported_in_file_order() {
    let found = errors(
        "\
config: kpiwatch.yaml
tests:
  - name: one
    series: { retention.churnRate: 1 x 2 }
    expect: [ { at: 5, notifications: [] } ]
  - name: two
    source_failures: { billing: ok, invoices: fail ok }
    expect: [ { at: 0s, notifications: [ { rule: ltv-cac, kind: firing, level: ok } ] } ]
  - just a string
",
    );
    assert_eq!(found.len(), 6, "{found:#?}");
    let expected = [
        "4:38: the series of `retention.churnRate`: `x` is not a number",
        "5:21: `at`: `5` is neither an offset",
        "7:37: `invoices` is not a source of the config; the sources are `billing`",
        "7:37: the failures of source `invoices` has 2 steps, but the failures of source \
         `billing` (line 7) has 1",
        "8:80: `firing` at level `ok` never happens",
        "9:5: a test: a mapping",
    ];
    for (found, expected) in found.iter().zip(expected) {
        assert!(
            found.starts_with(expected),
            "{found}\n  expected {expected}"
        );
    }
}

#[test]
fn anchors_are_refused_without_pointing_at_config_settings() {
    let found = errors("config: kpiwatch.yaml\ntests: &all []\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].ends_with("are not supported; repeat the value"),
        "{found:#?}"
    );
}

#[test]
fn a_config_without_sources_says_so_for_source_failures() {
    let config = "rules:\n  - { id: a, metric: m, critical: \"> 1\" }\n";
    let errors = parse_with(
        config,
        "\
config: kpiwatch.yaml
tests:
  - name: x
    source_failures: { billing: fail }
    expect: [ { at: 0s, notifications: [] } ]
",
    )
    .unwrap_err();
    assert!(
        errors.errors[0]
            .message
            .ends_with("the config has no sources"),
        "{errors}"
    );
}

#[test]
fn the_errors_name_the_test_file_and_the_config_its_own() {
    let errors = parse_with(
        "rules: []\n",
        "config: kpiwatch.yaml\ntests: [ { name: x, expect: [ { step: 0, states: {} } ] } ]\n",
    )
    .unwrap_err();
    let files: Vec<&Path> = errors.errors.iter().map(|e| e.file.as_path()).collect();
    assert_eq!(files.len(), 2, "{errors}");
    assert!(files[0].ends_with("kpiwatch.test.yaml"));
    assert!(files[1].ends_with("kpiwatch.yaml"));
}
