//! Flapping detection: a rule that changes state more than K times in its last W
//! evaluations is flapping, and stays so until it has held one state for W evaluations.

use std::collections::VecDeque;

use super::{Datapoint, RuleState};
use crate::config::Flapping;
use crate::model::Level;

/// How many datapoints flapping detection reads: W states, and the one before them, so
/// that a change into the first of the W counts.
pub(super) fn datapoints_needed(flapping: Option<Flapping>) -> usize {
    flapping.map_or(0, |f| f.evaluations as usize + 1)
}

/// Enters or leaves flapping after this evaluation's datapoint was added. A rule that
/// settles here is notified normally in the same evaluation.
pub(super) fn update(state: &mut RuleState, flapping: Option<Flapping>) {
    let Some(flapping) = flapping else {
        state.flapping = false;
        return;
    };
    let window = flapping.evaluations as usize;
    if state.flapping {
        state.flapping = !has_settled(&state.datapoints, window);
    } else {
        state.flapping = changes(&state.datapoints, window) > flapping.max_changes;
    }
}

/// The level a flapping notice is sent at: the worst level among the last W datapoints, or
/// `fallback` when none of them breaches (a rule flapping between ok and no_data).
pub(super) fn notice_level(
    datapoints: &VecDeque<Datapoint>,
    flapping: Option<Flapping>,
    fallback: Level,
) -> Level {
    let window = flapping.map_or(0, |f| f.evaluations as usize);
    let start = datapoints.len().saturating_sub(window);
    datapoints
        .range(start..)
        .filter_map(|d| d.level)
        .max()
        .filter(|level| *level > Level::Ok)
        .unwrap_or(fallback)
}

/// The number of state changes in the last `window` evaluations.
pub(super) fn changes(datapoints: &VecDeque<Datapoint>, window: usize) -> u32 {
    let start = datapoints.len().saturating_sub(window + 1);
    let states = datapoints.range(start..).map(|d| d.state);
    let changed = states.clone().zip(states.skip(1)).filter(|(a, b)| a != b);
    changed.count() as u32
}

/// Has the rule held one state for the last `window` evaluations?
fn has_settled(datapoints: &VecDeque<Datapoint>, window: usize) -> bool {
    if datapoints.len() < window {
        return false;
    }
    let mut recent = datapoints
        .range(datapoints.len() - window..)
        .map(|d| d.state);
    let first = recent.next();
    recent.all(|state| Some(state) == first)
}
