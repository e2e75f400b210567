//! `defaults` and `source_health`: settings that are not a list.

use std::time::Duration;

use marked_yaml::Node;

use super::report::Report;
use super::values::{self, DEFAULT_FLAPPING};
use crate::config::raw::{
    DurationOrOff, ForText, RawDefaults, RawFlapping, RawLevel, RawMissing, RawSourceHealth,
    RenotifyMax,
};
use crate::config::yaml::Fields;
use crate::config::{Flapping, ForClause, MissingData, SourceHealth};
use crate::model::Level;

/// How often a firing rule is re-sent when nothing says otherwise.
pub const DEFAULT_RENOTIFY: Duration = Duration::from_secs(6 * 3600);

/// The settings a rule takes from `defaults` unless it sets its own, after checking.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSettings {
    /// `renotify`; `None` is `off`.
    pub renotify_interval: Option<Duration>,
    /// `renotify_max`; `None` is no cap.
    pub renotify_max: Option<u32>,
    /// `missing`.
    pub missing: MissingData,
    /// `notify_no_data`.
    pub notify_no_data: bool,
    /// `for`.
    pub for_clause: ForClause,
    /// `flapping`; `None` is `off`.
    pub flapping: Option<Flapping>,
}

impl Default for RuleSettings {
    fn default() -> RuleSettings {
        RuleSettings {
            renotify_interval: Some(DEFAULT_RENOTIFY),
            renotify_max: None,
            missing: MissingData::Missing,
            notify_no_data: false,
            for_clause: ForClause::default(),
            flapping: Some(DEFAULT_FLAPPING),
        }
    }
}

/// The rule settings as written in `defaults` or in a rule; absent ones are `None`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WrittenSettings<'r> {
    /// `renotify`.
    pub renotify: Option<&'r DurationOrOff>,
    /// `renotify_max`.
    pub renotify_max: Option<RenotifyMax>,
    /// `missing`.
    pub missing: Option<RawMissing>,
    /// `notify_no_data`.
    pub notify_no_data: Option<bool>,
    /// `for`.
    pub for_clause: Option<&'r ForText>,
    /// `flapping`.
    pub flapping: Option<&'r RawFlapping>,
}

impl RuleSettings {
    /// These settings with the written ones in their place. A written setting with an
    /// error keeps the value it would override, so that later checks still have one.
    /// `fields` is where they are written, `prefix` names their section in messages.
    pub fn overridden_by(
        &self,
        written: WrittenSettings<'_>,
        fields: Fields<'_>,
        prefix: &str,
        report: &mut Report<'_>,
    ) -> RuleSettings {
        let mut settings = self.clone();
        if let Some(text) = written.renotify {
            let field = format!("{prefix}renotify");
            let pos = fields.value_pos("renotify");
            if let Some(interval) = values::renotify(text, pos, &field, report) {
                settings.renotify_interval = interval;
            }
        }
        if let Some(max) = written.renotify_max {
            settings.renotify_max = values::renotify_max(max);
        }
        if let Some(missing) = written.missing {
            settings.missing = values::missing(missing);
        }
        if let Some(notify) = written.notify_no_data {
            settings.notify_no_data = notify;
        }
        if let Some(text) = written.for_clause
            && let Some(clause) = values::for_clause(text, fields.value_pos("for"), report)
        {
            settings.for_clause = clause;
        }
        let field = format!("{prefix}flapping");
        if let Some(flapping) = written.flapping
            && let Some(flapping) =
                values::flapping(flapping, fields.present("flapping"), &field, report)
        {
            settings.flapping = flapping;
        }
        settings
    }
}

/// Checks `defaults`.
pub fn check_defaults(node: Option<&Node>, report: &mut Report<'_>) -> RuleSettings {
    let built_in = RuleSettings::default();
    let Some(node) = node else {
        return built_in;
    };
    let Some(raw) = report.read::<RawDefaults>(node, "`defaults`", "defaults.") else {
        return built_in;
    };
    let written = WrittenSettings {
        renotify: raw.renotify.as_ref(),
        renotify_max: raw.renotify_max,
        missing: raw.missing,
        notify_no_data: raw.notify_no_data,
        for_clause: raw.for_clause.as_ref(),
        flapping: raw.flapping.as_ref(),
    };
    built_in.overridden_by(written, Fields::new(node), "defaults.", report)
}

/// Checks `source_health`.
pub fn check_source_health(node: Option<&Node>, report: &mut Report<'_>) -> SourceHealth {
    let mut health = SourceHealth::default();
    let Some(node) = node else {
        return health;
    };
    let what = "`source_health`";
    let Some(raw) = report.read::<RawSourceHealth>(node, what, "source_health.") else {
        return health;
    };
    let fields = Fields::new(node);

    if let Some(level) = raw.level {
        health.level = match level {
            RawLevel::Warning => Level::Warning,
            RawLevel::Critical => Level::Critical,
        };
    }
    if let Some(text) = &raw.for_clause
        && let Some(clause) = values::for_clause(text, fields.value_pos("for"), report)
    {
        health.for_clause = clause;
    }
    if let Some(text) = &raw.renotify
        && let Some(interval) = values::renotify(
            text,
            fields.value_pos("renotify"),
            "source_health.renotify",
            report,
        )
    {
        health.renotify_interval = interval;
    }
    health
}
