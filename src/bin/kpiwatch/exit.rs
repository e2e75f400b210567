//! Exit codes, documented in the README's CLI reference.

/// The exit codes of every subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// The command did its job.
    Success = 0,
    /// The job ran, and its verdict is negative: alerts at or above `--fail-on` are firing,
    /// or rule tests failed.
    Verdict = 1,
    /// The input is wrong: an invalid config or test file, or bad arguments (clap uses 2
    /// for those too).
    InvalidInput = 2,
    /// The job could not complete: the store failed, or notifications were not delivered.
    Incomplete = 3,
}
