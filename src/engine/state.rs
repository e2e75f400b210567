//! What the engine keeps about each rule between runs.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Condition;
use crate::model::{AlertState, Level};

/// What the engine remembers about one rule between evaluations. Stores keep it as an
/// opaque serde document, so fields may be added with `#[serde(default)]`.
///
/// Two things are kept apart: the state the rule computes to (`state` and the incident
/// timestamps), and what its subscribers were last told (`notified` and the fields after
/// it). Notifications are the difference between the two, which is what lets a silence or
/// a flapping rule hold them back and send what is owed once it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleState {
    /// The state after the last evaluation.
    pub state: AlertState,
    /// The T of the last evaluation.
    pub evaluated_at: DateTime<Utc>,
    /// Recent datapoints, oldest first, as many as the rule's windows, flapping detection
    /// and sparkline need.
    pub datapoints: VecDeque<Datapoint>,
    /// When the current breach began: the rule went pending or firing from ok or no_data.
    /// `None` while ok or no_data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_at: Option<DateTime<Utc>>,
    /// When the current incident began firing. `None` while not firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fired_at: Option<DateTime<Utc>>,
    /// The level the rule fired at when its data ran out, while it has no data. A rule
    /// with a recovery condition leaves that level only on a value that meets it, and a
    /// gap in the data meets nothing. `None` in any other state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fired_before_no_data: Option<Level>,
    /// When the last incident ended, from firing back to ok.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Whether the rule is flapping: its flapping notice is due or sent, and nothing else
    /// is sent until what subscribers would be told has held for the flapping window.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flapping: bool,
    /// A fingerprint of the rule settings the stored levels were counted with, so that a
    /// change to the conditions in the config recounts them. `None` in states stored
    /// before it was kept, which are recounted once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_with: Option<u64>,
    /// A fingerprint of what the rule measured (its metric or expression, and its
    /// `change`) when the stored values were taken, so that values measured another way
    /// are forgotten rather than compared. `None` in states stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_with: Option<u64>,
    /// The T of the last datapoint taken before the rule's measure last changed. Those up
    /// to it have no value left, and keep the level they were counted at when the
    /// conditions change: there is nothing to recount them from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_since: Option<DateTime<Utc>>,
    /// Whether the flapping notice went out while no alert was open. A rule that then
    /// settles at ok closes nothing: a resolve would answer an alert nobody saw firing.
    /// States stored before this was kept resolve on settling, as they used to.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nothing_open_before_flapping: bool,
    /// What subscribers were last told about the rule.
    #[serde(default)]
    pub notified: Notified,
    /// Whether a silence has held back news of the rule's open alert since it was last
    /// sent. The first evaluation after the silence then tells subscribers it still
    /// fires, even when nothing changed meanwhile.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub silenced_while_open: bool,
    /// When the last notification about the rule was sent. Reminders count from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Reminders sent since the incident was notified as firing, for `renotify_max`.
    #[serde(default)]
    pub reminders_sent: u32,
    /// The highest level notified since the incident began, kept until its resolve is
    /// sent, so that every notification of the incident can say how bad it got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_level: Option<Level>,
    /// The condition the open alert was last notified with, so that its resolve names the
    /// line that was crossed even when the config has moved it since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_condition: Option<Condition>,
    /// Source-health rules only: the last error the source reported, so that the resolve
    /// can still name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl RuleState {
    /// The state of a rule never evaluated before: ok, nothing notified, no history.
    pub fn new(at: DateTime<Utc>) -> RuleState {
        RuleState {
            state: AlertState::Ok,
            evaluated_at: at,
            datapoints: VecDeque::new(),
            active_at: None,
            fired_at: None,
            fired_before_no_data: None,
            resolved_at: None,
            counted_with: None,
            measured_with: None,
            measured_since: None,
            flapping: false,
            nothing_open_before_flapping: false,
            notified: Notified::Ok,
            silenced_while_open: false,
            last_sent_at: None,
            reminders_sent: 0,
            incident_level: None,
            notified_condition: None,
            last_error: None,
        }
    }

    /// The state to evaluate at `at`, carried over from this one: everything as it was,
    /// with only the last `kept` of the current datapoints and room for one more. One
    /// allocation, instead of a clone that a push would grow again.
    pub(super) fn carry_over(self, at: DateTime<Utc>, kept: usize) -> RuleState {
        let mut datapoints = self.datapoints;
        let dropped = datapoints.len().saturating_sub(kept);
        datapoints.drain(..dropped);
        RuleState {
            evaluated_at: at,
            datapoints,
            ..self
        }
    }
}

/// What subscribers were last told about a rule: the state they believe it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notified {
    /// Nothing is open: never notified, or last told it resolved. A pending rule, or one
    /// whose no_data is not reported, also leaves subscribers here.
    ///
    /// Datapoints stored before they recorded what subscribers are told recorded the
    /// rule's state instead, where `pending` is what subscribers see as ok.
    #[default]
    #[serde(alias = "pending")]
    Ok,
    /// Told it fires at the warning level.
    Warning,
    /// Told it fires at the critical level.
    Critical,
    /// Told it has no data.
    NoData,
    /// Told it is flapping, and so that no news follows until it settles.
    Flapping,
}

impl Notified {
    /// What subscribers should believe about a rule in `state`. Pending notifies nobody,
    /// so subscribers of a pending rule believe it is ok.
    pub fn of(state: AlertState) -> Notified {
        match state {
            AlertState::Ok | AlertState::Pending => Notified::Ok,
            AlertState::Warning => Notified::Warning,
            AlertState::Critical => Notified::Critical,
            AlertState::NoData => Notified::NoData,
        }
    }

    /// The level subscribers believe the rule fires at, if they believe it fires.
    pub fn firing_level(self) -> Option<Level> {
        match self {
            Notified::Warning => Some(Level::Warning),
            Notified::Critical => Some(Level::Critical),
            Notified::Ok | Notified::NoData | Notified::Flapping => None,
        }
    }
}

/// One evaluation's datapoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Datapoint {
    /// The T it was taken at.
    pub at: DateTime<Utc>,
    /// The rule's value before any window: the metric or expression, or its change against
    /// the baseline. A `window` rule aggregates these. `None` when missing.
    pub value: Option<f64>,
    /// The level the datapoint counts as in M of N, after the missing-data policy: the
    /// level of the rule's value (the aggregate, for a `window` rule), the policy's level
    /// for a missing value under `breaching` or `not_breaching`, and `None` for a missing
    /// value under `missing`, which does not count. They are recounted when the rule's
    /// conditions change in the config (see [`RuleState::counted_with`]). A source-health
    /// rule's datapoint is at its configured level when the source failed, else ok.
    pub level: Option<Level>,
    /// What subscribers would believe about the rule after this evaluation, were no
    /// silence or flapping holding notifications back: its state, with pending as ok, and
    /// no_data as ok unless it is reported. Flapping detection counts the changes in it,
    /// since a change subscribers would never hear of is no noise.
    #[serde(rename = "state", default)]
    pub told: Notified,
}
