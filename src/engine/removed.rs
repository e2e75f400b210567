//! Rules that are no longer in the config. Their state is dropped, but an alert whose
//! subscribers still believe it is open is closed with a resolve first: deleting a noisy
//! rule must not leave a critical alert standing in a channel for ever.

use std::collections::BTreeMap;

use super::lifecycle::Decision;
use super::render::{About, Facts, Renderer, Subject};
use super::{RuleStates, state::Notified};
use crate::model::{Level, Notification, NotificationKind};

/// Resolves the open alerts among `removed`, the states of rules no longer in the config.
pub(super) fn close_removed(
    removed: &RuleStates,
    renderer: &mut Renderer<'_>,
    notifications: &mut Vec<Notification>,
) {
    let no_labels = BTreeMap::new();
    for (id, state) in removed {
        if state.notified == Notified::Ok {
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
