//! One threshold rule, from this run's value to its new state and notification.

use super::level::{self, Counting};
use super::lifecycle::{self, Policy};
use super::render::{self, About, Facts, Renderer, SPARKLINE_POINTS, Subject};
use super::{Datapoint, EvaluationInput, RuleState, flapping, silence, transition, value};
use crate::config::{ChangeMode, Rule};
use crate::model::Notification;

/// Evaluates `rule` at `input.at`, pushing its notification, if any, onto `notifications`.
pub(super) fn evaluate(
    rule: &Rule,
    input: &EvaluationInput<'_>,
    renderer: &mut Renderer<'_>,
    notifications: &mut Vec<Notification>,
) -> RuleState {
    let at = input.at;
    let previous = input.states.get(&rule.id);
    if let Some(previous) = previous.filter(|p| p.evaluated_at >= at) {
        // Already evaluated at this T or later: a replayed run changes nothing.
        return previous.clone();
    }
    let mut state = match previous {
        Some(previous) => previous.carry_over(at, datapoints_to_keep(rule)),
        None => RuleState::new(at),
    };

    state.datapoints.push_back(Datapoint {
        at,
        value: value::sample(rule, input.snapshot, input.baselines, at),
        level: None,
        state: state.state,
    });
    let value = value::rule_value(rule, &state.datapoints);
    let counted = level::datapoint_level(rule, value);
    // A firing rule leaves its level only on a datapoint that counts and, when the rule
    // has a recovery condition, a value that meets it: missing data never resolves.
    let recovered = counted != Counting::Skipped
        && rule
            .recovery
            .is_none_or(|recovery| value.is_some_and(|v| recovery.holds(v)));
    transition::advance(&mut state, counted, recovered, rule.for_clause, at);
    flapping::update(&mut state, rule.flapping);

    let policy = Policy {
        notify_no_data: rule.notify_no_data,
        renotify_interval: rule.renotify_interval,
        renotify_max: rule.renotify_max,
        flapping: rule.flapping,
        fallback_level: rule.most_severe_level(),
    };
    let is_silenced = || silence::is_silenced(&input.config.silences, &rule.id, &rule.labels, at);
    if let Some(decision) = lifecycle::decide(&mut state, &policy, is_silenced, at) {
        let len = state.datapoints.len();
        let recent = state
            .datapoints
            .range(len.saturating_sub(SPARKLINE_POINTS)..);
        let facts = Facts {
            decision,
            value,
            previous_value: value::value_at(rule, &state.datapoints, len - 1),
            condition: render::condition_level(&decision)
                .and_then(|level| rule.condition_for(level))
                .copied(),
            sparkline: render::draw(recent.map(|d| d.value)),
            state_changes: rule.flapping.map_or(0, |f| {
                flapping::changes(&state.datapoints, f.evaluations as usize)
            }),
        };
        let subject = Subject {
            id: &rule.id,
            name: &rule.name,
            unit: unit(rule),
            labels: &rule.labels,
            about: About::Rule(rule),
        };
        notifications.push(renderer.notification(&subject, facts));
    }
    state
}

/// The unit of the rule's value. A percent change is in percent, whatever the metric's
/// own unit.
fn unit(rule: &Rule) -> &str {
    match rule.change {
        Some(change) if change.mode == ChangeMode::Percent => "%",
        _ => &rule.unit,
    }
}

/// How many datapoints the rule keeps: enough for M of N, for its window and the previous
/// evaluation's aggregate, for flapping detection, and for a sparkline.
fn datapoints_to_keep(rule: &Rule) -> usize {
    let window = rule.window.map_or(0, |w| w.points as usize + 1);
    (rule.for_clause.datapoints as usize)
        .max(window)
        .max(flapping::datapoints_needed(rule.flapping))
        .max(SPARKLINE_POINTS)
}
