//! What `message` and `action` templates see: the environment they render in and the
//! variables they read. `validate` renders each template once with these, and the engine
//! renders every notification with them, so that a template meets at run time the same
//! types it was checked with.

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, Value, context};

use crate::notify::{MISSING_VALUE, format_change, format_value, rounded_for_reading};

/// The variables `message` and `action` templates may use.
pub const TEMPLATE_VARIABLES: &[&str] = &[
    "value",
    "unit",
    "condition",
    "threshold",
    "previous_value",
    "change",
    "name",
    "id",
    "labels",
    "level",
    "kind",
    "at",
    "value_text",
    "previous_value_text",
    "change_text",
];

/// What one rendering knows, before it becomes template variables.
#[derive(Debug, Clone, Copy)]
pub struct TemplateFacts<'a> {
    /// The rule's value at T.
    pub value: Option<f64>,
    /// The rule's value at the previous evaluation.
    pub previous_value: Option<f64>,
    /// The condition named, such as `> 5`; empty when none is.
    pub condition: &'a str,
    /// The condition's number.
    pub threshold: Option<f64>,
    /// The unit of the value.
    pub unit: &'a str,
    /// The rule's name.
    pub name: &'a str,
    /// The rule's id.
    pub id: &'a str,
    /// The rule's labels.
    pub labels: &'a BTreeMap<String, String>,
    /// The level, as written in documents: `critical`.
    pub level: &'a str,
    /// The notification kind, as written in documents: `firing`.
    pub kind: &'a str,
    /// T, in RFC 3339.
    pub at: &'a str,
}

/// The environment templates render in.
///
/// Messages are plain text, so nothing is escaped: each output format escapes for its own
/// medium. A missing number is `none`, which prints as `missing`, so that `{{ value }}`
/// reads well in every case while `{% if value is none %}` can still tell.
pub fn template_environment() -> Environment<'static> {
    let mut environment = Environment::new();
    environment.set_auto_escape_callback(|_| AutoEscape::None);
    environment.set_formatter(|out, state, value| {
        if value.is_none() {
            out.write_str(MISSING_VALUE)?;
            Ok(())
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    environment
}

/// The template variables, one for each name in [`TEMPLATE_VARIABLES`].
///
/// Numbers are numbers, so that filters, comparisons and arithmetic work on them. They
/// are rounded as the default sentences show them (`2.8048780487` is `2.805`), and an
/// integral value is an integer, so that `{{ value }}` prints `48200`, not `48200.0`. The
/// `_text` variables hold the readable text with the unit: `6.2%`, `+1.4%`, `missing`.
pub fn template_context(facts: &TemplateFacts<'_>) -> Value {
    let change = match (facts.value, facts.previous_value) {
        (Some(value), Some(previous)) => Some(value - previous),
        _ => None,
    };
    let text = |value: Option<f64>| {
        value.map_or_else(
            || MISSING_VALUE.to_string(),
            |v| format_value(v, facts.unit),
        )
    };
    context! {
        value => number(facts.value),
        value_text => text(facts.value),
        unit => facts.unit,
        condition => facts.condition,
        threshold => number(facts.threshold),
        previous_value => number(facts.previous_value),
        previous_value_text => text(facts.previous_value),
        change => number(change),
        change_text => change.map_or_else(
            || MISSING_VALUE.to_string(),
            |v| format_change(v, facts.unit)
        ),
        name => facts.name,
        id => facts.id,
        labels => facts.labels,
        level => facts.level,
        kind => facts.kind,
        at => facts.at,
    }
}

/// A number as templates receive it: rounded for reading, an integer when integral, and
/// `none` when missing.
fn number(value: Option<f64>) -> Value {
    let Some(value) = value.map(rounded_for_reading) else {
        return Value::from(());
    };
    // Beyond 2^53 an f64 no longer holds every integer, and i64 ends soon after.
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(value: Option<f64>) -> TemplateFacts<'static> {
        static LABELS: BTreeMap<String, String> = BTreeMap::new();
        TemplateFacts {
            value,
            previous_value: Some(4.0),
            condition: "> 5",
            threshold: Some(5.0),
            unit: "%",
            name: "Churn rate",
            id: "churn",
            labels: &LABELS,
            level: "critical",
            kind: "firing",
            at: "2026-01-01T00:00:00Z",
        }
    }

    fn render(source: &str, value: Option<f64>) -> String {
        template_environment()
            .render_str(source, template_context(&facts(value)))
            .unwrap()
    }

    #[test]
    fn the_context_holds_exactly_the_documented_variables() {
        let context = template_context(&facts(Some(6.2)));
        let mut names: Vec<String> = context
            .try_iter()
            .unwrap()
            .map(|key| key.to_string())
            .collect();
        names.sort();
        let mut documented: Vec<&str> = TEMPLATE_VARIABLES.to_vec();
        documented.sort();
        assert_eq!(names, documented);
    }

    #[test]
    fn numbers_are_numbers_and_integral_ones_print_without_a_fraction() {
        assert_eq!(render("{{ value }}", Some(48200.0)), "48200");
        assert_eq!(render("{{ value }}", Some(2.8048780487)), "2.805");
        assert_eq!(render("{{ value | round(1) }}", Some(6.27)), "6.3");
        assert_eq!(
            render("{% if value > 10 %}high{% endif %}", Some(48.0)),
            "high"
        );
        assert_eq!(render("{{ value * 100 }}", Some(0.5)), "50.0");
        assert_eq!(render("{{ threshold }} {{ change }}", Some(6.5)), "5 2.5");
    }

    #[test]
    fn texts_carry_the_unit_and_the_sign() {
        assert_eq!(
            render(
                "{{ value_text }} {{ previous_value_text }} {{ change_text }}",
                Some(6.2)
            ),
            "6.2% 4% +2.2%"
        );
    }

    #[test]
    fn a_missing_value_is_none_and_prints_as_missing() {
        assert_eq!(
            render("{{ value }} {{ value_text }} {{ change }}", None),
            "missing missing missing"
        );
        assert_eq!(
            render("{% if value is none %}no value{% endif %}", None),
            "no value"
        );
    }
}
