//! `rules`: each rule's value, conditions and settings, with the defaults filled in.

use std::collections::BTreeMap;

use marked_yaml::Node;

use super::report::Report;
use super::settings::{RuleSettings, WrittenSettings};
use super::templates::check_template;
use super::thresholds::{recovery_problem, warning_problem};
use super::values::{self, MAX_DATAPOINTS};
use super::{FirstSeen, required};
use crate::config::raw::{RawChange, RawChangeMode, RawRule, RawWindow, ScalarText};
use crate::config::yaml::Fields;
use crate::config::{
    Aggregate, Change, ChangeMode, Condition, Expr, Rule, Template, ValueSource, Window,
};

/// The id prefix of the built-in source-health rules.
pub const SOURCE_HEALTH_PREFIX: &str = "source-health";

/// Checks every rule; returns every rule that could be read at all, with best guesses
/// where it has errors.
pub fn check_rules(items: &[&Node], defaults: &RuleSettings, report: &mut Report<'_>) -> Vec<Rule> {
    let mut seen = FirstSeen::default();
    let mut rules = Vec::new();
    for node in items {
        let Some(raw) = report.read::<RawRule>(node, "this rule", "") else {
            continue;
        };
        let fields = Fields::new(node);
        let id = required(raw.id.clone(), fields, "id", "this rule", report);
        if let Some(id) = &id {
            check_rule_id(id, fields, &mut seen, report);
        }
        rules.push(check_rule(raw, fields, defaults, report));
    }
    rules
}

/// How messages name a rule: by its id, or as "this rule" when it has none.
fn rule_subject(raw: &RawRule) -> String {
    match &raw.id {
        Some(id) => format!("rule `{id}`"),
        None => "this rule".to_string(),
    }
}

fn check_rule_id(id: &str, fields: Fields<'_>, seen: &mut FirstSeen, report: &mut Report<'_>) {
    let pos = fields.value_pos("id");
    if !values::check_id(id, "rule", pos, report) {
        return;
    }
    if id.starts_with(SOURCE_HEALTH_PREFIX) {
        report.error(
            pos,
            format!(
                "rule id `{id}` starts with `{SOURCE_HEALTH_PREFIX}`, which is kept for the \
                 built-in source-health rules; choose another id"
            ),
        );
    }
    if let Some(first_line) = seen.insert(id, pos) {
        report.error(
            pos,
            format!("duplicate rule id `{id}`; it is first used on line {first_line}"),
        );
    }
}

fn check_rule(
    raw: RawRule,
    fields: Fields<'_>,
    defaults: &RuleSettings,
    report: &mut Report<'_>,
) -> Rule {
    let value = check_value_source(&raw, fields, report);
    let [critical, warning, recovery] = check_conditions(&raw, fields, report);
    let (change, window) = check_change_and_window(&raw, fields, report);
    let name = check_name(&raw, fields, report);
    let labels = label_values(&raw.labels);
    let message = template(raw.message.as_deref(), fields, "message", &labels, report);
    let action = template(raw.action.as_deref(), fields, "action", &labels, report);
    let runbook = raw.runbook.as_deref().map(|text| {
        check_runbook(text, fields, report);
        text.trim().to_string()
    });
    check_label_names(fields.nested("labels"), report);
    if let Some(unit) = &raw.unit {
        let pos = fields.value_pos("unit");
        values::check_length(unit, "`unit`", values::MAX_UNIT_CHARS, pos, report);
    }

    let written = WrittenSettings {
        renotify: raw.renotify.as_ref(),
        renotify_max: raw.renotify_max,
        missing: raw.missing,
        notify_no_data: raw.notify_no_data,
        for_clause: raw.for_clause.as_ref(),
        flapping: raw.flapping.as_ref(),
    };
    let settings = defaults.overridden_by(written, fields, "", report);

    Rule {
        labels,
        id: raw.id.unwrap_or_default(),
        name,
        value,
        unit: raw.unit.unwrap_or_default(),
        critical,
        warning,
        recovery,
        for_clause: settings.for_clause,
        missing: settings.missing,
        notify_no_data: settings.notify_no_data,
        change,
        window,
        message,
        action,
        runbook,
        renotify_interval: settings.renotify_interval,
        renotify_max: settings.renotify_max,
        flapping: settings.flapping,
    }
}

/// `name`, or the id when there is none.
fn check_name(raw: &RawRule, fields: Fields<'_>, report: &mut Report<'_>) -> String {
    match &raw.name {
        Some(name) if name.trim().is_empty() => {
            report.error(
                fields.value_pos("name"),
                "`name` is empty; remove it to use the id",
            );
            raw.id.clone().unwrap_or_default()
        }
        Some(name) => {
            let pos = fields.value_pos("name");
            values::check_length(name, "`name`", values::MAX_NAME_CHARS, pos, report);
            name.clone()
        }
        None => raw.id.clone().unwrap_or_default(),
    }
}

/// `change` or `window`: at most one.
fn check_change_and_window(
    raw: &RawRule,
    fields: Fields<'_>,
    report: &mut Report<'_>,
) -> (Option<Change>, Option<Window>) {
    if fields.has("change") && fields.has("window") {
        let (first, second) = if fields.key_pos("change") < fields.key_pos("window") {
            ("change", "window")
        } else {
            ("window", "change")
        };
        report.error(
            fields.key_pos(second),
            format!(
                "a rule takes its value from `change` or from `window`, not both; remove \
                 `{second}` or `{first}`"
            ),
        );
    }
    let change = raw
        .change
        .as_ref()
        .and_then(|change| check_change(change, fields.present("change"), report));
    let window = raw
        .window
        .as_ref()
        .and_then(|window| check_window(window, fields.present("window"), report));
    (change, window)
}

/// `metric` or `expr`, exactly one. Which ones are written is read from the file, since a
/// field whose value failed to read is absent from `raw`.
fn check_value_source(raw: &RawRule, fields: Fields<'_>, report: &mut Report<'_>) -> ValueSource {
    let placeholder = ValueSource::Metric(String::new());
    match (fields.written("metric"), fields.written("expr")) {
        (true, true) => {
            report.error(
                fields.key_pos("expr"),
                format!(
                    "{} has both `metric` and `expr`; keep one of them",
                    rule_subject(raw)
                ),
            );
            return placeholder;
        }
        (false, false) => {
            report.error(
                fields.pos(),
                format!(
                    "{} has neither `metric` nor `expr`; add the metric to watch, such as \
                     `metric: retention.churnRate`",
                    rule_subject(raw)
                ),
            );
            return placeholder;
        }
        _ => {}
    }
    match (&raw.metric, &raw.expr) {
        (Some(metric), _) => {
            if metric.trim().is_empty() {
                report.error(
                    fields.value_pos("metric"),
                    "`metric` is empty; name a metric",
                );
            }
            ValueSource::Metric(metric.trim().to_string())
        }
        (None, Some(text)) => match Expr::parse_rule_value(text) {
            Ok(expr) => ValueSource::Expr(expr),
            Err(errors) => {
                for error in errors {
                    let pos = fields.scalar("expr").map_or_else(
                        || fields.value_pos("expr"),
                        |scalar| report.pos_in_scalar(scalar, error.offset),
                    );
                    report.error(pos, format!("`expr`: {}", error.message));
                }
                placeholder
            }
        },
        (None, None) => placeholder,
    }
}

/// `critical`, `warning` and `recovery`, checked against each other.
fn check_conditions(
    raw: &RawRule,
    fields: Fields<'_>,
    report: &mut Report<'_>,
) -> [Option<Condition>; 3] {
    let mut parse = |text: &Option<_>, field: &str| {
        text.as_ref()
            .and_then(|text| values::condition(text, fields.value_pos(field), field, report))
    };
    let critical = parse(&raw.critical, "critical");
    let warning = parse(&raw.warning, "warning");
    let recovery = parse(&raw.recovery, "recovery");

    if !fields.written("critical") && !fields.written("warning") {
        report.error(
            fields.pos(),
            format!(
                "{} has neither `critical` nor `warning`; add at least one, such as \
                 `critical: \"> 5\"`",
                rule_subject(raw)
            ),
        );
    }
    if let (Some(critical), Some(warning)) = (&critical, &warning)
        && let Some(problem) = warning_problem(critical, warning)
    {
        report.error(fields.value_pos("warning"), problem);
    }
    if let Some(recovery) = &recovery {
        let firing: Vec<(&str, &Condition)> = [("warning", &warning), ("critical", &critical)]
            .into_iter()
            .filter_map(|(name, condition)| condition.as_ref().map(|c| (name, c)))
            .collect();
        if let Some(problem) = recovery_problem(recovery, &firing) {
            report.error(fields.value_pos("recovery"), problem);
        }
    }
    [critical, warning, recovery]
}

fn check_change(raw: &RawChange, fields: Fields<'_>, report: &mut Report<'_>) -> Option<Change> {
    let vs = required(raw.vs.as_ref(), fields, "vs", "`change`", report);
    let mode = required(raw.mode, fields, "as", "`change`", report);
    let pos = fields.value_pos("vs");
    let vs = values::positive_duration(vs?, pos, "change.vs", values::TEN_YEARS, report);
    let mode = match mode? {
        RawChangeMode::Percent => ChangeMode::Percent,
        RawChangeMode::Absolute => ChangeMode::Absolute,
    };
    Some(Change { vs: vs?, mode })
}

/// `window`: exactly one aggregate. Which ones are written is read from the file, since a
/// count that failed to read is absent from `raw`.
fn check_window(raw: &RawWindow, fields: Fields<'_>, report: &mut Report<'_>) -> Option<Window> {
    let aggregates = [
        ("avg", Aggregate::Avg, raw.avg),
        ("min", Aggregate::Min, raw.min),
        ("max", Aggregate::Max, raw.max),
        ("sum", Aggregate::Sum, raw.sum),
    ];
    let written: Vec<_> = aggregates
        .into_iter()
        .filter(|(key, ..)| fields.has(key))
        .collect();

    let &[(key, aggregate, points)] = written.as_slice() else {
        let message = if written.is_empty() {
            "`window` needs one of `avg`, `min`, `max` or `sum`, such as `{ avg: 3 }`".to_string()
        } else {
            let keys: Vec<String> = written.iter().map(|(key, ..)| format!("`{key}`")).collect();
            format!("`window` has {}; keep only one", keys.join(" and "))
        };
        report.error(fields.pos(), message);
        return None;
    };
    let points = points?;
    if !(1..=MAX_DATAPOINTS).contains(&points) {
        report.error(
            fields.value_pos(key),
            format!("`window.{key}` must be from 1 to {MAX_DATAPOINTS} values, not {points}"),
        );
        return None;
    }
    Some(Window { aggregate, points })
}

fn template(
    text: Option<&str>,
    fields: Fields<'_>,
    key: &str,
    labels: &BTreeMap<String, String>,
    report: &mut Report<'_>,
) -> Option<Template> {
    // A string field was read from a scalar, so the scalar is there to give positions.
    let scalar = fields.scalar(key)?;
    check_template(text?, scalar, key, labels, report)
}

fn check_runbook(text: &str, fields: Fields<'_>, report: &mut Report<'_>) {
    if let Some(problem) = values::too_long(text, "`runbook`", values::MAX_URL_CHARS) {
        report.error(fields.value_pos("runbook"), problem);
        return;
    }
    let valid = url::Url::parse(text.trim())
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
    if !valid {
        report.error(
            fields.value_pos("runbook"),
            format!(
                "`runbook` `{text}` is not an http or https URL; readers follow it from \
                 a phone or a chat"
            ),
        );
    }
}

/// Checks that label names are ones notification filters and silences can name.
pub fn check_label_names(labels: Option<Fields<'_>>, report: &mut Report<'_>) {
    let Some(mapping) = labels.and_then(|fields| fields.node().as_mapping()) else {
        return;
    };
    for (key, value) in mapping.iter() {
        let name = key.as_str();
        if !values::is_name(name) {
            report.error(
                report.scalar_pos(key),
                format!(
                    "label name `{name}` is not valid: {}",
                    values::ID_CHARACTERS
                ),
            );
        } else if let Some(problem) = values::too_long(name, "a label name", values::MAX_ID_CHARS) {
            report.error(report.scalar_pos(key), problem);
        }
        if let Some(value) = value.as_scalar() {
            let what = match values::too_long(name, "", values::MAX_ID_CHARS) {
                None => format!("the value of label `{name}`"),
                Some(_) => "the value of this label".to_string(),
            };
            let pos = report.scalar_pos(value);
            values::check_length(value.as_str(), &what, values::MAX_NAME_CHARS, pos, report);
        }
    }
}

/// Label values as the text written.
pub fn label_values(raw: &BTreeMap<String, ScalarText>) -> BTreeMap<String, String> {
    raw.iter()
        .map(|(key, value)| (key.clone(), value.0.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::json_schema;
    use crate::config::yaml::closest;

    /// `Fields::written` takes a key close to a needed one for a misspelling of it, which
    /// only holds while no other field of the same mapping is that close.
    #[test]
    fn no_field_is_close_to_a_needed_field_beside_it() {
        let schema = json_schema();
        let cases = [
            ("Rule", &["metric", "expr", "critical", "warning"][..]),
            ("Source", &["file", "http"][..]),
            ("SilenceMatch", &["rule", "labels"][..]),
        ];
        for (definition, needed) in cases {
            let fields: Vec<&str> = schema["$defs"][definition]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            for key in needed {
                for field in fields.iter().filter(|field| *field != key) {
                    assert_eq!(closest(field, &[key]), None, "{field} is close to {key}");
                }
            }
        }
    }
}
