//! Turning a decision into the notification document: the fields, the default sentences,
//! and the rule's `message` and `action` templates.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use minijinja::{AutoEscape, Environment, Value, context};

use super::lifecycle::Decision;
use crate::config::{Aggregate, Condition, MissingData, Rule, Template};
use crate::model::{Level, NOTIFICATION_VERSION, Notification, NotificationKind, RuleRef};
use crate::notify::{format_value, sparkline};

/// How many recent values a notification's sparkline draws.
pub(super) const SPARKLINE_POINTS: usize = 12;

/// The rule a notification is about, as the renderer needs it.
pub(super) struct Subject<'a> {
    /// The rule id.
    pub id: &'a str,
    /// The rule's human name.
    pub name: &'a str,
    /// The unit of the rule's value.
    pub unit: &'a str,
    /// The rule's labels.
    pub labels: &'a BTreeMap<String, String>,
    /// What kind of rule it is, for the templates and the default sentences.
    pub about: About<'a>,
}

/// What kind of rule a subject is.
pub(super) enum About<'a> {
    /// A threshold rule from the config.
    Rule(&'a Rule),
    /// A source's built-in health rule, with the last error the source reported.
    SourceHealth {
        /// The source's id.
        source_id: &'a str,
        /// The last error, or empty when it has never failed.
        error: String,
    },
    /// A rule no longer in the config, whose open alert is being closed.
    Removed,
}

/// What a notification says, beyond its subject.
pub(super) struct Facts {
    /// The kind, level and previous level.
    pub decision: Decision,
    /// The rule's value at T.
    pub value: Option<f64>,
    /// The rule's value at the previous evaluation.
    pub previous_value: Option<f64>,
    /// The condition the value broke or, for a resolve, the one that had fired.
    pub condition: Option<Condition>,
    /// Recent values, oldest first, drawn.
    pub sparkline: String,
    /// For a flapping notice: the state changes in the flapping window.
    pub state_changes: u32,
}

/// Builds notifications for one evaluation. The template environment is built on the
/// first notification that needs it and shared by the rest, so an evaluation that sends
/// nothing, the usual case, pays nothing for it.
pub(super) struct Renderer<'a> {
    environment: Option<Environment<'static>>,
    at: DateTime<Utc>,
    at_text: String,
    run_id: &'a str,
}

impl<'a> Renderer<'a> {
    /// A renderer for the evaluation at `at`, by the run `run_id`.
    pub fn new(at: DateTime<Utc>, run_id: &'a str) -> Renderer<'a> {
        Renderer {
            environment: None,
            at,
            at_text: at.to_rfc3339_opts(SecondsFormat::Secs, true),
            run_id,
        }
    }

    /// The notification for `facts` about `subject`.
    pub fn notification(&mut self, subject: &Subject<'_>, facts: Facts) -> Notification {
        let Decision {
            kind,
            level,
            previous_level,
        } = facts.decision;
        let mut message = default_message(subject, &facts);
        let mut action = String::new();
        let mut runbook = String::new();

        if let About::Rule(rule) = &subject.about {
            runbook = rule.runbook.clone().unwrap_or_default();
            if rule.message.is_some() || rule.action.is_some() {
                let variables = self.variables(subject, &facts);
                if let Some(template) = &rule.message {
                    match self.render("message", template, &variables) {
                        Ok(text) => message = text,
                        Err(error) => {
                            let _ = write!(message, " (the message template failed: {error})");
                        }
                    }
                }
                if let Some(template) = &rule.action {
                    match self.render("action", template, &variables) {
                        Ok(text) => action = text,
                        Err(error) => {
                            action = template.source.clone();
                            let _ = write!(message, " (the action template failed: {error})");
                        }
                    }
                }
            }
        }

        Notification {
            version: NOTIFICATION_VERSION.to_string(),
            id: Notification::id_for(subject.id, kind, self.at),
            kind,
            rule: RuleRef {
                id: subject.id.to_string(),
                name: subject.name.to_string(),
            },
            level,
            previous_level,
            value: facts.value,
            unit: subject.unit.to_string(),
            condition: facts.condition.map(|c| c.to_string()).unwrap_or_default(),
            previous_value: facts.previous_value,
            sparkline: facts.sparkline,
            message,
            action,
            runbook,
            labels: subject.labels.clone(),
            at: self.at,
            run_id: self.run_id.to_string(),
        }
    }

    fn render(
        &mut self,
        name: &str,
        template: &Template,
        variables: &Value,
    ) -> Result<String, minijinja::Error> {
        let environment = self.environment.get_or_insert_with(|| {
            let mut environment = Environment::new();
            // Messages are plain text; each output format escapes for its own medium.
            environment.set_auto_escape_callback(|_| AutoEscape::None);
            environment
        });
        environment.render_named_str(name, &template.source, variables)
    }

    /// The documented template variables.
    fn variables(&self, subject: &Subject<'_>, facts: &Facts) -> Value {
        let change = match (facts.value, facts.previous_value) {
            (Some(value), Some(previous)) => signed_number(value - previous),
            _ => MISSING.to_string(),
        };
        context! {
            value => number_or_missing(facts.value),
            unit => subject.unit,
            condition => facts.condition.map(|c| c.to_string()).unwrap_or_default(),
            threshold => facts.condition.map(|c| number(c.threshold)).unwrap_or_default(),
            previous_value => number_or_missing(facts.previous_value),
            change,
            name => subject.name,
            id => subject.id,
            labels => subject.labels,
            level => facts.decision.level.as_str(),
            kind => facts.decision.kind.as_str(),
            at => self.at_text.as_str(),
        }
    }
}

/// Draws recent values for a notification.
pub(super) fn draw(values: impl Iterator<Item = Option<f64>>) -> String {
    let values: Vec<Option<f64>> = values.collect();
    sparkline(&values)
}

const MISSING: &str = "missing";

fn number(value: f64) -> String {
    format_value(value, "")
}

fn signed_number(value: f64) -> String {
    let text = number(value);
    if value > 0.0 && text != "0" {
        format!("+{text}")
    } else {
        text
    }
}

fn number_or_missing(value: Option<f64>) -> String {
    value.map_or_else(|| MISSING.to_string(), number)
}

/// The sentence a notification carries when the rule has no `message`.
fn default_message(subject: &Subject<'_>, facts: &Facts) -> String {
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
        Some(v) if signed && v > 0.0 && number(v) != "0" => {
            format!("+{}", format_value(v, subject.unit))
        }
        Some(v) => format_value(v, subject.unit),
        None => MISSING.to_string(),
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
                 {evaluations} evaluations",
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
        Some(window) => {
            let aggregate = match window.aggregate {
                Aggregate::Avg => "avg",
                Aggregate::Min => "min",
                Aggregate::Max => "max",
                Aggregate::Sum => "sum",
            };
            format!("{} ({aggregate} of the last {})", rule.name, window.points)
        }
    }
}

fn source_message(source_id: &str, error: &str, kind: NotificationKind) -> String {
    match kind {
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

/// The level whose condition a notification names: the one it fires at, or for a resolve
/// the one that had fired. No_data notices name none.
pub(super) fn condition_level(decision: &Decision) -> Option<Level> {
    match decision.kind {
        NotificationKind::Resolved => decision.previous_level,
        NotificationKind::NoData => None,
        _ => Some(decision.level).filter(|level| *level > Level::Ok),
    }
}
