use kpiwatch::store::Store;

use crate::runtime_api::RuntimeApi;
use crate::stack::{Stack, event};
use crate::support::aws::{ACCOUNT, REGION, unique};

/// SNS refuses every publish: the run fails so that Lambda retries, and its notifications
/// wait in the outbox. The next run, with SNS back, delivers each of them exactly once.
#[tokio::test]
async fn notifications_sns_refused_are_delivered_once_by_the_next_run() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;

    // A topic that does not exist, as after a deleted topic or a wrong ARN.
    let missing = format!("arn:aws:sns:{REGION}:{ACCOUNT}:{}", unique("deleted"));
    let broken = stack.start_function(&api, &missing);
    let error = api.invoke(event("scheduler.json")).await.error();
    assert_eq!(error["errorType"], "NotificationsUndelivered");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("2 notifications"),
        "{error}"
    );
    drop(broken);

    // The state is committed, and both notifications wait, unsent, in the outbox.
    let loaded = stack.store().load(&[]).await.unwrap();
    assert_eq!(
        loaded.last_evaluated_at,
        Some("2026-12-03T10:05:00Z".parse().unwrap())
    );
    let waiting: Vec<&str> = loaded.outbox.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        waiting,
        [
            "churn-rate/firing/2026-12-03T10:05:00Z",
            "ltv-cac/firing/2026-12-03T10:05:00Z"
        ]
    );
    assert!(stack.received(&stack.everything).await.is_empty());

    // Lambda retries the same event with the topic fixed: evaluation is skipped, the outbox
    // is delivered.
    let fixed = stack.start_function(&api, &stack.topic_arn);
    let retry = api.invoke(event("scheduler.json")).await.response();
    assert_eq!(retry["delivered"], 2);
    assert_eq!(retry["undelivered"], 0);
    assert!(stack.store().load(&[]).await.unwrap().outbox.is_empty());

    // The next scheduled run finds nothing left to send.
    stack.use_metrics("metrics-breaching.json");
    let next = api.invoke(event("scheduler-later.json")).await.response();
    assert_eq!(next["delivered"], 0);
    drop(fixed);

    stack.assert_first_alerts_received_once().await;
}
