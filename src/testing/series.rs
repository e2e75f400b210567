//! The step notation of `series` and `source_failures`: one whitespace-separated token per
//! step, with a repeat suffix so that long tests stay short.
//!
//! In a metric series, `6.2` is a value, `_` a missing value, `6.2x3` three steps at 6.2,
//! `_x3` three missing steps, and `1+0.5x4` four steps counting up from 1 by 0.5 (1, 1.5,
//! 2, 2.5; `10-2x3` counts down). In a failure series, `ok` and `fail` take the same
//! suffix: `okx3 failx2`.
//!
//! `xN` always means N steps. promtool's `a+bxn` means n + 1 values, and `_xn` n of them;
//! here the number written is the number of steps, whatever the token, so that the length
//! of a series can be read off it.

use std::fmt;

/// The most steps one test may have. Every rule is evaluated at every step, so this bounds
/// the work one test file can ask for; a year of hourly steps fits.
pub const MAX_STEPS: usize = 10_000;

/// Why a series does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesError {
    /// Zero-based character offset of the problem in the series text.
    pub offset: usize,
    /// One sentence.
    pub message: String,
}

impl fmt::Display for SeriesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

/// Parses a metric series: one value per step, `None` where the metric is missing. Every
/// bad token is reported, not only the first.
pub fn metric_values(text: &str) -> Result<Vec<Option<f64>>, Vec<SeriesError>> {
    each_token(text, token_values)
}

/// Parses a failure series: for each step, whether the source fails. Every bad token is
/// reported, not only the first.
pub fn failed_steps(text: &str) -> Result<Vec<bool>, Vec<SeriesError>> {
    each_token(text, |token, count| {
        let fails = match token.body {
            "ok" => false,
            "fail" => true,
            other => {
                return Err(SeriesError {
                    offset: token.offset,
                    message: format!(
                        "`{other}` is not a step of a failure series; write `ok` or `fail`, \
                         with `xN` to repeat one, as in `okx2 fail ok`"
                    ),
                });
            }
        };
        Ok(vec![fails; count])
    })
}

/// Reads every token of `text` with `read`, given the number of steps the token stands
/// for, and gathers one error per bad token. A bad token still counts its steps towards
/// the limit, so that the limit is reported where the series really crosses it, and once.
fn each_token<T>(
    text: &str,
    read: impl Fn(&Token<'_>, usize) -> Result<Vec<T>, SeriesError>,
) -> Result<Vec<T>, Vec<SeriesError>> {
    let mut steps = Vec::new();
    let mut errors = Vec::new();
    let mut written = 0;
    for token in tokens(text).map_err(|error| vec![error])? {
        let count = match token.count() {
            Ok(count) => count,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        if let Err(error) = check_room(written, count, token.offset) {
            errors.push(error);
            break;
        }
        written += count;
        match read(&token, count) {
            Ok(values) => steps.extend(values),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(steps)
    } else {
        Err(errors)
    }
}

/// The values of one token of a metric series that stands for `count` steps.
fn token_values(token: &Token<'_>, count: usize) -> Result<Vec<Option<f64>>, SeriesError> {
    let body = token.body;
    if body == "_" {
        return Ok(vec![None; count]);
    }
    let (start, step) = match split_progression(body) {
        Some((start, sign, step)) => {
            if token.count.is_none() {
                return Err(SeriesError {
                    offset: token.offset,
                    message: format!(
                        "`{body}` counts from {start} by {sign}{step}, and needs a number of \
                         steps: write `{body}x4` for four steps"
                    ),
                });
            }
            let start = number(start, token.offset)?;
            let step_offset = token.offset + start_len(body);
            let step = number(step, step_offset)?;
            (start, if sign == '-' { -step } else { step })
        }
        None => (number(body, token.offset)?, 0.0),
    };
    (0..count)
        .map(|index| {
            let value = start + step * index as f64;
            if value.is_finite() {
                Ok(Some(value))
            } else {
                Err(SeriesError {
                    offset: token.offset,
                    message: format!(
                        "`{}` grows beyond the numbers a metric can hold",
                        token.text
                    ),
                })
            }
        })
        .collect()
}

/// One whitespace-separated token.
struct Token<'t> {
    /// The token as written.
    text: &'t str,
    /// Zero-based character offset of its first character.
    offset: usize,
    /// The token without its repeat suffix.
    body: &'t str,
    /// The digits after the `x` of the repeat suffix, and their character offset.
    count: Option<(&'t str, usize)>,
}

impl Token<'_> {
    /// How many steps the token stands for.
    fn count(&self) -> Result<usize, SeriesError> {
        let Some((digits, offset)) = self.count else {
            return Ok(1);
        };
        match digits.parse::<usize>() {
            Ok(0) => Err(SeriesError {
                offset,
                message: format!("`{}` repeats zero times; remove it", self.text),
            }),
            Ok(count) => Ok(count),
            // Only digits get here, so the number is too large for a count: more steps than
            // any test may have, which the caller reports at the token.
            Err(_) => Ok(usize::MAX),
        }
    }
}

fn tokens(text: &str) -> Result<Vec<Token<'_>>, SeriesError> {
    let mut tokens = Vec::new();
    let mut chars_before = 0;
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        chars_before += rest[..start].chars().count();
        rest = &rest[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token_text = &rest[..end];
        // Only digits after the last `x` make a repeat; anything else is one odd token,
        // reported whole (`six` is not a number, rather than a bad repeat of `si`).
        let repeat = token_text.rfind('x').filter(|&x| {
            let digits = &token_text[x + 1..];
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        });
        let (body, count) = match repeat {
            Some(x) => {
                let count_offset = chars_before + token_text[..=x].chars().count();
                (&token_text[..x], Some((&token_text[x + 1..], count_offset)))
            }
            None => (token_text, None),
        };
        tokens.push(Token {
            text: token_text,
            offset: chars_before,
            body,
            count,
        });
        chars_before += token_text.chars().count();
        rest = &rest[end..];
    }
    if tokens.is_empty() {
        return Err(SeriesError {
            offset: 0,
            message: "the series is empty; write one value per step, such as `6.2 6.4 _ 3`"
                .to_string(),
        });
    }
    Ok(tokens)
}

/// `1+0.5` or `10-2` as (start, sign, step). A sign at the start, or right after an
/// exponent's `e`, belongs to a number.
fn split_progression(body: &str) -> Option<(&str, char, &str)> {
    let bytes = body.as_bytes();
    let at = (1..bytes.len()).find(|&i| {
        matches!(bytes[i], b'+' | b'-') && !matches!(bytes[i - 1], b'e' | b'E' | b'+' | b'-')
    })?;
    Some((&body[..at], char::from(bytes[at]), &body[at + 1..]))
}

/// The length of the start of a progression and its sign, in characters.
fn start_len(body: &str) -> usize {
    split_progression(body).map_or(0, |(start, _, _)| start.chars().count() + 1)
}

/// A finite decimal number, as a metric can hold. Rust's float parser also takes `inf` and
/// `NaN`, which no source ever delivers, so only digits, a point, signs and an exponent are
/// let through.
pub fn parse_number(text: &str) -> Option<f64> {
    let plausible = text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    text.parse::<f64>()
        .ok()
        .filter(|value| plausible && value.is_finite())
}

fn number(text: &str, offset: usize) -> Result<f64, SeriesError> {
    match parse_number(text) {
        Some(value) => Ok(value),
        None => Err(SeriesError {
            offset,
            message: format!(
                "`{text}` is not a number; a step is a number such as `6.2` or `-3e2`, `_` for \
                 a missing value, or either with `xN` to repeat it"
            ),
        }),
    }
}

fn check_room(len: usize, count: usize, offset: usize) -> Result<(), SeriesError> {
    if len.saturating_add(count) > MAX_STEPS {
        return Err(too_long(offset));
    }
    Ok(())
}

fn too_long(offset: usize) -> SeriesError {
    SeriesError {
        offset,
        message: format!("the series is longer than {MAX_STEPS} steps, the most a test may have"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<Option<f64>> {
        metric_values(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    fn error(text: &str) -> SeriesError {
        let errors = metric_values(text).unwrap_err();
        assert_eq!(errors.len(), 1, "{text:?}: {errors:?}");
        errors[0].clone()
    }

    fn offsets(errors: &[SeriesError]) -> Vec<usize> {
        errors.iter().map(|error| error.offset).collect()
    }

    #[test]
    fn values_missing_values_and_repeats_give_one_entry_per_step() {
        assert_eq!(
            values("6.2 6.4  _ 3"),
            [Some(6.2), Some(6.4), None, Some(3.0)]
        );
        assert_eq!(
            values("  1x3 _x2 -2.5e1 "),
            [Some(1.0), Some(1.0), Some(1.0), None, None, Some(-25.0)]
        );
        assert_eq!(values("7"), [Some(7.0)]);
    }

    #[test]
    fn progressions_give_exactly_the_number_of_steps_written() {
        assert_eq!(
            values("1+0.5x4"),
            [Some(1.0), Some(1.5), Some(2.0), Some(2.5)]
        );
        assert_eq!(values("10-2x3"), [Some(10.0), Some(8.0), Some(6.0)]);
        assert_eq!(values("-5-1x2"), [Some(-5.0), Some(-6.0)]);
        assert_eq!(values("1e-3+1e-3x2"), [Some(0.001), Some(0.002)]);
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        let cases = [
            ("", 0, "the series is empty"),
            ("   ", 0, "the series is empty"),
            ("1 2 abc", 4, "`abc` is not a number"),
            ("1 inf", 2, "`inf` is not a number"),
            ("1 NaN", 2, "`NaN` is not a number"),
            ("1 2x0", 4, "repeats zero times"),
            ("1 2x", 2, "`2x` is not a number"),
            ("1 2xy", 2, "`2xy` is not a number"),
            ("1 six", 2, "`six` is not a number"),
            ("1 1+2", 2, "needs a number of steps: write `1+2x4`"),
            ("1+zx3", 2, "`z` is not a number"),
            ("1x10001", 0, "longer than 10000 steps"),
            ("1x99999999999999999999999", 0, "longer than 10000 steps"),
            ("1e308+1e308x3", 0, "grows beyond"),
        ];
        for (text, offset, fragment) in cases {
            let error = error(text);
            assert_eq!(error.offset, offset, "{text:?}: {error}");
            assert!(error.message.contains(fragment), "{text:?}: {error}");
        }
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        assert_eq!(error("1\u{a0}é").offset, 2);
    }

    #[test]
    fn failure_series_read_ok_and_fail_with_repeats() {
        assert_eq!(
            failed_steps("okx2 fail ok").unwrap(),
            [false, false, true, false]
        );
        let error = &failed_steps("ok x").unwrap_err()[0];
        assert_eq!(error.offset, 3);
        assert!(error.message.contains("`x` is not a step"), "{error}");
        assert!(error.message.contains("write `ok` or `fail`"), "{error}");
        assert!(failed_steps("failx0").is_err());
    }

    #[test]
    fn every_bad_token_of_a_series_is_reported_once() {
        let errors = metric_values("1 abc 2x0 _ 1+2 six 3").unwrap_err();
        assert_eq!(offsets(&errors), [2, 8, 12, 16], "{errors:?}");
        assert!(
            errors[3].message.contains("`six` is not a number"),
            "{errors:?}"
        );

        let errors = failed_steps("ok fial okx2 pass").unwrap_err();
        assert_eq!(offsets(&errors), [3, 13], "{errors:?}");
    }

    #[test]
    fn a_series_past_the_step_limit_is_reported_once_where_it_crosses_it() {
        let errors = metric_values("abcx5000 1x5000 2 3x9 foo").unwrap_err();
        assert_eq!(offsets(&errors), [0, 16], "{errors:?}");
        assert!(
            errors[1].message.contains("longer than 10000"),
            "{errors:?}"
        );
    }
}
