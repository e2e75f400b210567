//! `silences`: which rules they cover, and when.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use marked_yaml::Node;

use super::report::Report;
use super::rules::{SOURCE_HEALTH_PREFIX, check_label_names, label_values};
use crate::config::raw::RawSilence;
use crate::config::yaml::{Fields, Pos, closest};
use crate::config::{Silence, SilenceMatcher};

/// The rule ids a silence may name: the rules in the file, and one source-health rule per
/// source. Read from the file's nodes, so that a rule with an error elsewhere still counts.
#[derive(Debug, Default)]
pub struct KnownIds {
    ids: BTreeSet<String>,
}

impl KnownIds {
    /// The ids of `rules` and of the health rules of `sources`.
    pub fn new(rules: &[&Node], sources: &[&Node]) -> KnownIds {
        let id_of = |node: &&Node| Fields::new(node).scalar("id").map(|id| id.to_string());
        let rule_ids = rules.iter().filter_map(id_of);
        let health_ids = sources
            .iter()
            .filter_map(id_of)
            .map(|id| format!("{SOURCE_HEALTH_PREFIX}:{id}"));
        KnownIds {
            ids: rule_ids.chain(health_ids).collect(),
        }
    }

    fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    fn closest(&self, id: &str) -> Option<&str> {
        let ids: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        closest(id, &ids)
    }
}

/// Checks every silence.
pub fn check_silences(items: &[&Node], known: &KnownIds, report: &mut Report<'_>) -> Vec<Silence> {
    items
        .iter()
        .filter_map(|node| {
            let raw = report.deserialize::<RawSilence>(node, "this silence", "")?;
            check_silence(raw, Fields::new(node), known, report)
        })
        .collect()
}

fn check_silence(
    raw: RawSilence,
    fields: Fields<'_>,
    known: &KnownIds,
    report: &mut Report<'_>,
) -> Option<Silence> {
    let matcher = check_matcher(&raw, fields.present("match"), known, report);
    let starts_at = match &raw.starts {
        Some(text) => Some(time(text, fields.value_pos("starts"), "starts", report)?),
        None => None,
    };
    let until = time(&raw.until, fields.value_pos("until"), "until", report)?;
    if let Some(starts_at) = starts_at
        && until <= starts_at
    {
        report.error(
            fields.value_pos("until"),
            format!(
                "`until` ({}) must be after `starts` ({})",
                raw.until.trim(),
                raw.starts.as_deref().unwrap_or_default().trim()
            ),
        );
    }
    if raw.reason.trim().is_empty() {
        report.error(
            fields.value_pos("reason"),
            "`reason` is empty; say why the rules are silenced",
        );
    }
    Some(Silence {
        matcher: matcher?,
        starts_at,
        until,
        reason: raw.reason.trim().to_string(),
    })
}

fn check_matcher(
    raw: &RawSilence,
    fields: Fields<'_>,
    known: &KnownIds,
    report: &mut Report<'_>,
) -> Option<SilenceMatcher> {
    let rule_id = raw.matcher.rule.as_deref().map(str::trim);
    let labels = raw
        .matcher
        .labels
        .as_ref()
        .map(label_values)
        .unwrap_or_default();
    check_label_names(fields.nested("labels"), report);

    if rule_id.is_none() && labels.is_empty() {
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
    }
    Some(SilenceMatcher {
        rule_id: rule_id.map(str::to_string),
        labels,
    })
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
