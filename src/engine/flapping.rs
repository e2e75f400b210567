//! Flapping detection: a rule whose subscribers would be told of more than K changes in
//! its last W evaluations is flapping, and stays so until what they would be told has
//! held for W evaluations.
//!
//! Only changes subscribers would hear of count. A rule that goes pending and back, or
//! whose unreported data comes and goes, changes nothing anyone sees; counting those
//! would send a flapping notice, and later a resolve, about an alert that never existed.

use std::collections::VecDeque;

use super::state::Notified;
use super::{Datapoint, RuleState};
use crate::config::Flapping;
use crate::model::Level;

/// How many datapoints flapping detection reads: W evaluations, and the one before them,
/// so that a change into the first of the W counts.
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

/// The level a flapping notice is sent at: the worst firing level subscribers believe in
/// (`notified`) or would have been told of in the last W evaluations, the notifications
/// it stands for; `fallback` when there is none, as for a rule flapping between ok and a
/// reported no_data, whose no_data notices go at that level too.
pub(super) fn notice_level(
    datapoints: &VecDeque<Datapoint>,
    flapping: Option<Flapping>,
    notified: Notified,
    fallback: Level,
) -> Level {
    let window = flapping.map_or(0, |f| f.evaluations as usize);
    let start = datapoints.len().saturating_sub(window);
    datapoints
        .range(start..)
        .filter_map(|d| d.told.firing_level())
        .chain(notified.firing_level())
        .max()
        .unwrap_or(fallback)
}

/// The number of changes, in what subscribers would be told, over the last `window`
/// evaluations.
pub(super) fn changes(datapoints: &VecDeque<Datapoint>, window: usize) -> u32 {
    let start = datapoints.len().saturating_sub(window + 1);
    let told = datapoints.range(start..).map(|d| d.told);
    let changed = told.clone().zip(told.skip(1)).filter(|(a, b)| a != b);
    changed.count() as u32
}

/// Has what subscribers would be told held for the last `window` evaluations?
fn has_settled(datapoints: &VecDeque<Datapoint>, window: usize) -> bool {
    if datapoints.len() < window {
        return false;
    }
    let mut recent = datapoints
        .range(datapoints.len() - window..)
        .map(|d| d.told);
    let first = recent.next();
    recent.all(|told| Some(told) == first)
}
