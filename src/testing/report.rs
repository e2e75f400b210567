//! The text `kpiwatch test` prints: a line per test, and for each failed step a diff of
//! expected (`-`) against actual (`+`) notifications and states.
//!
//! Notifications are written as YAML flow mappings, in the shape the test file uses, so
//! that an actual line can be pasted into the file once it has been checked to be right.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use chrono::SecondsFormat;

use super::format::{ExpectedNotification, ExpectedValue};
use super::runner::{ComparedText, StepFailure, TestOutcome};
use crate::model::Notification;

/// The report of one file: its path, then one line per test, each failed test followed by
/// the diff of each of its failed steps.
pub fn render_file(path: &Path, outcomes: &[TestOutcome]) -> String {
    let mut out = format!("{}\n", path.display());
    for outcome in outcomes {
        if outcome.passed() {
            let _ = writeln!(out, "  ok    {}", outcome.name);
            continue;
        }
        let _ = writeln!(out, "  FAIL  {} (line {})", outcome.name, outcome.line);
        for failure in &outcome.failures {
            render_failure(&mut out, failure);
        }
    }
    out
}

/// The last line: how many tests passed and failed, and how many files could not run.
pub fn render_summary(passed: usize, failed: usize, invalid_files: usize) -> String {
    let mut summary = format!("{passed} passed, {failed} failed");
    if invalid_files > 0 {
        let _ = write!(
            summary,
            ", {invalid_files} test file{} invalid",
            if invalid_files == 1 { "" } else { "s" }
        );
    }
    summary
}

fn render_failure(out: &mut String, failure: &StepFailure) {
    let _ = writeln!(
        out,
        "        step {}, at {} ({}), expectation on line {} (- expected, + actual):",
        failure.step,
        offset_text(failure.offset),
        failure.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        failure.line
    );
    let diff = &failure.diff;
    if !diff.missing.is_empty() || !diff.unexpected.is_empty() {
        let _ = writeln!(out, "          notifications:");
        for expected in &diff.missing {
            let _ = writeln!(out, "          - {}", expected_line(expected));
        }
        for actual in &diff.unexpected {
            let line = actual_line(actual, failure.compared_text);
            let _ = writeln!(out, "          + {line}");
        }
        for (_, actual) in &diff.matched {
            let line = actual_line(actual, failure.compared_text);
            let _ = writeln!(out, "            {line}");
        }
    }
    if !diff.states.is_empty() {
        let _ = writeln!(out, "          states:");
        for mismatch in &diff.states {
            let _ = writeln!(
                out,
                "          - {}: {}",
                scalar(&mismatch.rule),
                mismatch.expected
            );
            let _ = writeln!(
                out,
                "          + {}: {}",
                scalar(&mismatch.rule),
                mismatch.actual
            );
        }
    }
}

/// An offset as a test file writes it: `0s`, `5m`, `1d 6h`.
fn offset_text(offset: Duration) -> String {
    let mut seconds = offset.as_secs();
    let mut parts = Vec::new();
    for (size, unit) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if seconds >= size {
            parts.push(format!("{}{unit}", seconds / size));
            seconds %= size;
        }
    }
    if parts.is_empty() {
        "0s".to_string()
    } else {
        parts.join(" ")
    }
}

/// An expected notification, with the fields the test gives.
fn expected_line(expected: &ExpectedNotification) -> String {
    let mut fields = vec![
        ("rule", scalar(&expected.rule)),
        ("kind", expected.kind.to_string()),
    ];
    if let Some(level) = expected.level {
        fields.push(("level", level.to_string()));
    }
    match expected.value {
        Some(ExpectedValue::Is(value)) => fields.push(("value", number(value))),
        Some(ExpectedValue::Missing) => fields.push(("value", "_".to_string())),
        None => {}
    }
    let texts = [
        ("message", &expected.message),
        ("action", &expected.action),
        ("condition", &expected.condition),
    ];
    for (name, text) in texts {
        if let Some(text) = text {
            fields.push((name, quoted(text)));
        }
    }
    flow_mapping(&fields)
}

/// A notification that came: rule, kind, level and value, and the text fields the step's
/// expectation compares.
fn actual_line(actual: &Notification, compared: ComparedText) -> String {
    let value = actual.value.map_or_else(|| "_".to_string(), number);
    let mut fields = vec![
        ("rule", scalar(&actual.rule.id)),
        ("kind", actual.kind.to_string()),
        ("level", actual.level.to_string()),
        ("value", value),
    ];
    let texts = [
        ("message", compared.message, &actual.message),
        ("action", compared.action, &actual.action),
        ("condition", compared.condition, &actual.condition),
    ];
    for (name, shown, text) in texts {
        if shown {
            fields.push((name, quoted(text)));
        }
    }
    flow_mapping(&fields)
}

fn flow_mapping(fields: &[(&str, String)]) -> String {
    let inner: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    format!("{{ {} }}", inner.join(", "))
}

/// An id as YAML reads it back: plain when it is made of id characters, else quoted (a
/// source-health id has a `:`).
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if plain {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// A double-quoted YAML scalar. JSON string escapes are valid YAML ones.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// A value to twelve significant digits, so that float noise such as `96.39999999999999`
/// reads `96.4`; the comparison tolerates far more than the rounding.
fn number(value: f64) -> String {
    let rounded: f64 = format!("{value:.11e}").parse().unwrap_or(value);
    rounded.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Level, NotificationKind};

    #[test]
    fn numbers_drop_float_noise_and_ids_with_colons_are_quoted() {
        assert_eq!(number(48200.0 / 50000.0 * 100.0), "96.4");
        assert_eq!(number(-1300.0), "-1300");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(1e-7), "0.0000001");
        assert_eq!(scalar("churn-rate"), "churn-rate");
        assert_eq!(
            scalar("source-health:dashboard"),
            "\"source-health:dashboard\""
        );
        assert_eq!(quoted("Churn is \"high\""), r#""Churn is \"high\"""#);
    }

    #[test]
    fn offsets_are_written_in_whole_units_as_test_files_write_them() {
        assert_eq!(offset_text(Duration::ZERO), "0s");
        assert_eq!(offset_text(Duration::from_secs(300)), "5m");
        assert_eq!(offset_text(Duration::from_secs(30 * 3600)), "1d 6h");
        assert_eq!(offset_text(Duration::from_secs(3661)), "1h 1m 1s");
    }

    #[test]
    fn expected_lines_show_the_fields_the_test_gives() {
        let expected = ExpectedNotification {
            rule: "churn-rate".to_string(),
            kind: NotificationKind::Firing,
            level: Some(Level::Critical),
            value: Some(ExpectedValue::Missing),
            message: Some("Churn is 6.4%".to_string()),
            action: None,
            condition: None,
        };
        assert_eq!(
            expected_line(&expected),
            concat!(
                r#"{ rule: churn-rate, kind: firing, level: critical, value: _, "#,
                r#"message: "Churn is 6.4%" }"#
            )
        );
    }

    #[test]
    fn the_summary_counts_tests_and_invalid_files() {
        assert_eq!(render_summary(3, 0, 0), "3 passed, 0 failed");
        assert_eq!(
            render_summary(3, 1, 2),
            "3 passed, 1 failed, 2 test files invalid"
        );
    }
}
