//! Turning a decision into the notification document: its fields, and the rule's
//! `message` and `action` templates.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use minijinja::{Environment, Value};

use super::lifecycle::Decision;
use super::sentence::default_message;
use crate::config::{
    Condition, Rule, Template, TemplateFacts, template_context, template_environment,
};
use crate::model::{Level, NOTIFICATION_VERSION, Notification, NotificationKind, RuleRef};
use crate::notify::sparkline;

/// How many recent values a notification's sparkline draws.
pub(super) const SPARKLINE_POINTS: usize = 12;

/// The most characters a notification's `message` and `action` keep. A template can render
/// any length (a loop over a range, a pasted document); unbounded, one notification could
/// outgrow the 300 KB the store gives it, which fails the commit of the whole run, every
/// run. 16 Ki characters is far more than anyone reads on a phone, and leaves room for
/// both texts in the store and, cut no further in most cases, in one SNS message.
pub const MAX_TEXT_CHARS: usize = 16 * 1024;

/// What ends a text cut to [`MAX_TEXT_CHARS`].
pub const TEXT_CUT_MARK: &str = " … [cut at 16384 characters]";

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
            incident_level,
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
            incident_level,
            value: facts.value,
            unit: subject.unit.to_string(),
            condition: facts.condition.map(|c| c.to_string()).unwrap_or_default(),
            previous_value: facts.previous_value,
            sparkline: facts.sparkline,
            message: bounded(message),
            action: bounded(action),
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
        let environment = self.environment.get_or_insert_with(template_environment);
        environment.render_named_str(name, &template.source, variables)
    }

    /// The documented template variables, built as `validate` builds them for its trial
    /// render.
    fn variables(&self, subject: &Subject<'_>, facts: &Facts) -> Value {
        let condition = facts.condition.map(|c| c.to_string()).unwrap_or_default();
        template_context(&TemplateFacts {
            value: facts.value,
            previous_value: facts.previous_value,
            condition: &condition,
            threshold: facts.condition.map(|c| c.threshold),
            unit: subject.unit,
            name: subject.name,
            id: subject.id,
            labels: subject.labels,
            level: facts.decision.level.as_str(),
            kind: facts.decision.kind.as_str(),
            at: &self.at_text,
        })
    }
}

/// `text`, cut to [`MAX_TEXT_CHARS`] and [`TEXT_CUT_MARK`] when longer.
fn bounded(mut text: String) -> String {
    if let Some((end, _)) = text.char_indices().nth(MAX_TEXT_CHARS) {
        text.truncate(end);
        text.push_str(TEXT_CUT_MARK);
    }
    text
}

/// Draws recent values for a notification.
pub(super) fn draw(values: impl Iterator<Item = Option<f64>>) -> String {
    let values: Vec<Option<f64>> = values.collect();
    sparkline(&values)
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
