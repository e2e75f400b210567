//! How long snapshots are kept: the default, the least the rules need, and the number of
//! days a deployment may set instead of the file's `retention`.

use std::time::Duration;

use super::validate::TEN_YEARS;
use super::{Config, Rule};

const DAY: Duration = Duration::from_secs(86_400);

/// The shortest retention kept by default, whatever the rules compare against.
pub(crate) const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// Beyond the longest `change.vs`, so that the baseline snapshot is still there when a run
/// comes a little late.
pub(crate) const RETENTION_MARGIN: Duration = DAY;

/// The longest retention: the ten years other durations are limited to, plus the margin,
/// so that it can keep the baseline of any `change.vs`.
pub(crate) const MAX_RETENTION: Duration =
    Duration::from_secs(TEN_YEARS.max.as_secs() + RETENTION_MARGIN.as_secs());

/// The rule with the longest `change.vs`, and that duration.
pub(crate) fn longest_change(rules: &[Rule]) -> Option<(Duration, &str)> {
    rules
        .iter()
        .filter_map(|rule| rule.change.map(|change| (change.vs, rule.id.as_str())))
        .max_by_key(|(vs, _)| *vs)
}

/// The least retention that keeps every `change` rule's baseline.
pub(crate) fn needed(rules: &[Rule]) -> Duration {
    longest_change(rules).map_or(Duration::ZERO, |(vs, _)| vs + RETENTION_MARGIN)
}

impl Config {
    /// Keeps snapshots for `days` instead of what the file's `retention` says, as the
    /// function's `KPIWATCH_RETENTION_DAYS` asks. Refused, with the reason, when it is
    /// shorter than a `change` rule needs or longer than any retention allowed.
    pub fn set_retention_days(&mut self, days: u64) -> Result<(), String> {
        let max_days = MAX_RETENTION.as_secs() / DAY.as_secs();
        if days == 0 || days > max_days {
            return Err(format!("{days} days is not 1 to {max_days} days"));
        }
        let retention = Duration::from_secs(days * DAY.as_secs());
        if let Some((vs, rule_id)) = longest_change(&self.rules)
            && retention < vs + RETENTION_MARGIN
        {
            let least = (vs + RETENTION_MARGIN).as_secs().div_ceil(DAY.as_secs());
            return Err(format!(
                "{days} days is shorter than the longest `change.vs` ({} days, rule \
                 `{rule_id}`) plus one day; keep at least {least} days",
                vs.as_secs_f64() / DAY.as_secs_f64()
            ));
        }
        self.retention = retention;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config_with_change_of(vs: &str) -> Config {
        let text = format!(
            "rules:\n  - id: mrr-drop\n    metric: growth.mrr.value\n    \
             change: {{ vs: {vs}, as: percent }}\n    critical: \"< -10\"\n"
        );
        crate::config::parse(&text, Path::new("kpiwatch.yaml")).unwrap()
    }

    #[test]
    fn a_deployment_may_keep_snapshots_longer_or_shorter_than_the_file_says() {
        let mut config = config_with_change_of("7d");
        assert_eq!(config.retention, DEFAULT_RETENTION);
        config.set_retention_days(400).unwrap();
        assert_eq!(config.retention, DAY * 400);
        config.set_retention_days(8).unwrap();
        assert_eq!(config.retention, DAY * 8);
    }

    #[test]
    fn a_retention_that_loses_a_change_rules_baseline_is_refused_naming_the_rule() {
        let mut config = config_with_change_of("30d");
        assert_eq!(
            config.set_retention_days(30).unwrap_err(),
            "30 days is shorter than the longest `change.vs` (30 days, rule `mrr-drop`) plus \
             one day; keep at least 31 days"
        );
        let mut config = config_with_change_of("36h");
        assert!(
            config
                .set_retention_days(2)
                .unwrap_err()
                .ends_with("(1.5 days, rule `mrr-drop`) plus one day; keep at least 3 days")
        );
        assert_eq!(config.retention, DEFAULT_RETENTION);
    }

    #[test]
    fn zero_and_more_than_ten_years_are_refused() {
        let mut config = config_with_change_of("1d");
        assert_eq!(
            config.set_retention_days(0).unwrap_err(),
            "0 days is not 1 to 3653 days"
        );
        assert!(config.set_retention_days(3654).is_err());
        assert!(config.set_retention_days(u64::MAX).is_err());
        config.set_retention_days(3653).unwrap();
    }
}
