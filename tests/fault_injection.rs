//! A hundred scheduled runs, five minutes apart, while a fifth of the AWS calls fail.
//!
//! Two stacks (each a DynamoDB table, an SNS topic and two SQS subscribers in moto server)
//! run the same hundred evaluations of the same rules over the same metrics, through the
//! real cycle, the real DynamoDB store and the real SNS notifier. The reference stack's calls
//! all succeed. The other's go through [`FaultyHttpClient`], which fails 20% of them with
//! throttling, a 5xx, a connection reset before the request arrives, or a reply lost after
//! the service applied the request. That client is the test's one stand-in: moto cannot fail
//! a request, so nothing else can make it fail like AWS does (see `support/faults.rs`).
//!
//! A run that fails (an error, or notifications left undelivered) is invoked again for the
//! same T, as Lambda retries an asynchronous invocation twice; what is still undelivered
//! after that waits in the outbox for the next scheduled run. After the last run, its T is
//! invoked again until it succeeds, as the next scheduled runs would drain what is left.
//!
//! The reference stack is the oracle. Every notification it delivered must reach the faulty
//! stack's subscribers at least once, and no other may. Every `PublishBatch` whose reply was
//! lost after SNS published it delivers its entries twice, which no SNS publisher can avoid;
//! the duplicates beyond those, notifications kpiwatch sent again after SNS accepted them,
//! must stay under 1% of deliveries. Both tables must end with the same rule states and
//! snapshots, and nothing may panic, on any thread.
//!
//! moto does not honour the client request token that makes the SDK's retry of a commit
//! idempotent in DynamoDB. So here a commit whose reply was lost is refused on its retry, as
//! if another run had committed first, and its notifications wait in the outbox for the next
//! invocation, as they do after a real race. The test goes through that path as well.
//!
//! The faults come from a fixed seed, printed with the counts (run with `--nocapture`);
//! `KPIWATCH_FAULT_SEED=<number>` runs another seed.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::TAU;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use aws_config::SdkConfig;
use chrono::{DateTime, Utc};
use kpiwatch::config::Config;
use kpiwatch::cycle::run_cycle;
use kpiwatch::notify::SnsNotifier;
use kpiwatch::sources::Collector;
use kpiwatch::store::{DynamoStore, Store};
use serde_json::{Value, json};
use support::aws::{
    create_table, create_topic, drain_notification_ids, sdk_config, subscribe_queue, unique,
    unsent_ids,
};
use support::faults::{Fault, FaultLog, FaultMix, FaultyHttpClient};

/// Scheduled runs, five minutes apart.
const RUNS: usize = 100;
const SCHEDULE: chrono::Duration = chrono::Duration::minutes(5);

/// A fifth of all requests fail. Among the failures, throttling is the most common, as it is
/// in AWS; a reply lost after the service applied the request is the rarest, and the one
/// that tests the store hardest.
const MIX: FaultMix = FaultMix {
    rate: 0.2,
    // Throttling, 5xx, reset before arrival, reply lost.
    weights: [40, 30, 20, 10],
};

/// The seed when `KPIWATCH_FAULT_SEED` is not set.
const DEFAULT_SEED: u64 = 20_261_203;

/// Invocations per scheduled run: the first and Lambda's two retries.
const ATTEMPTS: usize = 3;

/// Invocations of the last T after the last run, to drain what is left.
const DRAIN_ATTEMPTS: usize = 10;

/// Seven kinds of rule, three of each with their metrics out of phase, so that transitions
/// of every kind keep happening and often several in one run.
fn config_yaml() -> String {
    let mut yaml = String::from(
        "sources:\n  - id: kpis\n    file: { path: metrics.json }\n\
         defaults: { renotify: off }\nrules:\n",
    );
    for copy in COPIES {
        let rules = [
            format!(
                "{{ id: churn-{copy}, metric: kpi.churn.{copy}, unit: \"%\", critical: \"> 5\", \
                 warning: \"> 4\", recovery: \"< 3.5\" }}"
            ),
            format!(
                "{{ id: uptime-{copy}, metric: kpi.uptime.{copy}, unit: \"%\", \
                 critical: \"< 99.5\", warning: \"< 99.9\", for: 2 of 3 }}"
            ),
            format!(
                "{{ id: latency-{copy}, metric: kpi.latency.{copy}, unit: ms, \
                 critical: \"> 1200\", warning: \"> 800\", renotify: 15m, renotify_max: 2 }}"
            ),
            format!(
                "{{ id: errors-{copy}, metric: kpi.errors.{copy}, unit: \"%\", \
                 critical: \"> 2\", renotify: 10m }}"
            ),
            format!(
                "{{ id: nps-{copy}, metric: kpi.nps.{copy}, warning: \"< 30\", \
                 notify_no_data: true }}"
            ),
            format!(
                "{{ id: ltv-cac-{copy}, expr: kpi.ltv.{copy} / kpi.cac.{copy}, \
                 warning: \"< 3\" }}"
            ),
            format!(
                "{{ id: mrr-{copy}, metric: kpi.mrr.{copy}, change: {{ vs: 30m, as: percent }}, \
                 critical: \"< -10\" }}"
            ),
        ];
        for rule in rules {
            writeln!(yaml, "  - {rule}").unwrap();
        }
    }
    yaml
}

/// The copies of each rule, and how many steps each copy's metrics run ahead.
const COPIES: [&str; 3] = ["a", "b", "c"];
const PHASES: [f64; 3] = [0.0, 5.0, 11.0];

/// The metrics at step `step`: waves of different periods across each rule's thresholds.
/// The NPS metrics are absent for a while, so that their rules report no data.
fn metrics(step: usize) -> Value {
    let mut kpi = serde_json::Map::new();
    for (copy, phase) in COPIES.iter().zip(PHASES) {
        let wave = |period: f64| (TAU * (step as f64 + phase) / period).sin();
        let mut values = vec![
            ("churn", 4.2 + 1.6 * wave(16.0)),
            ("uptime", 99.7 + 0.35 * wave(22.0)),
            ("latency", 900.0 + 500.0 * wave(30.0)),
            ("errors", 1.5 + 1.2 * wave(26.0)),
            ("ltv", 900.0),
            ("cac", 300.0 + 60.0 * wave(20.0)),
            ("mrr", 10_000.0 * (1.0 + 0.2 * wave(24.0))),
        ];
        if !(60..=66).contains(&step) {
            values.push(("nps", 35.0 + 10.0 * wave(18.0)));
        }
        for (name, value) in values {
            let group = kpi.entry(name).or_insert_with(|| json!({}));
            group[*copy] = json!(value);
        }
    }
    json!({ "kpi": kpi })
}

fn first_t() -> DateTime<Utc> {
    "2026-12-03T00:00:00Z".parse().unwrap()
}

/// The run id the Lambda gives every invocation for `at`.
fn run_id(at: DateTime<Utc>) -> String {
    format!("run-{}", at.format("%Y%m%dT%H%M%SZ"))
}

fn seed() -> u64 {
    match std::env::var("KPIWATCH_FAULT_SEED") {
        Ok(text) => text.trim().parse().unwrap_or_else(|error| {
            panic!("KPIWATCH_FAULT_SEED=`{text}` is not an unsigned 64-bit number: {error}")
        }),
        Err(_) => DEFAULT_SEED,
    }
}

/// Counts panics on every thread, SDK and runtime tasks included, which a test would not
/// otherwise see: a panicking spawned task is only a log line.
fn count_panics() -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    count
}

/// A table, a topic, and two raw-delivery queues subscribed to it: one takes everything,
/// the other what the default email filter of the SAM template would let through.
struct Stack {
    store: DynamoStore,
    notifier: SnsNotifier,
    /// The same table through fault-free clients, to read what the faulty stack stored.
    inspector: DynamoStore,
    everything: String,
    critical: String,
}

const CRITICAL_FILTER: &str = r#"{"incident_severity": ["critical"]}"#;

impl Stack {
    /// Creates the resources with fault-free clients; the store and notifier use `clients`.
    async fn new(clean: &SdkConfig, clients: &SdkConfig, name: &str) -> Stack {
        let dynamodb = aws_sdk_dynamodb::Client::new(clean);
        let sns = aws_sdk_sns::Client::new(clean);
        let sqs = aws_sdk_sqs::Client::new(clean);
        let table = unique(name);
        create_table(&dynamodb, &table).await;
        let topic = create_topic(&sns, &unique(name)).await;
        let everything = subscribe_queue(&sqs, &sns, &topic, &unique(name), None, true).await;
        let critical = subscribe_queue(
            &sqs,
            &sns,
            &topic,
            &unique(name),
            Some(CRITICAL_FILTER),
            true,
        )
        .await;
        Stack {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(clients), &table),
            notifier: SnsNotifier::new(aws_sdk_sns::Client::new(clients), topic),
            inspector: DynamoStore::new(dynamodb, table),
            everything: everything.queue_url,
            critical: critical.queue_url,
        }
    }

    /// Invokes the run for `at` up to `attempts` times, until one completes.
    async fn invoke(&self, config: &Config, at: DateTime<Utc>, attempts: usize) -> Outcome {
        let mut failures = Vec::new();
        let mut found_committed = 0;
        for _ in 0..attempts {
            let result = run_cycle(
                config,
                &Collector::new(),
                &self.store,
                &self.notifier,
                at,
                &run_id(at),
            )
            .await;
            if let Ok(summary) = &result {
                found_committed += usize::from(summary.skipped.is_some());
            }
            match result {
                Ok(summary) if !summary.left_work_undone() => {
                    return Outcome {
                        failures,
                        found_committed,
                        completed: true,
                    };
                }
                Ok(_) => failures.push(Failure::Undelivered),
                Err(error) => failures.push(Failure::Error(error.to_string())),
            }
        }
        Outcome {
            failures,
            found_committed,
            completed: false,
        }
    }
}

/// Why an invocation failed, as the Lambda would report it.
#[derive(Debug)]
enum Failure {
    /// The cycle returned an error: the store could not be read or written.
    Error(String),
    /// The cycle completed with notifications still in the outbox.
    Undelivered,
}

/// What became of one scheduled run.
#[derive(Debug)]
struct Outcome {
    /// Why each failed invocation failed, in order.
    failures: Vec<Failure>,
    /// Invocations that found their T committed already, by an earlier invocation that
    /// failed after its commit or by their own commit whose reply was lost.
    found_committed: usize,
    /// Whether an invocation completed within the attempts allowed.
    completed: bool,
}

/// The runs' outcomes, summed for the report.
#[derive(Debug, Default)]
struct Tally {
    invocations: usize,
    retried_runs: usize,
    /// The errors invocations failed with, and how often each.
    errors: BTreeMap<String, usize>,
    /// Invocations that completed with notifications undelivered.
    undelivered: usize,
    found_committed: usize,
    left_to_next_run: usize,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        self.invocations += outcome.failures.len() + usize::from(outcome.completed);
        self.retried_runs += usize::from(!outcome.failures.is_empty());
        for failure in &outcome.failures {
            match failure {
                Failure::Error(error) => *self.errors.entry(error.clone()).or_default() += 1,
                Failure::Undelivered => self.undelivered += 1,
            }
        }
        self.found_committed += outcome.found_committed;
        self.left_to_next_run += usize::from(!outcome.completed);
    }
}

/// How often each id was delivered.
fn counts(ids: &[String]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    counts
}

/// The kind in a notification id, `rule/kind/T`.
fn kind(id: &str) -> &str {
    id.split('/').nth(1).unwrap_or_default()
}

fn report(
    seed: u64,
    log: &FaultLog,
    tally: &Tally,
    drain: &Outcome,
    delivery: &DeliveryCheck,
) -> String {
    let requests = log.total_requests();
    let faults = log.total_faults();
    let percent = |part: usize, whole: usize| 100.0 * part as f64 / whole.max(1) as f64;
    let mut text = format!(
        "fault injection with seed {seed} (KPIWATCH_FAULT_SEED={seed} replays it)\n\
         AWS requests {requests}, failed {faults} ({:.1}%):",
        percent(faults, requests)
    );
    for kind in Fault::ALL {
        write!(text, " {kind} {},", log.faults_of(kind)).unwrap();
    }
    text.pop();
    write!(text, "\n{}", log.table()).unwrap();
    writeln!(
        text,
        "scheduled runs {RUNS}: {} retried, {} invocations in all ({} errors, {} with \
         notifications undelivered, {} finding their T committed already), {} left to the \
         next run after {ATTEMPTS} attempts; the last T drained in {} more invocations",
        tally.retried_runs,
        tally.invocations,
        tally.errors.values().sum::<usize>(),
        tally.undelivered,
        tally.found_committed,
        tally.left_to_next_run,
        drain.failures.len() + usize::from(drain.completed),
    )
    .unwrap();
    for (error, count) in &tally.errors {
        writeln!(text, "  {count} x {error}").unwrap();
    }
    writeln!(
        text,
        "notifications {}; deliveries to the unfiltered queue {}, duplicates {} ({:.2}%): {} \
         from PublishBatch replies lost after SNS published, {} ({:.2}%) resent by kpiwatch",
        delivery.expected,
        delivery.deliveries,
        delivery.duplicates,
        percent(delivery.duplicates, delivery.deliveries),
        log.lost_publish_entries,
        delivery.resent,
        percent(delivery.resent, delivery.deliveries),
    )
    .unwrap();
    text
}

/// What the unfiltered subscriber of the faulty stack received, against the reference.
struct DeliveryCheck {
    expected: usize,
    deliveries: usize,
    duplicates: usize,
    /// Duplicates beyond those a lost PublishBatch reply forces.
    resent: usize,
    missing: Vec<String>,
    unexpected: Vec<String>,
}

impl DeliveryCheck {
    fn new(expected: &BTreeSet<&str>, received: &[String], lost_publish_entries: usize) -> Self {
        let received_counts = counts(received);
        let duplicates = received.len() - received_counts.len();
        DeliveryCheck {
            expected: expected.len(),
            deliveries: received.len(),
            duplicates,
            resent: duplicates.saturating_sub(lost_publish_entries),
            missing: expected
                .iter()
                .filter(|id| !received_counts.contains_key(*id))
                .map(|id| id.to_string())
                .collect(),
            unexpected: received_counts
                .keys()
                .filter(|id| !expected.contains(*id))
                .map(|id| id.to_string())
                .collect(),
        }
    }
}

#[tokio::test]
async fn a_hundred_runs_with_a_fifth_of_aws_calls_failing_notify_every_transition() {
    let panics = count_panics();
    // `RUST_LOG=kpiwatch=warn` shows why each invocation failed. Nothing is logged by
    // default: the SDK logs an error for every failure the stand-in makes up.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
    let seed = seed();
    let started = Instant::now();

    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("kpiwatch.yaml"), config_yaml()).unwrap();
    let config = kpiwatch::config::load(&folder.path().join("kpiwatch.yaml")).unwrap();

    let clean = sdk_config().await;
    let faulty_http = FaultyHttpClient::random(MIX, seed);
    let faulty = faulty_http.sdk_config(&clean);
    let reference = Stack::new(&clean, &clean, "faults-reference").await;
    let subject = Stack::new(&clean, &faulty, "faults-injected").await;

    let mut tally = Tally::default();
    let mut at = first_t();
    for step in 0..RUNS {
        at = first_t() + SCHEDULE * step as i32;
        std::fs::write(
            folder.path().join("metrics.json"),
            metrics(step).to_string(),
        )
        .unwrap();

        let expected = reference.invoke(&config, at, 1).await;
        assert!(
            expected.completed,
            "the fault-free run at {at} failed: {expected:?}"
        );
        tally.add(&subject.invoke(&config, at, ATTEMPTS).await);
    }
    let drain = subject.invoke(&config, at, DRAIN_ATTEMPTS).await;

    let sqs = aws_sdk_sqs::Client::new(&clean);
    let reference_ids = drain_notification_ids(&sqs, &reference.everything).await;
    let reference_critical = drain_notification_ids(&sqs, &reference.critical).await;
    let received = drain_notification_ids(&sqs, &subject.everything).await;
    let received_critical = drain_notification_ids(&sqs, &subject.critical).await;
    let log = faulty_http.log();

    // The oracle itself: every kind of transition happened, and each once.
    let expected: BTreeSet<&str> = reference_ids.iter().map(String::as_str).collect();
    assert_eq!(expected.len(), reference_ids.len(), "{reference_ids:#?}");
    let kinds: BTreeSet<&str> = expected.iter().map(|id| kind(id)).collect();
    for wanted in [
        "firing",
        "escalated",
        "downgraded",
        "resolved",
        "reminder",
        "no_data",
    ] {
        assert!(kinds.contains(wanted), "no {wanted} in {kinds:?}");
    }

    let delivery = DeliveryCheck::new(&expected, &received, log.lost_publish_entries);
    let report = report(seed, &log, &tally, &drain, &delivery);
    println!("{report}\nin {:.1} s", started.elapsed().as_secs_f64());

    // The faults were those the test says it injects.
    let share = log.total_faults() as f64 / log.total_requests() as f64;
    assert!((0.15..0.25).contains(&share), "{report}");
    for kind in Fault::ALL {
        assert!(log.faults_of(kind) > 0, "no {kind} injected\n{report}");
    }

    // Every transition notified at least once, and nothing else.
    assert!(drain.completed, "the last T never completed\n{report}");
    assert_eq!(
        delivery.missing,
        Vec::<String>::new(),
        "never delivered\n{report}"
    );
    assert_eq!(
        delivery.unexpected,
        Vec::<String>::new(),
        "not a notification of the reference run\n{report}"
    );
    let critical: BTreeSet<&str> = received_critical.iter().map(String::as_str).collect();
    let reference_critical: BTreeSet<&str> =
        reference_critical.iter().map(String::as_str).collect();
    assert_eq!(
        critical, reference_critical,
        "critical subscriber\n{report}"
    );

    // Every lost PublishBatch reply shows as a duplicate; beyond those, under 1%.
    assert!(
        delivery.duplicates >= log.lost_publish_entries,
        "fewer duplicates than entries of batches whose reply was lost\n{report}"
    );
    assert!(
        delivery.resent * 100 < delivery.deliveries,
        "kpiwatch resent 1% or more of its deliveries\n{report}"
    );

    assert_same_stores(&reference, &subject, at, &report).await;
    assert_eq!(
        panics.load(Ordering::SeqCst),
        0,
        "something panicked\n{report}"
    );
}

/// Both tables hold the same states and the same history, and nothing is left to send.
async fn assert_same_stores(reference: &Stack, subject: &Stack, at: DateTime<Utc>, report: &str) {
    let wanted = reference.inspector.load(&[]).await.unwrap();
    let stored = subject.inspector.load(&[]).await.unwrap();
    assert_eq!(stored.last_evaluated_at, Some(at));
    assert_eq!(stored.last_evaluated_at, wanted.last_evaluated_at);
    assert!(
        stored.states == wanted.states,
        "the rule states differ from the fault-free run's\n{report}"
    );
    assert_eq!(unsent_ids(&subject.inspector).await, Vec::<String>::new());

    let history = |snapshots: Vec<kpiwatch::model::Snapshot>| {
        snapshots
            .into_iter()
            .map(|snapshot| (snapshot.taken_at, snapshot.metrics))
            .collect::<Vec<_>>()
    };
    let wanted_history = history(reference.inspector.snapshots(None, 1000).await.unwrap());
    let stored_history = history(subject.inspector.snapshots(None, 1000).await.unwrap());
    assert_eq!(wanted_history.len(), RUNS);
    assert!(
        stored_history == wanted_history,
        "the snapshots differ from the fault-free run's\n{report}"
    );
}
