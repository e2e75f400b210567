use chrono::SecondsFormat;
use kpiwatch::config::{Config, Rule, ValueSource};
use kpiwatch::model::Snapshot;
use kpiwatch::notify::{format_value, sparkline};
use kpiwatch::store;

use crate::args::HistoryArgs;
use crate::exit::Exit;
use crate::words::counted;

/// Prints stored values with their timestamps and a sparkline: of one metric, of one
/// rule, or, with neither, one line per rule.
pub fn history(args: HistoryArgs) -> Exit {
    let config = match args.config.load() {
        Ok(config) => config,
        Err(exit) => return exit,
    };
    let snapshots = match read_snapshots(&args) {
        Ok(snapshots) => snapshots,
        Err(message) => {
            eprintln!("kpiwatch: {message}");
            return Exit::Incomplete;
        }
    };
    if snapshots.is_empty() {
        eprintln!(
            "no snapshots stored in {} yet: run `kpiwatch run` first",
            args.store.state.display()
        );
        return Exit::Success;
    }

    if let Some(name) = &args.metric {
        let series = series(&snapshots, |s| s.metric(name));
        print_series(name, "", &snapshots, &series);
        return Exit::Success;
    }
    if let Some(id) = &args.rule {
        let Some(rule) = config.rules.iter().find(|r| &r.id == id) else {
            eprintln!("no rule with id `{id}` in {}", args.config.config.display());
            return Exit::InvalidInput;
        };
        let series = series(&snapshots, |s| base_value(rule, s));
        print_series(
            &format!("{} ({})", rule.name, rule.id),
            &rule.unit,
            &snapshots,
            &series,
        );
        return Exit::Success;
    }
    print_overview(&config, &snapshots);
    Exit::Success
}

fn read_snapshots(args: &HistoryArgs) -> Result<Vec<Snapshot>, String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let store = store::open(&args.store.url())
            .await
            .map_err(|e| e.to_string())?;
        store
            .snapshots(None, args.last)
            .await
            .map_err(|e| e.to_string())
    })
}

/// The rule's value before `change` and `window` are applied: what the snapshots hold.
fn base_value(rule: &Rule, snapshot: &Snapshot) -> Option<f64> {
    match &rule.value {
        ValueSource::Metric(name) => snapshot.metric(name),
        ValueSource::Expr(expr) => expr.eval(&|name| snapshot.metric(name)),
    }
}

fn series(snapshots: &[Snapshot], value: impl Fn(&Snapshot) -> Option<f64>) -> Vec<Option<f64>> {
    snapshots.iter().map(value).collect()
}

fn print_series(title: &str, unit: &str, snapshots: &[Snapshot], series: &[Option<f64>]) {
    println!("{title}: {}", counted(snapshots.len(), "snapshot"));
    for (snapshot, value) in snapshots.iter().zip(series) {
        let text = value.map_or_else(|| "missing".to_string(), |v| format_value(v, unit));
        println!(
            "  {}  {text}",
            snapshot
                .taken_at
                .to_rfc3339_opts(SecondsFormat::AutoSi, true)
        );
    }
    println!("  {}", sparkline(series));
}

fn print_overview(config: &Config, snapshots: &[Snapshot]) {
    let width = config.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in &config.rules {
        let values = series(snapshots, |s| base_value(rule, s));
        let last = values
            .last()
            .copied()
            .flatten()
            .map_or_else(|| "missing".to_string(), |v| format_value(v, &rule.unit));
        println!("{:<width$}  {}  {last}", rule.id, sparkline(&values));
    }
}
