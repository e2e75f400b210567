use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use kpiwatch::config::{ChangeMode, Config, Rule, Source};
use kpiwatch::cycle::baseline_instant;
use kpiwatch::engine::{self, Baselines};
use kpiwatch::model::Snapshot;
use kpiwatch::notify::{MISSING_VALUE, format_value, sparkline};
use kpiwatch::store::{self, Store, StoreUrl};

use crate::args::HistoryArgs;
use crate::aws_env::aws_problem;
use crate::exit::Exit;
use crate::output;
use crate::words::counted;

/// What `history` was asked to show.
enum Subject<'a> {
    Metric(&'a str),
    Rule(&'a Rule),
    SourceHealth(&'a Source),
    Overview,
}

/// Prints stored values with their timestamps and a sparkline: of one metric, of one
/// rule, of one source's health, or, with none of these, one line per rule.
pub fn history(args: HistoryArgs) -> Exit {
    let config = match args.config.load() {
        Ok(config) => config,
        Err(exit) => return exit,
    };
    let subject = match subject(&args, &config) {
        Ok(subject) => subject,
        Err(message) => {
            eprintln!("kpiwatch: {message}");
            return Exit::InvalidInput;
        }
    };
    let url = match args.store.url() {
        Ok(url) => url,
        Err(exit) => return exit,
    };
    // Opening a SQLite file creates it; a history of nothing should not leave one behind.
    if let StoreUrl::Sqlite(path) = &url
        && !path.exists()
    {
        eprintln!(
            "kpiwatch: no stored state at {}: `kpiwatch run` creates it (or pass --state)",
            path.display()
        );
        return Exit::InvalidInput;
    }

    let rules: Vec<&Rule> = match &subject {
        Subject::Rule(rule) => vec![rule],
        Subject::Overview => config.rules.iter().collect(),
        Subject::Metric(_) | Subject::SourceHealth(_) => Vec::new(),
    };
    let history = match read(&url, args.last, &rules) {
        Ok(history) => history,
        Err(message) => {
            eprintln!("kpiwatch: {message}");
            return Exit::Incomplete;
        }
    };
    if history.shown().is_empty() {
        eprintln!("no snapshots stored yet: run `kpiwatch run` first");
        return Exit::Success;
    }

    let report = match subject {
        Subject::Metric(name) => match metric_report(name, &history, args.last) {
            Ok(report) => report,
            Err(message) => {
                eprintln!("kpiwatch: {message}");
                return Exit::InvalidInput;
            }
        },
        Subject::Rule(rule) => {
            let values = history.rule_values(rule);
            series_report(
                &rule_title(rule),
                value_unit(rule),
                history.shown(),
                &values,
            )
        }
        Subject::SourceHealth(source) => source_health_report(source, history.shown()),
        Subject::Overview => overview(&config, &history),
    };
    output::print(&report)
}

fn subject<'a>(args: &'a HistoryArgs, config: &'a Config) -> Result<Subject<'a>, String> {
    if let Some(name) = &args.metric {
        return Ok(Subject::Metric(name));
    }
    let Some(id) = &args.rule else {
        return Ok(Subject::Overview);
    };
    if let Some(source_id) = id.strip_prefix("source-health:")
        && let Some(source) = config.sources.iter().find(|s| s.id == source_id)
    {
        return Ok(Subject::SourceHealth(source));
    }
    if let Some(rule) = config.rules.iter().find(|r| &r.id == id) {
        return Ok(Subject::Rule(rule));
    }

    let health_ids = health_rule_ids(config);
    let ids = config
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .chain(health_ids.iter().map(String::as_str));
    let hint = match close_names(id, ids).as_slice() {
        [] => "; `kpiwatch history` without --rule lists every rule".to_string(),
        close => format!("; did you mean {}?", quoted(close)),
    };
    let path = args.config.config.display();
    match id.strip_prefix("source-health:") {
        Some(source_id) => Err(format!("no source with id `{source_id}` in {path}{hint}")),
        None => Err(format!("no rule with id `{id}` in {path}{hint}")),
    }
}

/// The stored snapshots a history shows, and what computing rule values needs besides.
struct History {
    /// Oldest first: the snapshots before the shown ones that `window` rules aggregate,
    /// then the shown ones.
    snapshots: Vec<Snapshot>,
    /// How many of `snapshots` are only there for `window` rules.
    lead_in: usize,
    /// For each snapshot, the baselines of the `change` rules.
    baselines: Vec<Baselines>,
}

impl History {
    fn shown(&self) -> &[Snapshot] {
        &self.snapshots[self.lead_in.min(self.snapshots.len())..]
    }

    /// The rule's value at each shown snapshot.
    fn rule_values(&self, rule: &Rule) -> Vec<Option<f64>> {
        let values = engine::rule_values(rule, self.snapshots.iter().zip(&self.baselines));
        values[self.lead_in.min(values.len())..].to_vec()
    }
}

/// Reads the `last` newest snapshots, with what `rules` need to compute their values: the
/// snapshots their windows reach back to, and the baselines their `change` compares with.
fn read(url: &StoreUrl, last: usize, rules: &[&Rule]) -> Result<History, String> {
    let lead_in = rules
        .iter()
        .filter_map(|r| r.window.map(|w| (w.points as usize).saturating_sub(1)))
        .max()
        .unwrap_or(0);
    let offsets: BTreeSet<Duration> = rules
        .iter()
        .filter_map(|r| r.change.map(|c| c.vs))
        .collect();

    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // A history is read from state files the user may not write, such as the one a
        // service account's scheduled runs keep.
        if let Some(problem) = aws_problem(url, false).await {
            return Err(problem);
        }
        let store = store::open_read_only(url)
            .await
            .map_err(|e| e.to_string())?;
        let snapshots = store
            .snapshots(None, last.saturating_add(lead_in))
            .await
            .map_err(|e| e.to_string())?;
        let lead_in = snapshots.len().saturating_sub(last);
        let baselines = baselines(store.as_ref(), &snapshots, &offsets).await?;
        Ok(History {
            snapshots,
            lead_in,
            baselines,
        })
    })
}

/// For each snapshot, the stored snapshot nearest at or before its T minus each offset, as
/// a run at that T would have loaded it. One read for all of them.
async fn baselines(
    store: &dyn Store,
    snapshots: &[Snapshot],
    offsets: &BTreeSet<Duration>,
) -> Result<Vec<Baselines>, String> {
    if offsets.is_empty() {
        return Ok(vec![Baselines::new(); snapshots.len()]);
    }
    let instants: Vec<DateTime<Utc>> = snapshots
        .iter()
        .flat_map(|s| offsets.iter().map(|vs| baseline_instant(s.taken_at, *vs)))
        .collect();
    let loaded = store.load(&instants).await.map_err(|e| e.to_string())?;
    let mut found = loaded.baselines.into_iter();
    Ok(snapshots
        .iter()
        .map(|_| {
            offsets
                .iter()
                .filter_map(|vs| found.next().flatten().map(|baseline| (*vs, baseline)))
                .collect()
        })
        .collect())
}

/// `Churn rate (churn-rate)`, saying what the value is when it is not the metric itself.
fn rule_title(rule: &Rule) -> String {
    let description = engine::value_description(rule);
    if description.is_empty() {
        format!("{} ({})", rule.name, rule.id)
    } else {
        format!("{} ({}), {description}", rule.name, rule.id)
    }
}

/// The unit of the rule's value: a percent change is in percent, whatever the metric's.
fn value_unit(rule: &Rule) -> &str {
    match rule.change {
        Some(change) if change.mode == ChangeMode::Percent => "%",
        _ => &rule.unit,
    }
}

fn metric_report(name: &str, history: &History, last: usize) -> Result<String, String> {
    let shown = history.shown();
    let values: Vec<Option<f64>> = shown.iter().map(|s| s.metric(name)).collect();
    if values.iter().all(Option::is_none) {
        let scope = if shown.len() < last {
            let stored = counted(shown.len(), "stored snapshot");
            format!("was never stored (it is in none of the {stored})")
        } else {
            format!("is in none of the {} newest snapshots", shown.len())
        };
        return Err(format!(
            "metric `{name}` {scope}{}",
            suggestions(name, shown)
        ));
    }
    Ok(series_report(name, "", shown, &values))
}

/// `; did you mean ...?` with the stored metric names closest to a misspelt one, if any.
fn suggestions(name: &str, snapshots: &[Snapshot]) -> String {
    let names: BTreeSet<&str> = snapshots
        .iter()
        .flat_map(|s| s.metrics.keys().map(String::as_str))
        .collect();
    match close_names(name, names.into_iter()).as_slice() {
        [] => String::new(),
        close => format!("; did you mean {}?", quoted(close)),
    }
}

/// Up to three of `names` close to the misspelt `name`, closest first: similar as a whole
/// or in their last dotted part (`churnRate` for `retention.churnRate`), or containing it.
/// A name that differs only in case is the one meant, and is suggested alone.
fn close_names<'n>(name: &str, names: impl Iterator<Item = &'n str>) -> Vec<&'n str> {
    let wanted = name.to_lowercase();
    let names: Vec<&str> = names.collect();
    if let Some(same) = names
        .iter()
        .find(|candidate| candidate.to_lowercase() == wanted)
    {
        return vec![same];
    }
    let mut close: Vec<(f64, &str)> = names
        .into_iter()
        .filter_map(|candidate| {
            let last_part = candidate.rsplit('.').next().unwrap_or(candidate);
            let score =
                strsim::jaro_winkler(name, candidate).max(strsim::jaro_winkler(name, last_part));
            let contains = candidate.to_lowercase().contains(&wanted);
            (score >= 0.8 || contains).then_some((score, candidate))
        })
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    close.into_iter().take(3).map(|(_, name)| name).collect()
}

/// `` `a` or `b` ``.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn series_report(
    title: &str,
    unit: &str,
    snapshots: &[Snapshot],
    series: &[Option<f64>],
) -> String {
    let mut report = format!("{title}: {}\n", counted(snapshots.len(), "snapshot"));
    for (snapshot, value) in snapshots.iter().zip(series) {
        let text = value.map_or_else(|| MISSING_VALUE.to_string(), |v| format_value(v, unit));
        report.push_str(&format!("  {}  {text}\n", time(snapshot)));
    }
    report.push_str(&format!("  {}\n", sparkline(series)));
    report
}

fn source_health_report(source: &Source, snapshots: &[Snapshot]) -> String {
    let id = engine::source_health_rule_id(&source.id);
    let count = counted(snapshots.len(), "snapshot");
    let mut report = format!("Source {} ({id}): {count}\n", source.id);
    for snapshot in snapshots {
        let outcome = match snapshot.failure_of(&source.id) {
            Some(failure) => format!("failed: {}", failure.error),
            None => "ok".to_string(),
        };
        report.push_str(&format!("  {}  {outcome}\n", time(snapshot)));
    }
    report.push_str(&format!("  {}\n", failures(source, snapshots)));
    report
}

/// A source's runs drawn as its notifications draw them, failures high and successes low;
/// on a fixed scale, so that a source that never failed is drawn low rather than flat.
fn failures(source: &Source, snapshots: &[Snapshot]) -> String {
    snapshots
        .iter()
        .map(|s| match s.failure_of(&source.id) {
            Some(_) => '█',
            None => '▁',
        })
        .collect()
}

fn overview(config: &Config, history: &History) -> String {
    let shown = history.shown();
    let health_ids = health_rule_ids(config);
    let width = config
        .rules
        .iter()
        .map(|r| r.id.len())
        .chain(health_ids.iter().map(String::len))
        .max()
        .unwrap_or(0);

    let mut report = String::new();
    for (source, id) in config.sources.iter().zip(&health_ids) {
        let last = match shown.last().and_then(|s| s.failure_of(&source.id)) {
            Some(_) => "failing",
            None => "ok",
        };
        let line = failures(source, shown);
        report.push_str(&format!("{id:<width$}  {line}  {last}\n"));
    }
    for rule in &config.rules {
        let values = history.rule_values(rule);
        let last = values.last().copied().flatten().map_or_else(
            || MISSING_VALUE.to_string(),
            |v| format_value(v, value_unit(rule)),
        );
        let line = sparkline(&values);
        report.push_str(&format!("{:<width$}  {line}  {last}\n", rule.id));
    }
    report
}

fn time(snapshot: &Snapshot) -> String {
    snapshot
        .taken_at
        .to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The ids of the sources' built-in health rules, `source-health:SOURCE`.
fn health_rule_ids(config: &Config) -> Vec<String> {
    config
        .sources
        .iter()
        .map(|s| engine::source_health_rule_id(&s.id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::close_names;

    const NAMES: [&str; 4] = [
        "retention.churnRate",
        "retention.activeUsers.dau",
        "retention.activeUsers.mau",
        "support.nps",
    ];

    #[test]
    fn a_name_that_differs_only_in_case_is_suggested_alone() {
        assert_eq!(
            close_names("retention.churnrate", NAMES.into_iter()),
            ["retention.churnRate"]
        );
    }

    #[test]
    fn misspelt_names_get_the_close_ones_and_unrelated_ones_none() {
        assert_eq!(
            close_names("churnRte", NAMES.into_iter()),
            ["retention.churnRate"]
        );
        assert!(close_names("deploys", NAMES.into_iter()).is_empty());
    }
}
