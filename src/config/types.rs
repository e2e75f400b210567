//! The validated config: what the rest of kpiwatch reads. Every value here has been
//! checked, so no other module re-checks it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Condition, Expr};
use crate::model::Level;

/// A validated `kpiwatch.yaml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from. Relative `file` source paths resolve against its folder.
    pub path: PathBuf,
    /// Where metrics come from, in file order.
    pub sources: Vec<Source>,
    /// The threshold rules, in file order. Ids are unique.
    pub rules: Vec<Rule>,
    /// Silences, in file order; expired ones are kept, and simply match nothing.
    pub silences: Vec<Silence>,
    /// How failing sources are reported.
    pub source_health: SourceHealth,
    /// How long stored snapshots are kept. Always at least the longest `change.vs` of any
    /// rule plus a day, so that every comparison finds its baseline.
    pub retention: Duration,
}

/// A metric source.
#[derive(Debug, Clone)]
pub struct Source {
    /// Unique among sources; used in logs, failures and the source-health rule.
    pub id: String,
    /// Where the JSON document comes from.
    pub kind: SourceKind,
}

/// The kinds of source.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// A JSON file, read at every run.
    File {
        /// Absolute, or resolved against the config file's folder.
        path: PathBuf,
    },
    /// A JSON document fetched with an HTTP GET.
    Http(HttpSource),
}

/// An HTTP source.
#[derive(Debug, Clone)]
pub struct HttpSource {
    /// An `http` or `https` URL.
    pub url: url::Url,
    /// How long the whole request may take, connection included.
    pub timeout: Duration,
    /// Request headers, in file order.
    pub headers: Vec<Header>,
}

/// One request header of an HTTP source.
#[derive(Debug, Clone)]
pub struct Header {
    /// The header name, checked to be a valid HTTP header name.
    pub name: String,
    /// Where its value comes from.
    pub value: SecretValue,
}

/// A value that may be secret, and so is read at run time rather than written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretValue {
    /// Written in the config file as is.
    Literal(String),
    /// `env:NAME`: read from the environment variable `NAME` at run time.
    Env(String),
    /// `secret:ID` or `secret:ID#KEY`: the `SecretString` of an AWS Secrets Manager secret,
    /// or one key of it when it holds a JSON object.
    SecretsManager {
        /// The secret's name or ARN, as `GetSecretValue` takes it.
        secret_id: String,
        /// The key to take from a JSON secret; `None` takes the whole string.
        json_key: Option<String>,
    },
    /// `ssm:NAME`: an SSM Parameter Store parameter, a `SecureString` decrypted or a
    /// `String` as is.
    SsmParameter {
        /// The parameter's name (`/kpiwatch/token`) or ARN, optionally with a `:version` or
        /// `:label` selector, as `GetParameter` takes it.
        name: String,
    },
}

/// What a rule evaluates.
#[derive(Debug, Clone)]
pub enum ValueSource {
    /// One metric, by its flattened name.
    Metric(String),
    /// An arithmetic expression over metrics.
    Expr(Expr),
}

/// `change`: compare the value with the one in an older snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// How far back the baseline is: the stored snapshot nearest at or before T minus this.
    pub vs: Duration,
    /// Whether the difference is absolute or a percentage of the baseline.
    pub mode: ChangeMode,
}

/// How a change is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeMode {
    /// `current - baseline`.
    Absolute,
    /// `(current - baseline) / |baseline| * 100`; missing when the baseline is zero.
    Percent,
}

/// `window`: the value is an aggregate of the last `points` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// How the values combine.
    pub aggregate: Aggregate,
    /// How many values, this run's included. At least 1.
    pub points: u32,
}

/// The aggregates a window can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Arithmetic mean.
    Avg,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Sum of the values.
    Sum,
}

/// `for: M of N`: fire when at least `breaching` of the last `datapoints` datapoints are at a
/// level or worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForClause {
    /// M, at least 1.
    pub breaching: u32,
    /// N, at least M.
    pub datapoints: u32,
}

impl Default for ForClause {
    fn default() -> ForClause {
        ForClause {
            breaching: 1,
            datapoints: 1,
        }
    }
}

/// What a missing datapoint means, as in CloudWatch alarms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingData {
    /// A missing datapoint keeps its place among the last N but does not count; when all of
    /// the window is missing the rule goes to `no_data`.
    Missing,
    /// A missing datapoint counts as breaching the rule's most severe condition.
    Breaching,
    /// A missing datapoint counts as ok.
    NotBreaching,
    /// A run without a value leaves the state as it is and takes no place among the last N.
    Ignore,
}

/// Flapping detection for one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flapping {
    /// K: more than this many changes of what subscribers are told (pending, and no_data
    /// the rule does not report, count as ok) ...
    pub max_changes: u32,
    /// ... within the last W evaluations is flapping. The rule settles once it has held
    /// one state for W evaluations.
    pub evaluations: u32,
}

/// A message or action template, checked at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template source, in minijinja syntax.
    pub source: String,
}

/// A validated threshold rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique among rules.
    pub id: String,
    /// The human name; the id when the config gives none.
    pub name: String,
    /// What the rule evaluates.
    pub value: ValueSource,
    /// Shown after values, such as `%` or ` ms`; empty when the config gives none.
    pub unit: String,
    /// At least one of `critical` and `warning` is set.
    pub critical: Option<Condition>,
    /// Never stricter than `critical`: checked at load time.
    pub warning: Option<Condition>,
    /// A firing rule returns to ok only when this holds, if set.
    pub recovery: Option<Condition>,
    /// M of N.
    pub for_clause: ForClause,
    /// How a missing datapoint counts.
    pub missing: MissingData,
    /// Whether entering `no_data` sends a notification.
    pub notify_no_data: bool,
    /// Compare with an older snapshot instead of using the value as is.
    pub change: Option<Change>,
    /// Aggregate the last N values instead of using the latest one.
    pub window: Option<Window>,
    /// The notification text; a default sentence when unset.
    pub message: Option<Template>,
    /// What the reader should do.
    pub action: Option<Template>,
    /// A link to the runbook.
    pub runbook: Option<String>,
    /// Labels, for silences, filter policies and readers.
    pub labels: BTreeMap<String, String>,
    /// How often a rule that stays firing is re-sent; `None` turns reminders off.
    pub renotify_interval: Option<Duration>,
    /// At most this many reminders per incident; `None` means no cap.
    pub renotify_max: Option<u32>,
    /// Flapping detection; `None` turns it off for this rule.
    pub flapping: Option<Flapping>,
}

impl Rule {
    /// The most severe level the rule can reach: what a `breaching` missing datapoint
    /// counts as.
    pub fn most_severe_level(&self) -> Level {
        if self.critical.is_some() {
            Level::Critical
        } else {
            Level::Warning
        }
    }

    /// The condition that defines `level`, if the rule has one.
    pub fn condition_for(&self, level: Level) -> Option<&Condition> {
        match level {
            Level::Critical => self.critical.as_ref(),
            Level::Warning => self.warning.as_ref(),
            Level::Ok => self.recovery.as_ref(),
        }
    }
}

/// Which rules a silence applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceMatcher {
    /// If set, only the rule with this id matches.
    pub rule_id: Option<String>,
    /// Every label here must be on the rule with the same value. Empty matches every rule.
    pub labels: BTreeMap<String, String>,
}

/// A silence: notifications of matching rules are held back until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Silence {
    /// Which rules it covers. At least one of its fields is set.
    pub matcher: SilenceMatcher,
    /// When it starts; `None` means it is in force from the start.
    pub starts_at: Option<DateTime<Utc>>,
    /// When it ends.
    pub until: DateTime<Utc>,
    /// Why, for whoever reads the config or the log.
    pub reason: String,
}

/// Settings of the built-in source-health rule, one per source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceHealth {
    /// The level a failing source fires at.
    pub level: Level,
    /// A source fires after failing M of its last N runs.
    pub for_clause: ForClause,
    /// Reminders for a source that keeps failing; `None` turns them off.
    pub renotify_interval: Option<Duration>,
}

impl Default for SourceHealth {
    fn default() -> SourceHealth {
        SourceHealth {
            level: Level::Warning,
            for_clause: ForClause::default(),
            renotify_interval: Some(Duration::from_secs(6 * 3600)),
        }
    }
}
