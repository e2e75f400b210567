use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use kpiwatch::config::{Header, HttpSource, SecretValue, SourceKind};
use kpiwatch::model::Snapshot;
use kpiwatch::sources::MAX_DOCUMENT_BYTES;

use crate::support::http_server::{self, Behaviour};
use crate::{collect, failure};

fn http(url: url::Url, timeout: Duration, headers: Vec<Header>) -> SourceKind {
    SourceKind::Http(HttpSource {
        url,
        timeout,
        headers,
    })
}

/// Collects one source, `billing`, from a server that answers with `behaviour`; the
/// server is returned for its record of the requests.
async fn collect_from(behaviour: Behaviour, timeout: Duration) -> (http_server::Server, Snapshot) {
    let api = http_server::start(behaviour);
    let snapshot = collect(vec![("billing", http(api.url("/kpis"), timeout, vec![]))]).await;
    (api, snapshot)
}

#[tokio::test]
async fn a_json_api_gives_flat_metrics_and_receives_the_configured_headers() {
    let api = http_server::start(http_server::json(
        r#"{"growth":{"mrr":{"value":48200}},"ok":true}"#,
    ));
    // Cargo sets CARGO_PKG_NAME for every test process, so no test has to call the
    // thread-unsafe `set_var`.
    let headers = vec![
        Header {
            name: "Authorization".into(),
            value: SecretValue::Env("CARGO_PKG_NAME".into()),
        },
        Header {
            name: "X-Team".into(),
            value: SecretValue::Literal("growth".into()),
        },
    ];
    let snapshot = collect(vec![(
        "billing",
        http(api.url("/kpis"), Duration::from_secs(5), headers),
    )])
    .await;

    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(snapshot.metric("growth.mrr.value"), Some(48200.0));
    assert_eq!(snapshot.metrics.len(), 1);
    let request = api.requests.lock().unwrap()[0].to_lowercase();
    assert!(request.starts_with("get /kpis http/1.1"), "{request}");
    assert!(request.contains("authorization: kpiwatch"), "{request}");
    assert!(request.contains("x-team: growth"), "{request}");
    assert!(request.contains("accept: application/json"), "{request}");
}

#[tokio::test]
async fn a_gzip_response_is_decoded_and_gzip_is_asked_for() {
    let body = r#"{"retention":{"churnRate":6.2},"regions":[{"p99":120}]}"#;
    let (api, snapshot) = collect_from(Behaviour::Gzip(body.into()), Duration::from_secs(5)).await;

    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(snapshot.metric("retention.churnRate"), Some(6.2));
    assert_eq!(snapshot.metric("regions.0.p99"), Some(120.0));
    let request = api.requests.lock().unwrap()[0].to_lowercase();
    assert!(request.contains("accept-encoding: gzip"), "{request}");
}

#[tokio::test]
async fn a_gzip_body_that_inflates_past_the_limit_is_refused() {
    // About 9 KiB on the wire.
    let bomb = format!("[{}0]", "0,".repeat(MAX_DOCUMENT_BYTES / 2 + 1));
    let (_api, snapshot) = collect_from(Behaviour::Gzip(bomb), Duration::from_secs(20)).await;
    assert_eq!(
        failure(&snapshot, "billing"),
        format!("document larger than {MAX_DOCUMENT_BYTES} bytes")
    );
}

#[tokio::test]
async fn a_body_that_starts_with_a_byte_order_mark_is_read() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(br#"{"support": {"nps": 31}}"#);
    let behaviour = Behaviour::Respond {
        status: "200 OK",
        content_type: "application/json; charset=utf-8",
        body,
    };
    let (_api, snapshot) = collect_from(behaviour, Duration::from_secs(5)).await;
    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(snapshot.metric("support.nps"), Some(31.0));
}

#[tokio::test]
async fn a_server_that_never_answers_fails_at_the_timeout_and_others_still_deliver() {
    let silent = http_server::start(Behaviour::Hang(Duration::from_secs(30)));
    let healthy = http_server::start(http_server::json(r#"{"uptime": 99.95}"#));
    let started = Instant::now();
    let snapshot = collect(vec![
        (
            "silent",
            http(silent.url("/"), Duration::from_millis(500), vec![]),
        ),
        (
            "healthy",
            http(healthy.url("/"), Duration::from_secs(5), vec![]),
        ),
    ])
    .await;

    assert_eq!(failure(&snapshot, "silent"), "no response within 500ms");
    assert_eq!(snapshot.metric("uptime"), Some(99.95));
    // Bounded by the timeout, not by the server's 30 seconds. Generous for slow machines.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn sources_are_fetched_at_the_same_time() {
    // The server answers nobody until three requests wait at once: sources fetched one
    // after another would all time out.
    let api = http_server::start(Behaviour::AllAtOnce {
        arrived: Arc::new(Barrier::new(3)),
        body: r#"{"up": 1}"#.to_string(),
    });
    let timeout = Duration::from_secs(5);
    let snapshot = collect(vec![
        ("a", http(api.url("/a"), timeout, vec![])),
        ("b", http(api.url("/b"), timeout, vec![])),
        ("c", http(api.url("/c"), timeout, vec![])),
    ])
    .await;
    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(api.requests.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_html_page_is_a_failure_that_quotes_its_start() {
    let proxy = http_server::start(Behaviour::Respond {
        status: "200 OK",
        content_type: "text/html",
        body: b"<!DOCTYPE html>\n<html><body>Sign in</body></html>".to_vec(),
    });
    let snapshot = collect(vec![(
        "billing",
        http(proxy.url("/"), Duration::from_secs(5), vec![]),
    )])
    .await;
    let error = failure(&snapshot, "billing");
    assert!(
        error.starts_with("not valid JSON: expected value at line 1 column 1"),
        "{error}"
    );
    assert!(
        error.ends_with("(body starts with `<!DOCTYPE html>`)"),
        "{error}"
    );
    assert!(snapshot.metrics.is_empty());
}

#[tokio::test]
async fn an_error_status_names_the_status_and_the_body() {
    let api = http_server::start(Behaviour::Respond {
        status: "503 Service Unavailable",
        content_type: "text/plain",
        body: b"upstream overloaded".to_vec(),
    });
    let snapshot = collect(vec![(
        "billing",
        http(api.url("/"), Duration::from_secs(5), vec![]),
    )])
    .await;
    assert_eq!(
        failure(&snapshot, "billing"),
        "HTTP 503 Service Unavailable (body starts with `upstream overloaded`)"
    );
}

#[tokio::test]
async fn a_success_with_no_content_is_a_failure_that_says_the_body_is_empty() {
    let behaviour = Behaviour::Respond {
        status: "204 No Content",
        content_type: "application/json",
        body: Vec::new(),
    };
    let (_api, snapshot) = collect_from(behaviour, Duration::from_secs(5)).await;
    assert_eq!(
        failure(&snapshot, "billing"),
        "not valid JSON: the document is empty"
    );
}

#[tokio::test]
async fn truncated_json_is_a_failure_with_its_position() {
    let api = http_server::start(http_server::json(r#"{"retention": {"churnRate": 6."#));
    let snapshot = collect(vec![(
        "billing",
        http(api.url("/"), Duration::from_secs(5), vec![]),
    )])
    .await;
    let error = failure(&snapshot, "billing");
    assert!(error.contains("line 1 column"), "{error}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let huge = format!("[{}0]", "0,".repeat(MAX_DOCUMENT_BYTES / 2 + 1));
    let api = http_server::start(Behaviour::Respond {
        status: "200 OK",
        content_type: "application/json",
        body: huge.into_bytes(),
    });
    let snapshot = collect(vec![(
        "big",
        http(api.url("/"), Duration::from_secs(20), vec![]),
    )])
    .await;
    assert_eq!(
        failure(&snapshot, "big"),
        format!("document larger than {MAX_DOCUMENT_BYTES} bytes")
    );
}

#[tokio::test]
async fn a_refused_connection_says_so() {
    // Bind then drop, so that the port is very likely closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/").parse().unwrap();
    let snapshot = collect(vec![("down", http(url, Duration::from_secs(5), vec![]))]).await;
    let error = failure(&snapshot, "down");
    assert!(error.starts_with("request failed:"), "{error}");
    assert!(error.to_lowercase().contains("refused"), "{error}");
}

#[tokio::test]
async fn a_token_in_the_query_string_stays_out_of_the_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/kpis?api_key=hunter2&team=growth")
        .parse()
        .unwrap();
    let snapshot = collect(vec![("down", http(url, Duration::from_secs(5), vec![]))]).await;
    let error = failure(&snapshot, "down");
    assert!(
        error.contains(&format!("127.0.0.1:{port}/kpis?...")),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
}

#[tokio::test]
async fn a_missing_environment_variable_fails_without_sending() {
    let api = http_server::start(http_server::json("{}"));
    let headers = vec![Header {
        name: "Authorization".into(),
        value: SecretValue::Env("KPIWATCH_TEST_UNSET_VARIABLE".into()),
    }];
    let snapshot = collect(vec![(
        "billing",
        http(api.url("/"), Duration::from_secs(5), headers),
    )])
    .await;
    assert_eq!(
        failure(&snapshot, "billing"),
        "header Authorization: environment variable KPIWATCH_TEST_UNSET_VARIABLE is not set"
    );
    assert!(api.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn deep_nesting_is_refused_without_a_crash() {
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let api = http_server::start(http_server::json(&deep));
    let snapshot = collect(vec![(
        "deep",
        http(api.url("/"), Duration::from_secs(5), vec![]),
    )])
    .await;
    let error = failure(&snapshot, "deep");
    assert!(error.contains("recursion limit exceeded"), "{error}");
}
