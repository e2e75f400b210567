//! Number and sparkline formatting shared by every output format.

/// How a missing value reads, wherever a value is printed.
pub const MISSING_VALUE: &str = "missing";

/// A value with its unit, as a person reads it: `6.2%`, `240 ms`, `48,200`.
///
/// Values are rounded to at most four significant decimals and trailing zeros dropped,
/// so `2.8048780487` reads `2.805`. A unit that starts with a letter is separated by a
/// space (`240 ms`); symbols such as `%` are not (`6.2%`).
pub fn format_value(value: f64, unit: &str) -> String {
    let number = format_number(value);
    match unit.chars().next() {
        None => number,
        Some(c) if c.is_alphanumeric() => format!("{number} {unit}"),
        Some(_) => format!("{number}{unit}"),
    }
}

/// A difference with its unit, signed: `+2.2%`, `-3 ms`, `0`.
pub fn format_change(value: f64, unit: &str) -> String {
    let text = format_value(value, unit);
    if value > 0.0 && format_number(value) != "0" {
        format!("+{text}")
    } else {
        text
    }
}

/// A value rounded as [`format_value`] shows it, as a number: `2.8048780487` gives `2.805`.
pub fn rounded_for_reading(value: f64) -> f64 {
    format_number(value).parse().unwrap_or(value)
}

/// From this magnitude up, values are written in scientific notation (`1.235e29`): in fixed
/// notation the largest doubles take over 300 digits. Tiny values keep rounding to `0`
/// instead, since they are far more often the noise of decimal arithmetic
/// (`0.1 + 0.2 - 0.3`) than a measurement.
const SCIENTIFIC_FROM_MAGNITUDE: i32 = 15;

fn format_number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return if value == 0.0 {
            "0".into()
        } else {
            value.to_string()
        };
    }
    let magnitude = value.abs().log10().floor() as i32;
    if magnitude >= SCIENTIFIC_FROM_MAGNITUDE {
        let text = format!("{value:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", without_trailing_zeros(mantissa));
    }
    // Enough decimals for four significant digits on small numbers, at most 3 otherwise.
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    let text = without_trailing_zeros(&format!("{value:.decimals$}"));
    if text == "-0" { "0".to_string() } else { text }
}

fn without_trailing_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

/// A threshold as conditions write it: exactly, as the config gave it, but in scientific
/// notation where fixed notation would run to dozens of digits (`> 1e29`, `> 2.5e-9`).
pub fn format_threshold(threshold: f64) -> String {
    let magnitude = threshold.abs().log10().floor() as i32;
    if threshold == 0.0 || (-6..SCIENTIFIC_FROM_MAGNITUDE).contains(&magnitude) {
        threshold.to_string()
    } else {
        format!("{threshold:e}")
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A missing value in a sparkline. Not a space: a gap at either end would vanish, and the
/// text around the sparkline would look misaligned.
pub const SPARKLINE_GAP: char = '·';

/// Draws values, oldest first, as a sparkline. A missing value is [`SPARKLINE_GAP`]; a flat
/// series is drawn at the middle height.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let present = values.iter().flatten().copied();
    let (low, high) = present.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    values
        .iter()
        .map(|value| match value {
            None => SPARKLINE_GAP,
            Some(_) if high <= low => BARS[3],
            Some(v) => {
                // Halved first: the span of values near ±f64::MAX overflows to infinity.
                let position =
                    (v / 2.0 - low / 2.0) / (high / 2.0 - low / 2.0) * (BARS.len() - 1) as f64;
                BARS[position.round() as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_values_with_units_the_way_people_write_them() {
        assert_eq!(format_value(6.2, "%"), "6.2%");
        assert_eq!(format_value(240.0, "ms"), "240 ms");
        assert_eq!(format_value(2.8048780487, ""), "2.805");
        assert_eq!(format_value(48200.0, ""), "48200");
        assert_eq!(format_value(0.08, "%"), "0.08%");
        assert_eq!(format_value(-10.25, "%"), "-10.25%");
        assert_eq!(format_value(0.0001234, ""), "0.000123");
    }

    #[test]
    fn huge_values_and_extreme_thresholds_are_written_in_scientific_notation() {
        assert_eq!(format_value(1.2345678e29, ""), "1.235e29");
        assert_eq!(format_value(-1e300, "%"), "-1e300%");
        assert_eq!(format_value(f64::MAX, ""), "1.798e308");
        assert_eq!(format_value(99_999_999_999_999.0, ""), "99999999999999");
        assert_eq!(format_value(1e-7, ""), "0");
        assert_eq!(rounded_for_reading(1.2345678e29), 1.235e29);
        assert_eq!(format_threshold(1e29), "1e29");
        assert_eq!(format_threshold(-2.5e-9), "-2.5e-9");
        assert_eq!(format_threshold(99.9), "99.9");
        assert_eq!(format_threshold(0.0), "0");
    }

    #[test]
    fn changes_are_signed_and_rounded_values_stay_numbers() {
        assert_eq!(format_change(2.2, "%"), "+2.2%");
        assert_eq!(format_change(-3.0, "ms"), "-3 ms");
        assert_eq!(format_change(0.00000001, ""), "0");
        assert_eq!(rounded_for_reading(2.8048780487), 2.805);
        assert_eq!(rounded_for_reading(48200.0), 48200.0);
    }

    #[test]
    fn sparkline_spans_the_range_and_marks_gaps() {
        assert_eq!(sparkline(&[Some(1.0), Some(2.0), None, Some(8.0)]), "▁▂·█");
        assert_eq!(sparkline(&[Some(1.0), None]), "▄·");
        assert_eq!(sparkline(&[Some(5.0), Some(5.0)]), "▄▄");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[Some(-1e308), Some(0.0), Some(1e308)]), "▁▅█");
    }
}
