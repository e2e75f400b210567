//! The check behind the invalid-input tables: each fixture file gives exactly the errors
//! its row lists, each at its line and column and containing its fragment.

use std::path::{Path, PathBuf};

use kpiwatch::config::ConfigErrors;

/// A fixture's name and the `(line, column, message fragment)` of each expected error.
pub type Row = (&'static str, &'static [(usize, usize, &'static str)]);

/// Loads each row's fixture with `load` and collects every mismatch, so that one run shows
/// all the rows that are wrong.
pub fn check<T>(
    rows: &[Row],
    fixture: impl Fn(&str) -> PathBuf,
    load: impl Fn(&Path) -> Result<T, ConfigErrors>,
) {
    let mut failures = Vec::new();
    for (name, expected) in rows {
        let path = fixture(name);
        let errors = match load(&path) {
            Ok(_) => {
                failures.push(format!("{name}: loaded without errors"));
                continue;
            }
            Err(errors) => errors.errors,
        };
        let matches = errors.len() == expected.len()
            && errors
                .iter()
                .zip(expected.iter())
                .all(|(error, (line, column, fragment))| {
                    error.file == path
                        && error.line == *line
                        && error.column == *column
                        && error.message.contains(fragment)
                });
        if !matches {
            let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
            failures.push(format!("{name}: expected {expected:?}\n  got {got:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
