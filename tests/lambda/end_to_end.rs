use kpiwatch::store::Store;
use serde_json::json;

use crate::runtime_api::RuntimeApi;
use crate::stack::{Stack, event};
use crate::{Received, attributes, sorted};

const T1: &str = "2026-12-03T10:05:00Z";

#[tokio::test]
async fn a_scheduled_run_stores_its_state_and_notifies_each_subscriber_once() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let function = stack.start_function(&api, &stack.topic_arn);

    // First run: churn is critical, LTV/CAC is at warning.
    let summary = api.invoke(event("scheduler.json")).await.response();
    assert_eq!(summary["run_id"], "run-20261203T100500Z");
    assert_eq!(summary["at"], T1);
    assert_eq!(summary["notifications_new"], 2);
    assert_eq!(summary["delivered"], 2);
    assert_eq!(summary["undelivered"], 0);

    // DynamoDB: the snapshot at T1, the states, and an empty outbox.
    let loaded = stack.store().load(&[]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, Some(T1.parse().unwrap()));
    assert_eq!(loaded.states["churn-rate"].state.as_str(), "critical");
    assert_eq!(loaded.states["ltv-cac"].state.as_str(), "warning");
    assert!(loaded.outbox.is_empty());
    let snapshots = stack.store().snapshots(None, 10).await.unwrap();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(
        snapshots[0].taken_at,
        T1.parse::<chrono::DateTime<chrono::Utc>>().unwrap()
    );
    assert_eq!(snapshots[0].metric("retention.churnRate"), Some(6.2));
    assert_eq!(snapshots[0].metric("acquisition.ltv"), Some(1150.0));

    // Everything: both alerts, in the SNS envelope, with their subjects.
    let everything: Vec<Received> = stack
        .received(&stack.everything)
        .await
        .iter()
        .map(Received::from_envelope)
        .collect();
    let everything = sorted(everything);
    assert_eq!(everything.len(), 2, "{everything:#?}");
    assert_eq!(
        everything[0].subject.as_deref(),
        Some("[CRITICAL] Churn rate 6.2% > 5%")
    );
    assert_eq!(
        everything[0].essentials(),
        json!({
            "id": "churn-rate/firing/2026-12-03T10:05:00Z", "kind": "firing",
            "level": "critical", "rule": "churn-rate", "value": 6.2, "unit": "%",
            "condition": "> 5", "at": T1, "run_id": "run-20261203T100500Z",
            "labels": {"domain": "retention", "team": "growth"},
        })
    );
    assert_eq!(
        everything[0].document.action,
        "Analyze churn reasons and launch a retention campaign"
    );
    assert_eq!(
        everything[1].subject.as_deref(),
        Some("[WARNING] LTV/CAC ratio 2.805 < 3")
    );
    assert_eq!(
        everything[1].essentials(),
        json!({
            "id": "ltv-cac/firing/2026-12-03T10:05:00Z", "kind": "firing",
            "level": "warning", "rule": "ltv-cac", "value": 1150.0 / 410.0, "unit": "",
            "condition": "< 3", "at": T1, "run_id": "run-20261203T100500Z",
            "labels": {"domain": "acquisition", "team": "marketing"},
        })
    );
    assert_eq!(
        everything[1].document.message,
        "Acquisition profitability below target"
    );
    // moto forwards the attributes in the envelope; AWS documents that it does not for
    // MessageStructure=json, which is why the document repeats everything they say.
    assert_eq!(
        everything[1].attributes,
        attributes(&[
            ("severity", "warning"),
            ("kind", "firing"),
            ("rule", "ltv-cac"),
            ("incident_severity", "warning"),
            ("label.domain", "acquisition"),
            ("label.team", "marketing"),
        ])
    );

    // Critical only: the churn alert alone, raw, the filter having read its attributes.
    let critical: Vec<Received> = stack
        .received(&stack.critical)
        .await
        .iter()
        .map(Received::from_raw)
        .collect();
    assert_eq!(critical.len(), 1, "{critical:#?}");
    assert_eq!(critical[0].document, everything[0].document);
    assert_eq!(
        critical[0].attributes,
        attributes(&[
            ("severity", "critical"),
            ("kind", "firing"),
            ("rule", "churn-rate"),
            ("incident_severity", "critical"),
            ("label.domain", "retention"),
            ("label.team", "growth"),
        ])
    );

    // The same event again, as a retry or a duplicate delivery: nothing new is sent.
    let again = api.invoke(event("scheduler.json")).await.response();
    assert!(
        again["skipped"]
            .as_str()
            .unwrap()
            .contains("already evaluated"),
        "{again}"
    );
    assert_eq!(again["delivered"], 0);
    assert!(stack.received(&stack.everything).await.is_empty());
    assert!(stack.received(&stack.critical).await.is_empty());

    // Five minutes later the metrics have recovered: both alerts resolve.
    stack.use_metrics("metrics-recovered.json");
    let later = api.invoke(event("scheduler-later.json")).await.response();
    assert_eq!(later["notifications_new"], 2);
    let resolved = sorted(
        stack
            .received(&stack.everything)
            .await
            .iter()
            .map(Received::from_envelope)
            .collect(),
    );
    let subjects: Vec<_> = resolved
        .iter()
        .map(|r| r.subject.as_deref().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["[RESOLVED] Churn rate 3%", "[RESOLVED] LTV/CAC ratio 3.659"]
    );
    assert_eq!(
        resolved[0].document.id,
        "churn-rate/resolved/2026-12-03T10:10:00Z"
    );
    assert_eq!(resolved[0].document.run_id, "run-20261203T101000Z");

    // The critical-only subscriber hears the resolve of the critical alert, not the other.
    let critical: Vec<Received> = stack
        .received(&stack.critical)
        .await
        .iter()
        .map(Received::from_raw)
        .collect();
    assert_eq!(critical.len(), 1, "{critical:#?}");
    assert_eq!(
        critical[0].document.id,
        "churn-rate/resolved/2026-12-03T10:10:00Z"
    );
    assert_eq!(critical[0].attributes["severity"], "ok");
    assert_eq!(critical[0].attributes["incident_severity"], "critical");

    // Logs are JSON, and a run's lines carry its span with the run id and T.
    let lines = function.log_lines();
    let completed: Vec<_> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "run complete")
        .map(|line| (line["span"]["run_id"].clone(), line["span"]["at"].clone()))
        .collect();
    assert_eq!(
        completed,
        [
            (
                json!("run-20261203T100500Z"),
                json!("2026-12-03T10:05:00+00:00")
            ),
            (
                json!("run-20261203T100500Z"),
                json!("2026-12-03T10:05:00+00:00")
            ),
            (
                json!("run-20261203T101000Z"),
                json!("2026-12-03T10:10:00+00:00")
            ),
        ]
    );
}

#[tokio::test]
async fn the_function_calls_no_aws_service_before_its_first_event() {
    let stack = Stack::new().await;
    // An endpoint that answers nothing and only notices connections.
    let endpoint = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    endpoint.set_nonblocking(true).unwrap();
    let url = format!("http://{}", endpoint.local_addr().unwrap());

    let api = RuntimeApi::start().await;
    let _function = stack.start_function_with(&api, &stack.topic_arn, &[("AWS_ENDPOINT_URL", url)]);
    api.wait_for_pollers(1).await;

    match endpoint.accept() {
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the function connected to AWS before its first event: {other:?}"),
    }
}

#[tokio::test]
async fn a_classic_scheduled_event_runs_the_same_cycle() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let _function = stack.start_function(&api, &stack.topic_arn);

    let summary = api.invoke(event("scheduled-event.json")).await.response();
    assert_eq!(summary["at"], T1);
    assert_eq!(summary["delivered"], 2);
}

#[tokio::test]
async fn an_event_without_a_time_fails_the_invocation_and_names_the_problem() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let _function = stack.start_function(&api, &stack.topic_arn);

    let error = api.invoke(json!({"source": "manual"})).await.error();
    assert_eq!(error["errorType"], "InvalidEvent");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("no evaluation time") && message.contains("source"),
        "{message}"
    );
    assert!(
        stack
            .store()
            .load(&[])
            .await
            .unwrap()
            .last_evaluated_at
            .is_none()
    );
}

#[tokio::test]
async fn an_invalid_config_stops_the_function_at_start_with_every_error() {
    let stack = Stack::new().await;
    let config = stack.folder.path().join("kpiwatch.yaml");
    std::fs::write(
        &config,
        "rules:\n  - id: churn\n    metric: retention.churnRate\n",
    )
    .unwrap();
    let api = RuntimeApi::start().await;
    let _function = stack.start_function(&api, &stack.topic_arn);

    let mut reported = Vec::new();
    for _ in 0..200 {
        reported = api.init_errors();
        if !reported.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(reported.len(), 1, "no init error reported");
    assert_eq!(reported[0]["errorType"], "InvalidConfig");
    let message = reported[0]["errorMessage"].as_str().unwrap();
    let validate = std::process::Command::new(env!("CARGO_BIN_EXE_kpiwatch"))
        .args(["validate", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        message.trim_end(),
        String::from_utf8_lossy(&validate.stderr).trim_end()
    );
}
