//! Which notification, if any, an evaluation sends: the difference between what
//! subscribers were last told and what they should now believe.
//!
//! Deriving notifications from that difference, instead of from the state change of this
//! one evaluation, is what makes silences and flapping simple. While either holds, the
//! state moves but `notified` does not, and the first evaluation after it sends whatever
//! the difference is by then: `firing` for a rule that started firing meanwhile,
//! `resolved` for an alert that recovered meanwhile, nothing for one that came and went.
//! A silence also remembers that it covered an open alert, so that its end says the alert
//! still fires even when nothing changed.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::state::Notified;
use super::{RuleState, flapping};
use crate::config::Flapping;
use crate::model::{AlertState, Level, NotificationKind};

/// The notification settings of one rule.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    /// Whether entering no_data is reported when nothing was firing.
    pub notify_no_data: bool,
    /// How often a rule that stays firing is re-sent; `None` for never.
    pub renotify_interval: Option<Duration>,
    /// At most this many reminders per incident; `None` for no cap.
    pub renotify_max: Option<u32>,
    /// Flapping detection, for the level of the flapping notice.
    pub flapping: Option<Flapping>,
    /// The level of a no_data or flapping notice when no firing level applies: the most
    /// severe level the rule can reach, so that it reaches whoever that rule would page.
    pub fallback_level: Level,
}

/// A notification to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Decision {
    /// What happened.
    pub kind: NotificationKind,
    /// The level it is sent at.
    pub level: Level,
    /// The firing level subscribers believed in before it, if they believed one.
    pub previous_level: Option<Level>,
    /// The highest level notified in the incident, this notification included.
    pub incident_level: Option<Level>,
}

/// What subscribers would believe about a rule in `state`, after believing `previous`,
/// were no silence or flapping holding notifications back.
pub(super) fn told(previous: Notified, state: AlertState, notify_no_data: bool) -> Notified {
    match state {
        // Data that returns breaching is not yet news: the no_data notice stands until the
        // rule fires or is ok, rather than being resolved and then fired a run later.
        AlertState::Pending if previous == Notified::NoData => Notified::NoData,
        // No data is news only when the rule asks for it, or when it leaves subscribers
        // with an alert that can no longer be confirmed.
        AlertState::NoData if previous == Notified::Ok && !notify_no_data => Notified::Ok,
        computed => Notified::of(computed),
    }
}

/// Records in the last datapoint what subscribers would believe after it, for flapping
/// detection.
pub(super) fn record_told(state: &mut RuleState, notify_no_data: bool) {
    let len = state.datapoints.len();
    let previous = match len.checked_sub(2) {
        Some(index) => state.datapoints[index].told,
        None => Notified::Ok,
    };
    if let Some(last) = state.datapoints.back_mut() {
        last.told = told(previous, state.state, notify_no_data);
    }
}

/// Decides the notification this evaluation sends, and records it as sent in `state`.
///
/// A resolve is sent even while a silence matches, because it closes an alert that
/// subscribers saw. Every other kind waits for the silence to end, and an open alert
/// that a silence covered is re-sent then as a reminder, even if nothing changed. So
/// `is_silenced` is called only when something would be sent or an alert is open, which
/// most evaluations of most rules are not.
pub(super) fn decide(
    state: &mut RuleState,
    policy: &Policy,
    is_silenced: impl FnOnce() -> bool,
    at: DateTime<Utc>,
) -> Option<Decision> {
    settle_quietly(state);
    let notified = state.notified;
    let target = if state.flapping {
        Notified::Flapping
    } else {
        told(notified, state.state, policy.notify_no_data)
    };
    let transition = (notified != target).then(|| transition_kind(notified, target));
    let is_open = notified.firing_level().is_some();
    if transition.is_none() && !is_open {
        return None;
    }

    let kind = match transition {
        Some(NotificationKind::Resolved) => NotificationKind::Resolved,
        _ if is_silenced() => {
            state.silenced_while_open |= is_open;
            return None;
        }
        Some(kind) => kind,
        // Sent whatever the reminder interval and cap say: an alert still firing when its
        // silence ends is notified then, or subscribers would never hear of it again.
        None if state.silenced_while_open => NotificationKind::Reminder,
        None if is_reminder_due(state, policy, at) => NotificationKind::Reminder,
        None => return None,
    };

    let previous_level = notified.firing_level();
    let level = match kind {
        NotificationKind::Resolved => Level::Ok,
        NotificationKind::NoData => previous_level.unwrap_or(policy.fallback_level),
        NotificationKind::Flapping => flapping::notice_level(
            &state.datapoints,
            policy.flapping,
            notified,
            policy.fallback_level,
        ),
        _ => target.firing_level().unwrap_or(policy.fallback_level),
    };

    let incident_level = match kind {
        NotificationKind::Resolved => state.incident_level.take().or(previous_level),
        _ => {
            let reached = Some(level).filter(|l| *l != Level::Ok);
            state.incident_level = state.incident_level.max(reached);
            state.incident_level
        }
    };
    if kind == NotificationKind::Flapping {
        state.nothing_open_before_flapping = notified == Notified::Ok;
    }
    state.notified = target;
    state.last_sent_at = Some(at);
    state.silenced_while_open = false;
    match kind {
        NotificationKind::Firing | NotificationKind::Resolved => state.reminders_sent = 0,
        NotificationKind::Reminder => state.reminders_sent += 1,
        _ => {}
    }
    Some(Decision {
        kind,
        level,
        previous_level,
        incident_level,
    })
}

/// The notification that takes subscribers from believing `notified` to `target`.
fn transition_kind(notified: Notified, target: Notified) -> NotificationKind {
    match (notified, target) {
        (_, Notified::Flapping) => NotificationKind::Flapping,
        // Sent even when the rule does not ask for no_data: subscribers who were told it
        // fires must learn that the alert can no longer be confirmed.
        (_, Notified::NoData) => NotificationKind::NoData,
        (Notified::Warning, Notified::Critical) => NotificationKind::Escalated,
        (Notified::Critical, Notified::Warning) => NotificationKind::Downgraded,
        (_, Notified::Warning | Notified::Critical) => NotificationKind::Firing,
        (_, Notified::Ok) => NotificationKind::Resolved,
    }
}

/// A flapping rule that settles after its notice went out while no alert was open leaves
/// subscribers where they were before it, believing nothing is open: settling at ok
/// sends nothing, and settling at a firing level sends `firing`.
fn settle_quietly(state: &mut RuleState) {
    if state.notified == Notified::Flapping && !state.flapping && state.nothing_open_before_flapping
    {
        state.notified = Notified::Ok;
        state.nothing_open_before_flapping = false;
        state.incident_level = None;
    }
}

/// Is a reminder due for a rule whose subscribers already know it fires?
fn is_reminder_due(state: &RuleState, policy: &Policy, at: DateTime<Utc>) -> bool {
    let Some(interval) = policy.renotify_interval else {
        return false;
    };
    let elapsed = |since: DateTime<Utc>| (at - since).to_std().is_ok_and(|e| e >= interval);
    state.notified.firing_level().is_some()
        && state.last_sent_at.is_none_or(elapsed)
        && policy
            .renotify_max
            .is_none_or(|max| state.reminders_sent < max)
}
