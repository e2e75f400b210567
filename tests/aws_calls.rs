//! The AWS calls one run makes, counted by an interceptor on the real SDK clients (it sees
//! every request sent, retries included) while whole cycles run against moto server: 1,000
//! rules over a file source of 10,000 metrics.
//!
//! The README's formula: with B distinct `change.vs` offsets and N new notifications, a run
//! makes `2 + B` calls when N is 0 and the outbox was empty, and `6 + B + ceil(N / 10)`
//! otherwise.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use kpiwatch::cycle::{RunSummary, run_cycle};
use kpiwatch::notify::SnsNotifier;
use kpiwatch::sources::Collector;
use kpiwatch::store::DynamoStore;
use support::aws::{CallCounter, counted_clients, create_table, create_topic, unique};

const RULES: usize = 1_000;
const METRICS: usize = 10_000;

struct Bench {
    folder: tempfile::TempDir,
    config: kpiwatch::config::Config,
    store: DynamoStore,
    notifier: SnsNotifier,
    counter: CallCounter,
}

impl Bench {
    /// 1,000 rules `m.r<i> > 50` and `change` rules against `offsets` days ago.
    async fn new(change_offsets_days: &[u32]) -> Bench {
        let folder = tempfile::tempdir().unwrap();
        let mut yaml =
            String::from("sources:\n  - id: metrics\n    file: { path: metrics.json }\n");
        yaml.push_str("rules:\n");
        for i in 0..RULES - change_offsets_days.len() {
            writeln!(
                yaml,
                "  - {{ id: r{i}, metric: m.r{i}, critical: \"> 50\" }}"
            )
            .unwrap();
        }
        for days in change_offsets_days {
            writeln!(
                yaml,
                "  - {{ id: change-{days}d, metric: m.r0, change: {{ vs: {days}d, as: percent }}, \
                 critical: \"< -90\" }}"
            )
            .unwrap();
        }
        let path = folder.path().join("kpiwatch.yaml");
        std::fs::write(&path, yaml).unwrap();
        let config = kpiwatch::config::load(&path).unwrap();

        let (dynamodb, sns, counter) = counted_clients().await;
        let table = unique("calls");
        create_table(&dynamodb, &table).await;
        let topic = create_topic(&sns, &unique("calls")).await;
        Bench {
            folder,
            config,
            store: DynamoStore::new(dynamodb, table),
            notifier: SnsNotifier::new(sns, topic),
            counter,
        }
    }

    /// Writes metrics where the first `breaching` rules are over their threshold.
    fn metrics(&self, breaching: usize) {
        let values: BTreeMap<String, u32> = (0..METRICS)
            .map(|i| (format!("r{i}"), if i < breaching { 100 } else { 0 }))
            .collect();
        let document = serde_json::json!({ "m": values });
        std::fs::write(
            self.folder.path().join("metrics.json"),
            document.to_string(),
        )
        .unwrap();
    }

    /// Runs one cycle at `at` and returns its summary and the calls it made.
    async fn run(&self, at: &str) -> (RunSummary, BTreeMap<String, usize>) {
        self.counter.reset();
        let at: DateTime<Utc> = at.parse().unwrap();
        let collector = Collector::new();
        let summary = run_cycle(
            &self.config,
            &collector,
            &self.store,
            &self.notifier,
            at,
            "calls",
        )
        .await
        .unwrap();
        (summary, self.counter.counts())
    }
}

fn calls(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs
        .iter()
        .map(|(name, count)| (name.to_string(), *count))
        .collect()
}

#[tokio::test]
async fn a_run_of_a_thousand_rules_makes_the_same_calls_as_a_run_of_one() {
    let bench = Bench::new(&[]).await;

    // Every rule fires: 1,000 notifications, 100 PublishBatch calls, and the same six store
    // calls as for one: load, commit, claim and read the outbox, clear it, release it.
    bench.metrics(RULES);
    let (summary, first) = bench.run("2026-12-03T10:05:00Z").await;
    assert_eq!(summary.notifications_new, RULES);
    assert_eq!(summary.delivered, RULES);
    assert_eq!(
        first,
        calls(&[
            ("DynamoDB.BatchWriteItem", 1),
            ("DynamoDB.DeleteItem", 1),
            ("DynamoDB.Query", 2),
            ("DynamoDB.TransactWriteItems", 1),
            ("DynamoDB.UpdateItem", 1),
            ("SNS.PublishBatch", 100),
        ])
    );

    // Nothing changes: no notification, two calls.
    let (summary, quiet) = bench.run("2026-12-03T10:10:00Z").await;
    assert_eq!(summary.notifications_new, 0);
    assert_eq!(
        quiet,
        calls(&[("DynamoDB.Query", 1), ("DynamoDB.TransactWriteItems", 1)])
    );

    // Three rules resolve: one PublishBatch.
    bench.metrics(RULES - 3);
    let (summary, few) = bench.run("2026-12-03T10:15:00Z").await;
    assert_eq!(summary.notifications_new, 3);
    assert_eq!(
        few,
        calls(&[
            ("DynamoDB.BatchWriteItem", 1),
            ("DynamoDB.DeleteItem", 1),
            ("DynamoDB.Query", 2),
            ("DynamoDB.TransactWriteItems", 1),
            ("DynamoDB.UpdateItem", 1),
            ("SNS.PublishBatch", 1),
        ])
    );
}

#[tokio::test]
async fn each_change_offset_adds_one_baseline_query() {
    let bench = Bench::new(&[1, 7, 30]).await;
    bench.metrics(0);
    let (_, calls_made) = bench.run("2026-12-03T10:05:00Z").await;
    assert_eq!(
        calls_made,
        calls(&[
            ("DynamoDB.Query", 1 + 3),
            ("DynamoDB.TransactWriteItems", 1)
        ])
    );
}
