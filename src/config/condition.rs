use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A comparison operator of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
}

impl Comparison {
    /// The operator as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Equal => "==",
            Comparison::NotEqual => "!=",
        }
    }

    /// Does a larger value make the comparison more likely to hold? `None` for `==` and
    /// `!=`, which have no direction.
    pub fn points_up(self) -> Option<bool> {
        match self {
            Comparison::Greater | Comparison::GreaterOrEqual => Some(true),
            Comparison::Less | Comparison::LessOrEqual => Some(false),
            Comparison::Equal | Comparison::NotEqual => None,
        }
    }
}

/// A threshold condition such as `> 5` or `<= 99.9`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// The operator.
    pub comparison: Comparison,
    /// The number the value is compared with. Always finite.
    pub threshold: f64,
}

impl Condition {
    /// Does `value` meet the condition?
    pub fn holds(&self, value: f64) -> bool {
        let t = self.threshold;
        match self.comparison {
            Comparison::Greater => value > t,
            Comparison::GreaterOrEqual => value >= t,
            Comparison::Less => value < t,
            Comparison::LessOrEqual => value <= t,
            Comparison::Equal => value == t,
            Comparison::NotEqual => value != t,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let threshold = crate::notify::format_threshold(self.threshold);
        write!(f, "{} {threshold}", self.comparison.as_str())
    }
}

impl FromStr for Condition {
    type Err = String;

    /// Parses `OP NUMBER`, with or without a space, where OP is one of
    /// `> >= < <= == !=`.
    fn from_str(text: &str) -> Result<Condition, String> {
        let text = text.trim();
        let is_operator = |c: char| matches!(c, '<' | '>' | '=' | '!');
        // The whole run of operator characters is the operator, so that `>> 5` is reported
        // as a wrong operator rather than as `>` followed by the number `> 5`.
        let operator_len = text.find(|c: char| !is_operator(c)).unwrap_or(text.len());
        let (operator, rest) = text.split_at(operator_len);
        let comparison = match operator {
            ">" => Comparison::Greater,
            ">=" => Comparison::GreaterOrEqual,
            "<" => Comparison::Less,
            "<=" => Comparison::LessOrEqual,
            "==" => Comparison::Equal,
            "!=" => Comparison::NotEqual,
            "" => {
                return Err(format!(
                    "condition `{text}` must start with one of > >= < <= == != (for example \
                     `> 5`)"
                ));
            }
            invalid => {
                let suggestion = match invalid {
                    "=>" => " (did you mean `>=`?)",
                    "=<" => " (did you mean `<=`?)",
                    "=" | "===" => " (did you mean `==`?)",
                    "<>" | "!" | "!==" => " (did you mean `!=`?)",
                    _ => "",
                };
                return Err(format!(
                    "condition `{text}` has the invalid operator `{invalid}`{suggestion}; the \
                     operators are > >= < <= == !="
                ));
            }
        };
        let number = rest.trim();
        let second: String = number.chars().take_while(|&c| is_operator(c)).collect();
        if !second.is_empty() {
            return Err(format!(
                "condition `{text}` has a second operator `{second}` after `{operator}`; write \
                 one of > >= < <= == !=, with no space inside"
            ));
        }
        match number.parse::<f64>() {
            Ok(threshold) if threshold.is_finite() => Ok(Condition {
                comparison,
                threshold,
            }),
            _ => Err(format!(
                "condition `{text}` needs a finite number after `{}`, found `{number}`",
                comparison.as_str()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator_with_and_without_spaces() {
        let cases = [
            ("> 5", Comparison::Greater, 5.0),
            (">=5", Comparison::GreaterOrEqual, 5.0),
            ("< -10", Comparison::Less, -10.0),
            ("<= 99.9", Comparison::LessOrEqual, 99.9),
            ("== 0", Comparison::Equal, 0.0),
            ("!= 1e3", Comparison::NotEqual, 1000.0),
        ];
        for (text, comparison, threshold) in cases {
            let condition: Condition = text.parse().unwrap();
            assert_eq!(condition.comparison, comparison, "{text}");
            assert_eq!(condition.threshold, threshold, "{text}");
        }
    }

    #[test]
    fn rejects_missing_operator_and_non_finite_numbers() {
        assert!(
            "5".parse::<Condition>()
                .unwrap_err()
                .contains("must start with")
        );
        assert!(
            "> five"
                .parse::<Condition>()
                .unwrap_err()
                .contains("finite number")
        );
        assert!(
            "> NaN"
                .parse::<Condition>()
                .unwrap_err()
                .contains("finite number")
        );
        assert!(
            "> inf"
                .parse::<Condition>()
                .unwrap_err()
                .contains("finite number")
        );
    }

    #[test]
    fn a_wrong_operator_is_named_as_the_operator() {
        let cases = [
            (">> 5", "invalid operator `>>`;"),
            ("=> 5", "invalid operator `=>` (did you mean `>=`?)"),
            ("=< 5", "(did you mean `<=`?)"),
            ("= 5", "(did you mean `==`?)"),
            ("<> 5", "(did you mean `!=`?)"),
            ("> = 5", "a second operator `=` after `>`"),
            ("<= < 5", "a second operator `<` after `<=`"),
        ];
        for (text, fragment) in cases {
            let message = text.parse::<Condition>().unwrap_err();
            assert!(message.contains(fragment), "{text}: {message}");
        }
    }

    #[test]
    fn displays_as_written() {
        let condition: Condition = ">= 99.9".parse().unwrap();
        assert_eq!(condition.to_string(), ">= 99.9");
    }
}
