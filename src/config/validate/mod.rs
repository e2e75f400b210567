//! Raw config to validated [`Config`], collecting every error of the file.
//!
//! Each section and each list element is deserialized on its own, so that an error in one
//! rule does not hide the errors in the next. The checkers return their best guess even
//! after an error, so that the checks that depend on them still run; the [`Config`] is
//! only handed out when no error was found.

mod headers;
mod lenient;
mod report;
mod rules;
mod settings;
mod silences;
mod sources;
mod templates;
mod thresholds;
mod values;

pub(crate) use values::TEN_YEARS;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use marked_yaml::Node;

use super::raw::{DurationText, RawConfig};
use super::retention::{self, DEFAULT_RETENTION};
use super::yaml::{self, Fields, Pos};
use super::{Config, ConfigErrors};
pub(crate) use report::Report;

/// Parses and validates `text`, read from `path`.
pub fn validate(text: &str, path: &Path) -> Result<Config, ConfigErrors> {
    let mut report = Report::new(path, text);
    let document = match yaml::parse(text) {
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
    check_top_level_keys(root, &mut report);

    let base_dir = path.parent().unwrap_or(Path::new(""));
    let source_items = list(root, "sources", &mut report).unwrap_or_default();
    let sources = sources::check_sources(&source_items, base_dir, &mut report);
    let defaults = settings::check_defaults(root.value("defaults"), &mut report);
    let source_health = settings::check_source_health(root.value("source_health"), &mut report);

    let rule_items = list(root, "rules", &mut report);
    let rules = rules::check_rules(
        rule_items.as_deref().unwrap_or_default(),
        &defaults,
        &mut report,
    );
    if rule_items.as_ref().is_some_and(Vec::is_empty) {
        report.error(
            root.key_pos("rules"),
            "no rules: nothing to evaluate; add at least one rule under `rules`",
        );
    }

    let silence_items = list(root, "silences", &mut report).unwrap_or_default();
    let rule_items = rule_items.unwrap_or_default();
    let known_rules = silences::KnownRules::new(&rule_items, &source_items);
    let silences = silences::check_silences(&silence_items, &known_rules, &mut report);

    let retention = check_retention(root, &rules, &mut report);

    report.finish(Config {
        path: path.to_path_buf(),
        sources,
        rules,
        silences,
        source_health,
        retention,
    })
}

fn check_top_level_keys(root: Fields<'_>, report: &mut Report<'_>) {
    let Some(mapping) = root.node().as_mapping() else {
        return;
    };
    for key in mapping.keys() {
        if RawConfig::FIELDS.contains(&key.as_str()) {
            continue;
        }
        report.error(
            report.scalar_pos(key),
            format!(
                "unknown top-level field `{}`{}",
                key.as_str(),
                yaml::suggest_and_list(key.as_str(), RawConfig::FIELDS)
            ),
        );
    }
}

/// The elements of the list under `key`. Absent or empty means no elements; anything but a
/// list is an error, and `None`.
fn list<'n>(root: Fields<'n>, key: &str, report: &mut Report<'_>) -> Option<Vec<&'n Node>> {
    match root.value(key) {
        None => Some(Vec::new()),
        Some(list @ Node::Sequence(items)) => {
            report_empty_elements(list, items, key, report);
            Some(
                items
                    .iter()
                    .filter(|item| !yaml::is_empty_value(item))
                    .collect(),
            )
        }
        Some(Node::Scalar(scalar)) if scalar.is_empty() && scalar.may_coerce() => Some(Vec::new()),
        Some(other) => {
            report.error(
                yaml::node_pos(other),
                format!("`{key}` must be a list, each element starting with `- `"),
            );
            None
        }
    }
}

/// Reports each lone `-` of a list. The parser marks an empty element at whatever it reads
/// next, so the `-` is found from the text instead.
fn report_empty_elements(list: &Node, items: &[Node], key: &str, report: &mut Report<'_>) {
    if !items.iter().any(yaml::is_empty_value) {
        return;
    }
    let dashes = report.block_entries(yaml::node_pos(list));
    for (index, item) in items.iter().enumerate() {
        if yaml::is_empty_value(item) {
            let pos = dashes
                .get(index)
                .copied()
                .unwrap_or_else(|| yaml::node_pos(item));
            report.error(pos, format!("an empty element in `{key}`; remove this `-`"));
        }
    }
}

/// The configured retention, or the default; never shorter than what `change` rules need.
fn check_retention(root: Fields<'_>, rules: &[super::Rule], report: &mut Report<'_>) -> Duration {
    let needed = retention::needed(rules);
    let Some(node) = root.value("retention") else {
        return needed.max(DEFAULT_RETENTION);
    };
    let pos = yaml::node_pos(node);
    let Some(text) = report.deserialize::<DurationText>(node, "`retention`", "retention.") else {
        return needed.max(DEFAULT_RETENTION);
    };
    let limit = values::Limit {
        max: retention::MAX_RETENTION,
        written: "10y 1d",
    };
    let Some(retention) = values::positive_duration(&text, pos, "retention", limit, report) else {
        return needed.max(DEFAULT_RETENTION);
    };
    if let Some((vs, rule_id)) = retention::longest_change(rules)
        && retention < needed
    {
        report.error(
            pos,
            format!(
                "retention `{}` is shorter than the longest `change.vs` ({}, rule `{rule_id}`) \
                 plus one day; keep at least `{}`",
                text.0,
                values::format_duration(vs),
                values::format_duration(needed)
            ),
        );
    }
    retention
}

/// A required field's value. serde reads them as optional (see the `raw` module), so
/// one that is absent is reported here; one that is present but failed to read has been
/// reported already.
fn required<T>(
    value: Option<T>,
    fields: Fields<'_>,
    key: &str,
    what: &str,
    report: &mut Report<'_>,
) -> Option<T> {
    if value.is_none() && !fields.has(key) {
        report.error(
            fields.pos(),
            format!("{what} is missing the required field `{key}`"),
        );
    }
    value
}

/// Where each id was first seen, to name it when it comes again.
#[derive(Debug, Default)]
struct FirstSeen {
    lines: BTreeMap<String, usize>,
}

impl FirstSeen {
    /// Records `id` at `pos`; the line it was first seen on if it was seen before.
    fn insert(&mut self, id: &str, pos: Pos) -> Option<usize> {
        match self.lines.get(id) {
            Some(line) => Some(*line),
            None => {
                self.lines.insert(id.to_string(), pos.line);
                None
            }
        }
    }
}
