use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use kpiwatch::config::Config;
use kpiwatch::cycle::{RunSummary, run_cycle};
use kpiwatch::model::Level;
use kpiwatch::notify::{self, ConsoleNotifier, Notifier, OutputFormat};
use kpiwatch::sources::Collector;
use kpiwatch::store::{self, StoreUrl};

use crate::args::{FailOn, Output, RunArgs};
use crate::aws_env::aws_problem;
use crate::exit::Exit;
use crate::words::counted;

/// How far ahead of the clock `--at` may be without `--allow-future`: enough for a clock a
/// little behind the scheduler's, far less than a schedule's period.
const FUTURE_TOLERANCE: Duration = Duration::minutes(5);

/// Runs one cycle and maps its outcome to an exit code.
pub fn run(args: RunArgs) -> Exit {
    let now = Utc::now();
    // Whole seconds, like a scheduled event's time: notification ids and every rendering of
    // T show seconds, so a finer T would only make the stored keys disagree with them.
    let at = args.at.unwrap_or_else(|| now.trunc_subsecs(0));
    if at > now + FUTURE_TOLERANCE && !args.allow_future {
        eprintln!(
            "kpiwatch: --at {} is more than {} minutes ahead of the clock ({}): once T has been \
             evaluated, runs at earlier times skip evaluation. Pass --allow-future to run it \
             anyway, best on a scratch --state",
            at.to_rfc3339_opts(SecondsFormat::Secs, true),
            FUTURE_TOLERANCE.num_minutes(),
            now.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
        return Exit::InvalidInput;
    }
    let config = match args.config.load() {
        Ok(config) => config,
        Err(exit) => return exit,
    };
    let store_url = match args.store.url() {
        Ok(url) => url,
        Err(exit) => return exit,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("kpiwatch: cannot start the async runtime: {error}");
            return Exit::Incomplete;
        }
    };
    match runtime.block_on(cycle(&config, &args, &store_url, at)) {
        Ok(summary) => verdict(&summary, args.fail_on),
        Err(message) => {
            eprintln!("kpiwatch: {message}");
            Exit::Incomplete
        }
    }
}

async fn cycle(
    config: &Config,
    args: &RunArgs,
    store_url: &StoreUrl,
    at: DateTime<Utc>,
) -> Result<RunSummary, String> {
    if let Some(problem) = aws_problem(store_url, args.notify.is_some()).await {
        return Err(problem);
    }
    let store = store::open(store_url).await.map_err(|e| e.to_string())?;
    let collector = Collector::new();
    let notifier: Box<dyn Notifier> = match &args.notify {
        Some(url) => notify::open(url).await,
        None => Box::new(ConsoleNotifier::stdout(match args.output {
            Output::Text => OutputFormat::Text,
            Output::Json => OutputFormat::Json,
        })),
    };
    let run_id = uuid::Uuid::new_v4().to_string();

    let summary = run_cycle(
        config,
        &collector,
        store.as_ref(),
        notifier.as_ref(),
        at,
        &run_id,
    )
    .await
    .map_err(|e| e.to_string())?;
    report(&summary);
    Ok(summary)
}

/// One summary line on standard error, plus a line per failed source.
fn report(summary: &RunSummary) {
    for failure in &summary.source_failures {
        eprintln!("source {} failed: {}", failure.source_id, failure.error);
    }
    if let Some(reason) = &summary.skipped {
        eprintln!("evaluation skipped: {reason}");
    }
    let critical = summary
        .firing
        .iter()
        .filter(|(_, l)| *l == Level::Critical)
        .count();
    let warning = summary.firing.len() - critical;
    eprintln!(
        "{} evaluated at {}: {critical} critical, {warning} warning; {} sent{}",
        counted(summary.rules_evaluated, "rule"),
        summary.at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        counted(summary.delivered, "notification"),
        match summary.undelivered {
            0 => String::new(),
            n => format!(", {n} not delivered"),
        }
    );
    if summary.abandoned > 0 {
        eprintln!(
            "{} given up after failing for more than a day (see the log)",
            counted(summary.abandoned, "notification")
        );
    }
}

fn verdict(summary: &RunSummary, fail_on: Option<FailOn>) -> Exit {
    if summary.left_work_undone() {
        return Exit::Incomplete;
    }
    let threshold = match fail_on {
        None => return Exit::Success,
        Some(FailOn::Warning) => Level::Warning,
        Some(FailOn::Critical) => Level::Critical,
    };
    match summary.worst_firing_level() {
        Some(level) if level >= threshold => Exit::Verdict,
        _ => Exit::Success,
    }
}
