//! `silences`: which rules they cover, and when.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use marked_yaml::Node;

use super::report::Report;
use super::required;
use super::rules::{SOURCE_HEALTH_PREFIX, check_label_names, label_values};
use crate::config::raw::{RawSilence, RawSilenceMatch};
use crate::config::yaml::{Fields, Pos, closest};
use crate::config::{Silence, SilenceMatcher};

/// The rules a silence may match: those in the file, and one source-health rule per
/// source, by id and labels. Read from the file's nodes, so that a rule with an error
/// elsewhere still counts.
#[derive(Debug, Default)]
pub struct KnownRules {
    ids: BTreeSet<String>,
    /// The id, if it has one, and the labels of each rule.
    labels: Vec<(Option<String>, BTreeMap<String, String>)>,
}

impl KnownRules {
    /// The rules of `rules`, and the health rules of `sources`.
    pub fn new(rules: &[&Node], sources: &[&Node]) -> KnownRules {
        let id_of = |node: &&Node| Fields::new(node).scalar("id").map(|id| id.to_string());
        let rule_labels = rules.iter().map(|node| (id_of(node), labels_of(node)));
        // The engine gives each source-health rule the label `source`.
        let health_labels = sources.iter().filter_map(id_of).map(|id| {
            let labels = BTreeMap::from([("source".to_string(), id.clone())]);
            (Some(format!("{SOURCE_HEALTH_PREFIX}:{id}")), labels)
        });
        let labels: Vec<_> = rule_labels.chain(health_labels).collect();
        KnownRules {
            ids: labels.iter().filter_map(|(id, _)| id.clone()).collect(),
            labels,
        }
    }

    fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    fn closest(&self, id: &str) -> Option<&str> {
        let ids: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        closest(id, &ids)
    }

    /// Does some rule, the one with id `rule_id` if given, carry all of `wanted`?
    fn any_carries(&self, rule_id: Option<&str>, wanted: &BTreeMap<String, String>) -> bool {
        self.labels.iter().any(|(id, labels)| {
            rule_id.is_none_or(|rule_id| id.as_deref() == Some(rule_id))
                && wanted
                    .iter()
                    .all(|(name, value)| labels.get(name) == Some(value))
        })
    }
}

/// The labels of a rule node whose values are plain values, as the text written.
fn labels_of(node: &Node) -> BTreeMap<String, String> {
    let Some(labels) = Fields::new(node).value("labels").and_then(Node::as_mapping) else {
        return BTreeMap::new();
    };
    labels
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.as_scalar()?.to_string())))
        .collect()
}

/// Checks every silence.
pub fn check_silences(
    items: &[&Node],
    known: &KnownRules,
    report: &mut Report<'_>,
) -> Vec<Silence> {
    items
        .iter()
        .filter_map(|node| {
            let raw = report.read::<RawSilence>(node, "this silence", "")?;
            check_silence(raw, Fields::new(node), known, report)
        })
        .collect()
}

/// Every part is checked even when another has an error, so that all are found at once.
fn check_silence(
    raw: RawSilence,
    fields: Fields<'_>,
    known: &KnownRules,
    report: &mut Report<'_>,
) -> Option<Silence> {
    let what = "this silence";
    let matcher = required(raw.matcher.as_ref(), fields, "match", what, report)
        .and_then(|matcher| check_matcher(matcher, fields.present("match"), known, report));
    let starts_at = raw
        .starts
        .as_deref()
        .map(|text| time(text, fields.value_pos("starts"), "starts", report));
    let until_text = required(raw.until.as_deref(), fields, "until", what, report);
    let until = until_text.and_then(|text| time(text, fields.value_pos("until"), "until", report));
    if let (Some(Some(starts_at)), Some(until)) = (starts_at, until)
        && until <= starts_at
    {
        report.error(
            fields.value_pos("until"),
            format!(
                "`until` ({}) must be after `starts` ({})",
                until_text.unwrap_or_default().trim(),
                raw.starts.as_deref().unwrap_or_default().trim()
            ),
        );
    }
    let reason = required(raw.reason.as_deref(), fields, "reason", what, report);
    if reason.is_some_and(|reason| reason.trim().is_empty()) {
        report.error(
            fields.value_pos("reason"),
            "`reason` is empty; say why the rules are silenced",
        );
    }
    let starts_at = match starts_at {
        Some(time) => Some(time?),
        None => None,
    };
    Some(Silence {
        matcher: matcher?,
        starts_at,
        until: until?,
        reason: reason?.trim().to_string(),
    })
}

fn check_matcher(
    raw: &RawSilenceMatch,
    fields: Fields<'_>,
    known: &KnownRules,
    report: &mut Report<'_>,
) -> Option<SilenceMatcher> {
    let rule_id = raw.rule.as_deref().map(str::trim);
    let labels = raw.labels.as_ref().map(label_values).unwrap_or_default();
    check_label_names(fields.nested("labels"), report);

    // What is written is read from the file, since a field that failed to read is absent
    // from `raw`, and a misspelt one has its own error. `labels: {}` matches every rule.
    let labels_written = match fields.value("labels") {
        Some(labels) => labels.as_mapping().is_none_or(|labels| !labels.is_empty()),
        None => fields.written("labels"),
    };
    if !fields.written("rule") && !labels_written {
        report.error(
            fields.pos(),
            "a silence must match a `rule` or at least one label, such as \
             `match: { rule: churn-rate }`",
        );
        return None;
    }
    if let Some(id) = rule_id
        && !known.contains(id)
    {
        let suggestion = known
            .closest(id)
            .map(|close| format!(" (did you mean `{close}`?)"))
            .unwrap_or_default();
        report.error(
            fields.value_pos("rule"),
            format!(
                "the silence matches rule `{id}`, which is not defined{suggestion}; name a rule \
                 id, or `{SOURCE_HEALTH_PREFIX}:<source id>`"
            ),
        );
    } else if !labels.is_empty() && !known.any_carries(rule_id, &labels) {
        report.error(
            fields.value_pos("labels"),
            format!(
                "the silence matches {}, which no {}; silences match rules by their `labels`, \
                 and each source-health rule carries the label `source` with its source id",
                describe_labels(&labels),
                match rule_id {
                    Some(id) => format!("rule `{id}` carries"),
                    None => "rule carries".to_string(),
                }
            ),
        );
    }
    Some(SilenceMatcher {
        rule_id: rule_id.map(str::to_string),
        labels,
    })
}

/// `the label `team: growth``, or `the labels `team: growth` and `tier: 1``.
fn describe_labels(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|(name, value)| format!("`{name}: {value}`"))
        .collect();
    match pairs.as_slice() {
        [one] => format!("the label {one}"),
        [init @ .., last] => format!("the labels {} and {last}", init.join(", ")),
        [] => "no label".to_string(),
    }
}

fn time(text: &str, pos: Pos, field: &str, report: &mut Report<'_>) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(text.trim()) {
        Ok(time) => Some(time.with_timezone(&Utc)),
        Err(error) => {
            report.error(
                pos,
                format!(
                    "`{field}` `{text}` is not an RFC 3339 time such as \
                     `2026-12-27T00:00:00Z` ({error})"
                ),
            );
            None
        }
    }
}
