//! Rule unit tests: what `kpiwatch test` runs, as `promtool test rules` does for
//! Prometheus.
//!
//! A test file names a config and describes, for each test, the metrics at every
//! evaluation step and the notifications expected at some of them. [`load`] checks the
//! file against its config, reporting every error with its `file:line:column`; [`run`]
//! steps the pure engine through each test in memory; [`render_file`] prints a line per
//! test and a diff of expected against actual for every step that differed.
//! `docs/rule-tests.md` documents the format.
//!
//! ```
//! use std::path::Path;
//!
//! let file = kpiwatch::testing::load(Path::new("examples/saas/kpiwatch.test.yaml")).unwrap();
//! let outcomes = kpiwatch::testing::run(&file);
//! assert!(outcomes.iter().all(|outcome| outcome.passed()));
//! ```

mod diff;
mod format;
mod parse;
mod report;
mod runner;
mod series;

use std::path::Path;

pub use diff::{StateMismatch, StepDiff};
pub use format::{
    DEFAULT_INTERVAL, Document, Expectation, ExpectedNotification, ExpectedValue, FailureSeries,
    Series, TestCase, TestFile, default_start,
};
pub use report::{render_file, render_summary};
pub use runner::{ComparedText, StepFailure, TestOutcome, run, run_test};
pub use series::MAX_STEPS;

use crate::config::ConfigErrors;

/// Reads and validates the test file at `path`, and the config it names. A file that
/// cannot be read is one error at line 1, column 1, naming the operating system's reason.
pub fn load(path: &Path) -> Result<TestFile, ConfigErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path),
        Err(error) => Err(ConfigErrors::unreadable(path, "the test file", &error)),
    }
}

/// Validates test-file `text`, read from `path`. The config it names is read relative to
/// `path`'s folder; the errors of an invalid config follow those of the test file.
pub fn parse(text: &str, path: &Path) -> Result<TestFile, ConfigErrors> {
    parse::parse(text, path)
}
