//! One failed call at each step after the commit, where a failure used to cost more than the
//! call: the fault-injection run (`fault_injection.rs`) found each of them.
//!
//! - A claim of the outbox that failed after the lease was taken (its reply lost, then the
//!   SDK's retries refused) left the lease held for its two minutes, so every retry of the
//!   run waited five seconds and failed again.
//! - A release that failed for all the SDK's attempts did the same.
//! - Marking notifications sent that failed for all the SDK's attempts left them in the
//!   outbox, and the next run sent them a second time.
//!
//! The store and notifier are the real ones against moto server; the failures come from
//! the scripted fault client, the tests' one stand-in (see `support/faults.rs`), since moto
//! cannot fail a request.

mod support;

use std::time::Instant;

use chrono::{DateTime, Utc};
use kpiwatch::cycle::{CLAIM_WAIT, RunSummary, run_cycle};
use kpiwatch::notify::SnsNotifier;
use kpiwatch::sources::Collector;
use kpiwatch::store::DynamoStore;
use support::aws::{
    create_table, create_topic, drain_notification_ids, sdk_config, subscribe_queue, unique,
    unsent_ids,
};
use support::faults::{Fault, FaultyHttpClient};

const CONFIG: &str = r#"
sources:
  - id: metrics
    file: { path: metrics.json }
rules:
  - { id: churn, metric: retention.churnRate, unit: "%", critical: "> 5" }
"#;

const METRICS: &str = r#"{"retention": {"churnRate": 6.2}}"#;

/// The SDK's attempts per call, all of which a scripted fault list must use up to make the
/// call fail.
const SDK_ATTEMPTS: usize = 3;

struct Setup {
    _folder: tempfile::TempDir,
    config: kpiwatch::config::Config,
    store: DynamoStore,
    notifier: SnsNotifier,
    /// The same table through a client without faults, to look at what it holds.
    plain: aws_sdk_dynamodb::Client,
    table: String,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl Setup {
    /// A table, topic and queue, and a store and notifier whose calls meet `script`.
    async fn new(script: &[(&str, &[Fault])]) -> Setup {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("kpiwatch.yaml"), CONFIG).unwrap();
        std::fs::write(folder.path().join("metrics.json"), METRICS).unwrap();
        let config = kpiwatch::config::load(&folder.path().join("kpiwatch.yaml")).unwrap();

        let clean = sdk_config().await;
        let plain = aws_sdk_dynamodb::Client::new(&clean);
        let table = unique("delivery-faults");
        create_table(&plain, &table).await;
        let sns = aws_sdk_sns::Client::new(&clean);
        let sqs = aws_sdk_sqs::Client::new(&clean);
        let topic = create_topic(&sns, &unique("delivery-faults")).await;
        let queue =
            subscribe_queue(&sqs, &sns, &topic, &unique("delivery-faults"), None, true).await;

        let faulty = FaultyHttpClient::scripted(script).sdk_config(&clean);
        Setup {
            _folder: folder,
            config,
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&faulty), &table),
            notifier: SnsNotifier::new(aws_sdk_sns::Client::new(&faulty), topic),
            plain,
            table,
            sqs,
            queue_url: queue.queue_url,
        }
    }

    async fn run(&self, at: DateTime<Utc>) -> RunSummary {
        run_cycle(
            &self.config,
            &Collector::new(),
            &self.store,
            &self.notifier,
            at,
            "run-faults",
        )
        .await
        .unwrap()
    }

    async fn published_ids(&self) -> Vec<String> {
        drain_notification_ids(&self.sqs, &self.queue_url).await
    }

    /// Whether the table still holds a lease on the outbox.
    async fn lease_held(&self) -> bool {
        let s = |text: &str| aws_sdk_dynamodb::types::AttributeValue::S(text.to_string());
        self.plain
            .get_item()
            .table_name(&self.table)
            .key("pk", s("run"))
            .key("sk", s("lease"))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .is_some()
    }
}

fn at() -> DateTime<Utc> {
    "2026-12-03T10:05:00Z".parse().unwrap()
}

const EXPECTED: [&str; 1] = ["churn/firing/2026-12-03T10:05:00Z"];

/// Every attempt of one call failing, the first after the service applied it.
fn first_applied_then_refused() -> Vec<Fault> {
    let mut faults = vec![Fault::ReplyLost];
    faults.resize(SDK_ATTEMPTS, Fault::Throttling);
    faults
}

#[tokio::test]
async fn a_claim_that_failed_after_taking_the_lease_gives_it_back_for_the_retry() {
    let claim_faults = first_applied_then_refused();
    let setup = Setup::new(&[("DynamoDB.UpdateItem", &claim_faults)]).await;

    let failed = setup.run(at()).await;
    assert_eq!(failed.undelivered, 1, "{failed:#?}");
    assert!(failed.left_work_undone(), "{failed:#?}");
    assert!(
        !setup.lease_held().await,
        "the lease taken by the failed claim is still held"
    );

    // Lambda's retry delivers at once, without waiting for a lease nobody uses.
    let started = Instant::now();
    let retry = setup.run(at()).await;
    assert!(!retry.left_work_undone(), "{retry:#?}");
    assert_eq!(retry.delivered, 1, "{retry:#?}");
    assert!(started.elapsed() < CLAIM_WAIT, "{:?}", started.elapsed());
    assert_eq!(setup.published_ids().await, EXPECTED);
}

#[tokio::test]
async fn a_release_refused_for_all_the_sdks_attempts_is_tried_again() {
    let release_faults = vec![Fault::ServerError; SDK_ATTEMPTS];
    let setup = Setup::new(&[("DynamoDB.DeleteItem", &release_faults)]).await;

    let summary = setup.run(at()).await;
    assert_eq!(summary.delivered, 1, "{summary:#?}");
    assert!(!summary.left_work_undone(), "{summary:#?}");
    assert!(!setup.lease_held().await, "the lease was left to lapse");
    assert_eq!(setup.published_ids().await, EXPECTED);
}

#[tokio::test]
async fn marking_sent_refused_for_all_the_sdks_attempts_is_tried_again_so_nothing_is_resent() {
    let mark_faults = vec![Fault::ResetBeforeArrival; SDK_ATTEMPTS];
    let setup = Setup::new(&[("DynamoDB.BatchWriteItem", &mark_faults)]).await;

    let summary = setup.run(at()).await;
    assert_eq!(summary.delivered, 1, "{summary:#?}");
    assert!(!summary.left_work_undone(), "{summary:#?}");
    assert_eq!(unsent_ids(&setup.store).await, Vec::<String>::new());

    // The next scheduled run has nothing left to send.
    let next = setup.run(at() + chrono::Duration::minutes(5)).await;
    assert_eq!(next.delivered, 0, "{next:#?}");
    assert_eq!(setup.published_ids().await, EXPECTED);
}
