//! The sentences a notification carries when its rule has no `message` template.

use std::fmt::Write as _;
use std::time::Duration;

use super::lifecycle::Decision;
use super::render::{About, Facts, Subject};
use crate::config::{Aggregate, ChangeMode, MissingData, Rule, Window};
use crate::model::NotificationKind;
use crate::notify::{MISSING_VALUE, format_change, format_value};

/// The sentence a notification carries when the rule has no `message`.
pub(super) fn default_message(subject: &Subject<'_>, facts: &Facts) -> String {
    match &subject.about {
        About::Rule(rule) => rule_message(rule, subject, facts),
        About::SourceHealth { source_id, error } => {
            source_message(source_id, error, facts.decision.kind)
        }
        About::Removed => match facts.decision.previous_level {
            Some(level) => format!(
                "{} was removed from the config, so its {level} alert is closed",
                subject.id
            ),
            None => format!(
                "{} was removed from the config, so its alert is closed",
                subject.id
            ),
        },
    }
}

fn rule_message(rule: &Rule, subject: &Subject<'_>, facts: &Facts) -> String {
    let name = rule_description(rule);
    let value = |signed: bool| match facts.value {
        Some(v) if signed => format_change(v, subject.unit),
        Some(v) => format_value(v, subject.unit),
        None => MISSING_VALUE.to_string(),
    };
    let Decision { kind, level, .. } = facts.decision;
    let reason = match facts.condition {
        Some(condition) => format!(" ({level}: {condition})"),
        None => String::new(),
    };
    let still = if kind == NotificationKind::Reminder {
        "still "
    } else {
        ""
    };

    match kind {
        NotificationKind::Resolved => match facts.value {
            Some(_) => format!("{name} is back to normal at {}", value(false)),
            None => format!("{name} is back to normal"),
        },
        NotificationKind::NoData => {
            let evaluations = rule.for_clause.datapoints;
            let mut text = if evaluations <= 1 {
                format!("{name} has no data: its value is missing")
            } else {
                format!("{name} has no data: its last {evaluations} values are missing")
            };
            if let Some(level) = facts.decision.previous_level {
                let _ = write!(text, ", so its {level} alert can no longer be confirmed");
            }
            text
        }
        NotificationKind::Flapping => {
            let evaluations = rule.flapping.map_or(0, |f| f.evaluations);
            format!(
                "{name} is flapping: its state changed {} times in its last {evaluations} \
                 evaluations. Nothing more is sent until it holds one state for \
                 {evaluations} evaluations, and then only if that state differs from what \
                 was last sent",
                facts.state_changes
            )
        }
        _ if facts.value.is_none() && rule.missing == MissingData::Breaching => {
            format!("{name} is {still}missing, which counts as breaching{reason}")
        }
        _ if facts.value.is_none() => {
            format!("{name} is {still}{level}{reason}; its latest value is missing")
        }
        _ => match rule.change {
            Some(change) => format!(
                "{name} {still}changed by {} against {} ago{reason}",
                value(true),
                duration_text(change.vs)
            ),
            None => format!("{name} is {still}{}{reason}", value(false)),
        },
    }
}

/// The rule's name, with the window it aggregates: `Response time (avg of the last 5)`.
fn rule_description(rule: &Rule) -> String {
    match rule.window {
        None => rule.name.clone(),
        Some(window) => format!("{} ({})", rule.name, window_text(window)),
    }
}

/// What a rule's value is when it is not simply its metric or expression: `percent change
/// against 30d before`, `avg of the last 5`, or both; empty otherwise.
pub fn value_description(rule: &Rule) -> String {
    let change = rule.change.map(|change| {
        let mode = match change.mode {
            ChangeMode::Percent => "percent",
            ChangeMode::Absolute => "absolute",
        };
        format!("{mode} change against {} before", duration_text(change.vs))
    });
    let window = rule.window.map(window_text);
    change
        .into_iter()
        .chain(window)
        .collect::<Vec<_>>()
        .join(", ")
}

fn window_text(window: Window) -> String {
    let aggregate = match window.aggregate {
        Aggregate::Avg => "avg",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
        Aggregate::Sum => "sum",
    };
    format!("{aggregate} of the last {}", window.points)
}

fn source_message(source_id: &str, error: &str, kind: NotificationKind) -> String {
    match kind {
        NotificationKind::Resolved if error.is_empty() => {
            format!("Source {source_id} is healthy again")
        }
        NotificationKind::Resolved => {
            format!("Source {source_id} is healthy again (last error: {error})")
        }
        NotificationKind::Reminder => format!("Source {source_id} is still failing: {error}"),
        _ => format!("Source {source_id} is failing: {error}"),
    }
}

/// A `change.vs` offset in its largest whole unit: `30d`, `6h`, `90m`.
fn duration_text(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let units = [(86_400, "d"), (3_600, "h"), (60, "m")];
    match units
        .iter()
        .find(|(size, _)| seconds > 0 && seconds.is_multiple_of(*size))
    {
        Some((size, unit)) => format!("{}{unit}", seconds / size),
        None => format!("{seconds}s"),
    }
}
