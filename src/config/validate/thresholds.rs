//! Whether a rule's conditions make sense together: a warning less strict than the
//! critical, and a recovery on the other side of the firing ranges.
//!
//! Each condition is read as the set of values where it holds. The critical condition is
//! checked first, so a warning is unreachable exactly when its set lies inside the
//! critical's; that is decided for every pair of operators, `==` and `!=` included. Only
//! directional conditions have an order, so only they are told which way to move the
//! threshold. A recovery is checked against every firing condition.

use crate::config::{Comparison, Condition};

/// The values where a condition holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Range {
    /// Above `t`, and `t` itself when `inclusive`.
    Above { t: f64, inclusive: bool },
    /// Below `t`, and `t` itself when `inclusive`.
    Below { t: f64, inclusive: bool },
    /// Only `t`.
    Exactly(f64),
    /// Everything but `t`.
    Except(f64),
}

impl Range {
    fn of(condition: &Condition) -> Range {
        let t = condition.threshold;
        match condition.comparison {
            Comparison::Greater => Range::Above {
                t,
                inclusive: false,
            },
            Comparison::GreaterOrEqual => Range::Above { t, inclusive: true },
            Comparison::Less => Range::Below {
                t,
                inclusive: false,
            },
            Comparison::LessOrEqual => Range::Below { t, inclusive: true },
            Comparison::Equal => Range::Exactly(t),
            Comparison::NotEqual => Range::Except(t),
        }
    }

    fn overlaps(self, other: Range) -> bool {
        use Range::*;
        match (self, other) {
            (Above { .. }, Above { .. }) | (Below { .. }, Below { .. }) => true,
            (
                Above {
                    t: low,
                    inclusive: a,
                },
                Below {
                    t: high,
                    inclusive: b,
                },
            )
            | (
                Below {
                    t: high,
                    inclusive: b,
                },
                Above {
                    t: low,
                    inclusive: a,
                },
            ) => low < high || (low == high && a && b),
            (Exactly(t), range) | (range, Exactly(t)) => range.contains(t),
            (Except(_), _) | (_, Except(_)) => true,
        }
    }

    fn contains(self, value: f64) -> bool {
        match self {
            Range::Above { t, inclusive } => value > t || (inclusive && value == t),
            Range::Below { t, inclusive } => value < t || (inclusive && value == t),
            Range::Exactly(t) => value == t,
            Range::Except(t) => value != t,
        }
    }

    /// Is every value of `self` also in `other`? Only asked of ranges of one direction.
    fn within(self, other: Range) -> bool {
        match (self, other) {
            (
                Range::Above {
                    t: a,
                    inclusive: ia,
                },
                Range::Above {
                    t: b,
                    inclusive: ib,
                },
            ) => a > b || (a == b && (!ia || ib)),
            (
                Range::Below {
                    t: a,
                    inclusive: ia,
                },
                Range::Below {
                    t: b,
                    inclusive: ib,
                },
            ) => a < b || (a == b && (!ia || ib)),
            _ => false,
        }
    }

    /// Is every value of `inner` also in `self`?
    fn covers(self, inner: Range) -> bool {
        match (self, inner) {
            (outer, Range::Exactly(t)) => outer.contains(t),
            (outer, Range::Except(t)) => outer == Range::Except(t),
            (Range::Except(t), inner) => !inner.contains(t),
            (Range::Exactly(_), _) => false,
            (outer, inner) => inner.within(outer),
        }
    }

    /// The condition that holds exactly where this one does not.
    fn complement(self) -> Condition {
        let (comparison, threshold) = match self {
            Range::Above { t, inclusive: true } => (Comparison::Less, t),
            Range::Above {
                t,
                inclusive: false,
            } => (Comparison::LessOrEqual, t),
            Range::Below { t, inclusive: true } => (Comparison::Greater, t),
            Range::Below {
                t,
                inclusive: false,
            } => (Comparison::GreaterOrEqual, t),
            Range::Exactly(t) => (Comparison::NotEqual, t),
            Range::Except(t) => (Comparison::Equal, t),
        };
        Condition {
            comparison,
            threshold,
        }
    }
}

fn points_up(range: Range) -> Option<bool> {
    match range {
        Range::Above { .. } => Some(true),
        Range::Below { .. } => Some(false),
        Range::Exactly(_) | Range::Except(_) => None,
    }
}

/// Why `warning` does not fit with `critical`, if it does not: they point in opposite
/// directions, or the warning holds nowhere the critical does not, so that the warning
/// level could never be reached.
pub fn warning_problem(critical: &Condition, warning: &Condition) -> Option<String> {
    let (c, w) = (Range::of(critical), Range::of(warning));
    let (Some(c_up), Some(w_up)) = (points_up(c), points_up(w)) else {
        return c.covers(w).then(|| {
            format!(
                "warning `{warning}` can never be reached: wherever it holds, critical \
                 `{critical}` holds too, and the critical level wins"
            )
        });
    };
    if c_up != w_up {
        return Some(format!(
            "warning `{warning}` and critical `{critical}` point in opposite directions; \
             both must fire on high values, or both on low values"
        ));
    }
    if !w.within(c) {
        return None;
    }
    let how = if warning.threshold == critical.threshold {
        "as strict as"
    } else {
        "stricter than"
    };
    let side = if c_up { "below" } else { "above" };
    Some(format!(
        "warning `{warning}` is {how} critical `{critical}`, so the warning level can never \
         be reached; put the warning threshold {side} {}",
        critical.threshold
    ))
}

/// Why `recovery` does not fit with the firing conditions, if it does not: a value where a
/// firing condition holds would also count as recovered. `firing` is the rule's conditions
/// with their names, least strict first.
pub fn recovery_problem(recovery: &Condition, firing: &[(&str, &Condition)]) -> Option<String> {
    let r = Range::of(recovery);
    firing.iter().find_map(|(name, condition)| {
        let f = Range::of(condition);
        if !r.overlaps(f) {
            return None;
        }
        let complement = f.complement();
        let what = if points_up(r).is_some() && points_up(r) == points_up(f) {
            "points the same way as"
        } else {
            "overlaps the firing range of"
        };
        Some(format!(
            "recovery `{recovery}` {what} {name} `{condition}`; it must hold only where \
             {name} does not, as `{complement}` does"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Condition {
        text.parse().unwrap()
    }

    #[test]
    fn a_warning_below_an_upward_critical_fits() {
        assert_eq!(warning_problem(&c("> 5"), &c("> 4")), None);
        assert_eq!(warning_problem(&c("> 5"), &c(">= 5")), None);
        assert_eq!(warning_problem(&c("< 3"), &c("< 4")), None);
        assert_eq!(warning_problem(&c("<= 3"), &c("<= 3.5")), None);
    }

    #[test]
    fn a_warning_that_can_never_be_reached_is_a_problem() {
        let message = warning_problem(&c("> 5"), &c("> 6")).unwrap();
        assert!(message.contains("stricter than"), "{message}");
        assert!(message.contains("below 5"), "{message}");
        let message = warning_problem(&c("> 5"), &c("> 5")).unwrap();
        assert!(message.contains("as strict as"), "{message}");
        assert!(warning_problem(&c(">= 5"), &c("> 5")).is_some());
        assert!(warning_problem(&c("< 3"), &c("< 2")).is_some());
    }

    #[test]
    fn opposite_directions_are_a_problem_and_equality_is_not_checked() {
        let message = warning_problem(&c("> 5"), &c("< 3")).unwrap();
        assert!(message.contains("opposite directions"), "{message}");
        assert_eq!(warning_problem(&c("== 0"), &c("> 100")), None);
        assert_eq!(warning_problem(&c("> 5"), &c("!= 1")), None);
    }

    #[test]
    fn an_equality_warning_inside_the_critical_is_a_problem() {
        let unreachable = [
            ("!= 0", "> 10"),
            ("!= 0", "< -1"),
            ("!= 0", "== 3"),
            ("!= 0", "!= 0"),
            ("> 5", "== 6"),
            (">= 5", "== 5"),
            ("== 5", "== 5"),
            ("< 0", "== -1"),
        ];
        for (critical, warning) in unreachable {
            let message = warning_problem(&c(critical), &c(warning))
                .unwrap_or_else(|| panic!("{critical} / {warning} is not flagged"));
            assert!(message.contains("can never be reached"), "{message}");
        }
    }

    #[test]
    fn an_equality_warning_with_values_of_its_own_is_not_a_problem() {
        let reachable = [
            ("!= 0", ">= 0"),
            ("!= 0", "<= 0"),
            ("!= 0", "== 0"),
            ("!= 0", "!= 1"),
            ("> 5", "== 5"),
            ("== 5", "== 6"),
            ("== 5", "!= 5"),
            ("== 5", "> 4"),
            ("> 5", "!= 6"),
        ];
        for (critical, warning) in reachable {
            assert_eq!(
                warning_problem(&c(critical), &c(warning)),
                None,
                "{critical} / {warning}"
            );
        }
    }

    #[test]
    fn a_recovery_on_the_other_side_fits() {
        let critical = c("> 5");
        assert_eq!(
            recovery_problem(&c("< 3.5"), &[("critical", &critical)]),
            None
        );
        assert_eq!(
            recovery_problem(&c("<= 5"), &[("critical", &critical)]),
            None
        );
        assert_eq!(
            recovery_problem(&c("== 0"), &[("critical", &critical)]),
            None
        );
        let low = c("< 3");
        assert_eq!(recovery_problem(&c(">= 3"), &[("warning", &low)]), None);
    }

    #[test]
    fn an_overlapping_recovery_is_a_problem_with_a_hint() {
        let critical = c("> 5");
        let message = recovery_problem(&c("< 6"), &[("critical", &critical)]).unwrap();
        assert!(message.contains("overlaps the firing range"), "{message}");
        assert!(message.contains("`<= 5`"), "{message}");

        let message = recovery_problem(&c("> 3"), &[("critical", &critical)]).unwrap();
        assert!(message.contains("points the same way"), "{message}");

        let inclusive = c(">= 5");
        assert!(recovery_problem(&c("<= 5"), &[("critical", &inclusive)]).is_some());
        assert!(recovery_problem(&c("!= 0"), &[("critical", &critical)]).is_some());
    }

    #[test]
    fn the_recovery_is_checked_against_the_least_strict_condition_first() {
        let (critical, warning) = (c("> 5"), c("> 4"));
        let firing = [("warning", &warning), ("critical", &critical)];
        let message = recovery_problem(&c("< 4.5"), &firing).unwrap();
        assert!(message.contains("warning `> 4`"), "{message}");
        assert_eq!(recovery_problem(&c("< 4"), &firing), None);
    }
}
