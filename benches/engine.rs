//! How long one evaluation of many rules takes, each with a 100-point history.
//!
//! The target is 10,000 rules in under 20 ms on one core, with time growing linearly in
//! the number of rules. Run with `cargo bench --bench engine`; it prints one line per rule
//! count with the median and fastest of several evaluations.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use kpiwatch::config::{
    Aggregate, Config, Expr, Flapping, ForClause, MissingData, Rule, SourceHealth, ValueSource,
    Window,
};
use kpiwatch::engine::{self, Baselines, EvaluationInput, RuleStates};
use kpiwatch::model::Snapshot;

const HISTORY: u32 = 100;
const WARM_UP_RUNS: usize = HISTORY as usize;
const MEASURED_RUNS: usize = 15;

fn main() {
    for rules in [1_000, 5_000, 10_000, 20_000] {
        let (median, fastest) = measure(rules);
        println!(
            "engine: {rules:>6} rules, {HISTORY}-point histories: median {:>7.2} ms, \
             fastest {:>7.2} ms, {:>5.0} ns per rule",
            millis(median),
            millis(fastest),
            median.as_nanos() as f64 / rules as f64,
        );
    }
}

fn measure(rule_count: usize) -> (Duration, Duration) {
    let config = config(rule_count);
    let baselines = Baselines::new();
    let mut states = RuleStates::new();
    let mut timings = Vec::with_capacity(MEASURED_RUNS);

    for run in 0..WARM_UP_RUNS + MEASURED_RUNS {
        let snapshot = snapshot(rule_count, run);
        let input = EvaluationInput {
            config: &config,
            snapshot: &snapshot,
            baselines: &baselines,
            states: std::mem::take(&mut states),
            at: snapshot.taken_at,
        };
        let started = Instant::now();
        let evaluation = std::hint::black_box(engine::evaluate(input));
        let elapsed = started.elapsed();
        if run >= WARM_UP_RUNS {
            timings.push(elapsed);
        }
        states = evaluation.states;
    }

    let full = states
        .values()
        .filter(|s| s.datapoints.len() == 100)
        .count();
    assert_eq!(
        full, rule_count,
        "every rule holds a full 100-point history"
    );
    timings.sort();
    (timings[timings.len() / 2], timings[0])
}

/// A mix of the rule shapes users write, each keeping 100 datapoints: M of 100, a window
/// of 99 (plus the previous aggregate), an expression with flapping over 99 evaluations,
/// and a rule with a recovery line.
fn config(rule_count: usize) -> Config {
    let rules = (0..rule_count).map(rule).collect();
    Config {
        path: PathBuf::from("kpiwatch.yaml"),
        sources: Vec::new(),
        rules,
        silences: Vec::new(),
        source_health: SourceHealth::default(),
        retention: Duration::from_secs(90 * 86_400),
    }
}

fn rule(i: usize) -> Rule {
    let metric = format!("kpi.group{}.metric{i}", i % 50);
    let mut rule = Rule {
        id: format!("rule-{i:05}"),
        name: format!("KPI {i}"),
        value: ValueSource::Metric(metric.clone()),
        unit: "%".to_string(),
        critical: Some("> 90".parse().unwrap()),
        warning: Some("> 75".parse().unwrap()),
        recovery: None,
        for_clause: ForClause {
            breaching: 3,
            datapoints: HISTORY,
        },
        missing: MissingData::Missing,
        notify_no_data: false,
        change: None,
        window: None,
        message: None,
        action: None,
        runbook: None,
        labels: BTreeMap::from([("team".to_string(), format!("team-{}", i % 7))]),
        renotify_interval: Some(Duration::from_secs(3600)),
        renotify_max: Some(3),
        flapping: None,
    };
    match i % 4 {
        0 => {}
        1 => {
            rule.for_clause = ForClause::default();
            rule.window = Some(Window {
                aggregate: Aggregate::Avg,
                points: HISTORY - 1,
            });
        }
        2 => {
            rule.value = ValueSource::Expr(Expr::parse(&format!("{metric} * 100 / 100")).unwrap());
            rule.for_clause = ForClause::default();
            rule.flapping = Some(Flapping {
                max_changes: 5,
                evaluations: HISTORY - 1,
            });
        }
        _ => rule.recovery = Some("< 50".parse().unwrap()),
    }
    rule
}

/// Values that wander between 0 and 100, so that some rules breach and notify.
fn snapshot(rule_count: usize, run: usize) -> Snapshot {
    let at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap()
        + chrono::Duration::minutes(5 * run as i64);
    let mut snapshot = Snapshot::new(at, format!("run-{run}"));
    for i in 0..rule_count {
        let value = ((i * 31 + run * 7) % 101) as f64;
        snapshot
            .metrics
            .insert(format!("kpi.group{}.metric{i}", i % 50), value);
    }
    snapshot
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
