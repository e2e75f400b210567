//! Readers for the small values every part of a test file uses: known keys, text, times,
//! durations, and the step an entry is about. Each records its error and returns `None`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;

use crate::config::Report;
use crate::config::yaml::{self, Fields, Pos};
use crate::testing::series::MAX_STEPS;

/// The longest interval between two steps. Rules run every few minutes to every day; this
/// also keeps the time of the last step of the longest test far inside what a timestamp
/// can hold.
const MAX_INTERVAL: Duration = Duration::from_secs(366 * 86_400);

/// Reports every key of the mapping `fields` that is not in `allowed`, with the closest
/// allowed name when one is close. `what` names the mapping: "this test".
pub fn check_keys(fields: Fields<'_>, allowed: &[&str], what: &str, report: &mut Report<'_>) {
    let Some(mapping) = fields.node().as_mapping() else {
        return;
    };
    for key in mapping.keys() {
        if allowed.contains(&key.as_str()) {
            continue;
        }
        report.error(
            report.scalar_pos(key),
            format!(
                "unknown field `{}` in {what}{}",
                key.as_str(),
                yaml::suggest_and_list(key.as_str(), allowed)
            ),
        );
    }
}

/// The mapping `node`, or an error saying what it should be: `expected` reads "a test: a
/// mapping with `name` and `expect`".
pub fn mapping<'n>(node: &'n Node, expected: &str, report: &mut Report<'_>) -> Option<Fields<'n>> {
    if node.as_mapping().is_some() {
        return Some(Fields::new(node));
    }
    report.error(
        yaml::node_pos(node),
        format!("{expected} is expected here, not {}", describe(node)),
    );
    None
}

/// The elements of the list under `key`, or an error if it is something else. An absent
/// key is `Some` of nothing.
pub fn list<'n>(fields: Fields<'n>, key: &str, report: &mut Report<'_>) -> Option<&'n [Node]> {
    match fields.value(key) {
        None => Some(&[]),
        Some(Node::Sequence(items)) => Some(items),
        Some(node) if yaml::is_empty_value(node) => Some(&[]),
        Some(node) => {
            report.error(
                fields.value_pos(key),
                format!(
                    "`{key}` must be a list, each element starting with `- `, not {}",
                    describe(node)
                ),
            );
            None
        }
    }
}

/// The scalar under `key`, if there is one; an error if the value is a list or a mapping.
pub fn scalar<'n>(
    fields: Fields<'n>,
    key: &str,
    report: &mut Report<'_>,
) -> Option<&'n MarkedScalarNode> {
    match fields.value(key)? {
        Node::Scalar(scalar) => Some(scalar),
        node => {
            report.error(
                fields.value_pos(key),
                format!("`{key}` must be a single value, not {}", describe(node)),
            );
            None
        }
    }
}

/// The non-empty text under `key`, trimmed; `None`, with an error, when it is empty.
pub fn text<'n>(fields: Fields<'n>, key: &str, report: &mut Report<'_>) -> Option<&'n str> {
    let scalar = scalar(fields, key, report)?;
    let text = scalar.as_str().trim();
    if text.is_empty() {
        report.error(fields.value_pos(key), format!("`{key}` is empty"));
        return None;
    }
    Some(text)
}

/// The text under a required `key`; an error at the mapping when the key is absent.
/// `example` shows a value: "`name: churn fires`".
pub fn required_text<'n>(
    fields: Fields<'n>,
    key: &str,
    what: &str,
    example: &str,
    report: &mut Report<'_>,
) -> Option<&'n str> {
    if fields.value(key).is_none() {
        report.error(
            fields.pos(),
            format!("{what} is missing the required field `{key}`, as in `{example}`"),
        );
        return None;
    }
    text(fields, key, report)
}

/// An RFC 3339 time under `key`.
pub fn time(fields: Fields<'_>, key: &str, report: &mut Report<'_>) -> Option<DateTime<Utc>> {
    let text = text(fields, key, report)?;
    match DateTime::parse_from_rfc3339(text) {
        Ok(time) => Some(time.with_timezone(&Utc)),
        Err(error) => {
            report.error(
                fields.value_pos(key),
                format!(
                    "`{key}`: `{text}` is not an RFC 3339 time such as `2026-12-01T00:00:00Z` \
                     ({error})"
                ),
            );
            None
        }
    }
}

/// The time between steps, under `key`: more than zero and at most a year.
pub fn interval(fields: Fields<'_>, key: &str, report: &mut Report<'_>) -> Option<Duration> {
    let text = text(fields, key, report)?;
    let pos = fields.value_pos(key);
    let interval = match humantime::parse_duration(text) {
        Ok(interval) => interval,
        Err(error) => {
            report.error(
                pos,
                format!(
                    "`{key}`: `{text}` is not a duration ({error}); write one such as `5m`, \
                     `1h` or `1d`"
                ),
            );
            return None;
        }
    };
    if interval.is_zero() || interval > MAX_INTERVAL {
        report.error(
            pos,
            format!("`{key}` must be longer than zero and at most 366 days, not `{text}`"),
        );
        return None;
    }
    Some(interval)
}

/// The step an entry of `snapshots` or `expect` is about.
#[derive(Debug, Clone, Copy)]
pub struct StepAt {
    /// From 0.
    pub step: usize,
    /// Where its `at` or `step` is written.
    pub pos: Pos,
}

/// Reads `at` (an offset from the start such as `10m`, or an RFC 3339 time) or `step` (a
/// step number from 0): exactly one of them.
pub fn step_at(
    fields: Fields<'_>,
    start: DateTime<Utc>,
    interval: Duration,
    report: &mut Report<'_>,
) -> Option<StepAt> {
    match (fields.value("at"), fields.value("step")) {
        (Some(_), Some(_)) => {
            report.error(
                fields.key_pos("step"),
                "give either `at` or `step`, not both",
            );
            None
        }
        (None, None) => {
            report.error(
                fields.pos(),
                "say which step this is about: `at: 10m` (after the start), `at: \
                 2026-12-01T00:10:00Z`, or `step: 2` (counting from 0)",
            );
            None
        }
        (None, Some(_)) => {
            let text = text(fields, "step", report)?;
            let pos = fields.value_pos("step");
            match text.parse::<usize>() {
                Ok(step) if step < MAX_STEPS => Some(StepAt { step, pos }),
                Ok(_) => {
                    report.error(pos, format!("a test has at most {MAX_STEPS} steps"));
                    None
                }
                Err(_) => {
                    report.error(
                        pos,
                        format!("`step` must be a whole number from 0, not `{text}`"),
                    );
                    None
                }
            }
        }
        (Some(_), None) => {
            let text = text(fields, "at", report)?;
            let pos = fields.value_pos("at");
            let offset = offset(text, start, pos, report)?;
            let step = step_of(offset, interval, text, pos, report)?;
            Some(StepAt { step, pos })
        }
    }
}

/// `at` as an offset from the start.
fn offset(text: &str, start: DateTime<Utc>, pos: Pos, report: &mut Report<'_>) -> Option<Duration> {
    if let Ok(offset) = humantime::parse_duration(text) {
        return Some(offset);
    }
    let Ok(time) = DateTime::parse_from_rfc3339(text) else {
        report.error(
            pos,
            format!(
                "`at`: `{text}` is neither an offset from the start, such as `10m` or `1d 2h`, \
                 nor an RFC 3339 time such as `2026-12-01T00:10:00Z`"
            ),
        );
        return None;
    };
    match (time.with_timezone(&Utc) - start).to_std() {
        Ok(offset) => Some(offset),
        Err(_) => {
            report.error(
                pos,
                format!(
                    "`at: {text}` is before the test starts, at {}",
                    start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            );
            None
        }
    }
}

fn step_of(
    offset: Duration,
    interval: Duration,
    text: &str,
    pos: Pos,
    report: &mut Report<'_>,
) -> Option<usize> {
    let (offset_ns, interval_ns) = (offset.as_nanos(), interval.as_nanos());
    if offset_ns % interval_ns != 0 {
        report.error(
            pos,
            format!(
                "`at: {text}` falls between two steps, which are {} apart; use a multiple \
                 of it",
                humantime::format_duration(interval)
            ),
        );
        return None;
    }
    match usize::try_from(offset_ns / interval_ns) {
        Ok(step) if step < MAX_STEPS => Some(step),
        _ => {
            report.error(
                pos,
                format!(
                    "`at: {text}` is beyond step {MAX_STEPS}, the most a test may have; with \
                     steps {} apart, pick a longer `interval`",
                    humantime::format_duration(interval)
                ),
            );
            None
        }
    }
}

/// A node's kind, as an error message names what was found.
pub fn describe(node: &Node) -> String {
    match node {
        Node::Scalar(_) if yaml::is_empty_value(node) => "an empty value".to_string(),
        Node::Scalar(scalar) => format!("`{}`", scalar.as_str()),
        Node::Sequence(_) => "a list".to_string(),
        Node::Mapping(_) => "a mapping".to_string(),
    }
}
