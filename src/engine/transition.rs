//! The state machine: from the datapoints to the rule's next state, and the incident
//! timestamps that follow from the change.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::level::Counting;
use super::{Datapoint, RuleState};
use crate::config::ForClause;
use crate::model::{AlertState, Level};

/// How a firing rule leaves its level once M of N no longer holds it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Exit {
    /// M of N alone decides.
    Free,
    /// This evaluation's value is missing, which proves nothing: the rule keeps its level.
    KeepLevel,
    /// The value has not crossed the recovery line: the rule stays firing, at the level
    /// this datapoint still breaches (never above the level it fires at), else at
    /// `lowest`, the least severe level the rule has. A value that falls from critical to
    /// just above the recovery line thus downgrades the alert, as a value falling less
    /// far would.
    HeldAboveRecovery {
        /// The rule's least severe firing level.
        lowest: Level,
    },
    /// The rule goes to ok on the first datapoint that does not breach, even while M of N
    /// would hold it: a source-health rule resolves as soon as its source recovers.
    OnHealthyDatapoint,
}

/// How M of N reads a rule's datapoints, and how a firing rule leaves its level.
#[derive(Debug, Clone, Copy)]
pub(super) struct Evidence {
    /// M of N.
    pub for_clause: ForClause,
    /// Whether missing datapoints take no slot among the last N (`ignore`).
    pub ignore_missing: bool,
    /// How a firing rule leaves its level.
    pub exit: Exit,
}

/// The levels M of N counts: those of the last N datapoints, where under `ignore` the
/// missing datapoints a rule stored before it was switched to `ignore` take no slot.
fn counted_levels(
    datapoints: &VecDeque<Datapoint>,
    evidence: Evidence,
) -> impl Iterator<Item = Level> + '_ {
    let n = evidence.for_clause.datapoints as usize;
    let start = if evidence.ignore_missing {
        let with_level = datapoints
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, d)| d.level.is_some());
        with_level.take(n).last().map_or(0, |(index, _)| index)
    } else {
        datapoints.len().saturating_sub(n)
    };
    datapoints.range(start..).filter_map(|d| d.level)
}

/// The state a rule is in after its datapoints, this evaluation's last.
///
/// Over the last N datapoints the rule fires at the worst level that at least M of them
/// reach. When none of the N counts (all missing under `missing`) it has no data. When it
/// does not fire it is pending if this datapoint breaches, else ok, except that a firing
/// rule leaves its level only as its exit says. `held` is the level a rule that has no
/// data fired at before its data ran out: its recovery condition still has to be met.
fn next_state(
    previous: AlertState,
    held: Option<Level>,
    datapoints: &VecDeque<Datapoint>,
    evidence: Evidence,
) -> AlertState {
    let Evidence {
        for_clause, exit, ..
    } = evidence;
    let latest = datapoints.back().and_then(|d| d.level);
    if exit == Exit::OnHealthyDatapoint && latest == Some(Level::Ok) {
        return AlertState::Ok;
    }

    let (mut counted, mut critical, mut warning_or_worse) = (0u32, 0u32, 0u32);
    for level in counted_levels(datapoints, evidence) {
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
    let breached = latest.filter(|level| *level > Level::Ok);
    if let Some(firing) = previous.firing_level().or(held) {
        match exit {
            Exit::KeepLevel => return previous,
            Exit::HeldAboveRecovery { lowest } => {
                let level = breached.map_or(lowest, |level| level.min(firing));
                return AlertState::firing_at(level);
            }
            Exit::Free | Exit::OnHealthyDatapoint => {}
        }
    }
    if breached.is_some() {
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

    state.fired_before_no_data = match next {
        AlertState::NoData => previous.firing_level().or(state.fired_before_no_data),
        _ => None,
    };

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
/// the state that follows.
pub(super) fn advance(
    state: &mut RuleState,
    counted: Counting,
    evidence: Evidence,
    at: DateTime<Utc>,
) {
    let next = match counted {
        Counting::Ignored => state.state,
        Counting::At(_) | Counting::Skipped => {
            if let Some(last) = state.datapoints.back_mut() {
                last.level = counted.level();
            }
            next_state(
                state.state,
                state.fired_before_no_data,
                &state.datapoints,
                evidence,
            )
        }
    };
    enter(state, next, at);
}
