//! What a test expects: the `rules` it watches, and its `expect` entries with their
//! notifications and states.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use marked_yaml::Node;

use super::fields::{self, StepAt};
use super::{Known, check_unique_steps};
use crate::config::Report;
use crate::config::yaml::{self, Fields, Pos, closest};
use crate::model::{AlertState, Level, NotificationKind};
use crate::testing::format::{Expectation, ExpectedNotification, ExpectedValue};
use crate::testing::series;

const KINDS: &[NotificationKind] = &[
    NotificationKind::Firing,
    NotificationKind::Escalated,
    NotificationKind::Downgraded,
    NotificationKind::Resolved,
    NotificationKind::NoData,
    NotificationKind::Reminder,
    NotificationKind::Flapping,
];

const LEVELS: &[Level] = &[Level::Ok, Level::Warning, Level::Critical];

const STATES: &[AlertState] = &[
    AlertState::Ok,
    AlertState::Pending,
    AlertState::Warning,
    AlertState::Critical,
    AlertState::NoData,
];

const NOTIFICATION_FIELDS: &[&str] = &[
    "rule",
    "kind",
    "level",
    "value",
    "message",
    "action",
    "condition",
];

/// `rules`: the rules whose notifications the test checks; `None` for all of them.
pub fn watched_rules(
    test: Fields<'_>,
    known: Option<&Known>,
    report: &mut Report<'_>,
) -> Option<BTreeSet<String>> {
    test.value("rules")?;
    let items = fields::list(test, "rules", report)?;
    if items.is_empty() {
        report.error(
            test.value_pos("rules"),
            "`rules` is empty, so nothing would be checked; name the rules the test is \
             about, or leave `rules` out to check every rule",
        );
    }
    let mut ids = BTreeSet::new();
    for item in items {
        let Some(scalar) = item.as_scalar().filter(|_| !yaml::is_empty_value(item)) else {
            report.error(
                yaml::node_pos(item),
                format!("a rule id is expected here, not {}", fields::describe(item)),
            );
            continue;
        };
        let id = scalar.as_str().trim();
        if let Some(known) = known {
            known.check_rule(id, report.scalar_pos(scalar), report);
        }
        ids.insert(id.to_string());
    }
    Some(ids)
}

/// `expect`: what must come out at some steps, sorted by step.
pub fn expectations(
    test: Fields<'_>,
    (start, interval): (DateTime<Utc>, Duration),
    known: Option<&Known>,
    watched: Option<&BTreeSet<String>>,
    report: &mut Report<'_>,
) -> Vec<(Expectation, StepAt)> {
    let nothing = "this test has no `expect`, so it would check nothing; add `expect:` with \
                   the notifications due at some steps";
    if test.value("expect").is_none() {
        report.error(test.pos(), nothing);
        return Vec::new();
    }
    let Some(items) = fields::list(test, "expect", report) else {
        return Vec::new();
    };
    if items.is_empty() {
        // `expect: []` reads like `notifications: []`, "nothing comes out", which it is not.
        report.error(
            test.key_pos("expect"),
            "`expect` is empty, so this test would check nothing; list the steps to check, \
             and to check that nobody is told anything at a step, give it `notifications: []`, \
             as in `- { at: 5m, notifications: [] }`",
        );
    }
    let context = Context { known, watched };
    let mut all: Vec<(Expectation, StepAt)> = items
        .iter()
        .filter_map(|item| expectation(item, start, interval, &context, report))
        .collect();
    check_unique_steps(all.iter().map(|(_, at)| at), "an expectation", report);
    all.sort_by_key(|(expectation, _)| expectation.step);
    all
}

/// The names expectations are checked against.
struct Context<'a> {
    known: Option<&'a Known>,
    watched: Option<&'a BTreeSet<String>>,
}

fn expectation(
    node: &Node,
    start: DateTime<Utc>,
    interval: Duration,
    context: &Context<'_>,
    report: &mut Report<'_>,
) -> Option<(Expectation, StepAt)> {
    let expected = "an expectation: a mapping with `at` and `notifications`";
    let fields = fields::mapping(node, expected, report)?;
    fields::check_keys(
        fields,
        &["at", "step", "notifications", "states"],
        "this expectation",
        report,
    );
    let at = fields::step_at(fields, start, interval, report);

    let notifications = match fields.value("notifications") {
        None => Some(None),
        Some(_) => fields::list(fields, "notifications", report).map(|items| {
            let all: Vec<Option<ExpectedNotification>> = items
                .iter()
                .map(|item| notification(item, context, report))
                .collect();
            all.into_iter().collect::<Option<Vec<_>>>()
        }),
    };
    let states = states(fields, context.known, report);
    if fields.value("notifications").is_none() && fields.value("states").is_none() {
        report.error(
            fields.pos(),
            "this expectation checks nothing: give `notifications` (`[]` for none) or `states`",
        );
    }

    let at = at?;
    let expectation = Expectation {
        step: at.step,
        line: fields.pos().line,
        notifications: notifications?,
        states: states?,
    };
    Some((expectation, at))
}

fn notification(
    node: &Node,
    context: &Context<'_>,
    report: &mut Report<'_>,
) -> Option<ExpectedNotification> {
    let expected = "a notification: a mapping such as `{ rule: churn-rate, kind: firing, \
                    level: critical }`";
    let fields = fields::mapping(node, expected, report)?;
    fields::check_keys(fields, NOTIFICATION_FIELDS, "this notification", report);

    let example = "rule: churn-rate";
    let rule = fields::required_text(fields, "rule", "this notification", example, report);
    if let Some(rule) = rule {
        check_watched(rule, fields.value_pos("rule"), context, report);
    }
    let example = "kind: firing";
    let kind = fields::required_text(fields, "kind", "this notification", example, report)
        .and_then(|text| {
            named(
                text,
                KINDS,
                "notification kind",
                fields.value_pos("kind"),
                report,
            )
        });
    let level = match fields.value("level") {
        None => Some(None),
        Some(_) => fields::text(fields, "level", report)
            .and_then(|text| named(text, LEVELS, "level", fields.value_pos("level"), report))
            .map(Some),
    };
    if let (Some(kind), Some(Some(level))) = (kind, level) {
        check_level(kind, level, fields.value_pos("level"), report);
    }
    let value = match fields.value("value") {
        None => Some(None),
        Some(_) => value(fields, report).map(Some),
    };
    let message = text_field(fields, "message", report);
    let action = text_field(fields, "action", report);
    let condition = text_field(fields, "condition", report);

    Some(ExpectedNotification {
        rule: rule?.to_string(),
        kind: kind?,
        level: level?,
        value: value?,
        message: message?,
        action: action?,
        condition: condition?,
    })
}

/// Checks that `rule` is a rule of the config, and one the test watches.
fn check_watched(rule: &str, pos: Pos, context: &Context<'_>, report: &mut Report<'_>) {
    if let Some(known) = context.known {
        known.check_rule(rule, pos, report);
    }
    if let Some(watched) = context.watched
        && !watched.contains(rule)
    {
        report.error(
            pos,
            format!(
                "`{rule}` is not in this test's `rules`, so its notifications are not \
                 checked; add it to `rules`"
            ),
        );
    }
}

/// Reports a level the kind can never have, which would make the test fail for certain.
fn check_level(kind: NotificationKind, level: Level, pos: Pos, report: &mut Report<'_>) {
    let problem = match (kind, level) {
        (NotificationKind::Resolved, Level::Ok) => None,
        (NotificationKind::Resolved, _) => Some("a resolve is always at level `ok`"),
        (_, Level::Ok) => Some("only a resolve is at level `ok`"),
        (NotificationKind::Escalated, Level::Warning) => {
            Some("an escalation goes from warning to critical, so its level is `critical`")
        }
        (NotificationKind::Downgraded, Level::Critical) => {
            Some("a downgrade goes from critical to warning, so its level is `warning`")
        }
        _ => None,
    };
    if let Some(problem) = problem {
        report.error(
            pos,
            format!("`{kind}` at level `{level}` never happens: {problem}"),
        );
    }
}

/// `value`: a number, or `_` for a missing value.
fn value(fields: Fields<'_>, report: &mut Report<'_>) -> Option<ExpectedValue> {
    let text = fields::text(fields, "value", report)?;
    if text == "_" {
        return Some(ExpectedValue::Missing);
    }
    match series::parse_number(text) {
        Some(number) => Some(ExpectedValue::Is(number)),
        None => {
            report.error(
                fields.value_pos("value"),
                format!("`value` must be a number, or `_` for a missing value, not `{text}`"),
            );
            None
        }
    }
}

/// An optional text field, compared exactly: an empty value expects empty text.
fn text_field(fields: Fields<'_>, key: &str, report: &mut Report<'_>) -> Option<Option<String>> {
    if fields.value(key).is_none() {
        return Some(None);
    }
    let scalar = fields::scalar(fields, key, report)?;
    Some(Some(scalar.as_str().to_string()))
}

/// `states`: rule ids to the state each must be in after the step.
fn states(
    expectation: Fields<'_>,
    known: Option<&Known>,
    report: &mut Report<'_>,
) -> Option<BTreeMap<String, AlertState>> {
    let Some(node) = expectation.value("states") else {
        return Some(BTreeMap::new());
    };
    let expected = "`states`: a mapping of rule ids to states, as in `churn-rate: pending`,";
    let entries = fields::mapping(node, expected, report)?;
    let mapping = node.as_mapping()?;
    let mut states = BTreeMap::new();
    let mut ok = true;
    for (key, value) in mapping.iter() {
        let id = key.as_str().trim();
        if let Some(known) = known {
            known.check_rule(id, report.scalar_pos(key), report);
        }
        let state = fields::text(entries, key.as_str(), report)
            .and_then(|text| named(text, STATES, "state", yaml::node_pos(value), report));
        match state {
            Some(state) => {
                states.insert(id.to_string(), state);
            }
            None => ok = false,
        }
    }
    ok.then_some(states)
}

/// The item of `all` whose name is `text`, with the closest name suggested when none is.
fn named<T: Copy + std::fmt::Display>(
    text: &str,
    all: &[T],
    what: &str,
    pos: Pos,
    report: &mut Report<'_>,
) -> Option<T> {
    let names: Vec<String> = all.iter().map(ToString::to_string).collect();
    if let Some(index) = names.iter().position(|name| name == text) {
        return Some(all[index]);
    }
    let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    let suggestion = closest(text, &candidates)
        .map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default();
    report.error(
        pos,
        format!(
            "`{text}` is not a {what}{suggestion}; write one of {}",
            candidates
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    None
}
