//! One threshold rule, from this run's value to its new state and notification.

use super::level::{self, Counting};
use super::lifecycle::{self, Decision, Policy};
use super::render::{self, About, Facts, Renderer, SPARKLINE_POINTS, Subject};
use super::state::Notified;
use super::transition::{self, Evidence, Exit};
use super::{Datapoint, EvaluationInput, RuleState, flapping, measure, silence, value};
use crate::config::{ChangeMode, Condition, MissingData, Rule};
use crate::model::{Notification, NotificationKind};

/// Evaluates `rule` at `input.at` from its `previous` state, pushing its notification, if
/// any, onto `notifications`.
pub(super) fn evaluate(
    rule: &Rule,
    input: &EvaluationInput<'_>,
    previous: Option<RuleState>,
    renderer: &mut Renderer<'_>,
    notifications: &mut Vec<Notification>,
) -> RuleState {
    let at = input.at;
    if let Some(previous) = previous.as_ref().filter(|p| p.evaluated_at >= at) {
        // Already evaluated at this T or later: a replayed run changes nothing.
        return previous.clone();
    }
    let sample = value::sample(rule, input.snapshot, input.baselines, at);
    // Under `ignore`, a run without a value is as if it had not happened for the rule: it
    // adds no datapoint, so it takes no slot in M of N or in a window, and the state stays.
    let ignored = sample.is_none() && rule.missing == MissingData::Ignore;
    let keep = datapoints_to_keep(rule);
    let mut state = match previous {
        Some(previous) => previous.carry_over(at, keep - usize::from(!ignored)),
        None => RuleState::new(at),
    };

    measure::forget_if_changed(rule, &mut state);

    let value = if ignored {
        None
    } else {
        level::recount_if_changed(rule, &mut state);
        state.datapoints.push_back(Datapoint {
            at,
            value: sample,
            level: None,
            told: Notified::Ok,
        });
        let value = value::rule_value(rule, &state.datapoints);
        let counted = level::datapoint_level(rule, value);
        let evidence = Evidence {
            for_clause: rule.for_clause,
            ignore_missing: rule.missing == MissingData::Ignore,
            exit: exit(rule, counted, value),
        };
        transition::advance(&mut state, counted, evidence, at);
        lifecycle::record_told(&mut state, rule.notify_no_data);
        flapping::update(&mut state, rule.flapping);
        value
    };

    let policy = Policy {
        notify_no_data: rule.notify_no_data,
        renotify_interval: rule.renotify_interval,
        renotify_max: rule.renotify_max,
        flapping: rule.flapping,
        fallback_level: rule.most_severe_level(),
    };
    let is_silenced = || silence::is_silenced(&input.config.silences, &rule.id, &rule.labels, at);
    if let Some(decision) = lifecycle::decide(&mut state, &policy, is_silenced, at) {
        let condition = notified_condition(rule, &decision, &mut state);
        let len = state.datapoints.len();
        let recent = state
            .datapoints
            .range(len.saturating_sub(SPARKLINE_POINTS)..);
        // The value before this evaluation's: the last stored one when this run stored none.
        let previous_end = if ignored { len } else { len - 1 };
        let facts = Facts {
            decision,
            value,
            previous_value: value::value_at(rule, &state.datapoints, previous_end),
            condition,
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

/// The condition a notification names. A resolve names the one its alert was notified
/// with, which a changed config may no longer hold; every other notification names the
/// current one, and remembers it for the resolve.
fn notified_condition(
    rule: &Rule,
    decision: &Decision,
    state: &mut RuleState,
) -> Option<Condition> {
    let current = render::condition_level(decision)
        .and_then(|level| rule.condition_for(level))
        .copied();
    match decision.kind {
        NotificationKind::Resolved => state.notified_condition.take().or(current),
        NotificationKind::NoData => current,
        _ => {
            state.notified_condition = current;
            current
        }
    }
}

/// How the rule leaves a firing level that M of N no longer holds: not on a missing value,
/// which proves nothing, and, with a recovery condition, only on a value that meets it.
fn exit(rule: &Rule, counted: Counting, value: Option<f64>) -> Exit {
    if counted == Counting::Skipped {
        return Exit::KeepLevel;
    }
    match rule.recovery {
        Some(recovery) if !value.is_some_and(|v| recovery.holds(v)) => Exit::HeldAboveRecovery {
            lowest: level::least_severe_level(rule),
        },
        _ => Exit::Free,
    }
}

/// The unit of the rule's value. A percent change is in percent, whatever the metric's
/// own unit.
fn unit(rule: &Rule) -> &str {
    match rule.change {
        Some(change) if change.mode == ChangeMode::Percent => "%",
        _ => &rule.unit,
    }
}

/// How many datapoints the rule keeps: enough for M of N to recount each of its N (for
/// a `window` rule, an aggregate over the W before each, which also gives the previous
/// evaluation's), for flapping detection, and for a sparkline.
fn datapoints_to_keep(rule: &Rule) -> usize {
    let for_clause = rule.for_clause.datapoints as usize;
    let evidence = rule
        .window
        .map_or(for_clause, |w| for_clause + w.points as usize);
    evidence
        .max(flapping::datapoints_needed(rule.flapping))
        .max(SPARKLINE_POINTS)
}
