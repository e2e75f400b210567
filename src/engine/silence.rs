//! Silences: which rules they cover, and when.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::config::Silence;

/// Does a silence in force at `at` cover the rule with this id and these labels? A silence
/// is in force from `starts_at` (included) to `until` (excluded).
pub(super) fn is_silenced(
    silences: &[Silence],
    rule_id: &str,
    labels: &BTreeMap<String, String>,
    at: DateTime<Utc>,
) -> bool {
    silences.iter().any(|silence| {
        let in_force = silence.starts_at.is_none_or(|start| start <= at) && at < silence.until;
        in_force && matches(silence, rule_id, labels)
    })
}

fn matches(silence: &Silence, rule_id: &str, labels: &BTreeMap<String, String>) -> bool {
    let matcher = &silence.matcher;
    matcher.rule_id.as_deref().is_none_or(|id| id == rule_id)
        && matcher
            .labels
            .iter()
            .all(|(name, value)| labels.get(name) == Some(value))
}
