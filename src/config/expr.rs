//! Arithmetic over metric names: `acquisition.ltv / acquisition.cac`.
//!
//! The grammar is four operators, unary minus, parentheses, numbers and metric names, so a
//! small recursive-descent parser is written here instead of taking a general expression
//! crate: those treat `.` as field access or reject it, report positions we could not map
//! back to the YAML file, and turn division by zero into infinity or an error where
//! kpiwatch needs a missing value.
//!
//! A metric name is letters, digits, `_` and `.`, not starting with a digit and with no
//! empty part between dots. A name with other characters (a dash, a space) is written
//! between backticks: `` `api-gw.p99` ``.

use std::fmt;

/// A parsed expression. Evaluating it never fails: an undefined result is `None`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal number.
    Number(f64),
    /// The value of a metric in the snapshot.
    Metric(String),
    /// `-x`
    Negate(Box<Expr>),
    /// `a + b`, `a - b`, `a * b` or `a / b`.
    Binary(Box<Expr>, Operator, Box<Expr>),
}

/// A binary arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/`
    Divide,
}

/// Why an expression does not parse, and where: `offset` counts characters from the start
/// of the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Zero-based character offset of the problem within the expression.
    pub offset: usize,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

impl std::error::Error for ExprError {}

impl Expr {
    /// Parses an expression.
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        Parser::new(text).parse().map(|(expr, _)| expr)
    }

    /// Parses an expression that is a rule's value, which must also make sense as one: it
    /// reads at least one metric, since a value made of numbers alone never changes, and it
    /// divides by no constant zero, which makes the value always missing. Every such
    /// problem is returned, or the one syntax error.
    pub fn parse_rule_value(text: &str) -> Result<Expr, Vec<ExprError>> {
        let (expr, mut problems) = Parser::new(text).parse().map_err(|error| vec![error])?;
        if expr.metrics().is_empty() {
            problems.insert(
                0,
                ExprError {
                    offset: 0,
                    message: "the expression reads no metric, so its value never changes; use \
                              at least one metric name"
                        .to_string(),
                },
            );
        }
        if problems.is_empty() {
            Ok(expr)
        } else {
            Err(problems)
        }
    }

    /// The value when the expression reads no metric.
    fn constant(&self) -> Option<f64> {
        self.metrics()
            .is_empty()
            .then(|| self.eval(&|_| None))
            .flatten()
    }

    /// Evaluates the expression, reading metrics through `lookup`. The result is `None`
    /// when a metric is missing or the arithmetic is undefined (division by zero, or any
    /// result that is not a finite number).
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        let value = match self {
            Expr::Number(n) => *n,
            Expr::Metric(name) => lookup(name)?,
            Expr::Negate(inner) => -inner.eval(lookup)?,
            Expr::Binary(left, op, right) => {
                let (a, b) = (left.eval(lookup)?, right.eval(lookup)?);
                match op {
                    Operator::Add => a + b,
                    Operator::Subtract => a - b,
                    Operator::Multiply => a * b,
                    Operator::Divide if b == 0.0 => return None,
                    Operator::Divide => a / b,
                }
            }
        };
        value.is_finite().then_some(value)
    }

    /// The metric names the expression reads, in order of appearance, with repeats.
    pub fn metrics(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.collect_metrics(&mut names);
        names
    }

    fn collect_metrics<'a>(&'a self, names: &mut Vec<&'a str>) {
        match self {
            Expr::Number(_) => {}
            Expr::Metric(name) => names.push(name),
            Expr::Negate(inner) => inner.collect_metrics(names),
            Expr::Binary(left, _, right) => {
                left.collect_metrics(names);
                right.collect_metrics(names);
            }
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// What is valid syntax but wrong as a rule's value, found on the way.
    problems: Vec<ExprError>,
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            chars: text.chars().collect(),
            pos: 0,
            problems: Vec::new(),
        }
    }

    fn parse(mut self) -> Result<(Expr, Vec<ExprError>), ExprError> {
        let expr = self.sum()?;
        self.skip_spaces();
        if self.pos < self.chars.len() {
            return Err(self.error(format!(
                "unexpected `{}` after a complete expression",
                self.chars[self.pos]
            )));
        }
        Ok((expr, self.problems))
    }

    fn error(&self, message: String) -> ExprError {
        ExprError {
            offset: self.pos,
            message,
        }
    }

    fn skip_spaces(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_spaces();
        self.chars.get(self.pos).copied()
    }

    fn sum(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.product()?;
        while let Some(op) = self.peek().and_then(|c| match c {
            '+' => Some(Operator::Add),
            '-' => Some(Operator::Subtract),
            _ => None,
        }) {
            self.pos += 1;
            let right = self.product()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        while let Some(op) = self.peek().and_then(|c| match c {
            '*' => Some(Operator::Multiply),
            '/' => Some(Operator::Divide),
            _ => None,
        }) {
            self.pos += 1;
            self.skip_spaces();
            let right_start = self.pos;
            let right = self.unary()?;
            if op == Operator::Divide && right.constant() == Some(0.0) {
                self.problems.push(ExprError {
                    offset: right_start,
                    message: "division by zero: the value would always be missing".to_string(),
                });
            }
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek() == Some('-') {
            self.pos += 1;
            return Ok(Expr::Negate(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.peek() {
            None => Err(self.error("expected a number, a metric name or `(`".to_string())),
            Some('(') => {
                let open = self.pos;
                self.pos += 1;
                let inner = self.sum()?;
                if self.peek() != Some(')') {
                    return Err(ExprError {
                        offset: open,
                        message: "this `(` is never closed".to_string(),
                    });
                }
                self.pos += 1;
                Ok(inner)
            }
            Some('`') => self.quoted_metric(),
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => self.metric_name(),
            Some(c) => Err(self.error(format!(
                "unexpected `{c}`; expected a number, a metric name or `(`"
            ))),
        }
    }

    fn number(&mut self) -> Result<Expr, ExprError> {
        let start = self.pos;
        let mut text = self.take_while(|c| c.is_ascii_digit() || c == '.');
        // An exponent: 1e3, 2.5E-4.
        if matches!(self.chars.get(self.pos), Some('e' | 'E')) {
            text.push('e');
            self.pos += 1;
            if let Some(sign @ ('+' | '-')) = self.chars.get(self.pos).copied() {
                text.push(sign);
                self.pos += 1;
            }
            text.push_str(&self.take_while(|c| c.is_ascii_digit()));
        }
        match text.parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(Expr::Number(number)),
            Ok(_) => Err(ExprError {
                offset: start,
                message: format!("`{text}` is too large a number"),
            }),
            Err(_) => Err(ExprError {
                offset: start,
                message: format!("`{text}` is not a number"),
            }),
        }
    }

    fn metric_name(&mut self) -> Result<Expr, ExprError> {
        let start = self.pos;
        let name = self.take_while(|c| c.is_alphanumeric() || c == '_' || c == '.');
        if name.ends_with('.') || name.contains("..") {
            return Err(ExprError {
                offset: start,
                message: format!(
                    "`{name}` is not a metric name: a dot must join two parts, as in \
                     `acquisition.ltv`; write a name with other characters between backticks"
                ),
            });
        }
        Ok(Expr::Metric(name))
    }

    fn quoted_metric(&mut self) -> Result<Expr, ExprError> {
        let open = self.pos;
        self.pos += 1;
        let name = self.take_while(|c| c != '`');
        if self.chars.get(self.pos) != Some(&'`') {
            return Err(ExprError {
                offset: open,
                message: "this backtick is never closed".to_string(),
            });
        }
        self.pos += 1;
        if name.is_empty() {
            return Err(ExprError {
                offset: open,
                message: "a quoted metric name cannot be empty".to_string(),
            });
        }
        Ok(Expr::Metric(name))
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let start = self.pos;
        while self.chars.get(self.pos).is_some_and(|&c| keep(c)) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, metrics: &[(&str, f64)]) -> Option<f64> {
        let lookup = |name: &str| metrics.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        Expr::parse(text).unwrap().eval(&lookup)
    }

    #[test]
    fn evaluates_with_precedence_and_parentheses() {
        assert_eq!(eval("1 + 2 * 3", &[]), Some(7.0));
        assert_eq!(eval("(1 + 2) * 3", &[]), Some(9.0));
        assert_eq!(eval("-2 - -3", &[]), Some(1.0));
        assert_eq!(eval("10 / 4", &[]), Some(2.5));
        assert_eq!(eval("2.5e2 - 1E1", &[]), Some(240.0));
    }

    #[test]
    fn reads_dotted_and_quoted_metric_names() {
        let metrics = [
            ("acquisition.ltv", 1150.0),
            ("acquisition.cac", 410.0),
            ("a-b", 2.0),
        ];
        let ratio = eval("acquisition.ltv / acquisition.cac", &metrics).unwrap();
        assert!((ratio - 2.804878).abs() < 1e-6);
        assert_eq!(eval("`a-b` * 2", &metrics), Some(4.0));
    }

    #[test]
    fn division_by_zero_and_missing_metrics_are_missing() {
        assert_eq!(eval("1 / 0", &[]), None);
        assert_eq!(eval("x / y", &[("x", 1.0), ("y", 0.0)]), None);
        assert_eq!(eval("x + 1", &[]), None);
    }

    #[test]
    fn lists_the_metrics_it_reads() {
        let expr = Expr::parse("(a.b + c) / a.b").unwrap();
        assert_eq!(expr.metrics(), vec!["a.b", "c", "a.b"]);
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases = [
            ("", 0, "expected a number"),
            ("a +", 3, "expected a number"),
            ("(a + b", 0, "never closed"),
            ("a b", 2, "unexpected `b`"),
            ("a $ b", 2, "unexpected `$`"),
            ("1.2.3", 0, "not a number"),
            ("`abc", 0, "backtick is never closed"),
            ("2 * 1e999", 4, "`1e999` is too large a number"),
            ("a.", 0, "`a.` is not a metric name"),
            ("b + a..c", 4, "`a..c` is not a metric name"),
        ];
        for (text, offset, message) in cases {
            let error = Expr::parse(text).unwrap_err();
            assert_eq!(error.offset, offset, "{text}: {error}");
            assert!(error.message.contains(message), "{text}: {error}");
        }
    }

    #[test]
    fn a_rule_value_reads_a_metric_and_divides_by_no_constant_zero() {
        let problems = |text: &str| -> Vec<(usize, String)> {
            match Expr::parse_rule_value(text) {
                Ok(_) => Vec::new(),
                Err(errors) => errors.into_iter().map(|e| (e.offset, e.message)).collect(),
            }
        };
        assert_eq!(problems("a.b / (c - 1) * 100"), vec![]);
        assert_eq!(problems("a / b"), vec![]);
        assert_eq!(problems("a / 0.5"), vec![]);

        let found = problems("1 + 2");
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("reads no metric"), "{found:?}");

        let found = problems("a / 0 + b / (2 - 2) + c / -0");
        let offsets: Vec<usize> = found.iter().map(|(offset, _)| *offset).collect();
        assert_eq!(offsets, vec![4, 12, 26], "{found:?}");
        assert!(found.iter().all(|(_, m)| m.contains("division by zero")));

        // A syntax error is the one error: nothing after it can be trusted.
        assert_eq!(problems("1 + / 0").len(), 1);
    }

    #[test]
    fn plain_parsing_keeps_the_engine_semantics_of_constant_expressions() {
        assert_eq!(eval("1 / 0", &[]), None);
        assert!(Expr::parse("1 + 2").is_ok());
    }
}
