use aws_sdk_dynamodb::types::AttributeValue;
use kpiwatch::store::Store;
use serde_json::{Value, json};

use crate::runtime_api::RuntimeApi;
use crate::stack::{Stack, event, fixture};
use crate::support::aws::drain;
use crate::{attributes, ids};

const T1: &str = "2026-12-03T10:05:00Z";
const T2: &str = "2026-12-03T10:10:00Z";

/// The notification documents, exactly as subscribers receive them, that a run publishes
/// over `metrics-breaching.json` at T1 (churn critical, LTV/CAC at warning) or over
/// `metrics-recovered.json` at T2 (both resolved), in order of id.
///
/// The resolve of LTV/CAC repeats the rule's own `message`, which the rule sets for every
/// notification it sends.
fn documents(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixture(&format!("lambda/{name}"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

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
    let everything = stack.everything_received().await;
    assert_eq!(ids(&everything).len(), 2, "{everything:#?}");
    assert_eq!(
        everything[0].subject.as_deref(),
        Some("[CRITICAL] Churn rate 6.2% > 5%")
    );
    let breaching = documents("documents-breaching.json");
    assert_eq!(everything[0].json, breaching[0]);
    assert_eq!(
        everything[1].subject.as_deref(),
        Some("[WARNING] LTV/CAC ratio 2.805 < 3")
    );
    assert_eq!(everything[1].json, breaching[1]);
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
    let critical = stack.critical_received().await;
    assert_eq!(ids(&critical).len(), 1, "{critical:#?}");
    assert_eq!(critical[0].json, breaching[0]);
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
    assert_eq!(later["firing"], json!([]));
    let resolved = stack.everything_received().await;
    let subjects: Vec<_> = resolved
        .iter()
        .map(|r| r.subject.as_deref().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["[RESOLVED] Churn rate 3%", "[RESOLVED] LTV/CAC ratio 3.659"]
    );
    let recovered = documents("documents-recovered.json");
    let received: Vec<&Value> = resolved.iter().map(|r| &r.json).collect();
    assert_eq!(received, [&recovered[0], &recovered[1]]);

    // The critical-only subscriber hears the resolve of the critical alert, not the other.
    let critical = stack.critical_received().await;
    assert_eq!(ids(&critical).len(), 1, "{critical:#?}");
    assert_eq!(critical[0].json, recovered[0]);
    assert_eq!(critical[0].attributes["severity"], "ok");
    assert_eq!(critical[0].attributes["incident_severity"], "critical");

    // DynamoDB after the resolve: every rule ok at T2, the built-in health rule of the
    // file source included, the outbox empty, two snapshots.
    let loaded = stack.store().load(&[]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, Some(T2.parse().unwrap()));
    let states: Vec<(&str, &str)> = loaded
        .states
        .iter()
        .map(|(id, state)| (id.as_str(), state.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            ("churn-rate", "ok"),
            ("ltv-cac", "ok"),
            ("source-health:dashboard", "ok")
        ]
    );
    assert!(loaded.outbox.is_empty(), "{:#?}", loaded.outbox);
    let taken: Vec<String> = stack
        .store()
        .snapshots(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|s| {
            s.taken_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .collect();
    assert_eq!(taken, [T1, T2]);

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

/// CloudWatch alarms on kpiwatch itself publish to the same topic with no message
/// attributes; the template's default email filter must let them through.
#[tokio::test]
async fn an_alarm_without_attributes_passes_the_default_email_filter() {
    let stack = Stack::new().await;
    let sns = aws_sdk_sns::Client::new(&crate::support::aws::sdk_config().await);
    let alarm = json!({
        "AlarmName": "kpiwatch-FunctionErrorsAlarm", "NewStateValue": "ALARM",
        "NewStateReason": "Threshold Crossed: 2 out of the last 3 datapoints",
    })
    .to_string();
    sns.publish()
        .topic_arn(&stack.topic_arn)
        .subject("ALARM: \"kpiwatch-FunctionErrorsAlarm\" in US East (N. Virginia)")
        .message(&alarm)
        .send()
        .await
        .unwrap();

    let delivered = drain(&stack.sqs, &stack.critical.queue_url).await;
    let bodies: Vec<&str> = delivered.iter().map(|m| m.body().unwrap()).collect();
    assert_eq!(bodies, [alarm.as_str()]);
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
    assert_eq!(stack.last_evaluated_at().await, None);
}

/// A scheduled time years ahead, from a hand-written event, is refused rather than
/// evaluated: evaluating it would make every scheduled run until then a no-op.
#[tokio::test]
async fn an_event_far_ahead_of_the_clock_is_refused_and_later_runs_still_evaluate() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let _function = stack.start_function(&api, &stack.topic_arn);

    let error = api
        .invoke(json!({"scheduled_time": "2099-01-01T00:00:00Z"}))
        .await
        .error();
    assert_eq!(error["errorType"], "InvalidEvent");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("2099-01-01T00:00:00Z") && message.contains("ahead of"),
        "{message}"
    );
    assert_eq!(stack.last_evaluated_at().await, None);

    let scheduled = api.invoke(event("scheduler.json")).await.response();
    assert_eq!(scheduled["notifications_new"], 2, "{scheduled}");
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

    let reported = api.wait_for_init_errors().await;
    assert_eq!(reported.len(), 1, "{reported:?}");
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

#[tokio::test]
async fn started_outside_lambda_the_function_says_what_to_run_instead_of_panicking() {
    let stack = Stack::new().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .envs(crate::support::aws::child_env())
        .env("KPIWATCH_CONFIG", stack.folder.path().join("kpiwatch.yaml"))
        .env("KPIWATCH_TABLE", &stack.table)
        .env("KPIWATCH_TOPIC_ARN", &stack.topic_arn)
        .output()
        .expect("run bootstrap");

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bootstrap runs inside AWS Lambda, which sets AWS_LAMBDA_RUNTIME_API")
            && stderr.contains("kpiwatch run --store dynamodb://TABLE --notify sns://TOPIC_ARN"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn a_table_arn_in_kpiwatch_table_is_reached_in_its_own_region() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let arn = format!(
        "arn:aws:dynamodb:{}:{}:table/{}",
        crate::support::aws::REGION,
        crate::support::aws::ACCOUNT,
        stack.table
    );
    // The emulator keeps each region's tables apart, as AWS does.
    let _function = stack.start_function_with(
        &api,
        &stack.topic_arn,
        &[
            ("KPIWATCH_TABLE", arn),
            ("AWS_REGION", "eu-west-1".to_string()),
        ],
    );

    let summary = api.invoke(event("scheduler.json")).await.response();

    assert_eq!(summary["delivered"], 2, "{summary}");
    assert_eq!(stack.last_evaluated_at().await, Some(T1.parse().unwrap()));
}

#[tokio::test]
async fn a_kpiwatch_table_that_names_no_table_stops_the_function_at_start() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let _function = stack.start_function_with(
        &api,
        &stack.topic_arn,
        &[("KPIWATCH_TABLE", "kpiwatch table".to_string())],
    );

    let reported = api.wait_for_init_errors().await;
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert_eq!(reported[0]["errorType"], "InvalidEnvironment");
    let message = reported[0]["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("KPIWATCH_TABLE: ") && message.contains("a table name is"),
        "{message}"
    );
}

#[tokio::test]
async fn snapshot_retention_can_be_set_by_the_deployment_instead_of_the_config() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let _function = stack.start_function_with(
        &api,
        &stack.topic_arn,
        &[("KPIWATCH_RETENTION_DAYS", "7".to_string())],
    );

    let summary = api.invoke(event("scheduler.json")).await.response();

    assert_eq!(summary["delivered"], 2, "{summary}");
    let snapshots = stack
        .dynamodb
        .query()
        .table_name(&stack.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S("snapshot".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(snapshots.items().len(), 1);
    let t: chrono::DateTime<chrono::Utc> = T1.parse().unwrap();
    let expires_at = snapshots.items()[0][kpiwatch::store::TTL_ATTRIBUTE]
        .as_n()
        .unwrap()
        .clone();
    assert_eq!(expires_at, (t.timestamp() + 7 * 86_400).to_string());
}

#[tokio::test]
async fn a_snapshot_retention_that_is_not_a_number_of_days_stops_the_function_at_start() {
    let stack = Stack::new().await;
    let api = RuntimeApi::start().await;
    let _function = stack.start_function_with(
        &api,
        &stack.topic_arn,
        &[("KPIWATCH_RETENTION_DAYS", "90d".to_string())],
    );

    let reported = api.wait_for_init_errors().await;
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert_eq!(reported[0]["errorType"], "InvalidEnvironment");
    assert_eq!(
        reported[0]["errorMessage"],
        "KPIWATCH_RETENTION_DAYS: `90d` is not a whole number of days (0 keeps the config's \
         `retention`)"
    );
}
