//! Builders for validated rules and configs, and a harness that steps the engine through
//! time the way the cycle does: one snapshot per step, baselines looked up in the history
//! of earlier snapshots, states carried from one step to the next.
//!
//! The YAML parser is not used here on purpose: these tests pin the engine's semantics
//! on exactly the values they build.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use kpiwatch::config::{
    Aggregate, Change, ChangeMode, Condition, Config, Expr, Flapping, ForClause, MissingData, Rule,
    Silence, SilenceMatcher, Source, SourceHealth, SourceKind, Template, ValueSource, Window,
};
use kpiwatch::engine::{self, Baselines, Evaluation, EvaluationInput, RuleState, RuleStates};
use kpiwatch::model::{AlertState, Level, Notification, NotificationKind, Snapshot, SourceFailure};

/// Short names for the three enums every step row spells: the state (`S::Critical`), and
/// each notification's kind and level (`(K::Firing, L::Critical)`).
pub use kpiwatch::model::{AlertState as S, Level as L, NotificationKind as K};

/// The metric every rule built by [`rule`] reads, and that [`Harness::step`] sets.
pub const METRIC: &str = "m";

/// The time of the first step: a Monday, so that days and weeks read naturally.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap()
}

pub fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

pub fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

pub fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

/// `t0` plus `offset`.
pub fn at(offset: Duration) -> DateTime<Utc> {
    t0() + chrono::Duration::from_std(offset).unwrap()
}

pub fn condition(text: &str) -> Condition {
    text.parse().unwrap()
}

/// A rule builder, starting from a rule that reads [`METRIC`] with no condition set, no
/// reminders, no flapping detection and 1 of 1.
pub struct RuleBuilder(Rule);

pub fn rule(id: &str) -> RuleBuilder {
    RuleBuilder(Rule {
        id: id.to_string(),
        name: id.to_string(),
        value: ValueSource::Metric(METRIC.to_string()),
        unit: String::new(),
        critical: None,
        warning: None,
        recovery: None,
        for_clause: ForClause::default(),
        missing: MissingData::Missing,
        notify_no_data: false,
        change: None,
        window: None,
        message: None,
        action: None,
        runbook: None,
        labels: BTreeMap::new(),
        renotify_interval: None,
        renotify_max: None,
        flapping: None,
    })
}

impl RuleBuilder {
    pub fn name(mut self, name: &str) -> Self {
        self.0.name = name.to_string();
        self
    }
    pub fn metric(mut self, metric: &str) -> Self {
        self.0.value = ValueSource::Metric(metric.to_string());
        self
    }
    pub fn expr(mut self, expr: &str) -> Self {
        self.0.value = ValueSource::Expr(Expr::parse(expr).unwrap());
        self
    }
    pub fn unit(mut self, unit: &str) -> Self {
        self.0.unit = unit.to_string();
        self
    }
    pub fn critical(mut self, text: &str) -> Self {
        self.0.critical = Some(condition(text));
        self
    }
    pub fn warning(mut self, text: &str) -> Self {
        self.0.warning = Some(condition(text));
        self
    }
    pub fn recovery(mut self, text: &str) -> Self {
        self.0.recovery = Some(condition(text));
        self
    }
    pub fn for_m_of_n(mut self, breaching: u32, datapoints: u32) -> Self {
        self.0.for_clause = ForClause {
            breaching,
            datapoints,
        };
        self
    }
    pub fn missing(mut self, missing: MissingData) -> Self {
        self.0.missing = missing;
        self
    }
    pub fn notify_no_data(mut self) -> Self {
        self.0.notify_no_data = true;
        self
    }
    pub fn change(mut self, vs: Duration, mode: ChangeMode) -> Self {
        self.0.change = Some(Change { vs, mode });
        self
    }
    pub fn window(mut self, aggregate: Aggregate, points: u32) -> Self {
        self.0.window = Some(Window { aggregate, points });
        self
    }
    pub fn message(mut self, source: &str) -> Self {
        self.0.message = Some(Template {
            source: source.to_string(),
        });
        self
    }
    pub fn action(mut self, source: &str) -> Self {
        self.0.action = Some(Template {
            source: source.to_string(),
        });
        self
    }
    pub fn runbook(mut self, link: &str) -> Self {
        self.0.runbook = Some(link.to_string());
        self
    }
    pub fn label(mut self, name: &str, value: &str) -> Self {
        self.0.labels.insert(name.to_string(), value.to_string());
        self
    }
    pub fn renotify(mut self, interval: Duration) -> Self {
        self.0.renotify_interval = Some(interval);
        self
    }
    pub fn renotify_max(mut self, max: u32) -> Self {
        self.0.renotify_max = Some(max);
        self
    }
    pub fn flapping(mut self, max_changes: u32, evaluations: u32) -> Self {
        self.0.flapping = Some(Flapping {
            max_changes,
            evaluations,
        });
        self
    }
    pub fn build(self) -> Rule {
        self.0
    }
}

/// A config with these rules and nothing else.
pub fn config(rules: Vec<Rule>) -> Config {
    Config {
        path: PathBuf::from("kpiwatch.yaml"),
        sources: Vec::new(),
        rules,
        silences: Vec::new(),
        source_health: SourceHealth::default(),
        retention: days(90),
    }
}

/// A file source with this id.
pub fn source(id: &str) -> Source {
    Source {
        id: id.to_string(),
        kind: SourceKind::File {
            path: PathBuf::from(format!("{id}.json")),
        },
    }
}

/// A silence for one rule id, in force from `starts_at` (or always) until `until`.
pub fn silence_rule(id: &str, starts_at: Option<DateTime<Utc>>, until: DateTime<Utc>) -> Silence {
    Silence {
        matcher: SilenceMatcher {
            rule_id: Some(id.to_string()),
            labels: BTreeMap::new(),
        },
        starts_at,
        until,
        reason: "maintenance".to_string(),
    }
}

/// A silence for every rule carrying these labels.
pub fn silence_labels(labels: &[(&str, &str)], until: DateTime<Utc>) -> Silence {
    Silence {
        matcher: SilenceMatcher {
            rule_id: None,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
        starts_at: None,
        until,
        reason: "holiday freeze".to_string(),
    }
}

/// A notification reduced to what most steps assert.
pub type Note = (NotificationKind, Level);

/// Steps the engine through time, one evaluation per step, `interval` apart.
pub struct Harness {
    pub config: Config,
    pub states: RuleStates,
    pub history: Vec<Snapshot>,
    /// The T of the next step.
    pub at: DateTime<Utc>,
    pub interval: Duration,
    /// The rule whose state and notifications `step` asserts.
    pub watched: String,
    steps: usize,
}

impl Harness {
    /// Starts at [`t0`], five minutes between steps, watching the first rule (or the first
    /// source's health rule when there are no rules).
    pub fn new(config: Config) -> Harness {
        let watched = match config.rules.first() {
            Some(rule) => rule.id.clone(),
            None => engine::source_health_rule_id(&config.sources[0].id),
        };
        Harness {
            config,
            states: RuleStates::new(),
            history: Vec::new(),
            at: t0(),
            interval: minutes(5),
            watched,
            steps: 0,
        }
    }

    pub fn every(mut self, interval: Duration) -> Harness {
        self.interval = interval;
        self
    }

    pub fn watch(mut self, id: &str) -> Harness {
        self.watched = id.to_string();
        self
    }

    /// An empty snapshot at the next step's T.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::new(self.at, format!("run-{}", self.steps + 1))
    }

    /// A snapshot at the next step's T with these metrics.
    pub fn metrics(&self, metrics: &[(&str, f64)]) -> Snapshot {
        let mut snapshot = self.snapshot();
        for (name, value) in metrics {
            snapshot.metrics.insert(name.to_string(), *value);
        }
        snapshot
    }

    /// A snapshot at the next step's T in which `source_id` failed with `error`.
    pub fn failure(&self, source_id: &str, error: &str) -> Snapshot {
        let mut snapshot = self.snapshot();
        snapshot.failures.push(SourceFailure {
            source_id: source_id.to_string(),
            error: error.to_string(),
        });
        snapshot
    }

    /// Evaluates `snapshot` as the cycle would, then moves on to the next T.
    pub fn evaluate(&mut self, snapshot: Snapshot) -> Evaluation {
        assert_eq!(
            snapshot.taken_at, self.at,
            "snapshots are taken at the step's T"
        );
        let baselines = self.baselines();
        let evaluation = engine::evaluate(EvaluationInput {
            config: &self.config,
            snapshot: &snapshot,
            baselines: &baselines,
            states: self.states.clone(),
            at: self.at,
        });
        self.states = evaluation.states.clone();
        self.history.push(snapshot);
        self.at += chrono::Duration::from_std(self.interval).unwrap();
        self.steps += 1;
        evaluation
    }

    /// One step with [`METRIC`] at `value` (absent when `None`), asserting the watched
    /// rule's state and its notifications, as (kind, level), in order.
    pub fn step(&mut self, value: Option<f64>, state: AlertState, notes: &[Note]) -> Evaluation {
        let snapshot = match value {
            Some(value) => self.metrics(&[(METRIC, value)]),
            None => self.snapshot(),
        };
        self.step_with(snapshot, state, notes)
    }

    /// One step with `snapshot`, asserting as [`Harness::step`] does.
    pub fn step_with(
        &mut self,
        snapshot: Snapshot,
        state: AlertState,
        notes: &[Note],
    ) -> Evaluation {
        let step = self.steps + 1;
        let at = self.at;
        let evaluation = self.evaluate(snapshot);
        let actual_state = evaluation.states[&self.watched].state;
        let actual_notes: Vec<Note> = self
            .notifications_of_watched(&evaluation)
            .map(|n| (n.kind, n.level))
            .collect();
        assert_eq!(
            (actual_state, actual_notes.as_slice()),
            (state, notes),
            "step {step} at {at}: (state, notifications) of `{}`",
            self.watched
        );
        evaluation
    }

    /// The watched rule's notifications in an evaluation.
    pub fn notifications_of_watched<'e>(
        &self,
        evaluation: &'e Evaluation,
    ) -> impl Iterator<Item = &'e Notification> {
        let watched = self.watched.clone();
        evaluation
            .notifications
            .iter()
            .filter(move |n| n.rule.id == watched)
    }

    /// The watched rule's state after the last step.
    pub fn state(&self) -> &RuleState {
        &self.states[&self.watched]
    }

    /// For each `change.vs`, the newest earlier snapshot taken at or before T - vs.
    fn baselines(&self) -> Baselines {
        engine::baseline_offsets(&self.config.rules)
            .into_iter()
            .filter_map(|vs| {
                let cutoff = self.at - chrono::Duration::from_std(vs).unwrap();
                let baseline = self.history.iter().rev().find(|s| s.taken_at <= cutoff)?;
                Some((vs, baseline.clone()))
            })
            .collect()
    }
}

/// The one notification an evaluation sent.
pub fn only(evaluation: &Evaluation) -> &Notification {
    assert_eq!(
        evaluation.notifications.len(),
        1,
        "expected exactly one notification: {:#?}",
        evaluation.notifications
    );
    &evaluation.notifications[0]
}
