//! Test-file text to a validated [`TestFile`], with every error of the file and its
//! position, as the config reports its own.
//!
//! The file is read node by node rather than through serde structs, so that one unknown
//! field does not hide the errors around it. Every rule id, source id and metric name is
//! checked against the config the file names; when that config is itself invalid, its
//! errors are reported too and those checks are left out.

mod expect;
mod fields;
mod inputs;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use marked_yaml::Node;

use super::format::{
    DEFAULT_INTERVAL, Document, Expectation, FailureSeries, Series, TestCase, TestFile,
    default_start,
};
use crate::config::yaml::{self, Fields, FileKind, Pos, closest};
use crate::config::{Config, ConfigErrors, Report, ValueSource};
use crate::engine::source_health_rule_id;
use fields::StepAt;

const TEST_FILE: FileKind = FileKind {
    name: "a test file",
    keys: "`config` and `tests`",
    instead_of_anchors: "repeat the value",
};

/// The top-level keys.
const FILE_FIELDS: &[&str] = &["config", "start", "interval", "tests"];

/// The keys of one test.
const TEST_FIELDS: &[&str] = &[
    "name",
    "start",
    "interval",
    "rules",
    "series",
    "snapshots",
    "source_failures",
    "expect",
];

/// Validates test-file `text`, read from `path`, and the config it names, which is read
/// from disk relative to `path`'s folder.
pub fn parse(text: &str, path: &Path) -> Result<TestFile, ConfigErrors> {
    let mut report = Report::new(path, text);
    let document = match yaml::parse_file(text, TEST_FILE) {
        Ok(document) => document,
        Err(diagnostic) => {
            report.push(diagnostic);
            return Err(report.into_errors());
        }
    };
    for diagnostic in document.diagnostics {
        report.push(diagnostic);
    }
    let root = Fields::new(&document.root);
    fields::check_keys(root, FILE_FIELDS, "the test file", &mut report);

    let base_dir = path.parent().unwrap_or(Path::new(""));
    let (config, config_errors) = match load_config(root, base_dir, &mut report) {
        Some(Ok(config)) => (Some(config), None),
        Some(Err(errors)) => (None, Some(errors)),
        None => (None, None),
    };
    let known = config.as_ref().map(Known::of);
    let settings = Settings {
        start: optional(root, "start", fields::time, &mut report).unwrap_or_else(default_start),
        interval: optional(root, "interval", fields::interval, &mut report)
            .unwrap_or(DEFAULT_INTERVAL),
        base_dir,
        known: known.as_ref(),
    };
    let tests = tests(root, &settings, &mut report);

    let tests = report.finish(tests);
    match (tests, config, config_errors) {
        (Ok(tests), Some(config), None) => Ok(TestFile {
            path: path.to_path_buf(),
            config,
            tests,
        }),
        (tests, _, config_errors) => {
            let mut errors = tests.err().map(|e| e.errors).unwrap_or_default();
            errors.extend(config_errors.into_iter().flat_map(|e| e.errors));
            Err(ConfigErrors { errors })
        }
    }
}

/// The config named by `config`: `None` when it cannot be read, or its errors.
fn load_config(
    root: Fields<'_>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<Result<Config, ConfigErrors>> {
    let example = "config: kpiwatch.yaml";
    let name = fields::required_text(root, "config", "the test file", example, report)?;
    let pos = root.value_pos("config");
    let path = base_dir.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            report.error(
                pos,
                format!(
                    "cannot read the config `{}`: {error}; `config` is relative to the test \
                     file's folder",
                    path.display()
                ),
            );
            return None;
        }
    };
    let loaded = crate::config::parse(&text, &path);
    if let Err(errors) = &loaded {
        let count = errors.errors.len();
        report.error(
            pos,
            format!(
                "the config `{}` is invalid ({count} error{}, listed below); fix it, then run \
                 the tests again",
                path.display(),
                if count == 1 { "" } else { "s" }
            ),
        );
    }
    Some(loaded)
}

/// What the tests of one file share.
struct Settings<'a> {
    /// When tests start, unless they say.
    start: DateTime<Utc>,
    /// The time between steps, unless a test says.
    interval: Duration,
    /// The test file's folder, against which `file` snapshots resolve.
    base_dir: &'a Path,
    /// The ids and metrics of the config; `None` when it is invalid.
    known: Option<&'a Known>,
}

/// The names a test file may refer to, from its config.
pub(super) struct Known {
    /// Rule ids, then the source-health rule ids.
    rule_ids: Vec<String>,
    /// Source ids.
    source_ids: Vec<String>,
    /// The metrics some rule reads.
    metrics: BTreeSet<String>,
}

impl Known {
    fn of(config: &Config) -> Known {
        let mut rule_ids: Vec<String> = config.rules.iter().map(|r| r.id.clone()).collect();
        rule_ids.extend(config.sources.iter().map(|s| source_health_rule_id(&s.id)));
        let metrics = config
            .rules
            .iter()
            .flat_map(|rule| match &rule.value {
                ValueSource::Metric(name) => vec![name.clone()],
                ValueSource::Expr(expr) => expr.metrics().into_iter().map(String::from).collect(),
            })
            .collect();
        Known {
            rule_ids,
            source_ids: config.sources.iter().map(|s| s.id.clone()).collect(),
            metrics,
        }
    }

    /// Checks that `id` is a rule of the config.
    pub(super) fn check_rule(&self, id: &str, pos: Pos, report: &mut Report<'_>) {
        if self.rule_ids.iter().any(|known| known == id) {
            return;
        }
        report.error(
            pos,
            format!(
                "`{id}` is not a rule of the config{}; the rules are {}",
                suggestion(id, &self.rule_ids),
                listing(&self.rule_ids)
            ),
        );
    }

    /// Checks that `id` is a source of the config.
    pub(super) fn check_source(&self, id: &str, pos: Pos, report: &mut Report<'_>) {
        if self.source_ids.iter().any(|known| known == id) {
            return;
        }
        let sources = if self.source_ids.is_empty() {
            "the config has no sources".to_string()
        } else {
            format!("the sources are {}", listing(&self.source_ids))
        };
        report.error(
            pos,
            format!(
                "`{id}` is not a source of the config{}; {sources}",
                suggestion(id, &self.source_ids)
            ),
        );
    }

    /// Checks that some rule reads `metric`: a series nothing reads changes nothing, and
    /// is most often a misspelt name.
    pub(super) fn check_metric(&self, metric: &str, pos: Pos, report: &mut Report<'_>) {
        if self.metrics.contains(metric) {
            return;
        }
        let names: Vec<String> = self.metrics.iter().cloned().collect();
        report.error(
            pos,
            format!(
                "no rule of the config reads the metric `{metric}`{}, so its series would \
                 change nothing",
                suggestion(metric, &names)
            ),
        );
    }
}

fn suggestion(name: &str, known: &[String]) -> String {
    let candidates: Vec<&str> = known.iter().map(String::as_str).collect();
    closest(name, &candidates)
        .map(|close| format!(" (did you mean `{close}`?)"))
        .unwrap_or_default()
}

fn listing(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads `key` with `read` when it is present.
fn optional<'n, T>(
    fields: Fields<'n>,
    key: &str,
    read: impl FnOnce(Fields<'n>, &str, &mut Report<'_>) -> Option<T>,
    report: &mut Report<'_>,
) -> Option<T> {
    fields.value(key)?;
    read(fields, key, report)
}

fn tests(root: Fields<'_>, settings: &Settings<'_>, report: &mut Report<'_>) -> Vec<TestCase> {
    if root.value("tests").is_none() {
        report.error(
            root.pos(),
            "the test file is missing the required field `tests`, the list of tests",
        );
        return Vec::new();
    }
    let Some(items) = fields::list(root, "tests", report) else {
        return Vec::new();
    };
    if items.is_empty() {
        report.error(
            root.key_pos("tests"),
            "`tests` is empty; add at least one test",
        );
    }
    let mut names = BTreeMap::new();
    items
        .iter()
        .filter_map(|item| test(item, settings, &mut names, report))
        .collect()
}

/// One test. Every part is checked even when an earlier one failed, so that all of its
/// errors are found at once.
fn test(
    node: &Node,
    settings: &Settings<'_>,
    names: &mut BTreeMap<String, usize>,
    report: &mut Report<'_>,
) -> Option<TestCase> {
    let what = "a test: a mapping with `name`, inputs such as `series`, and `expect`";
    let fields = fields::mapping(node, what, report)?;
    fields::check_keys(fields, TEST_FIELDS, "this test", report);
    let line = fields.pos().line;

    let example = "name: churn fires after 2 of 3";
    let name = fields::required_text(fields, "name", "this test", example, report);
    if let Some(name) = name
        && let Some(&first) = names.get(name)
    {
        report.error(
            fields.value_pos("name"),
            format!(
                "another test, on line {first}, is already named `{name}`; names must be \
                 unique so that the report can tell the tests apart"
            ),
        );
    } else if let Some(name) = name {
        names.insert(name.to_string(), line);
    }
    let start = match fields.value("start") {
        Some(_) => fields::time(fields, "start", report),
        None => Some(settings.start),
    };
    let interval = match fields.value("interval") {
        Some(_) => fields::interval(fields, "interval", report),
        None => Some(settings.interval),
    };
    // Steps are still placed with the file's settings when the test's own are wrong, so
    // that the errors of its entries are found too.
    let placing = (
        start.unwrap_or(settings.start),
        interval.unwrap_or(settings.interval),
    );

    let known = settings.known;
    let rules = expect::watched_rules(fields, known, report);
    let series = inputs::series(fields, known, report);
    let failures = inputs::failures(fields, known, report);
    let documents = inputs::documents(fields, placing, settings.base_dir, report);
    let expectations = expect::expectations(fields, placing, known, rules.as_ref(), report);
    let steps = step_count(&series, &failures, &documents, &expectations, report);

    Some(TestCase {
        name: name?.to_string(),
        line,
        start: start?,
        interval: interval?,
        steps,
        rules,
        documents: documents
            .into_iter()
            .map(|(document, _)| document)
            .collect(),
        series: series.into_iter().map(|(series, _)| series).collect(),
        failures: failures.into_iter().map(|(failure, _)| failure).collect(),
        expectations: expectations
            .into_iter()
            .map(|(expectation, _)| expectation)
            .collect(),
    })
}

/// The number of steps: the length of the series, which must all agree, or else the last
/// step a snapshot or an expectation is about. Entries past the series are errors.
fn step_count(
    series: &[(Series, Pos)],
    failures: &[(FailureSeries, Pos)],
    documents: &[(Document, StepAt)],
    expectations: &[(Expectation, StepAt)],
    report: &mut Report<'_>,
) -> usize {
    let lengths = series
        .iter()
        .map(|(s, pos)| {
            (
                format!("the series of `{}`", s.metric),
                s.values.len(),
                *pos,
            )
        })
        .chain(failures.iter().map(|(f, pos)| {
            (
                format!("the failures of source `{}`", f.source_id),
                f.failed.len(),
                *pos,
            )
        }));
    let mut first: Option<(String, usize, Pos)> = None;
    for (name, len, pos) in lengths {
        match &first {
            None => first = Some((name, len, pos)),
            Some((first_name, first_len, first_pos)) if *first_len != len => report.error(
                pos,
                format!(
                    "{name} has {len} step{}, but {first_name} (line {}) has {first_len}; \
                     every series of a test has one value per step",
                    plural(len),
                    first_pos.line
                ),
            ),
            Some(_) => {}
        }
    }

    let entries = documents
        .iter()
        .map(|(_, at)| (*at, "snapshot"))
        .chain(expectations.iter().map(|(_, at)| (*at, "expectation")));
    let Some((_, len, _)) = first else {
        return entries.map(|(at, _)| at.step + 1).max().unwrap_or(1);
    };
    for (at, what) in entries {
        if at.step >= len {
            report.error(
                at.pos,
                format!(
                    "this {what} is about step {}, past the end of the test: its series have \
                     {len} step{} (0 to {})",
                    at.step,
                    plural(len),
                    len - 1
                ),
            );
        }
    }
    len
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Reports the entries about a step that an earlier entry is already about.
fn check_unique_steps<'e>(
    entries: impl Iterator<Item = &'e StepAt>,
    what: &str,
    report: &mut Report<'_>,
) {
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    for at in entries {
        if let Some(&line) = seen.get(&at.step) {
            report.error(
                at.pos,
                format!(
                    "step {} already has {what}, on line {line}; merge the two",
                    at.step
                ),
            );
        } else {
            seen.insert(at.step, at.pos.line);
        }
    }
}
