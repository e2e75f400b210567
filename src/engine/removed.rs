//! Rules that are no longer in the config. Their state is dropped, but an alert whose
//! subscribers still believe it is open is closed with a resolve first: deleting a noisy
//! rule must not leave a critical alert standing in a channel for ever.

use std::collections::BTreeMap;

use super::lifecycle::Decision;
use super::render::{About, Facts, Renderer, Subject};
use super::{RuleState, RuleStates, state::Notified};
use crate::model::{Level, Notification, NotificationKind};

/// Resolves the open alerts among `removed`, the states of rules no longer in the config.
pub(super) fn close_removed(
    removed: &RuleStates,
    renderer: &mut Renderer<'_>,
    notifications: &mut Vec<Notification>,
) {
    let no_labels = BTreeMap::new();
    for (id, state) in removed {
        if !is_open(state) {
            continue;
        }
        let facts = Facts {
            decision: Decision {
                kind: NotificationKind::Resolved,
                level: Level::Ok,
                previous_level: state.notified.firing_level(),
                incident_level: state.incident_level.or(state.notified.firing_level()),
            },
            value: None,
            previous_value: state.datapoints.back().and_then(|d| d.value),
            condition: None,
            sparkline: String::new(),
            state_changes: 0,
        };
        let subject = Subject {
            id,
            name: id,
            unit: "",
            labels: &no_labels,
            about: About::Removed,
        };
        notifications.push(renderer.notification(&subject, facts));
    }
}

/// Do subscribers believe the rule has an alert open? Not when they were last told it is
/// ok, nor when its flapping notice went out while nothing was open: such a rule settles
/// at ok without a resolve, and its removal is no different.
fn is_open(state: &RuleState) -> bool {
    match state.notified {
        Notified::Ok => false,
        Notified::Flapping => !state.nothing_open_before_flapping,
        Notified::Warning | Notified::Critical | Notified::NoData => true,
    }
}
