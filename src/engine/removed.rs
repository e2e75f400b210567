//! Rules that are no longer in the config. Their state is dropped, but an alert whose
//! subscribers still believe it is open is closed with a resolve first: deleting a noisy
//! rule must not leave a critical alert standing in a channel for ever.

use std::collections::BTreeMap;

use super::lifecycle::Decision;
use super::render::{About, Facts, Renderer, Subject};
use super::{RuleStates, state::Notified};
use crate::model::{Level, Notification, NotificationKind};

/// Resolves the open alerts of rules that are in `previous` but not in `current`. Both
/// maps are sorted by id, so one pass over the two finds them.
pub(super) fn close_removed(
    previous: &RuleStates,
    current: &RuleStates,
    renderer: &mut Renderer<'_>,
    notifications: &mut Vec<Notification>,
) {
    let no_labels = BTreeMap::new();
    let mut current_ids = current.keys().peekable();
    for (id, state) in previous {
        while current_ids.next_if(|current| *current < id).is_some() {}
        if current_ids.peek() == Some(&id) || state.notified == Notified::Ok {
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
