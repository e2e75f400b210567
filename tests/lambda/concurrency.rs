use std::time::Duration;

use serde_json::Value;

use crate::runtime_api::RuntimeApi;
use crate::sns_gate::SnsGate;
use crate::stack::{Stack, event};
use crate::support::aws::endpoint;

/// Two execution environments receive the same scheduled event at once, as an at-least-once
/// delivery can cause. Both evaluate; the store's guard lets one commit; only that one sends.
#[tokio::test]
async fn two_invocations_for_the_same_time_notify_each_transition_once() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let _first = stack.start_function(&api, &stack.topic_arn);
    let _second = stack.start_function(&api, &stack.topic_arn);
    api.wait_for_pollers(2).await;

    let a = api.queue(event("scheduler.json"));
    let b = api.queue(event("scheduler.json"));
    let (a, b) = tokio::join!(api.outcome(&a), api.outcome(&b));
    let summaries = [a.response(), b.response()];

    let committed: Vec<_> = summaries
        .iter()
        .filter(|s| s["notifications_new"] == 2)
        .collect();
    assert_eq!(
        committed.len(),
        1,
        "exactly one run commits: {summaries:#?}"
    );
    let other = summaries
        .iter()
        .find(|s| s["notifications_new"] != 2)
        .unwrap();
    assert!(
        other["skipped"].is_string(),
        "the other one says why it stood back: {other}"
    );

    stack.assert_first_alerts_received_once().await;
}

/// The window two invocations for one T can share: the second arrives after the first has
/// committed and while it is still publishing. Both carry the same run id, derived from T;
/// the second finds the outbox claimed, waits, and finds it delivered.
///
/// The first function's SNS endpoint is a gate that holds its publish until the second has
/// been seen waiting for the claim, so the two always meet in that window.
#[tokio::test]
async fn a_duplicate_arriving_while_the_first_publishes_waits_and_sends_nothing_again() {
    let stack = Stack::new().await;
    let gate = SnsGate::start(endpoint()).await;
    let first_api = RuntimeApi::start().await;
    let second_api = RuntimeApi::start().await;
    let _first = stack.start_function_with(
        &first_api,
        &stack.topic_arn,
        &[("AWS_ENDPOINT_URL_SNS", gate.url.clone())],
    );
    let second = stack.start_function_with(
        &second_api,
        &stack.topic_arn,
        &[("AWS_LAMBDA_LOG_LEVEL", "DEBUG".to_string())],
    );

    let first_id = first_api.queue(event("scheduler.json"));
    gate.wait_for_a_held_request().await;
    let second_id = second_api.queue(event("scheduler.json"));
    let waiting =
        |line: &Value| line["fields"]["message"] == "another run is delivering the outbox; waiting";
    for _ in 0..2400 {
        if second.log_lines().iter().any(waiting) || second_api.has_outcome(&second_id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    gate.open();
    let first = first_api.outcome(&first_id).await.response();
    let second_summary = second_api.outcome(&second_id).await.response();

    assert_eq!(first["run_id"], second_summary["run_id"]);
    assert_eq!(first["notifications_new"], 2, "{first}");
    assert_eq!(first["delivered"], 2, "{first}");
    assert!(
        second_summary["skipped"]
            .as_str()
            .is_some_and(|why| why.contains("already evaluated")),
        "{second_summary}"
    );
    assert_eq!(second_summary["delivered"], 0, "{second_summary}");
    assert_eq!(second_summary["undelivered"], 0, "{second_summary}");
    assert!(
        second.log_lines().iter().any(waiting),
        "the duplicate waited for the first run's claim"
    );

    stack.assert_first_alerts_received_once().await;
}
