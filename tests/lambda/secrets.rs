use std::time::Duration;

use crate::runtime_api::RuntimeApi;
use crate::stack::{Stack, event};
use crate::support::aws::{create_secret, sdk_config, unique};
use crate::support::http_server;

/// Gives the function a config whose HTTP source sends the secret `name` as its
/// `Authorization` header, beside the stack's file source and rules.
fn use_secret_header(stack: &Stack, url: &url::Url, name: &str) {
    let path = stack.folder.path().join("kpiwatch.yaml");
    let config = std::fs::read_to_string(&path).unwrap().replacen(
        "sources:\n",
        &format!(
            "sources:\n  - id: billing\n    http:\n      url: {url}\n      \
             headers: {{ Authorization: \"secret:{name}\" }}\n"
        ),
        1,
    );
    std::fs::write(path, config).unwrap();
}

#[tokio::test]
async fn the_function_reads_a_header_secret_and_logs_no_value_even_at_trace() {
    let stack = Stack::new().await;
    let secrets_manager = aws_sdk_secretsmanager::Client::new(&sdk_config().await);
    let name = unique("kpiwatch/billing");
    create_secret(&secrets_manager, &name, "Bearer hunter2-lambda").await;
    let billing = http_server::start(http_server::json(r#"{"billing": {"mrr": 48200}}"#));
    use_secret_header(&stack, &billing.url("/kpis"), &name);
    let api = RuntimeApi::start().await;
    let function = stack.start_function_with(
        &api,
        &stack.topic_arn,
        &[("AWS_LAMBDA_LOG_LEVEL", "TRACE".to_string())],
    );

    let summary = api.invoke(event("scheduler.json")).await.response();

    assert_eq!(
        summary["source_failures"],
        serde_json::json!([]),
        "{summary}"
    );
    assert_eq!(summary["sources_ok"], 2, "{summary}");
    let request = billing.requests.lock().unwrap()[0].to_lowercase();
    assert!(
        request.contains("authorization: bearer hunter2-lambda\r\n"),
        "{request}"
    );
    let logs: Vec<String> = function
        .log_lines()
        .iter()
        .map(|line| line.to_string())
        .collect();
    assert!(
        logs.iter()
            .any(|line| line.contains("secret read from AWS")),
        "{logs:#?}"
    );
    assert!(
        logs.iter().all(|line| !line.contains("hunter2")),
        "{logs:#?}"
    );
}

#[tokio::test]
async fn a_function_whose_config_names_a_secret_calls_no_aws_service_before_its_first_event() {
    let stack = Stack::new().await;
    let billing = http_server::start(http_server::json("{}"));
    use_secret_header(&stack, &billing.url("/kpis"), "kpiwatch/billing");
    // An endpoint that answers nothing and only notices connections.
    let endpoint = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    endpoint.set_nonblocking(true).unwrap();
    let url = format!("http://{}", endpoint.local_addr().unwrap());

    let api = RuntimeApi::start().await;
    let _function = stack.start_function_with(&api, &stack.topic_arn, &[("AWS_ENDPOINT_URL", url)]);
    api.wait_for_pollers(1).await;
    // Polling for an event is the last step of start-up; a lazy client that misbehaved
    // would connect right after it.
    tokio::time::sleep(Duration::from_millis(200)).await;

    match endpoint.accept() {
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the function connected to AWS before its first event: {other:?}"),
    }
    assert!(billing.requests.lock().unwrap().is_empty());
}
