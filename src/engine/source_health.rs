//! The built-in health rule of each source: it breaches while the source fails, and
//! follows the same lifecycle as any rule, except that it resolves on the first run in
//! which the source succeeds, however many of the last N failed.

use std::collections::BTreeMap;

use super::level::Counting;
use super::lifecycle::{self, Policy};
use super::render::{self, About, Facts, Renderer, SPARKLINE_POINTS, Subject};
use super::state::Notified;
use super::transition::{self, Evidence, Exit};
use super::{Datapoint, EvaluationInput, RuleState, silence};
use crate::config::{Source, SourceHealth};
use crate::model::{Level, Notification};

/// The health rule of one source.
pub(super) struct SourceRule<'a> {
    /// The source's id.
    source_id: &'a str,
    /// `source-health:<source id>`.
    id: String,
    /// `Source <source id>`.
    name: String,
    /// `source: <source id>`, so that silences and filter policies can match it.
    labels: BTreeMap<String, String>,
}

impl<'a> SourceRule<'a> {
    /// The health rule of `source`.
    pub(super) fn of(source: &'a Source) -> SourceRule<'a> {
        SourceRule {
            source_id: &source.id,
            id: super::source_health_rule_id(&source.id),
            name: format!("Source {}", source.id),
            labels: BTreeMap::from([("source".to_string(), source.id.clone())]),
        }
    }

    /// The rule id, as states are keyed.
    pub(super) fn id(&self) -> &str {
        &self.id
    }

    /// The rule id, owned.
    pub(super) fn into_id(self) -> String {
        self.id
    }
}

/// Evaluates a source's health rule at `input.at`, pushing its notification, if any, onto
/// `notifications`.
pub(super) fn evaluate(
    rule: &SourceRule<'_>,
    settings: &SourceHealth,
    input: &EvaluationInput<'_>,
    previous: Option<RuleState>,
    renderer: &mut Renderer<'_>,
    notifications: &mut Vec<Notification>,
) -> RuleState {
    let at = input.at;
    if let Some(previous) = previous.as_ref().filter(|p| p.evaluated_at >= at) {
        return previous.clone();
    }
    let keep = (settings.for_clause.datapoints as usize).max(SPARKLINE_POINTS);
    let mut state = match previous {
        Some(previous) => previous.carry_over(at, keep - 1),
        None => RuleState::new(at),
    };

    // Failures stored before the level was changed in the config count at the new one.
    for datapoint in &mut state.datapoints {
        if datapoint.level.is_some_and(|level| level > Level::Ok) {
            datapoint.level = Some(settings.level);
        }
    }
    let failure = input.snapshot.failure_of(rule.source_id);
    if let Some(failure) = failure {
        state.last_error = Some(failure.error.clone());
    }
    let level = if failure.is_some() {
        settings.level
    } else {
        Level::Ok
    };
    state.datapoints.push_back(Datapoint {
        at,
        value: None,
        level: Some(level),
        told: Notified::Ok,
    });
    let evidence = Evidence {
        for_clause: settings.for_clause,
        ignore_missing: false,
        exit: Exit::OnHealthyDatapoint,
    };
    transition::advance(&mut state, Counting::At(level), evidence, at);
    lifecycle::record_told(&mut state, false);

    let policy = Policy {
        notify_no_data: false,
        renotify_interval: settings.renotify_interval,
        renotify_max: None,
        flapping: None,
        fallback_level: settings.level,
    };
    let is_silenced = || silence::is_silenced(&input.config.silences, &rule.id, &rule.labels, at);
    if let Some(decision) = lifecycle::decide(&mut state, &policy, is_silenced, at) {
        let len = state.datapoints.len();
        let recent = state
            .datapoints
            .range(len.saturating_sub(SPARKLINE_POINTS)..);
        // The sparkline draws failures high and healthy runs low.
        let failures = recent.map(|d| d.level.map(|l| if l > Level::Ok { 1.0 } else { 0.0 }));
        let facts = Facts {
            decision,
            value: None,
            previous_value: None,
            condition: None,
            sparkline: render::draw(failures),
            state_changes: 0,
        };
        let subject = Subject {
            id: &rule.id,
            name: &rule.name,
            unit: "",
            labels: &rule.labels,
            about: About::SourceHealth {
                source_id: rule.source_id,
                error: state.last_error.clone().unwrap_or_default(),
            },
        };
        notifications.push(renderer.notification(&subject, facts));
    }
    state
}
