//! The config file as written: plain serde types that mirror the YAML, with no checks
//! beyond the shape. The validator turns them into the types in `types.rs`.
//!
//! To serde every field is optional, the required ones too: a section is read field by
//! field when it has errors, and the validator reports a missing required field itself,
//! so that it still checks the others. The schema marks them required.
//!
//! The doc comments here are user documentation: they become the descriptions of the JSON
//! Schema that `kpiwatch schema` prints for editors.

mod scalars;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

pub use scalars::{
    ConditionText, DurationOrOff, DurationText, ForText, Mapping, RawFlapping, RenotifyMax,
    ScalarText,
};

/// What ids of sources and rules may contain.
pub const ID_PATTERN: &str = "^[A-Za-z0-9_.-]+$";

/// `kpiwatch.yaml`: where metrics come from, the rules that watch them, and the silences
/// that hold their notifications back.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "kpiwatch config")]
#[allow(
    dead_code,
    reason = "the validator reads the top level section by section; this whole-file type \
              gives the schema its shape"
)]
pub struct RawConfig {
    /// Where metrics come from. Each source returns a JSON document; its numeric leaves
    /// become metrics named by their dotted path (`{"a": {"b": 1}}` gives `a.b`).
    #[serde(default)]
    pub sources: Vec<RawSource>,
    /// Settings every rule inherits unless it sets its own.
    pub defaults: Option<RawDefaults>,
    /// The built-in rule that watches each source and fires when it keeps failing.
    pub source_health: Option<RawSourceHealth>,
    /// How long stored snapshots are kept. Default: 30 days, or the longest `change.vs`
    /// of any rule plus one day if that is longer. A shorter value than that is an error,
    /// and so is one longer than `10y 1d`.
    pub retention: Option<DurationText>,
    /// The threshold rules. At least one is required.
    #[serde(default)]
    #[schemars(required, length(min = 1))]
    pub rules: Vec<RawRule>,
    /// Silences: notifications of matching rules are held back until they expire.
    #[serde(default)]
    pub silences: Vec<RawSilence>,
}

impl RawConfig {
    /// The top-level keys, in the order the format documents them. The validator reads the
    /// top level key by key, so that one bad rule does not hide the others; a test checks
    /// that this list matches the struct.
    pub const FIELDS: &[&str] = &[
        "sources",
        "defaults",
        "source_health",
        "retention",
        "rules",
        "silences",
    ];
}

/// A metric source: exactly one of `file` or `http`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a source: a mapping with `id` and one of `file` or `http`"
)]
#[schemars(extend("oneOf" = [{ "required": ["file"] }, { "required": ["http"] }]))]
#[schemars(rename = "Source")]
pub struct RawSource {
    /// Unique among sources: ASCII letters, digits, `_`, `.` and `-`. Names the source in logs
    /// and in its source-health alert.
    #[schemars(with = "String", pattern(ID_PATTERN))]
    pub id: Option<String>,
    /// Read a JSON file at every run.
    pub file: Option<Mapping<RawFileSource>>,
    /// Fetch a JSON document with an HTTP GET at every run.
    pub http: Option<Mapping<RawHttpSource>>,
}

/// A JSON file source.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping such as `{ path: metrics.json }`"
)]
#[schemars(rename = "FileSource")]
pub struct RawFileSource {
    /// The file's path: absolute, or relative to the folder of the config file.
    #[schemars(with = "String", length(min = 1))]
    pub path: Option<String>,
}

/// An HTTP source.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping such as `{ url: https://example.com/kpis }`"
)]
#[schemars(rename = "HttpSource")]
pub struct RawHttpSource {
    /// An `http` or `https` URL.
    #[schemars(with = "String", extend("format" = "uri"))]
    pub url: Option<String>,
    /// How long the whole request may take, connection included. Default `10s`; more than
    /// zero and at most `5m`.
    pub timeout: Option<DurationText>,
    /// Request headers. A value may instead name a secret, read at run time so that it
    /// stays out of the file: `env:NAME` reads the environment variable `NAME`;
    /// `secret:NAME_OR_ARN` the `SecretString` of an AWS Secrets Manager secret, and
    /// `secret:NAME_OR_ARN#key` one key of a JSON secret; `ssm:/path/name` an SSM Parameter
    /// Store parameter, decrypted when it is a `SecureString`. Secrets and parameters are
    /// cached for five minutes, so a rotation is picked up within that time.
    #[serde(default)]
    pub headers: BTreeMap<String, ScalarText>,
}

/// How a missing datapoint counts, as in CloudWatch alarms.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Missing")]
pub enum RawMissing {
    /// A missing datapoint keeps its place among the last N but does not count; a window
    /// with no data at all gives `no_data`.
    Missing,
    /// A missing datapoint counts as breaching the rule's most severe condition.
    Breaching,
    /// A missing datapoint counts as ok.
    NotBreaching,
    /// A run without a value leaves the state as it is and takes no place among the last
    /// N: M of N and windows look at the runs that had a value.
    Ignore,
}

/// Flapping detection: more than `changes` changes of what subscribers are told (pending
/// and unreported no_data count as ok) within the last `evaluations` evaluations sends one
/// flapping notice, then quiet until the rule holds one state for `evaluations`
/// evaluations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping such as `{ changes: 4, evaluations: 10 }`"
)]
#[schemars(rename = "FlappingSettings")]
pub struct RawFlappingSettings {
    /// K: more than this many state changes is flapping. Default 4; at least 1 and less
    /// than `evaluations`.
    #[schemars(range(min = 1))]
    pub changes: Option<u32>,
    /// W: how many recent evaluations are looked at. Default 10; at most 100.
    #[schemars(range(min = 2, max = 100))]
    pub evaluations: Option<u32>,
}

/// Settings every rule inherits unless it sets its own.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping of rule settings such as `{ renotify: 6h }`"
)]
#[schemars(rename = "Defaults")]
pub struct RawDefaults {
    /// How often a rule that stays firing is notified again, or `off`. Default `6h`.
    pub renotify: Option<DurationOrOff>,
    /// At most this many reminders per incident, or `off` for no cap. Default `off`.
    pub renotify_max: Option<RenotifyMax>,
    /// How a missing datapoint counts. Default `missing`.
    pub missing: Option<RawMissing>,
    /// Whether a rule going to `no_data` sends a notification. Default `false`.
    pub notify_no_data: Option<bool>,
    /// `M of N`: fire when M of the last N datapoints breach. Default `1 of 1`.
    #[serde(rename = "for")]
    pub for_clause: Option<ForText>,
    /// Flapping detection, or `off`. Default `{ changes: 4, evaluations: 10 }`.
    pub flapping: Option<RawFlapping>,
}

/// The level a failing source fires at.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Level")]
pub enum RawLevel {
    /// Fire at the warning level.
    Warning,
    /// Fire at the critical level.
    Critical,
}

/// The built-in source-health rule, one per source: it fires when the source fails to
/// deliver metrics and resolves when it recovers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping such as `{ level: warning, for: 2 of 3 }`"
)]
#[schemars(rename = "SourceHealth")]
pub struct RawSourceHealth {
    /// The level a failing source fires at. Default `warning`.
    pub level: Option<RawLevel>,
    /// Fire when the source failed M of its last N runs. Default `1 of 1`.
    #[serde(rename = "for")]
    pub for_clause: Option<ForText>,
    /// How often a source that keeps failing is notified again, or `off`. Default `6h`.
    pub renotify: Option<DurationOrOff>,
}

/// A threshold rule. It takes its value from exactly one of `metric` and `expr`, and has
/// at least one of `critical` and `warning`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a rule: a mapping with `id`, `metric` or `expr`, and `critical` or `warning`"
)]
#[schemars(extend(
    "oneOf" = [{ "required": ["metric"] }, { "required": ["expr"] }],
    "anyOf" = [{ "required": ["critical"] }, { "required": ["warning"] }],
))]
#[schemars(rename = "Rule")]
pub struct RawRule {
    /// Unique among rules: ASCII letters, digits, `_`, `.` and `-`, not starting with
    /// `source-health`, which the built-in source rules use.
    #[schemars(with = "String", pattern(ID_PATTERN), length(max = 128))]
    pub id: Option<String>,
    /// The name people read in notifications, at most 256 characters. Default: the id.
    #[schemars(length(max = 256))]
    pub name: Option<String>,
    /// The metric to watch, by its dotted name, such as `retention.churnRate`.
    #[schemars(length(min = 1))]
    pub metric: Option<String>,
    /// An arithmetic expression over metrics: `+ - * /`, parentheses and numbers, such as
    /// `acquisition.ltv / acquisition.cac`. A name with other characters than letters,
    /// digits, `_` and `.` is written between backticks. Division by zero gives a missing
    /// value.
    pub expr: Option<String>,
    /// Shown after values, such as `%` or ` ms`; at most 32 characters.
    #[schemars(length(max = 32))]
    pub unit: Option<String>,
    /// The critical condition, such as `> 5`.
    pub critical: Option<ConditionText>,
    /// The warning condition, such as `> 4`. It must be less strict than `critical`.
    pub warning: Option<ConditionText>,
    /// A firing rule returns to ok only when this holds, such as `< 3.5`: hysteresis. It
    /// must not overlap the firing range of `critical` or `warning`.
    pub recovery: Option<ConditionText>,
    /// `M of N`: fire at a level when at least M of the last N datapoints are at that level
    /// or worse. Default from `defaults`, else `1 of 1`.
    #[serde(rename = "for")]
    pub for_clause: Option<ForText>,
    /// How a missing datapoint counts. Default from `defaults`, else `missing`.
    pub missing: Option<RawMissing>,
    /// Whether going to `no_data` sends a notification. Default from `defaults`, else
    /// `false`.
    pub notify_no_data: Option<bool>,
    /// Compare with an older snapshot: the value becomes the change since then. Cannot be
    /// combined with `window`.
    pub change: Option<Mapping<RawChange>>,
    /// Aggregate the last N values instead of using the latest one. Cannot be combined with
    /// `change`.
    pub window: Option<Mapping<RawWindow>>,
    /// The notification text, a minijinja template such as `Churn is {{ value }}{{ unit }}`.
    /// Variables: value, unit, condition, threshold, previous_value, change, name, id,
    /// labels, level, kind, at.
    pub message: Option<String>,
    /// What the reader should do; a template with the same variables as `message`.
    pub action: Option<String>,
    /// A link to the runbook: an `http` or `https` URL, at most 2048 characters.
    #[schemars(extend("format" = "uri"), length(max = 2048))]
    pub runbook: Option<String>,
    /// Labels, for silences, notification filters and readers. Keys are ASCII letters, digits,
    /// `_`, `.` and `-`.
    #[serde(default)]
    pub labels: BTreeMap<String, ScalarText>,
    /// How often a rule that stays firing is notified again, or `off`. Default from
    /// `defaults`, else `6h`.
    pub renotify: Option<DurationOrOff>,
    /// At most this many reminders per incident, or `off` for no cap. Default from
    /// `defaults`, else `off`.
    pub renotify_max: Option<RenotifyMax>,
    /// Flapping detection, or `off`. Default from `defaults`, else
    /// `{ changes: 4, evaluations: 10 }`.
    pub flapping: Option<RawFlapping>,
}

/// Whether a change is absolute or a percentage of the older value.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ChangeMode")]
pub enum RawChangeMode {
    /// `(current - older) / |older| * 100`; missing when the older value is zero.
    Percent,
    /// `current - older`.
    Absolute,
}

/// `change`: the rule's value becomes the difference between the current value and the
/// one in the stored snapshot nearest at or before `vs` ago, if that snapshot is no older
/// than `2 × vs`. Without such a snapshot the value is missing, and `missing` applies.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping such as `{ vs: 30d, as: percent }`"
)]
#[schemars(rename = "Change")]
pub struct RawChange {
    /// How far back to compare, such as `1d` or `30d`; at most 10 years.
    #[schemars(with = "DurationText")]
    pub vs: Option<DurationText>,
    /// `percent` or `absolute`.
    #[serde(rename = "as")]
    #[schemars(with = "RawChangeMode")]
    pub mode: Option<RawChangeMode>,
}

/// `window`: the rule's value is an aggregate of its last N values, this run's included.
/// Exactly one of `avg`, `min`, `max` and `sum`, with N from 1 to 100.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping such as `{ avg: 3 }`")]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
#[schemars(rename = "Window")]
pub struct RawWindow {
    /// The mean of the last N values.
    #[schemars(range(min = 1, max = 100))]
    pub avg: Option<u32>,
    /// The smallest of the last N values.
    #[schemars(range(min = 1, max = 100))]
    pub min: Option<u32>,
    /// The largest of the last N values.
    #[schemars(range(min = 1, max = 100))]
    pub max: Option<u32>,
    /// The sum of the last N values.
    #[schemars(range(min = 1, max = 100))]
    pub sum: Option<u32>,
}

/// Which rules a silence covers: `rule`, `labels`, or both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping such as `{ rule: churn-rate }` or `{ labels: { team: growth } }`"
)]
#[schemars(extend("minProperties" = 1))]
#[schemars(rename = "SilenceMatch")]
pub struct RawSilenceMatch {
    /// The id of one rule, or `source-health:<source id>` for a source's health rule.
    pub rule: Option<String>,
    /// Labels a rule must all carry, with these values.
    pub labels: Option<BTreeMap<String, ScalarText>>,
}

/// A silence: notifications of matching rules are held back from `starts` until `until`.
/// Rules are still evaluated, so an alert still firing when the silence ends is notified
/// then, and a resolve is always sent.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a silence: a mapping with `match`, `until` and `reason`"
)]
#[schemars(rename = "Silence")]
pub struct RawSilence {
    /// Which rules it covers.
    #[serde(rename = "match")]
    #[schemars(with = "RawSilenceMatch")]
    pub matcher: Option<Mapping<RawSilenceMatch>>,
    /// When it starts, as an RFC 3339 time such as `2026-12-20T00:00:00Z`. Default: in
    /// force from the start.
    #[schemars(extend("format" = "date-time"))]
    pub starts: Option<String>,
    /// When it ends, as an RFC 3339 time; after `starts`.
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub until: Option<String>,
    /// Why, for whoever reads the config or the log. Must not be empty.
    #[schemars(with = "String", length(min = 1))]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema describes `RawConfig`, while the validator reads the sections one by one;
    /// a full config must read both ways alike.
    #[test]
    fn the_whole_file_type_reads_a_full_config() {
        let text = include_str!("../../../tests/fixtures/config/valid/full.yaml");
        let options = marked_yaml::LoaderOptions::default().prevent_coercion(true);
        let node = marked_yaml::parse_yaml_with_options(0, text, options).unwrap();
        let raw: RawConfig = marked_yaml::from_node(&node).unwrap();
        assert_eq!(raw.sources.len(), 2);
        assert_eq!(raw.rules.len(), 3);
        assert_eq!(raw.silences.len(), 3);
        assert!(raw.defaults.is_some() && raw.source_health.is_some());
        assert_eq!(raw.retention, Some(DurationText("45d".to_string())));
    }
}
