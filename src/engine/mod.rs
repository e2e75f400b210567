//! The pure evaluation function.
//!
//! [`evaluate`] takes the rules, this run's snapshot, the baseline snapshots that `change`
//! rules compare against, the previous rule states and the evaluation time T. It returns
//! the new states and the notifications to send. It reads no clock, no environment and no
//! file, so tests step it through time one evaluation at a time.
//!
//! One evaluation of one rule goes through the files below in order:
//!
//! - `measure`: whether the stored values were measured as the rule now measures;
//! - `value`: the metric or expression, its `change` against a baseline, or the
//!   aggregate of a `window` of them;
//! - `level`: the level the datapoint counts as, after the missing-data policy;
//! - `transition`: M of N, recovery and no_data give the next state;
//! - `flapping`: whether the rule changes state too often to be worth notifying;
//! - `lifecycle` and `silence`: which notification is owed, and whether it may go now;
//! - `render` and `sentence`: the notification document, with its message and action
//!   templates or a default sentence.
//!
//! `source_health` runs the same steps for each source's built-in rule, and `removed`
//! closes the open alerts of rules taken out of the config. `series` replays a rule's
//! values over stored snapshots, for `kpiwatch history`.
//!
//! Choices made where the product reference is silent:
//!
//! - A value missing under `missing` or `ignore` never brings a firing rule back to ok.
//!   Under `missing` the rule keeps its level until its whole window is missing, and then
//!   has no data. Under `ignore` a run without a value is skipped for the rule, and takes
//!   no slot in M of N or in a window. Under `not_breaching` a missing value counts as
//!   ok, as a present value below every line would.
//! - With a recovery condition, only a value that meets it recovers, even after no data,
//!   and a missing value meets none.
//! - A rule held open by its recovery line fires at the level its value still breaches,
//!   never above the one it fired at, else at its least severe level: a lower value never
//!   leaves it at a higher level than a higher value would.
//! - A threshold changed in the config applies at once to the stored datapoints: their
//!   levels are recounted from their values.
//! - A rule whose metric, expression or `change` is changed in the config forgets the
//!   values it stored, which measured something else, and keeps their levels until they
//!   age out of M of N.
//! - A `change` baseline older than T minus twice `vs` is missing rather than compared.
//! - A source-health rule resolves on the first run in which its source succeeds.
//! - A no_data notice is sent whenever subscribers were told the rule fires, even if the
//!   rule does not ask for no_data, so that nobody trusts a stale alert. It goes at the
//!   level they were told, else at the rule's most severe level.
//! - Flapping counts only the changes subscribers would be told of: pending is ok, and
//!   so is unreported no_data. The notice goes at the worst firing level among them.
//! - A rule whose no_data notice was sent is resolved when it is ok again, and so is one
//!   whose flapping notice went out while an alert was open. One whose flapping notice
//!   opened nothing settles at ok quietly.
//! - Resolves go through silences; every other kind waits for the silence to end. An
//!   alert still open when its silence ends is re-sent then, as a reminder.
//! - Reminders are counted per incident: the count starts over with each `firing`. An
//!   escalation or downgrade restarts the interval, not the count.
//! - A percent `change` is in `%` whatever the metric's unit.
//! - Removing a rule from the config closes its open alert with a resolve.

mod flapping;
mod level;
mod lifecycle;
mod measure;
mod removed;
mod render;
mod rule;
mod sentence;
mod series;
mod silence;
mod source_health;
mod state;
mod transition;
mod value;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use render::{MAX_TEXT_CHARS, TEXT_CUT_MARK};
pub use sentence::value_description;
pub use series::rule_values;
pub use state::{Datapoint, Notified, RuleState};

use crate::config::Config;
use crate::model::{Notification, Snapshot};
use render::Renderer;
use source_health::SourceRule;

/// Previous or new rule states, by rule id. Source-health rules use the id
/// `source-health:<source id>`.
pub type RuleStates = BTreeMap<String, RuleState>;

/// For each `change.vs` offset in the config, the stored snapshot nearest at or before
/// `T - vs`, when there is one. The engine reads its `taken_at`, and treats a baseline
/// older than `T - 2·vs` as missing.
pub type Baselines = BTreeMap<Duration, Snapshot>;

/// Everything one evaluation reads.
#[derive(Debug, Clone)]
pub struct EvaluationInput<'a> {
    /// The validated config: rules, silences, sources and source-health settings.
    pub config: &'a Config,
    /// This run's snapshot, taken at `at`.
    pub snapshot: &'a Snapshot,
    /// Baselines for `change` rules; see [`baseline_offsets`].
    pub baselines: &'a Baselines,
    /// The states the previous evaluation returned; empty on the first run. They are moved
    /// in: each rule's state is taken, updated and returned in the [`Evaluation`], so that
    /// its history (up to a hundred datapoints) is never copied. That copy was most of an
    /// evaluation's time once ten thousand histories no longer fitted in the CPU's caches.
    pub states: RuleStates,
    /// The evaluation time T.
    pub at: DateTime<Utc>,
}

/// What one evaluation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The new state of every rule in the config, and of every source's health rule.
    pub states: RuleStates,
    /// The notifications to send, in rule order.
    pub notifications: Vec<Notification>,
}

/// The distinct `change.vs` offsets of the rules, shortest first. The cycle asks the store
/// for one baseline snapshot per offset.
pub fn baseline_offsets(rules: &[crate::config::Rule]) -> Vec<Duration> {
    let mut offsets: Vec<Duration> = rules
        .iter()
        .filter_map(|r| r.change.map(|c| c.vs))
        .collect();
    offsets.sort();
    offsets.dedup();
    offsets
}

/// The id of the built-in health rule of the source with id `source_id`.
pub fn source_health_rule_id(source_id: &str) -> String {
    format!("source-health:{source_id}")
}

/// Evaluates every rule, and every source's health rule, at `input.at`.
///
/// Each rule's value is read from the snapshot (or compared with its baseline), counted at
/// a level, and folded into the rule's state with M of N, recovery and the missing-data
/// policy. A notification is sent when what subscribers were last told differs from that
/// state, unless a silence or flapping holds it back; see the `lifecycle` module.
///
/// Source-health rules come first, in source order, then the config's rules in file order,
/// so that a failing source is read before the rules its failure leaves without data.
/// States of rules no longer in the config are dropped; an alert of theirs that
/// subscribers still believe open is closed with a last resolve. A rule already evaluated
/// at `input.at` or later keeps its state and sends nothing, so replaying a run is
/// harmless.
pub fn evaluate(mut input: EvaluationInput<'_>) -> Evaluation {
    let config = input.config;
    let mut previous = std::mem::take(&mut input.states);
    let input = &input;
    let mut renderer = Renderer::new(input.at, &input.snapshot.run_id);
    let mut notifications = Vec::new();
    let mut states = Vec::with_capacity(config.sources.len() + config.rules.len());

    for source in &config.sources {
        let rule = SourceRule::of(source);
        let state = source_health::evaluate(
            &rule,
            &config.source_health,
            input,
            previous.remove(rule.id()),
            &mut renderer,
            &mut notifications,
        );
        states.push((rule.into_id(), state));
    }
    for rule in &config.rules {
        let state = rule::evaluate(
            rule,
            input,
            previous.remove(&rule.id),
            &mut renderer,
            &mut notifications,
        );
        states.push((rule.id.clone(), state));
    }

    let states: RuleStates = states.into_iter().collect();
    // What is left of the previous states belongs to rules no longer in the config.
    removed::close_removed(&previous, &mut renderer, &mut notifications);
    Evaluation {
        states,
        notifications,
    }
}
