//! The SNS notifier through the real SDK against moto server, with SQS queues standing in
//! for subscribers: what each subscription receives, and how filter policies route.

mod support;

use std::collections::BTreeMap;

use kpiwatch::cycle::run_cycle;
use kpiwatch::model::{Level, Notification, NotificationKind};
use kpiwatch::notify::{Notifier, SnsNotifier};
use kpiwatch::sources::Collector;
use kpiwatch::store::DynamoStore;
use serde_json::Value;
use support::aws::{
    ACCOUNT, REGION, counted_clients, create_table, create_topic, drain, sdk_config,
    subscribe_queue, unique, unsent_ids,
};
use support::partial_failures::RefusedEntries;
use support::records::{at, notification};

fn resolve_of(firing: &Notification) -> Notification {
    let mut resolved = firing.clone();
    resolved.kind = NotificationKind::Resolved;
    resolved.level = Level::Ok;
    resolved.previous_level = Some(firing.level);
    resolved.value = Some(3.0);
    resolved.id = Notification::id_for(&firing.rule.id, NotificationKind::Resolved, firing.at);
    resolved
}

/// Attributes as an SQS message carries them under raw delivery.
fn raw_attributes(message: &aws_sdk_sqs::types::Message) -> BTreeMap<String, String> {
    message
        .message_attributes()
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, value)| (name.clone(), value.string_value().unwrap_or("").into()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn filter_policies_on_attributes_route_messages_published_as_json_structures() {
    let config = sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let topic = create_topic(&sns, &unique("alerts")).await;
    let everything = subscribe_queue(&sqs, &sns, &topic, &unique("all"), None, false).await;
    let critical = subscribe_queue(
        &sqs,
        &sns,
        &topic,
        &unique("critical"),
        Some(r#"{"incident_severity": ["critical"]}"#),
        true,
    )
    .await;

    let t = at("2026-12-03T10:05:00Z");
    let churn = notification("churn-rate", t);
    let mut ltv = notification("ltv-cac", t);
    ltv.level = Level::Warning;
    let churn_resolved = resolve_of(&churn);
    let sent = vec![churn.clone(), ltv.clone(), churn_resolved.clone()];

    let delivery = SnsNotifier::new(sns, &topic).deliver(&sent).await;
    assert!(delivery.failed.is_empty(), "{:?}", delivery.failed);
    let accepted: Vec<&str> = delivery.accepted.iter().map(String::as_str).collect();
    assert_eq!(accepted, [&churn.id, &ltv.id, &churn_resolved.id]);

    // Without raw delivery a queue gets the SNS envelope: the `sqs` body as `Message`, the
    // subject, and (in moto; AWS does not promise it for JSON structures) the attributes.
    let envelopes: Vec<Value> = drain(&sqs, &everything.queue_url)
        .await
        .iter()
        .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
        .collect();
    let mut documents: Vec<Notification> = envelopes
        .iter()
        .map(|e| serde_json::from_str(e["Message"].as_str().unwrap()).unwrap())
        .collect();
    documents.sort_by(|a, b| a.id.cmp(&b.id));
    let mut expected = sent.clone();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(documents, expected);

    let mut subjects: Vec<&str> = envelopes
        .iter()
        .map(|e| e["Subject"].as_str().unwrap())
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "[CRITICAL] Rule churn-rate 6.2% > 5%",
            "[RESOLVED] Rule churn-rate 3%",
            "[WARNING] Rule ltv-cac 6.2% > 5%",
        ]
    );
    let warning = envelopes
        .iter()
        .find(|e| e["Subject"].as_str().unwrap().starts_with("[WARN"));
    assert_eq!(
        warning.unwrap()["MessageAttributes"],
        serde_json::json!({
            "severity": {"Type": "String", "Value": "warning"},
            "kind": {"Type": "String", "Value": "firing"},
            "rule": {"Type": "String", "Value": "ltv-cac"},
            "incident_severity": {"Type": "String", "Value": "warning"},
            "label.team": {"Type": "String", "Value": "growth"},
        })
    );

    // The critical-only queue gets the critical alert and its resolve, not the warning; raw
    // delivery hands it the document itself.
    let raw = drain(&sqs, &critical.queue_url).await;
    let mut routed: Vec<(String, BTreeMap<String, String>)> = raw
        .iter()
        .map(|m| {
            let document: Notification = serde_json::from_str(m.body().unwrap()).unwrap();
            (document.id, raw_attributes(m))
        })
        .collect();
    routed.sort();
    let attributes = |severity: &str, kind: &str| {
        BTreeMap::from([
            ("severity".to_string(), severity.to_string()),
            ("kind".to_string(), kind.to_string()),
            ("rule".to_string(), "churn-rate".to_string()),
            ("incident_severity".to_string(), "critical".to_string()),
            ("label.team".to_string(), "growth".to_string()),
        ])
    };
    assert_eq!(
        routed,
        vec![
            (churn.id.clone(), attributes("critical", "firing")),
            (churn_resolved.id.clone(), attributes("ok", "resolved")),
        ]
    );
}

#[tokio::test]
async fn notifications_go_out_ten_to_a_call() {
    let (_, sns, counter) = counted_clients().await;
    let topic = create_topic(&sns, &unique("alerts")).await;
    counter.reset();

    let t = at("2026-12-03T10:05:00Z");
    let many: Vec<Notification> = (0..25)
        .map(|i| notification(&format!("rule-{i:02}"), t))
        .collect();
    let delivery = SnsNotifier::new(sns, &topic).deliver(&many).await;

    assert_eq!(delivery.accepted.len(), 25);
    assert_eq!(
        counter.counts(),
        [("SNS.PublishBatch".to_string(), 3)].into()
    );
}

#[tokio::test]
async fn a_missing_topic_fails_every_notification_naming_it_without_retrying() {
    let (_, sns, counter) = counted_clients().await;
    let missing = format!("arn:aws:sns:{REGION}:{ACCOUNT}:{}", unique("absent"));
    let t = at("2026-12-03T10:05:00Z");
    let some: Vec<Notification> = (0..12).map(|i| notification(&format!("r{i}"), t)).collect();

    let delivery = SnsNotifier::new(sns, &missing).deliver(&some).await;

    assert!(delivery.accepted.is_empty());
    assert_eq!(delivery.failed.len(), 12);
    // SNS's own message does not say which topic; the reason does.
    assert!(
        delivery.failed[0].1.contains("NotFound")
            && delivery.failed[0].1.contains(&format!("(topic {missing})")),
        "{:?}",
        delivery.failed[0]
    );
    // One call per batch: a permanent error is not retried.
    assert_eq!(
        counter.counts(),
        [("SNS.PublishBatch".to_string(), 2)].into()
    );
}

/// A notifier whose `PublishBatch` answers refuse entries as `refusals` says: the one mock,
/// explained in `support::partial_failures`.
async fn refusing_notifier(topic: &str, refusals: &RefusedEntries) -> SnsNotifier {
    let config = sdk_config().await;
    let sns = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(&config)
            .interceptor(refusals.clone())
            .build(),
    );
    SnsNotifier::new(sns, topic)
}

#[tokio::test]
async fn entries_refused_for_throttling_then_an_internal_error_are_sent_again_alone() {
    let sns = aws_sdk_sns::Client::new(&sdk_config().await);
    let topic = create_topic(&sns, &unique("alerts")).await;
    let refusals = RefusedEntries::new("churn-rate", 2);
    let t = at("2026-12-03T10:05:00Z");
    let (churn, ltv) = (notification("churn-rate", t), notification("ltv-cac", t));

    let delivery = refusing_notifier(&topic, &refusals)
        .await
        .deliver(&[churn.clone(), ltv.clone()])
        .await;

    assert!(delivery.failed.is_empty(), "{:?}", delivery.failed);
    assert_eq!(delivery.accepted, [ltv.id, churn.id]);
    assert_eq!(
        refusals.calls(),
        [
            vec![
                "0-churn-rate_firing_2026-12-03T10_05_00Z",
                "1-ltv-cac_firing_2026-12-03T10_05_00Z"
            ],
            vec!["0-churn-rate_firing_2026-12-03T10_05_00Z"],
            vec!["0-churn-rate_firing_2026-12-03T10_05_00Z"],
        ]
    );
}

#[tokio::test]
async fn entries_refused_past_the_backoff_stay_in_the_outbox_for_the_next_run() {
    let config = sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let table = unique("refused");
    create_table(&dynamodb, &table).await;
    let store = DynamoStore::new(dynamodb, &table);
    let sns = aws_sdk_sns::Client::new(&config);
    let topic = create_topic(&sns, &unique("alerts")).await;
    let folder = tempfile::tempdir().unwrap();
    let config = two_alerts_config(folder.path());
    let t = at("2026-12-03T10:05:00Z");

    let refusals = RefusedEntries::new("churn", usize::MAX);
    let refusing = refusing_notifier(&topic, &refusals).await;
    let started = std::time::Instant::now();
    let run = run_cycle(&config, &Collector::new(), &store, &refusing, t, "run-1")
        .await
        .unwrap();

    assert_eq!((run.delivered, run.undelivered), (1, 1), "{run:#?}");
    assert!(run.left_work_undone());
    // The first call, then four retries of the refused entry alone, and no more: well
    // within the standard backoff's second and a half of waits.
    let calls = refusals.calls();
    assert_eq!(calls.len(), 5, "{calls:?}");
    assert!(
        calls[1..]
            .iter()
            .all(|ids| ids.len() == 1 && ids[0].contains("churn"))
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(
        unsent_ids(&store).await,
        ["churn/firing/2026-12-03T10:05:00Z"]
    );

    // The retry of the run, with SNS accepting again, delivers what was left and only that.
    let retry = run_cycle(
        &config,
        &Collector::new(),
        &store,
        &SnsNotifier::new(sns, &topic),
        t,
        "run-1",
    )
    .await
    .unwrap();
    assert_eq!((retry.delivered, retry.undelivered), (1, 0), "{retry:#?}");
    assert!(unsent_ids(&store).await.is_empty());
}

/// A config with a file source beside it in `folder`, breaching two rules.
fn two_alerts_config(folder: &std::path::Path) -> kpiwatch::config::Config {
    std::fs::write(
        folder.join("metrics.json"),
        r#"{"retention": {"churnRate": 6.2}, "technical": {"uptime": 99.5}}"#,
    )
    .unwrap();
    let path = folder.join("kpiwatch.yaml");
    std::fs::write(
        &path,
        "sources:\n  - id: metrics\n    file: { path: metrics.json }\nrules:\n  \
         - { id: churn, metric: retention.churnRate, critical: \"> 5\" }\n  \
         - { id: uptime, metric: technical.uptime, warning: \"< 99.9\" }\n",
    )
    .unwrap();
    kpiwatch::config::load(&path).unwrap()
}

#[tokio::test]
async fn a_message_over_256_kib_reaches_subscribers_with_its_text_cut_to_fit() {
    let config = sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let topic = create_topic(&sns, &unique("alerts")).await;
    let queue = subscribe_queue(&sqs, &sns, &topic, &unique("all"), None, true).await;
    let mut long = notification("churn", at("2026-12-03T10:05:00Z"));
    // The message, rendered from a template over values, has no bound of its own; the
    // action and the labels keep their normal size.
    long.message = "Churn is up in Zürich → EU 🔥. ".repeat(10_000);

    let delivery = SnsNotifier::new(sns, &topic).deliver(&[long.clone()]).await;

    assert_eq!(
        delivery.accepted,
        vec![long.id.clone()],
        "{:?}",
        delivery.failed
    );
    let received = drain(&sqs, &queue.queue_url).await;
    assert_eq!(received.len(), 1);
    let document: Notification = serde_json::from_str(received[0].body().unwrap()).unwrap();
    let kept = document
        .message
        .strip_suffix(" … [cut to fit SNS's size limit]")
        .expect("the message ends with the cut mark");
    assert!(
        long.message.starts_with(kept) && kept.len() > 50_000,
        "{}",
        kept.len()
    );
    let mut rest = document.clone();
    rest.message = long.message.clone();
    assert_eq!(rest, long, "only the message is cut");
}
