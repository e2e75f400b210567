//! A validated rule-test file: what the runner reads. Every value here has been checked
//! against the file's config, so the runner checks nothing again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use crate::config::Config;
use crate::model::{AlertState, Level, NotificationKind};

/// When a test starts if neither it nor its file says: a fixed instant, so that a test
/// never depends on the day it runs, and a Monday at midnight, so that days and weeks read
/// naturally.
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// The time between two evaluations if neither the test nor its file says: a common
/// schedule for the Lambda.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);

/// A rule-test file and the config it tests.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The file, as the caller named it.
    pub path: PathBuf,
    /// The config under test, loaded and validated.
    pub config: Config,
    /// The tests, in file order. Names are unique.
    pub tests: Vec<TestCase>,
}

/// One test: inputs for each evaluation step, and what is expected at some of them.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// Unique in the file; what the report calls the test.
    pub name: String,
    /// The line where the test starts in the file.
    pub line: usize,
    /// The evaluation time T of step 0.
    pub start: DateTime<Utc>,
    /// The time between two steps.
    pub interval: Duration,
    /// How many evaluations the test runs. At least one.
    pub steps: usize,
    /// The rules whose notifications the expectations cover: `None` for all of them.
    pub rules: Option<BTreeSet<String>>,
    /// Documents the sources return, from a step on, until the next one. Sorted by step,
    /// with at most one per step.
    pub documents: Vec<Document>,
    /// One value per step for single metrics, laid over the documents.
    pub series: Vec<Series>,
    /// Sources that fail at some steps.
    pub failures: Vec<FailureSeries>,
    /// What must come out, at some steps. Sorted by step, at most one per step.
    pub expectations: Vec<Expectation>,
}

impl TestCase {
    /// The evaluation time of `step`.
    ///
    /// The parser keeps the interval within a year and the steps within
    /// [`MAX_STEPS`](super::series::MAX_STEPS), so the last step of the longest test is
    /// thousands of years inside what a timestamp holds; the start stands in should that
    /// ever not be so, rather than a panic.
    pub fn time_of(&self, step: usize) -> DateTime<Utc> {
        chrono::Duration::from_std(self.offset_of(step))
            .ok()
            .and_then(|offset| self.start.checked_add_signed(offset))
            .unwrap_or(self.start)
    }

    /// How long after the start `step` is evaluated.
    pub fn offset_of(&self, step: usize) -> Duration {
        u32::try_from(step)
            .ok()
            .and_then(|step| self.interval.checked_mul(step))
            .unwrap_or(Duration::MAX)
    }

    /// Whether the test checks the notifications of the rule with this id.
    pub fn watches(&self, rule_id: &str) -> bool {
        self.rules.as_ref().is_none_or(|ids| ids.contains(rule_id))
    }
}

/// The flattened metrics of a document, as a source returns them from `from_step` on.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The first step it is returned at.
    pub from_step: usize,
    /// Flattened names and values, as a source would produce them.
    pub metrics: BTreeMap<String, f64>,
}

/// One metric's value at every step.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The flattened metric name.
    pub metric: String,
    /// One per step; `None` makes the metric missing at that step, even when a document has
    /// it.
    pub values: Vec<Option<f64>>,
}

/// Whether one source fails at each step.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureSeries {
    /// The source's id in the config.
    pub source_id: String,
    /// One per step: `true` where the source fails.
    pub failed: Vec<bool>,
    /// The error the failure reports, as a source-health notification names it.
    pub error: String,
}

/// What must come out of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The step, from 0.
    pub step: usize,
    /// Where the expectation is in the file.
    pub line: usize,
    /// Exactly these notifications of the watched rules, in any order; `None` leaves them
    /// unchecked at this step.
    pub notifications: Option<Vec<ExpectedNotification>>,
    /// The state each of these rules must be in after the step.
    pub states: BTreeMap<String, AlertState>,
}

/// A notification as a test describes it: the fields it leaves out match anything.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedNotification {
    /// The rule id, or `source-health:<source id>`.
    pub rule: String,
    /// The kind.
    pub kind: NotificationKind,
    /// The level, when the test gives one.
    pub level: Option<Level>,
    /// The value, when the test gives one.
    pub value: Option<ExpectedValue>,
    /// The rendered message, exactly.
    pub message: Option<String>,
    /// The rendered action, exactly.
    pub action: Option<String>,
    /// The condition as notifications write it, such as `> 5`.
    pub condition: Option<String>,
}

/// The value a notification must carry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExpectedValue {
    /// The value is missing (`_`).
    Missing,
    /// The value is this number, to nine significant digits.
    Is(f64),
}
