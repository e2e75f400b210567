//! The state machine: from the datapoints to the rule's next state, and the incident
//! timestamps that follow from the change.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::level::Counting;
use super::{Datapoint, RuleState};
use crate::config::ForClause;
use crate::model::{AlertState, Level};

/// The state a rule is in after its datapoints, this evaluation's last.
///
/// Over the last N datapoints the rule fires at the worst level that at least M of them
/// reach. When none of the N counts (all missing under `missing`) it has no data. When it
/// does not fire it is pending if this datapoint breaches, else ok, except that a firing
/// rule stays at its level until `recovered` says it may leave it.
fn next_state(
    previous: AlertState,
    datapoints: &VecDeque<Datapoint>,
    for_clause: ForClause,
    recovered: bool,
) -> AlertState {
    let start = datapoints
        .len()
        .saturating_sub(for_clause.datapoints as usize);
    let (mut counted, mut critical, mut warning_or_worse) = (0u32, 0u32, 0u32);
    for level in datapoints.range(start..).filter_map(|d| d.level) {
        counted += 1;
        warning_or_worse += u32::from(level >= Level::Warning);
        critical += u32::from(level == Level::Critical);
    }

    if counted == 0 {
        return AlertState::NoData;
    }
    if critical >= for_clause.breaching {
        return AlertState::Critical;
    }
    if warning_or_worse >= for_clause.breaching {
        return AlertState::Warning;
    }
    if previous.is_firing() && !recovered {
        return previous;
    }
    let breaching = datapoints
        .back()
        .and_then(|d| d.level)
        .is_some_and(|level| level > Level::Ok);
    if breaching {
        AlertState::Pending
    } else {
        AlertState::Ok
    }
}

/// Moves `state` to `next`, keeping the incident timestamps in step.
fn enter(state: &mut RuleState, next: AlertState, at: DateTime<Utc>) {
    let previous = state.state;
    state.state = next;

    let was_active = matches!(previous, AlertState::Pending) || previous.is_firing();
    let is_active = matches!(next, AlertState::Pending) || next.is_firing();
    match (was_active, is_active) {
        (false, true) => state.active_at = Some(at),
        (_, false) => state.active_at = None,
        (true, true) => {}
    }

    match (previous.is_firing(), next.is_firing()) {
        (false, true) => state.fired_at = Some(at),
        (true, false) => {
            state.fired_at = None;
            if next != AlertState::NoData {
                state.resolved_at = Some(at);
            }
        }
        _ => {}
    }
}

/// Records how this evaluation's datapoint, the last one, counts, and moves the rule to
/// the state that follows. `recovered` says whether a firing rule may leave its level.
pub(super) fn advance(
    state: &mut RuleState,
    counted: Counting,
    recovered: bool,
    for_clause: ForClause,
    at: DateTime<Utc>,
) {
    let next = match counted {
        Counting::KeepState => state.state,
        Counting::At(_) | Counting::Skipped => {
            if let Some(last) = state.datapoints.back_mut() {
                last.level = counted.level();
            }
            next_state(state.state, &state.datapoints, for_clause, recovered)
        }
    };
    enter(state, next, at);
    if let Some(last) = state.datapoints.back_mut() {
        last.state = next;
    }
}
