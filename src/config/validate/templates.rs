//! `message` and `action`: minijinja templates, checked when the config is loaded rather
//! than when an alert is rendered, which is the worst moment to find a typo.

use std::collections::BTreeMap;

use marked_yaml::types::MarkedScalarNode;
use minijinja::{ErrorKind, UndefinedBehavior, Value};

use super::report::Report;
use crate::config::Template;
use crate::config::template::{
    TEMPLATE_VARIABLES, TemplateFacts, template_context, template_environment,
};
use crate::config::yaml::closest;

/// Checks a template: its syntax, the variables it reads, and that it renders. `field`
/// names it in messages.
///
/// Variables are found by minijinja's static analysis, so every branch is covered. The
/// rest (unknown filters and tests, a filter given the wrong type, arithmetic on text)
/// only shows when the template runs, so it is rendered once with sample values of the
/// types a notification gives it: a branch those values do not take is not checked.
/// Walking minijinja's syntax tree would check them all, but that tree is not a stable
/// part of its API.
///
/// The trial render has the rule's own `labels`, which are exactly those of its
/// notifications, and fails on printing or filtering anything undefined: a label the rule
/// does not have (`labels.teem`) or an attribute of a plain value (`value.x`). Notifications
/// render leniently, where such a mistake prints as nothing, silently, on every alert.
/// Testing one in `{% if %}`, or giving it a `default`, stays allowed.
pub fn check_template(
    source: &str,
    scalar: &MarkedScalarNode,
    field: &str,
    labels: &BTreeMap<String, String>,
    report: &mut Report<'_>,
) -> Option<Template> {
    let mut environment = template_environment();
    environment.set_debug(true);
    environment.set_undefined_behavior(UndefinedBehavior::SemiStrict);

    let template = match environment.template_from_str(source) {
        Ok(template) => template,
        Err(error) => {
            let offset = error_offset(source, &error);
            let detail = error.detail().unwrap_or("syntax error");
            report.error(
                report.pos_in_scalar(scalar, offset),
                format!("`{field}` is not a valid template: {detail}"),
            );
            return None;
        }
    };

    let globals: Vec<String> = environment
        .globals()
        .map(|(name, _)| name.to_string())
        .collect();
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|name| !TEMPLATE_VARIABLES.contains(&name.as_str()) && !globals.contains(name))
        .collect();
    unknown.sort();
    for name in &unknown {
        let offset = variable_offset(source, name).unwrap_or(0);
        let suggestion = closest(name, TEMPLATE_VARIABLES)
            .map(|known| format!(" (did you mean `{known}`?)"))
            .unwrap_or_default();
        report.error(
            report.pos_in_scalar(scalar, offset),
            format!(
                "`{field}` uses the unknown variable `{name}`{suggestion}; the variables are {}",
                TEMPLATE_VARIABLES.join(", ")
            ),
        );
    }
    if !unknown.is_empty() {
        // An unknown variable is undefined in the trial render, which would only report
        // the same mistake again in other words.
        return None;
    }

    if let Err(error) = template.render(sample_context(labels)) {
        let offset = error_offset(source, &error);
        let message = match (error.kind(), error.detail()) {
            (ErrorKind::UnknownFilter | ErrorKind::UnknownTest, Some(detail)) => {
                format!("`{field}`: {detail}; only minijinja's built-in filters and tests exist")
            }
            (ErrorKind::UndefinedError, detail) => undefined_message(field, detail, labels),
            (_, Some(detail)) => format!("`{field}` fails to render: {detail}"),
            (kind, None) => format!("`{field}` fails to render: {kind}"),
        };
        report.error(report.pos_in_scalar(scalar, offset), message);
        return None;
    }

    Some(Template {
        source: source.to_string(),
    })
}

/// A firing critical alert of a rule with `labels`, for the trial render, built as the
/// renderer builds its variables.
fn sample_context(labels: &BTreeMap<String, String>) -> Value {
    template_context(&TemplateFacts {
        value: Some(6.2),
        previous_value: Some(4.8),
        condition: "> 5",
        threshold: Some(5.0),
        unit: "%",
        name: "Churn rate",
        id: "churn-rate",
        labels,
        level: "critical",
        kind: "firing",
        at: "2026-01-01T00:00:00Z",
    })
}

/// What to say of a template that prints or filters something undefined, most often a
/// label the rule does not have.
fn undefined_message(
    field: &str,
    detail: Option<&str>,
    labels: &BTreeMap<String, String>,
) -> String {
    let what = detail.unwrap_or("undefined value");
    let labels = if labels.is_empty() {
        "the rule has no labels".to_string()
    } else {
        let names: Vec<String> = labels.keys().map(|name| format!("`{name}`")).collect();
        format!("the rule's labels are {}", names.join(", "))
    };
    format!(
        "`{field}` prints or filters something undefined ({what}), which every notification \
         would show as nothing: {labels}; for a value that may be absent, test it with \
         `{{% if ... is defined %}}` or give it `| default(\"...\")`"
    )
}

/// The character offset an error points at: its range if minijinja has one, else the
/// start of its line.
fn error_offset(source: &str, error: &minijinja::Error) -> usize {
    if let Some(range) = error.range() {
        return char_offset(source, range.start);
    }
    let Some(line) = error.line() else {
        return 0;
    };
    source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(|text| text.chars().count())
        .sum()
}

fn char_offset(source: &str, byte_offset: usize) -> usize {
    let mut boundary = byte_offset.min(source.len());
    while !source.is_char_boundary(boundary) {
        boundary -= 1;
    }
    source[..boundary].chars().count()
}

/// The character offset of the first use of variable `name` inside a `{{ }}` or `{% %}`
/// tag: as a whole word, and not as an attribute after a `.`.
fn variable_offset(source: &str, name: &str) -> Option<usize> {
    let mut search_from = 0;
    while let Some(open) = find_tag_open(&source[search_from..]).map(|i| i + search_from) {
        let body_start = open + 2;
        let close_marker = if source[open..].starts_with("{{") {
            "}}"
        } else {
            "%}"
        };
        let body_end = source[body_start..]
            .find(close_marker)
            .map_or(source.len(), |i| i + body_start);
        let body = &source[body_start..body_end];
        for (index, _) in body.match_indices(name) {
            let before = body[..index].chars().next_back();
            let after = body[index + name.len()..].chars().next();
            let is_word_char = |c: char| c.is_alphanumeric() || c == '_';
            if !before.is_some_and(|c| is_word_char(c) || c == '.')
                && !after.is_some_and(is_word_char)
            {
                return Some(char_offset(source, body_start + index));
            }
        }
        search_from = body_end;
    }
    None
}

fn find_tag_open(text: &str) -> Option<usize> {
    match (text.find("{{"), text.find("{%")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_variables_inside_tags_only() {
        let source = "foo is {{ x.foo }} then {{ foo }}";
        assert_eq!(variable_offset(source, "foo"), source.rfind("foo"));
        assert_eq!(variable_offset("{% if bar %}", "bar"), Some(6));
        assert_eq!(variable_offset("{{ foobar }}", "foo"), None);
    }

    #[test]
    fn the_trial_render_has_every_variable_and_the_rules_own_labels() {
        let environment = template_environment();
        let labels = BTreeMap::from([("team".to_string(), "growth".to_string())]);
        let render = |source| {
            environment
                .render_str(source, sample_context(&labels))
                .unwrap()
        };
        assert_eq!(
            render("{{ value }}{{ unit }} {{ change_text }}"),
            "6.2% +1.4%"
        );
        assert_eq!(render("{{ labels.team | upper }}"), "GROWTH");
        assert_eq!(
            render("{% for name, value in labels | items %}{{ name }}={{ value }}{% endfor %}"),
            "team=growth"
        );
    }

    #[test]
    fn error_offsets_are_in_characters() {
        let source = "é {{ value ";
        let error = minijinja::Environment::new()
            .template_from_str(source)
            .err()
            .unwrap();
        // minijinja points at `value` by byte; the two-byte `é` makes that one character less.
        assert_eq!(error_offset(source, &error), 5);
    }
}
