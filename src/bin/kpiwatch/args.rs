use std::path::PathBuf;

use chrono::{
    DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, SubsecRound, Timelike, Utc,
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use kpiwatch::config::{Config, ConfigErrors};
use kpiwatch::notify::NotifierUrl;
use kpiwatch::store::{SqliteStore, StoreUrl};

use crate::exit::Exit;

/// Watch business and technical KPIs, and alert when one crosses a line.
#[derive(Debug, Parser)]
#[command(name = "kpiwatch", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output on standard error (-v info, -vv debug). KPIWATCH_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one check cycle: collect, store, evaluate, notify.
    Run(RunArgs),
    /// Check a config file and report every error with its position.
    Validate(ValidateArgs),
    /// Run rule unit tests: feed metrics step by step, check the notifications that come out.
    Test(TestArgs),
    /// Show stored values with their timestamps and a sparkline.
    History(HistoryArgs),
    /// Print the JSON Schema of the config file, for editor completion and checks.
    Schema,
}

/// Where the config file is. Shared by every subcommand that reads one.
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The config file.
    #[arg(short, long, env = "KPIWATCH_CONFIG", default_value = "kpiwatch.yaml")]
    pub config: PathBuf,
}

impl ConfigArg {
    /// Loads and validates the config, printing every error on failure.
    pub fn load(&self) -> Result<Config, Exit> {
        kpiwatch::config::load(&self.config).map_err(|errors| {
            self.report(&errors);
            Exit::InvalidInput
        })
    }

    /// Prints the config's errors and, when there is no file at all, how to name one: a
    /// first run from the wrong folder should not read as a broken file.
    pub fn report(&self, errors: &ConfigErrors) {
        eprintln!("{errors}");
        if !self.config.exists() {
            eprintln!(
                "hint: name the config with `--config PATH` or `KPIWATCH_CONFIG`; \
                 `examples/saas/kpiwatch.yaml` is a complete one"
            );
        }
    }
}

/// Where state is kept. Shared by every subcommand that reads or writes it.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// The embedded state database.
    #[arg(long, default_value = ".kpiwatch/state.db")]
    pub state: PathBuf,

    /// Another store instead: `dynamodb://TABLE` (AWS credentials and region from the
    /// environment; `AWS_ENDPOINT_URL` for an emulator) or `sqlite://PATH`.
    #[arg(long, value_name = "URL", conflicts_with = "state")]
    pub store: Option<StoreUrl>,
}

impl StoreArg {
    /// The store to open: `--store`, else the `--state` file. A database path that can never
    /// be one (a folder, or a path through a file) is a bad argument, reported here.
    pub fn url(&self) -> Result<StoreUrl, Exit> {
        let url = self
            .store
            .clone()
            .unwrap_or_else(|| StoreUrl::Sqlite(self.state.clone()));
        if let StoreUrl::Sqlite(path) = &url
            && let Some(problem) = SqliteStore::path_problem(path)
        {
            eprintln!("kpiwatch: {problem}");
            return Err(Exit::InvalidInput);
        }
        Ok(url)
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    #[command(flatten)]
    pub store: StoreArg,

    /// The evaluation time T, in RFC 3339 whole seconds (2026-12-03T10:00:00Z). Defaults to
    /// now.
    #[arg(long, value_parser = parse_time)]
    pub at: Option<DateTime<Utc>>,

    /// Accept an `--at` more than 5 minutes ahead of the clock. Runs before that time are
    /// then skipped, so use it on a scratch `--state`.
    #[arg(long)]
    pub allow_future: bool,

    /// How notifications are printed.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// Publish notifications instead of printing them: `sns://TOPIC_ARN`.
    #[arg(long, value_name = "URL", conflicts_with = "output")]
    pub notify: Option<NotifierUrl>,

    /// Exit 1 when a rule is firing at this level or worse after the run, for CI jobs.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigArg,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files; each names the config it tests. See docs/rule-tests.md.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    #[command(flatten)]
    pub store: StoreArg,

    /// One rule's values, as the engine computes them (with `change` and `window`);
    /// `source-health:SOURCE` for a source's failures.
    #[arg(long, conflicts_with = "metric")]
    pub rule: Option<String>,

    /// One metric's values, by flattened name.
    #[arg(long)]
    pub metric: Option<String>,

    /// How many of the newest snapshots to show.
    #[arg(
        long,
        default_value_t = 20,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
    )]
    pub last: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// One readable line per notification.
    Text,
    /// One JSON document per line.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Warning or critical.
    Warning,
    /// Critical only.
    Critical,
}

/// An RFC 3339 time in whole seconds. Notification ids and every rendering of T are in
/// seconds, so two runs a fraction of a second apart would send notifications with the same
/// id; truncating silently would instead evaluate a T other than the one asked for.
fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let at = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|error| not_rfc3339(text, error))?;
    let written = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    // chrono keeps a leap second (`23:59:60`) as the second before it plus a whole second
    // of nanoseconds.
    if at.nanosecond() >= 1_000_000_000 {
        return Err(format!(
            "a leap second cannot be T, since runs are counted in whole UTC seconds; write {}",
            written(at.with_nanosecond(0).unwrap_or(at))
        ));
    }
    if at.nanosecond() != 0 {
        return Err(format!(
            "T is in whole seconds, since notification ids are; write {}",
            written(at.trunc_subsecs(0))
        ));
    }
    Ok(at)
}

/// Says what is wrong with a time that is not RFC 3339, in the forms people most often
/// type instead (a date alone, a local time, a Unix timestamp), with the RFC 3339 time
/// they most likely meant; chrono's own message ("premature end of input") names none.
fn not_rfc3339(text: &str, error: chrono::ParseError) -> String {
    let example = |at: NaiveDateTime| at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true);
    let hint = if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        format!(
            "a date alone is not a time; for its midnight in UTC write {}",
            example(date.and_time(NaiveTime::MIN))
        )
    } else if let Some(local) = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    {
        format!(
            "the time has no UTC offset; for UTC write {}, or end it with an offset such as \
             `+02:00`",
            example(local)
        )
    } else if let Some(at) = text
        .parse::<i64>()
        .ok()
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
    {
        format!(
            "a Unix timestamp is not accepted; for this one write {}",
            example(at.naive_utc())
        )
    } else {
        return format!("{error}; expected RFC 3339 such as 2026-12-03T10:00:00Z");
    };
    format!("not RFC 3339: {hint}")
}
