//! What a test feeds the engine: `series` of single metrics, `snapshots` of whole
//! documents, and `source_failures`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use marked_yaml::Node;

use super::fields::{self, StepAt};
use super::{Known, check_unique_steps};
use crate::config::Report;
use crate::config::yaml::{self, Fields, Pos};
use crate::testing::format::{Document, FailureSeries, Series};
use crate::testing::series;

/// The error a failing source reports when the test does not give one.
pub const DEFAULT_FAILURE: &str = "the test makes this source fail";

/// `series`: metric names to one line of step values.
pub fn series(
    test: Fields<'_>,
    known: Option<&Known>,
    report: &mut Report<'_>,
) -> Vec<(Series, Pos)> {
    let Some(node) = test.value("series") else {
        return Vec::new();
    };
    let expected = "`series`: a mapping of metric names to values, as in \
                    `retention.churnRate: 6.2 6.4 _ 3`,";
    let Some(mapping) = fields::mapping(node, expected, report).and_then(|f| f.node().as_mapping())
    else {
        return Vec::new();
    };

    let mut all = Vec::new();
    for (key, value) in mapping.iter() {
        let metric = key.as_str().trim();
        let key_pos = report.scalar_pos(key);
        if let Some(known) = known {
            known.check_metric(metric, key_pos, report);
        }
        let scalar = match value {
            Node::Scalar(_) if yaml::is_empty_value(value) => {
                report.error(
                    key_pos,
                    format!("the series of `{metric}` is empty; write one value per step"),
                );
                continue;
            }
            Node::Scalar(scalar) => scalar,
            other => {
                report.error(
                    yaml::node_pos(other),
                    format!(
                        "the series of `{metric}` must be one line of values such as \
                         `6.2 6.4 _ 3`, not {}",
                        fields::describe(other)
                    ),
                );
                continue;
            }
        };
        match series::metric_values(scalar.as_str()) {
            Ok(values) => all.push((
                Series {
                    metric: metric.to_string(),
                    values,
                },
                key_pos,
            )),
            Err(errors) => {
                for error in errors {
                    report.error(
                        report.pos_in_scalar(scalar, error.offset),
                        format!("the series of `{metric}`: {}", error.message),
                    );
                }
            }
        }
    }
    all
}

/// `source_failures`: source ids to a line of `ok` and `fail`, or to a mapping of those
/// `steps` and the `error` to report.
pub fn failures(
    test: Fields<'_>,
    known: Option<&Known>,
    report: &mut Report<'_>,
) -> Vec<(FailureSeries, Pos)> {
    let Some(node) = test.value("source_failures") else {
        return Vec::new();
    };
    let expected = "`source_failures`: a mapping of source ids to steps, as in \
                    `dashboard: okx2 fail ok`,";
    let Some(mapping) = fields::mapping(node, expected, report).and_then(|f| f.node().as_mapping())
    else {
        return Vec::new();
    };

    let mut all = Vec::new();
    for (key, value) in mapping.iter() {
        let source_id = key.as_str().trim();
        let key_pos = report.scalar_pos(key);
        if let Some(known) = known {
            known.check_source(source_id, key_pos, report);
        }
        let (steps, error) = match value {
            Node::Mapping(_) => {
                let fields = Fields::new(value);
                fields::check_keys(fields, &["steps", "error"], "this source", report);
                let example = "steps: okx2 fail ok";
                let steps = fields::required_text(fields, "steps", "this source", example, report)
                    .and_then(|_| fields.scalar("steps"));
                let error = match fields.value("error") {
                    Some(_) => fields::text(fields, "error", report),
                    None => Some(DEFAULT_FAILURE),
                };
                (steps, error)
            }
            Node::Scalar(_) if yaml::is_empty_value(value) => {
                report.error(
                    key_pos,
                    format!(
                        "the failures of `{source_id}` are empty; write `ok` or `fail` per step"
                    ),
                );
                continue;
            }
            Node::Scalar(scalar) => (Some(scalar), Some(DEFAULT_FAILURE)),
            Node::Sequence(_) => {
                report.error(
                    yaml::node_pos(value),
                    format!(
                        "the failures of `{source_id}` must be one line of steps such as \
                         `okx2 fail ok`, not a list"
                    ),
                );
                continue;
            }
        };
        let Some(steps) = steps else {
            continue;
        };
        match series::failed_steps(steps.as_str()) {
            Ok(failed) => {
                if let Some(error) = error {
                    let failure = FailureSeries {
                        source_id: source_id.to_string(),
                        failed,
                        error: error.to_string(),
                    };
                    all.push((failure, key_pos));
                }
            }
            Err(errors) => {
                for error in errors {
                    report.error(
                        report.pos_in_scalar(steps, error.offset),
                        format!("the failures of `{source_id}`: {}", error.message),
                    );
                }
            }
        }
    }
    all
}

/// `snapshots`: the documents the sources return from a step on, sorted by step.
pub fn documents(
    test: Fields<'_>,
    (start, interval): (DateTime<Utc>, Duration),
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Vec<(Document, StepAt)> {
    let Some(items) = fields::list(test, "snapshots", report) else {
        return Vec::new();
    };
    let mut documents: Vec<(Document, StepAt)> = items
        .iter()
        .filter_map(|item| document(item, start, interval, base_dir, report))
        .collect();
    check_unique_steps(documents.iter().map(|(_, at)| at), "a snapshot", report);
    documents.sort_by_key(|(document, _)| document.from_step);
    documents
}

fn document(
    node: &Node,
    start: DateTime<Utc>,
    interval: Duration,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<(Document, StepAt)> {
    let expected = "a snapshot: a mapping with `at` and `metrics` or `file`";
    let fields = fields::mapping(node, expected, report)?;
    fields::check_keys(
        fields,
        &["at", "step", "metrics", "file"],
        "this snapshot",
        report,
    );
    let at = fields::step_at(fields, start, interval, report);
    let metrics = match (fields.value("metrics"), fields.value("file")) {
        (Some(_), Some(_)) => {
            report.error(
                fields.key_pos("file"),
                "give either `metrics` or `file`, not both",
            );
            None
        }
        (None, None) => {
            report.error(
                fields.pos(),
                "a snapshot needs `metrics`, the document inline, or `file`, a JSON file \
                 beside the test file",
            );
            None
        }
        (Some(metrics), None) => inline_metrics(metrics, fields.key_pos("metrics"), report),
        (None, Some(_)) => file_metrics(fields, base_dir, report),
    };
    let at = at?;
    Some((
        Document {
            from_step: at.step,
            metrics: metrics?,
        },
        at,
    ))
}

/// An inline document, flattened as a source flattens its JSON: nested keys are joined
/// with dots and list elements named by index. Keys may also be dotted names already.
fn inline_metrics(
    node: &Node,
    key_pos: Pos,
    report: &mut Report<'_>,
) -> Option<BTreeMap<String, f64>> {
    if yaml::is_empty_value(node) {
        return Some(BTreeMap::new());
    }
    if node.as_mapping().is_none() {
        report.error(
            yaml::node_pos(node),
            format!(
                "`metrics` must be a mapping such as `{{ retention: {{ churnRate: 6.2 }} }}`, \
                 not {}",
                fields::describe(node)
            ),
        );
        return None;
    }
    let mut flat = Flattener {
        metrics: BTreeMap::new(),
        path: String::new(),
        ok: true,
    };
    flat.walk(node, key_pos, report);
    flat.ok.then_some(flat.metrics)
}

struct Flattener {
    metrics: BTreeMap<String, f64>,
    path: String,
    ok: bool,
}

impl Flattener {
    fn walk(&mut self, node: &Node, key_pos: Pos, report: &mut Report<'_>) {
        match node {
            Node::Mapping(mapping) => {
                for (key, child) in mapping.iter() {
                    let pos = report.scalar_pos(key);
                    self.descend(key.as_str(), child, pos, report);
                }
            }
            Node::Sequence(items) => {
                for (index, child) in items.iter().enumerate() {
                    self.descend(&index.to_string(), child, yaml::node_pos(child), report);
                }
            }
            Node::Scalar(_) if yaml::is_empty_value(node) => {
                self.fail(
                    key_pos,
                    format!(
                        "`{}` has no value; leave a metric out to make it missing",
                        self.path
                    ),
                    report,
                );
            }
            Node::Scalar(scalar) => match series::parse_number(scalar.as_str().trim()) {
                Some(value) => {
                    if self.metrics.insert(self.path.clone(), value).is_some() {
                        let message = format!("the metric `{}` is given twice", self.path);
                        self.fail(key_pos, message, report);
                    }
                }
                None => {
                    let message = format!(
                        "`{}`: `{}` is not a number; sources keep only numbers, so leave the \
                         metric out to make it missing",
                        self.path,
                        scalar.as_str()
                    );
                    self.fail(report.scalar_pos(scalar), message, report);
                }
            },
        }
    }

    fn descend(&mut self, key: &str, child: &Node, key_pos: Pos, report: &mut Report<'_>) {
        let restore = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        self.walk(child, key_pos, report);
        self.path.truncate(restore);
    }

    fn fail(&mut self, pos: Pos, message: String, report: &mut Report<'_>) {
        self.ok = false;
        report.error(pos, message);
    }
}

/// A JSON file beside the test file, read and flattened exactly as a `file` source reads
/// it, so that a file that works in a run (UTF-16, a byte order mark) works in a test too,
/// and one that fails in a run fails here.
fn file_metrics(
    fields: Fields<'_>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<BTreeMap<String, f64>> {
    let name = fields::text(fields, "file", report)?;
    let pos = fields.value_pos("file");
    let path = base_dir.join(name);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => {
            report.error(
                pos,
                format!(
                    "cannot read `{}`: {error}; `file` is relative to the test file's folder",
                    path.display()
                ),
            );
            return None;
        }
    };
    match crate::sources::parse_document(&bytes) {
        Ok(flat) => Some(flat.metrics),
        Err(error) => {
            report.error(
                pos,
                format!("`{}` fails as a source would: {error}", path.display()),
            );
            None
        }
    }
}
