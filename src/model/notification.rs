use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Level;

/// The version of the notification document. It changes only when a field is removed or
/// changes meaning; new fields may be added within a version.
pub const NOTIFICATION_VERSION: &str = "1";

/// Why a notification was sent: the transition or event behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// The rule went from ok or no_data to warning or critical.
    Firing,
    /// The rule went from warning to critical.
    Escalated,
    /// The rule went from critical to warning. This is not a resolve.
    Downgraded,
    /// The rule went back to ok after it had been notified as firing.
    Resolved,
    /// Every datapoint in the rule's window is missing, and the rule asks to be told.
    NoData,
    /// The rule is still firing, and its renotify interval has passed.
    Reminder,
    /// The rule changes state too often; it stays quiet until it settles.
    Flapping,
}

impl NotificationKind {
    /// The kind as written in documents, message attributes and filter policies.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Firing => "firing",
            NotificationKind::Escalated => "escalated",
            NotificationKind::Downgraded => "downgraded",
            NotificationKind::Resolved => "resolved",
            NotificationKind::NoData => "no_data",
            NotificationKind::Reminder => "reminder",
            NotificationKind::Flapping => "flapping",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule a notification is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    /// The rule's `id` in the config.
    pub id: String,
    /// The rule's human name; the id when the config gives none.
    pub name: String,
}

/// One notification, as delivered to every subscriber.
///
/// Serialised as is, it is the versioned JSON document that `--output json` prints and that
/// queues, functions and webhooks receive; the README documents each field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Always [`NOTIFICATION_VERSION`].
    pub version: String,
    /// Stable across retries of the same run: `<rule id>/<kind>/<T>`. Subscribers may use it
    /// to drop the rare duplicate that at-least-once delivery allows.
    pub id: String,
    /// What happened.
    pub kind: NotificationKind,
    /// The rule it is about.
    pub rule: RuleRef,
    /// The level after the transition. `ok` for a resolve.
    pub level: Level,
    /// The level notified before this one, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_level: Option<Level>,
    /// The highest level the incident reached, this notification included: `critical` on
    /// the resolve of an alert that was once critical, even after a downgrade. Absent only
    /// for notifications that belong to no incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_level: Option<Level>,
    /// The rule's value at T; absent when the value is missing.
    pub value: Option<f64>,
    /// The rule's unit, such as `%` or `ms`; empty when the config gives none.
    pub unit: String,
    /// The condition that the value broke, such as `> 5`; for a resolve, the condition that
    /// held before. Empty for kinds without one (no_data, source health).
    pub condition: String,
    /// The rule's value at the previous evaluation, when there was one.
    pub previous_value: Option<f64>,
    /// Recent values, oldest first, drawn with the eight block characters `▁` to `█`, and
    /// [`crate::notify::SPARKLINE_GAP`] for a missing one.
    pub sparkline: String,
    /// The rendered `message` template, or a default sentence.
    pub message: String,
    /// The rendered `action` template; empty when the rule has none.
    pub action: String,
    /// The runbook link; empty when the rule has none.
    pub runbook: String,
    /// The rule's labels.
    pub labels: BTreeMap<String, String>,
    /// The evaluation time T of the run that produced it.
    pub at: DateTime<Utc>,
    /// The id of the run that produced it.
    pub run_id: String,
}

impl Notification {
    /// The stable id of the notification that `rule_id` sends for `kind` at `at`.
    pub fn id_for(rule_id: &str, kind: NotificationKind, at: DateTime<Utc>) -> String {
        format!(
            "{rule_id}/{kind}/{}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }

    /// The value with its unit, as people read it (`6.2%`, `240 ms`, `missing`).
    pub fn value_text(&self) -> String {
        match self.value {
            Some(value) => crate::notify::format_value(value, &self.unit),
            None => crate::notify::MISSING_VALUE.to_string(),
        }
    }
}
