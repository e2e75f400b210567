//! Two runs for the same T whose lives overlap the worst way: the second loads after the
//! first has committed and before the first has finished publishing. Both find the same
//! notifications unsent; the outbox lease must leave them to one run.
//!
//! Both runs carry the run id the Lambda gives every invocation for that T,
//! `run-20261203T100500Z`, as two deliveries of one scheduled event do. The lease must tell
//! them apart all the same.
//!
//! Everything is real (the DynamoDB store, the SNS notifier, SQS subscribers, all in moto
//! server) except one thing: the first run's notifier is the real SNS notifier behind a
//! wrapper that waits before publishing. Nothing else can hold a real run inside that
//! window long enough for the second run to land in it every time.

mod support;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kpiwatch::cycle::{CLAIM_WAIT, RunSummary, run_cycle};
use kpiwatch::model::Notification;
use kpiwatch::notify::{Delivery, Notifier, SnsNotifier};
use kpiwatch::sources::Collector;
use kpiwatch::store::DynamoStore;
use support::aws::{
    create_table, create_topic, drain_notification_ids, sdk_config, subscribe_queue, unique,
};

const CONFIG: &str = r#"
sources:
  - id: metrics
    file: { path: metrics.json }
rules:
  - { id: churn, metric: retention.churnRate, unit: "%", critical: "> 5" }
  - { id: uptime, metric: technical.uptime, unit: "%", warning: "< 99.9" }
"#;

const METRICS: &str = r#"{"retention": {"churnRate": 6.2}, "technical": {"uptime": 99.5}}"#;

/// The real SNS notifier, started late by `delay`.
struct Delayed {
    inner: SnsNotifier,
    delay: Duration,
}

#[async_trait]
impl Notifier for Delayed {
    async fn deliver(&self, notifications: &[Notification]) -> Delivery {
        tokio::time::sleep(self.delay).await;
        self.inner.deliver(notifications).await
    }
}

struct Setup {
    _folder: tempfile::TempDir,
    config: kpiwatch::config::Config,
    table: String,
    topic: String,
    queue_url: String,
    sqs: aws_sdk_sqs::Client,
}

impl Setup {
    async fn new() -> Setup {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("kpiwatch.yaml"), CONFIG).unwrap();
        std::fs::write(folder.path().join("metrics.json"), METRICS).unwrap();
        let config = kpiwatch::config::load(&folder.path().join("kpiwatch.yaml")).unwrap();

        let sdk = sdk_config().await;
        let table = unique("lease");
        create_table(&aws_sdk_dynamodb::Client::new(&sdk), &table).await;
        let sns = aws_sdk_sns::Client::new(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let topic = create_topic(&sns, &unique("lease")).await;
        let queue = subscribe_queue(&sqs, &sns, &topic, &unique("lease"), None, true).await;
        Setup {
            _folder: folder,
            config,
            table,
            topic,
            queue_url: queue.queue_url,
            sqs,
        }
    }

    /// A run with its own clients, as a second execution environment would have.
    async fn run(&self, run_id: &str, delay: Duration, at: DateTime<Utc>) -> RunSummary {
        let sdk = sdk_config().await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &self.table);
        let notifier = Delayed {
            inner: SnsNotifier::new(aws_sdk_sns::Client::new(&sdk), &self.topic),
            delay,
        };
        run_cycle(
            &self.config,
            &Collector::new(),
            &store,
            &notifier,
            at,
            run_id,
        )
        .await
        .unwrap()
    }

    async fn published_ids(&self) -> Vec<String> {
        drain_notification_ids(&self.sqs, &self.queue_url).await
    }
}

fn at() -> DateTime<Utc> {
    "2026-12-03T10:05:00Z".parse().unwrap()
}

/// The run id the Lambda derives from [`at`], shared by every invocation for it.
const RUN_ID: &str = "run-20261203T100500Z";

const EXPECTED: [&str; 2] = [
    "churn/firing/2026-12-03T10:05:00Z",
    "uptime/firing/2026-12-03T10:05:00Z",
];

#[tokio::test]
async fn a_duplicate_that_loads_while_the_first_run_publishes_sends_nothing_twice() {
    let setup = Setup::new().await;
    let slow = Duration::from_secs(2);

    let first = setup.run(RUN_ID, slow, at());
    let second = async {
        // Long enough for the first run to commit and claim, well short of its delivery.
        tokio::time::sleep(Duration::from_millis(800)).await;
        setup.run(RUN_ID, Duration::ZERO, at()).await
    };
    let (first, second) = tokio::join!(first, second);

    assert_eq!(first.notifications_new, 2, "{first:#?}");
    assert_eq!(first.delivered, 2, "{first:#?}");
    assert!(!first.left_work_undone(), "{first:#?}");
    assert!(
        second.skipped.is_some(),
        "the duplicate did not evaluate: {second:#?}"
    );
    assert_eq!(second.delivered, 0, "{second:#?}");
    assert!(
        !second.left_work_undone(),
        "the duplicate waited for the claim and found the outbox delivered: {second:#?}"
    );
    assert_eq!(setup.published_ids().await, EXPECTED);
}

#[tokio::test]
async fn a_duplicate_that_waits_longer_than_it_may_leaves_the_outbox_to_the_holder() {
    let setup = Setup::new().await;
    let slower_than_the_wait = CLAIM_WAIT + Duration::from_secs(2);

    let first = setup.run(RUN_ID, slower_than_the_wait, at());
    let second = async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        setup.run(RUN_ID, Duration::ZERO, at()).await
    };
    let (first, second) = tokio::join!(first, second);

    assert_eq!(first.delivered, 2, "{first:#?}");
    assert_eq!(second.delivered, 0, "{second:#?}");
    assert_eq!(
        second.undelivered, 2,
        "the duplicate reports what it could not see delivered: {second:#?}"
    );
    assert!(
        second.left_work_undone(),
        "so that Lambda retries it: {second:#?}"
    );
    assert_eq!(setup.published_ids().await, EXPECTED);

    // The retry finds nothing left to send.
    let retry = setup.run(RUN_ID, Duration::ZERO, at()).await;
    assert!(!retry.left_work_undone(), "{retry:#?}");
    assert!(setup.published_ids().await.is_empty());
}
