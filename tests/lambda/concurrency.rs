use crate::runtime_api::RuntimeApi;
use crate::stack::{Stack, event};
use crate::{Received, sorted};

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

    let everything = sorted(
        stack
            .received(&stack.everything)
            .await
            .iter()
            .map(Received::from_envelope)
            .collect(),
    );
    let ids: Vec<&str> = everything.iter().map(|r| r.document.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "churn-rate/firing/2026-12-03T10:05:00Z",
            "ltv-cac/firing/2026-12-03T10:05:00Z"
        ]
    );
    let critical: Vec<Received> = stack
        .received(&stack.critical)
        .await
        .iter()
        .map(Received::from_raw)
        .collect();
    assert_eq!(critical.len(), 1, "{critical:#?}");
}
