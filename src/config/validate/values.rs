//! Checks of the small values that several sections share: ids, durations, `for`,
//! `renotify`, `flapping` and conditions. Each records its error and returns `None`.

use std::time::Duration;

use super::report::Report;
use crate::config::raw::{
    ConditionText, DurationOrOff, DurationText, ForText, RawFlapping, RawMissing, RenotifyMax,
};
use crate::config::yaml::{Fields, Pos};
use crate::config::{Condition, Flapping, ForClause, MissingData};

/// The most datapoints `for` and `window` may look back over.
pub const MAX_DATAPOINTS: u32 = 100;

/// Flapping detection when nothing is configured: more than 4 changes in 10 evaluations.
pub const DEFAULT_FLAPPING: Flapping = Flapping {
    max_changes: 4,
    evaluations: 10,
};

/// What ids and label names may be made of.
pub const ID_CHARACTERS: &str = "use only ASCII letters, digits, `_`, `.` and `-`";

/// Is `name` made of the characters ids and label names may use? They name things in
/// notification attributes, URLs and shell commands, where ASCII travels best.
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The most characters of an id or a label name, which name things in notification ids,
/// SNS attributes and the commands people type.
pub const MAX_ID_CHARS: usize = 128;

/// The most characters of a rule's `name` and of a label value: a title, a filter value.
pub const MAX_NAME_CHARS: usize = 256;

/// The most characters of a rule's `unit`.
pub const MAX_UNIT_CHARS: usize = 32;

/// The most characters of a `runbook` URL.
pub const MAX_URL_CHARS: usize = 2048;

/// Why `text`, called `what` in the message, is too long, if it is. Each of these texts is
/// copied into every notification of its rule, which must fit in what the store gives one
/// notification (300 KB) and in one SNS message (256 KiB); past that, every run would fail
/// to store, and no alert would go out.
pub fn too_long(text: &str, what: &str, max_chars: usize) -> Option<String> {
    let chars = text.chars().count();
    (chars > max_chars).then(|| {
        format!(
            "{what} is {chars} characters long; at most {max_chars} are allowed, since it is \
             copied into every notification"
        )
    })
}

/// Reports `text` at `pos` when it is longer than `max_chars`.
pub fn check_length(text: &str, what: &str, max_chars: usize, pos: Pos, report: &mut Report<'_>) {
    if let Some(problem) = too_long(text, what, max_chars) {
        report.error(pos, problem);
    }
}

/// Checks that `id` is made of the characters ids may use.
pub fn check_id(id: &str, kind: &str, pos: Pos, report: &mut Report<'_>) -> bool {
    let problem = if id.is_empty() {
        Some(format!("the {kind} id is empty; {ID_CHARACTERS}"))
    } else if !is_name(id) {
        Some(format!("{kind} id `{id}` is not valid: {ID_CHARACTERS}"))
    } else {
        too_long(id, &format!("the {kind} id"), MAX_ID_CHARS)
    };
    let valid = problem.is_none();
    if let Some(message) = problem {
        report.error(pos, message);
    }
    valid
}

/// The longest a duration may be, and how it is written in messages.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// The longest allowed.
    pub max: Duration,
    /// `max` as a user would write it.
    pub written: &'static str,
}

/// humantime's year, 365.25 days.
const YEAR: Duration = Duration::from_secs(31_557_600);

/// The longest duration a field takes unless it has a tighter limit: ten years. A longer
/// one is a typo, and times that far from now overflow the date arithmetic of the engine
/// and the store.
pub const TEN_YEARS: Limit = Limit {
    max: Duration::from_secs(10 * YEAR.as_secs()),
    written: "10y",
};

/// Parses a duration such as `30s`, `6h` or `1h 30m`, of at most `limit`.
pub fn duration(
    text: &DurationText,
    pos: Pos,
    field: &str,
    limit: Limit,
    report: &mut Report<'_>,
) -> Option<Duration> {
    if text.0.trim().is_empty() {
        report.error(
            pos,
            format!("`{field}` has no value; write a duration such as `30s`, `6h` or `30d`"),
        );
        return None;
    }
    match humantime::parse_duration(text.0.trim()) {
        Ok(duration) if duration > limit.max => {
            report.error(
                pos,
                format!(
                    "`{field}` is `{}`; it can be at most `{}`",
                    text.0.trim(),
                    limit.written
                ),
            );
            None
        }
        Ok(duration) => Some(duration),
        Err(error) => {
            report.error(
                pos,
                format!(
                    "`{field}`: `{}` is not a duration ({error}); write one such as `30s`, \
                     `6h` or `30d`",
                    text.0
                ),
            );
            None
        }
    }
}

/// Parses a duration that must be longer than zero, and at most `limit`.
pub fn positive_duration(
    text: &DurationText,
    pos: Pos,
    field: &str,
    limit: Limit,
    report: &mut Report<'_>,
) -> Option<Duration> {
    let duration = duration(text, pos, field, limit, report)?;
    if duration.is_zero() {
        report.error(pos, format!("`{field}` must be longer than zero"));
        return None;
    }
    Some(duration)
}

/// `renotify`: a positive duration, or `off` for `Some(None)`.
pub fn renotify(
    text: &DurationOrOff,
    pos: Pos,
    field: &str,
    report: &mut Report<'_>,
) -> Option<Option<Duration>> {
    if text.0.trim() == "off" {
        return Some(None);
    }
    let duration = duration(&DurationText(text.0.clone()), pos, field, TEN_YEARS, report)?;
    if duration.is_zero() {
        report.error(
            pos,
            format!("`{field}` must be longer than zero; write `off` to turn reminders off"),
        );
        return None;
    }
    Some(Some(duration))
}

/// A duration in the largest unit that divides it, as a user would write it: `31d`, `90m`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let units = [(86_400, "d"), (3600, "h"), (60, "m")];
    match units
        .iter()
        .find(|(size, _)| seconds > 0 && seconds.is_multiple_of(*size))
    {
        Some((size, unit)) => format!("{}{unit}", seconds / size),
        None => format!("{seconds}s"),
    }
}

/// `renotify_max`: `None` for no cap.
pub fn renotify_max(value: RenotifyMax) -> Option<u32> {
    match value {
        RenotifyMax::Off => None,
        RenotifyMax::Max(max) => Some(max),
    }
}

/// `for`: `M of N`, or `N` for `N of N`, with 1 <= M <= N <= 100.
pub fn for_clause(text: &ForText, pos: Pos, report: &mut Report<'_>) -> Option<ForClause> {
    match parse_for_clause(&text.0) {
        Ok(clause) => Some(clause),
        Err(message) => {
            report.error(pos, message);
            None
        }
    }
}

/// M and N of `M of N` or `N`, if the text has one of those shapes.
fn for_numbers(text: &str) -> Option<(u32, u32)> {
    match text.split_whitespace().collect::<Vec<_>>().as_slice() {
        [n] => n.parse().ok().map(|n| (n, n)),
        [m, "of", n] => Some((m.parse().ok()?, n.parse().ok()?)),
        _ => None,
    }
}

fn parse_for_clause(text: &str) -> Result<ForClause, String> {
    let Some((breaching, datapoints)) = for_numbers(text) else {
        return Err(format!(
            "`for` must be `M of N`, such as `2 of 3`, or a number N meaning `N of N`; \
             found `{text}`"
        ));
    };
    if breaching == 0 {
        return Err(format!(
            "`for: {text}` needs at least 1 breaching datapoint"
        ));
    }
    if breaching > datapoints {
        return Err(format!(
            "`for: {text}` asks for {breaching} breaching datapoints out of only \
             {datapoints}; M must be at most N"
        ));
    }
    if datapoints > MAX_DATAPOINTS {
        return Err(format!(
            "`for: {text}` looks back over {datapoints} datapoints; at most \
             {MAX_DATAPOINTS} are kept"
        ));
    }
    Ok(ForClause {
        breaching,
        datapoints,
    })
}

/// `flapping`: `Some(None)` for `off`.
/// `fields` are those of the `flapping` value, to place each error at its key; `field`
/// names it in messages.
pub fn flapping(
    value: &RawFlapping,
    fields: Fields<'_>,
    field: &str,
    report: &mut Report<'_>,
) -> Option<Option<Flapping>> {
    let RawFlapping::Detect(settings) = value else {
        return Some(None);
    };
    let flapping = Flapping {
        max_changes: settings.changes.unwrap_or(DEFAULT_FLAPPING.max_changes),
        evaluations: settings.evaluations.unwrap_or(DEFAULT_FLAPPING.evaluations),
    };
    let Flapping {
        max_changes,
        evaluations,
    } = flapping;
    let evaluations_fit = (2..=MAX_DATAPOINTS).contains(&evaluations);
    if !evaluations_fit {
        report.error(
            fields.value_pos("evaluations"),
            format!("`{field}.evaluations` must be from 2 to {MAX_DATAPOINTS}, not {evaluations}"),
        );
    }
    // Without a valid `evaluations` there is no upper bound to hold `changes` to.
    let changes_fit = max_changes > 0 && (!evaluations_fit || max_changes < evaluations);
    if !changes_fit {
        let message = if evaluations_fit {
            format!(
                "`{field}.changes` must be from 1 to {} (less than `evaluations`, \
                 {evaluations}), not {max_changes}: {evaluations} evaluations hold at most {} \
                 changes",
                evaluations - 1,
                evaluations - 1
            )
        } else {
            format!("`{field}.changes` must be at least 1, not {max_changes}")
        };
        report.error(fields.value_pos("changes"), message);
    }
    (evaluations_fit && changes_fit).then_some(Some(flapping))
}

/// A threshold condition such as `> 5`.
pub fn condition(
    text: &ConditionText,
    pos: Pos,
    field: &str,
    report: &mut Report<'_>,
) -> Option<Condition> {
    match text.0.parse::<Condition>() {
        Ok(condition) => Some(condition),
        Err(message) => {
            report.error(pos, format!("`{field}`: {message}"));
            None
        }
    }
}

/// The missing-data policy.
pub fn missing(value: RawMissing) -> MissingData {
    match value {
        RawMissing::Missing => MissingData::Missing,
        RawMissing::Breaching => MissingData::Breaching,
        RawMissing::NotBreaching => MissingData::NotBreaching,
        RawMissing::Ignore => MissingData::Ignore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(breaching: u32, datapoints: u32) -> ForClause {
        ForClause {
            breaching,
            datapoints,
        }
    }

    #[test]
    fn durations_are_shown_in_their_largest_whole_unit() {
        assert_eq!(format_duration(Duration::from_secs(31 * 86_400)), "31d");
        assert_eq!(format_duration(Duration::from_secs(90 * 60)), "90m");
        assert_eq!(format_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(format_duration(Duration::from_secs(61)), "61s");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn for_clause_reads_m_of_n_and_a_lone_n() {
        assert_eq!(parse_for_clause("2 of 3"), Ok(clause(2, 3)));
        assert_eq!(parse_for_clause("  1   of 1 "), Ok(clause(1, 1)));
        assert_eq!(parse_for_clause("3"), Ok(clause(3, 3)));
        assert_eq!(parse_for_clause("100"), Ok(clause(100, 100)));
    }

    #[test]
    fn for_clause_rejects_bad_shapes_and_bounds() {
        let cases = [
            ("", "must be `M of N`"),
            ("2 out of 3", "must be `M of N`"),
            ("two of three", "must be `M of N`"),
            ("-1", "must be `M of N`"),
            ("0 of 3", "at least 1"),
            ("4 of 3", "M must be at most N"),
            ("2 of 101", "at most 100"),
        ];
        for (text, fragment) in cases {
            let message = parse_for_clause(text).unwrap_err();
            assert!(message.contains(fragment), "{text}: {message}");
        }
    }
}
